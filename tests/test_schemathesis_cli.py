"""An independent tool's verdict: schemathesis' own CLI, every default phase and check, no failures.

Runs ``schemathesis run generated/openapi.json --url … -H "Authorization: Bearer …"`` from the
repository root (so ``schemathesis.toml`` applies: the one hook for the spec's unexpressible PEM
rule) against a ``voicecontract serve`` process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support.agreement import SEED
from tests.support.servers import server_process

TOKEN = "schemathesis-token"


@pytest.mark.slow
def test_schemathesis_cli_finds_no_failures(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    with server_process(["--db", ":memory:", "--token", TOKEN]) as srv:
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "schemathesis"), "run", "generated/openapi.json", "--url", srv.url,
             "-H", f"Authorization: Bearer {TOKEN}", "--seed", str(SEED), "--workers", "1",  # 2 threads trip CPython 3.11's AST race (#106905)
             "--report", "junit", "--report-junit-path", str(junit), "--no-color"],
            cwd=ROOT, capture_output=True, text=True, check=False, timeout=900,
        )
    tail = proc.stdout[-6000:]
    assert proc.returncode == 0, tail
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in proc.stdout, tail
    assert "failures" not in proc.stdout.split("SUMMARY")[-1].lower() or " 0 failures" in proc.stdout, tail
    assert TOKEN not in junit.read_text(encoding="utf-8")
