"""`voicecontract run`: the default run, the CLI against a process, usage errors and options."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.agreement import SEED
from tests.support.servers import server_process
from voicecontract.cli import main

VC = [sys.executable, "-m", "voicecontract.cli"]
CUSTOM = {"write_applied", "read_after_write", "no_secret_echo", "tenant_isolation", "error_body", "page_consistency"}


# --------------------------------------------------------------------------- the default run


@pytest.mark.slow
def test_default_run_against_the_embedded_server(tmp_path: Path, capsys: Any) -> None:
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    code = main(["run", "--seed", str(SEED), "--junit-xml", str(junit), "--report", str(report)])
    out = capsys.readouterr().out
    assert code == 0, out[-4000:]
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["failures"] == [] and data["cases"] >= 1000
    assert data["unreached_operations"] == []
    assert len(data["links"]["followed"]) == 20 and data["links"]["not_followed"] == {}
    assert data["coverage"]["percent"] == 100.0
    assert CUSTOM <= set(data["checks"]) and "response_schema_conformance" in data["checks"]
    for phase in ("examples", "stateful", "links"):
        assert f"phase {phase}" in out
    # coverage and fuzzing: in worker processes where there are several cores, else here
    from voicecontract.suite.shards import usable_cores

    if usable_cores() > 1:
        assert "phases coverage, fuzzing in 2 processes" in out or "phases coverage, fuzzing in " in out
    else:
        assert "phase coverage" in out and "phase fuzzing" in out
    assert all(f"coverage  {label} " in out for label in data["operations"] if label.startswith(("GET", "POST")))
    assert "operation " in out and "status codes seen" in out and "coverage: 100.0%" in out
    assert 'failures="0"' in junit.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the CLI against a process


@pytest.mark.slow
def test_cli_against_a_separately_started_server(tmp_path: Path) -> None:
    with server_process(["--db", str(tmp_path / "vc.db"), "--token", "tok-a", "--token", "tok-b"]) as srv:
        proc = subprocess.run([*VC, "run", "--base-url", srv.url, "--token", "tok-a", "--second-token", "tok-b",
                               "--phases", "examples,links", "--seed", str(SEED)],
                              capture_output=True, text=True, check=False, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert "passed:" in proc.stdout and "links followed (links phase): 20/20" in proc.stdout


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(("args", "message"), [
    (["--base-url", f"http://127.0.0.1:{_closed_port()}", "--token", "t"], "cannot reach"),
    (["--base-url", "http://127.0.0.1:1"], "--token is required"),
    (["--phases", "examples,teleport"], "unknown phase"),
    (["--checks", "no_such_check"], "unknown check"),
    (["--processes", "0"], "--processes must be at least 1"),
    (["--processes", "many"], "--processes takes a number or auto"),
])
def test_usage_errors_exit_2_without_a_traceback(args: list[str], message: str) -> None:
    proc = subprocess.run([*VC, "run", *args], capture_output=True, text=True, check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_a_refused_token_is_a_usage_error() -> None:
    with server_process(["--db", ":memory:", "--token", "right"]) as srv:
        proc = subprocess.run([*VC, "run", "--base-url", srv.url, "--token", "wrong"], capture_output=True, text=True,
                              check=False)
    assert proc.returncode == 2 and "refused the token" in proc.stderr


def test_fail_under_turns_missing_coverage_into_exit_1(capsys: Any) -> None:
    code = main(["run", "--phases", "examples", "--seed", "1", "--fail-under", "99.5", "--checks",
                 "not_a_server_error"])
    captured = capsys.readouterr()
    assert code == 1 and "under --fail-under" in captured.err


def test_list_checks(capsys: Any) -> None:
    assert main(["run", "--list-checks"]) == 0
    listed = set(capsys.readouterr().out.split())
    assert CUSTOM | {"not_a_server_error", "ignored_auth", "use_after_free"} <= listed




@pytest.mark.slow
@pytest.mark.parametrize(("server", "named"), [
    ("drops_every_connection", "[transport]"),
    ("update_not_applied", "[write_applied]"),
])
def test_broken_servers_exit_1_with_the_failure_named(server: str, named: str) -> None:
    with server_process([server, "--token", "tok-a", "--token", "tok-b"], module="tests.support.serve") as srv:
        proc = subprocess.run([*VC, "run", "--base-url", srv.url, "--token", "tok-a", "--second-token", "tok-b",
                               "--phases", "examples,links", "--seed", str(SEED)], capture_output=True, text=True,
                              check=False)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr
    assert named in proc.stdout and "reproduce: curl" in proc.stdout


@pytest.mark.slow
def test_without_a_second_token_the_run_says_isolation_was_not_checked() -> None:
    from voicecontract.suite.options import RunOptions
    from voicecontract.suite.runner import run_suite

    with server_process(["--db", ":memory:", "--token", "only-tenant"]) as srv:
        result = run_suite(RunOptions(base_url=srv.url, token="only-tenant", phases=("examples",), seed=1,
                                      max_examples=1, checks=("not_a_server_error",)))
    assert sum("tenant isolation was NOT checked" in note for note in result.notes) == 1  # said once
    assert result.passed


def test_the_embedded_server_always_checks_isolation() -> None:
    """Embedded, the run makes the second tenant itself: there is nothing to warn about."""
    from voicecontract.suite.options import RunOptions
    from voicecontract.suite.runner import run_suite
    from voicecontract.suite.target import random_token

    result = run_suite(RunOptions(token=random_token(), phases=("examples",), seed=1, max_examples=1,
                                  checks=("not_a_server_error",)))
    assert not any("NOT checked" in note for note in result.notes)


def test_require_isolation_without_a_second_token_is_a_usage_error() -> None:
    proc = subprocess.run([*VC, "run", "--base-url", "http://127.0.0.1:1", "--token", "t", "--require-isolation"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "--second-token" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(("content", "message"), [
    ("credentials: [1, 2]", "maps a connection type"),
    ("numbers: ['4155550123']", "E.164"),
    ("token: abc", "unknown key"),
    ("credentials: {account_connection_nope: {}}", "unknown connection type"),
    ("fill_collections: maybe", "true or false"),
    ("{unclosed", "not valid YAML"),
])
def test_a_bad_fixtures_file_is_a_usage_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "fixtures.yaml"
    path.write_text(content, encoding="utf-8")
    proc = subprocess.run([*VC, "run", "--fixtures", str(path), "--phases", "links"], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr


def test_auto_workers_are_one_per_operation_against_a_url_and_one_in_process() -> None:
    from voicecontract.suite.options import UsageError
    from voicecontract.suite.runner import MAX_AUTO_WORKERS, resolve_workers

    assert resolve_workers("auto", operations=16) == 16
    assert resolve_workers("auto", operations=100) == MAX_AUTO_WORKERS
    assert resolve_workers("auto", operations=16, in_process=True) == 1
    assert resolve_workers("3", operations=16) == 3 and resolve_workers(5, in_process=True) == 5
    with pytest.raises(UsageError):
        resolve_workers("many")
    with pytest.raises(UsageError):
        resolve_workers(0)


def test_a_run_leaves_the_packaged_spec_that_the_validators_share_as_it_was() -> None:
    """schemathesis' before_load_schema hooks edit the document they get; the run hands them a copy.

    (The hook gives the PEM key schema an ``enum`` of two generated keys; on the shared document the
    validators then rejected every other key, in the same process, after any run: a pytest plugin
    user's own tests would have seen that.)
    """
    from voicecontract.spec.load import packaged_spec, packaged_spec_bytes
    from voicecontract.suite.options import RunOptions
    from voicecontract.suite.runner import run_suite
    from voicecontract.suite.target import random_token

    run_suite(RunOptions(token=random_token(), phases=("examples",), seed=1, max_examples=1, processes=1,
                         checks=("not_a_server_error",)))
    assert packaged_spec() == json.loads(packaged_spec_bytes())
