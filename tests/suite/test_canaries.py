"""No report, log or message of a run holds a secret: canaries planted in the credentials are looked for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.agreement import SEED
from tests.support.servers import server_process

VC = [sys.executable, "-m", "voicecontract.cli"]


# --------------------------------------------------------------------------- canaries in every artifact


@pytest.mark.slow
@pytest.mark.parametrize("server", ["echoes_secret", "clean"])
def test_no_report_or_log_contains_a_canary(tmp_path: Path, server: str) -> None:
    from voicecontract.recipes import canary

    marker = canary(11)
    junit, report, log = tmp_path / "junit.xml", tmp_path / "report.json", tmp_path / "run.log"
    markdown, page = tmp_path / "summary.md", tmp_path / "report.html"
    db = tmp_path / "server.db"
    args = ["--token", "tok-a", "--token", "tok-b", "--db", str(db), "--log-level", "debug"]  # the chattiest log
    ctx = server_process([server, *args], module="tests.support.serve") if server != "clean" else server_process(args)
    with ctx as srv:
        proc = subprocess.run([*VC, "run", "--base-url", srv.url, "--token", "tok-a", "--second-token", "tok-b",
                               "--phases", "examples,links", "--seed", str(SEED), "--canary", marker,
                               "--junit-xml", str(junit), "--report", str(report), "--summary-md", str(markdown),
                               "--html", str(page)],
                              capture_output=True, text=True, check=False)
        srv.stop()
        server_log = srv.output()
    log.write_text(proc.stdout + proc.stderr, encoding="utf-8")
    if server == "echoes_secret":
        assert proc.returncode == 1 and "[no_secret_echo]" in proc.stdout  # the canary really was echoed
    else:
        assert proc.returncode == 0, proc.stdout[-2000:]
    # the canary really travelled: the server stored it (in its database, where secrets belong)
    import sqlite3

    stored = sqlite3.connect(db).execute("SELECT data FROM resources WHERE kind = 'AccountConnection'").fetchall()
    assert any(marker[:10] in row[0] for row in stored)
    if server == "echoes_secret":  # the failure (and its curl) is in every report, masked
        assert all("no_secret_echo" in a.read_text(encoding="utf-8") for a in (junit, report, markdown, page))
    for artifact in (junit, report, log, markdown, page):
        text = artifact.read_text(encoding="utf-8")
        assert marker[:10] not in text and "tok-a" not in text, artifact.name
    assert marker[:10] not in server_log
