"""The pytest plugin in someone else's project: one item per operation, the same verdict as the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support.agreement import SEED
from tests.support.servers import server_process

VC = [sys.executable, "-m", "voicecontract.cli"]


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
    with server_process(["stale_read", "--token", "tok-a", "--token", "tok-b"], module="tests.support.serve") as srv:
        bad = subprocess.run([*base, "--voicecontract-url", srv.url], cwd=scratch, capture_output=True, text=True,
                             check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert bad.returncode == 1 and "[read_after_write]" in bad.stdout, bad.stdout[-3000:]
    assert "voicecontract[POST /v1/agents/update]" in bad.stdout




@pytest.mark.slow
@pytest.mark.parametrize(("server", "item", "check"), [
    ("drops_every_connection", "voicecontract[POST /v1/agents/create]", "[transport]"),
    ("update_not_applied", "voicecontract[POST /v1/agents/update]", "[write_applied]"),
])
def test_the_plugin_fails_the_items_the_cli_names(tmp_path: Path, server: str, item: str, check: str) -> None:
    """The CLI and the plugin reach the same verdict from the same result: exit 1 and the failure named."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with server_process([server, "--token", "tok-a", "--token", "tok-b"], module="tests.support.serve") as srv:
        cli = subprocess.run([*VC, "run", "--base-url", srv.url, "--token", "tok-a", "--second-token", "tok-b",
                              "--phases", "links", "--seed", str(SEED)], capture_output=True, text=True, check=False)
        plugin = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--voicecontract-url",
                                 srv.url, "--voicecontract-token", "tok-a", "--voicecontract-second-token", "tok-b",
                                 "--voicecontract-phases", "links", "--voicecontract-seed", str(SEED)],
                                cwd=tmp_path, capture_output=True, text=True, check=False, env=env)
    assert cli.returncode == 1 and check in cli.stdout, cli.stdout[-3000:] + cli.stderr
    assert plugin.returncode == 1 and check in plugin.stdout, plugin.stdout[-3000:]
    assert f"FAILED {item}" in plugin.stdout or f"{item} FAILED" in plugin.stdout or item in plugin.stdout
