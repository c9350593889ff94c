"""The benchmarks stay runnable: each bench/ script imports cleanly (they are run by hand, `make bench`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

BENCHES = sorted((ROOT / "bench").glob("*.py"))


@pytest.mark.parametrize("script", BENCHES, ids=[p.name for p in BENCHES])
def test_bench_script_imports(script: Path) -> None:
    code = ("import importlib.util, sys\n"
            f"spec = importlib.util.spec_from_file_location('bench_module', {str(script)!r})\n"
            "module = importlib.util.module_from_spec(spec)\n"
            "spec.loader.exec_module(module)\n"
            "assert callable(getattr(module, 'main', None)), 'no main()'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
