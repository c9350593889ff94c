"""The contract suite: the default run, the CLI, the checks one by one, mutants, the plugin, canaries."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.mutants import MUTANTS
from tests.mutants.score import run_against
from tests.support.agreement import SEED
from tests.support.servers import server_process
from voicecontract.cli import main
from voicecontract.suite.checks import errors, secrets

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
    for phase in ("examples", "coverage", "fuzzing", "stateful", "links"):
        assert f"phase {phase}" in out
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


# --------------------------------------------------------------------------- the checks, one by one


def fake_case(op_id: str, *, body: Any = None, query: dict[str, Any] | None = None, token: str = "tok") -> Any:
    from voicecontract.spec import index

    op = index().operations[op_id]
    operation = SimpleNamespace(label=op.label, schema=None)
    return SimpleNamespace(operation=operation, body=body, query=query or {}, method=op.method, path=op.path, id="c1",
                           headers={"Authorization": f"Bearer {token}"})


def fake_run(token: str = "tok") -> Any:
    from voicecontract.spec import index, packaged_spec
    from voicecontract.suite.context import RunContext
    from voicecontract.suite.fixtures import Fixtures
    from voicecontract.suite.masking import Scrubber
    from voicecontract.suite.options import RunOptions
    from voicecontract.suite.target import Target

    return RunContext(RunOptions(), 1, packaged_spec(), index(), Target(token=token), Fixtures(), Scrubber([token]))


def fake_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Any:
    text = json.dumps(body)
    return SimpleNamespace(status_code=status, text=text, headers=headers or {}, json=lambda: json.loads(text))


RUN = fake_run()


def test_no_secret_echo() -> None:
    secret = "sk-proj-" + "Zq9" * 20
    case = fake_case("create_account_connection",
                     body={"type": "account_connection_openai", "credentials": {"openai_api_key": secret}})
    secrets.no_secret_echo(RUN, fake_response(201, {"credentials": {"openai_api_key": "****" + secret[-4:]}}), case)
    with pytest.raises(AssertionError, match="repeats a secret"):
        secrets.no_secret_echo(RUN, fake_response(201, {"credentials": {"openai_api_key": secret}}), case)
    with pytest.raises(AssertionError, match="header"):
        secrets.no_secret_echo(RUN, fake_response(201, {}, {"x-debug": secret[5:30]}), case)
    with pytest.raises(AssertionError):  # the bearer token is a secret too
        secrets.no_secret_echo(RUN, fake_response(200, {"token": "tok-" + "t" * 20}), fake_case(
            "list_numbers", token="tok-" + "t" * 20))


def test_error_body() -> None:
    case = fake_case("update_number", body={"label": 5}, query={"phone_number": "+14155550100"})
    good = {"statusCode": 400, "message": "m", "error": "Bad Request",
            "issues": [{"path": "/body/label", "code": "type", "message": "x"},
                       {"path": "/body/description", "code": "missing", "message": "x"}]}
    errors.error_body(RUN, fake_response(400, good), case)
    with pytest.raises(AssertionError, match="names no field"):
        errors.error_body(RUN, fake_response(400, {**good, "issues": [{"path": "/body/nope", "code": "type",
                                                                        "message": "x"}]}), case)
    with pytest.raises(AssertionError, match="does not point into the request"):
        errors.error_body(RUN, fake_response(400, {**good, "issues": [{"path": "/label", "code": "type",
                                                                        "message": "x"}]}), case)
    with pytest.raises(AssertionError, match="not the spec's error body"):
        errors.error_body(RUN, fake_response(404, {"detail": "Not Found"}), case)
    with pytest.raises(AssertionError, match="statusCode"):
        errors.error_body(RUN, fake_response(404, {**good, "statusCode": 400, "issues": []}), case)


def test_page_consistency() -> None:
    case = fake_case("list_numbers", query={"page": 2, "size": 2})
    page = {"items": [{}], "page": 2, "size": 2, "has_more": False, "total": 3, "total_is_estimated": False}
    errors.page_consistency(RUN, fake_response(200, page), case)
    for broken, message in (({"total": 4}, "holds 1 items"), ({"has_more": True}, "has_more"),
                            ({"page": 1}, "echo"), ({"items": [{}, {}, {}]}, "3 items on a page of size 2")):
        with pytest.raises(AssertionError, match=message):
            errors.page_consistency(RUN, fake_response(200, {**page, **broken}), case)


# --------------------------------------------------------------------------- mutants


SUITE_MUTANTS = [m for m in MUTANTS.values() if m.in_suite]


def test_there_are_at_least_twelve_mutants_and_every_custom_check_kills_one() -> None:
    assert len(SUITE_MUTANTS) >= 12
    assert CUSTOM <= {m.caught_by for m in SUITE_MUTANTS}


@pytest.mark.slow
@pytest.mark.parametrize("mutant", SUITE_MUTANTS, ids=[m.name for m in SUITE_MUTANTS])
def test_each_mutant_is_caught_by_its_check(mutant: Any) -> None:
    outcome = run_against(mutant.name, mutant.phases, mutant.caught_by)
    assert outcome.caught, f"{mutant.name} ({mutant.fault}) was not caught by {mutant.caught_by}; {outcome.checks}"


@pytest.mark.slow
def test_the_clean_server_passes_over_http() -> None:
    # The coverage phase is left out here: test_default_run_against_the_embedded_server runs it (and
    # `make mutants` runs the clean server through every phase the mutants use).
    phases = tuple(sorted({p for m in SUITE_MUTANTS for p in m.phases} - {"coverage"}))
    assert run_against("clean", phases, "", mutant=False).checks == []


# --------------------------------------------------------------------------- the pytest plugin


@pytest.mark.slow
def test_pytest_plugin_from_a_scratch_directory(tmp_path: Path) -> None:
    scratch = tmp_path / "elsewhere"
    scratch.mkdir()
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--voicecontract-token", "tok-a",
            "--voicecontract-second-token", "tok-b", "--voicecontract-phases", "examples,links",
            "--voicecontract-seed", str(SEED)]
    with server_process(["--db", ":memory:", "--token", "tok-a", "--token", "tok-b"]) as srv:
        ok = subprocess.run([*base, "--voicecontract-url", srv.url], cwd=scratch, capture_output=True, text=True,
                            check=False)
    assert ok.returncode == 0, ok.stdout[-3000:]
    from voicecontract.spec import index

    assert f"{len(index().operations) + 3} passed" in ok.stdout  # the operations, the links and two catch-alls
    with server_process(["stale_read", "--token", "tok-a", "--token", "tok-b"], module="tests.mutants") as srv:
        bad = subprocess.run([*base, "--voicecontract-url", srv.url], cwd=scratch, capture_output=True, text=True,
                             check=False, env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert bad.returncode == 1 and "[read_after_write]" in bad.stdout, bad.stdout[-3000:]
    assert "voicecontract[POST /v1/agents/update]" in bad.stdout


# --------------------------------------------------------------------------- canaries in every artifact


@pytest.mark.slow
@pytest.mark.parametrize("server", ["echoes_secret", "clean"])
def test_no_report_or_log_contains_a_canary(tmp_path: Path, server: str) -> None:
    from voicecontract.recipes import canary

    marker = canary(11)
    junit, report, log = tmp_path / "junit.xml", tmp_path / "report.json", tmp_path / "run.log"
    db = tmp_path / "server.db"
    args = ["--token", "tok-a", "--token", "tok-b", "--db", str(db)]
    ctx = server_process([server, *args], module="tests.mutants") if server != "clean" else server_process(args)
    with ctx as srv:
        proc = subprocess.run([*VC, "run", "--base-url", srv.url, "--token", "tok-a", "--second-token", "tok-b",
                               "--phases", "examples,links", "--seed", str(SEED), "--canary", marker,
                               "--junit-xml", str(junit), "--report", str(report)],
                              capture_output=True, text=True, check=False)
        srv.proc.terminate()
        server_log = (srv.proc.stderr.read() if srv.proc.stderr else "")
    log.write_text(proc.stdout + proc.stderr, encoding="utf-8")
    if server == "echoes_secret":
        assert proc.returncode == 1 and "[no_secret_echo]" in proc.stdout  # the canary really was echoed
    else:
        assert proc.returncode == 0, proc.stdout[-2000:]
    # the canary really travelled: the server stored it (in its database, where secrets belong)
    import sqlite3

    stored = sqlite3.connect(db).execute("SELECT data FROM resources WHERE kind = 'AccountConnection'").fetchall()
    assert any(marker[:10] in row[0] for row in stored)
    for artifact in (junit, report, log):
        text = artifact.read_text(encoding="utf-8")
        assert marker[:10] not in text and "tok-a" not in text, artifact.name
    assert marker[:10] not in server_log
