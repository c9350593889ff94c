"""`voicecontract validate` on files and stdin, with the documented exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from voicecontract.recipes import credentials


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "voicecontract.cli", "validate", *args], input=stdin, capture_output=True, check=False
    )


def test_valid_file_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "twilio.json"
    path.write_text(json.dumps(credentials("twilio")), encoding="utf-8")
    proc = run(str(path), "--type", "twilio")
    assert proc.returncode == 0, proc.stderr
    assert b"valid, 0 warning(s)" in proc.stdout


def test_invalid_stdin_exits_1_with_path_message_code() -> None:
    creds = {**credentials("twilio"), "twilio_account_sid": "SK" + "ab" * 16}
    proc = run("-", "--type", "account_connection_twilio", stdin=json.dumps(creds).encode())
    assert proc.returncode == 1
    assert proc.stdout.decode().splitlines() == [
        "/twilio_account_sid: this is another kind of Twilio SID; an Account SID starts with AC [twilio.sid_kind]"
    ]


def test_warnings_are_shown_but_valid_unless_strict() -> None:
    creds = {**credentials("deepgram"), "deepgram_api_key": "dg_" + "a" * 30}
    proc = run("--type", "deepgram", stdin=json.dumps(creds).encode())
    assert proc.returncode == 0 and b"warning: Deepgram keys are" in proc.stdout
    assert run("--type", "deepgram", "--strict", stdin=json.dumps(creds).encode()).returncode == 1


def test_json_format() -> None:
    proc = run("--schema", "UpdateNumberRequest", "--format", "json", stdin=b'{"label": 5, "extra": 1}')
    assert proc.returncode == 1
    data: dict[str, Any] = json.loads(proc.stdout)
    assert data["valid"] is False
    assert {(e["path"], e["code"]) for e in data["errors"]} == {("/label", "type"), ("/extra", "extra_field")}


def test_connection_documents_need_no_flag() -> None:
    doc = {"type": "account_connection_openai", "credentials": credentials("openai")}
    assert run(stdin=json.dumps(doc).encode()).returncode == 0


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("--type", "skype", stdin=b"{}").returncode == 2
    assert run("--schema", "Nope", stdin=b"{}").returncode == 2
    assert run(str(tmp_path / "missing.json"), "--type", "twilio").returncode == 2
    proc = run(stdin=b'{"a": 1}')
    assert proc.returncode == 2 and b"--type" in proc.stderr


def test_bad_bytes_are_an_invalid_document_not_a_traceback() -> None:
    cases = [(b"\xff\xfe\x00", b"[invalid_json]"), (b"{", b"[invalid_json]"), (b"NaN", b"[invalid_json]"),
             (b'{"twilio_account_sid": Infinity}', b"[invalid_json]"), (b'{"a": 1e400}', b"[invalid_json]"),
             (b'{"a": 1, "a": 2}', b"[invalid_json]"), (b"[" * 50000, b"[too_deep]"),
             (b"[" * 70 + b"]" * 70, b"[too_deep]"), (b"1" * 5000, b"[invalid_json]")]
    for raw, code in cases:
        proc = run("--type", "twilio", stdin=raw)
        assert proc.returncode == 1, raw[:10]
        assert b"Traceback" not in proc.stderr + proc.stdout
        assert code in proc.stdout, (raw[:20], proc.stdout)


def test_help_explains_the_exit_codes() -> None:
    proc = run("--help")
    assert proc.returncode == 0 and b"Exit 0 valid" in proc.stdout
