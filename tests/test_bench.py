"""The benchmarks stay runnable (each imports and has a main), and the load test's verdict can fail."""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.support.servers import server_process

BENCHES = sorted(p.stem for p in (ROOT / "bench").glob("*.py")
                 if "__main__" in p.read_text(encoding="utf-8"))


def test_every_bench_is_listed_by_make_bench() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    line = next(row for row in makefile.splitlines() if "python -m bench." in row)
    assert set(BENCHES) == set(line.split("for f in ")[1].split(";")[0].split())


@pytest.mark.parametrize("name", BENCHES)
def test_bench_imports_and_has_a_main(name: str) -> None:
    code = f"import bench.{name} as m; assert callable(m.main)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize(("server", "loses"), [(None, False), ("stale_read", True)])
def test_the_load_test_finds_lost_writes_only_where_there_are_some(server: str | None, loses: bool) -> None:
    load = importlib.import_module("bench.load")
    args = ["--db", ":memory:", "--token", load.TOKEN]
    ctx = server_process([server, *args], module="tests.support.serve") if server else server_process(args)
    with ctx as srv:
        run, _ = asyncio.run(load.mixed_load(srv.url, 4, 1.0))
        lost = asyncio.run(load.lost_writes(srv.url, run))
    assert sum(len(v) for v in run.latencies.values()) > 50
    assert bool(lost) == loses, lost[:3]
