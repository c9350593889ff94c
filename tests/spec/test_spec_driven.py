"""Adding a connection type or a field to the spec and running `generate` is the whole change.

The project is copied to a temp dir, its spec patched (tests/support/specpatch.py: a new LLM
connection type and a new optional field on numbers), `voicecontract generate` regenerates the
models, and then lint, the validators, the reference server and a short contract run all handle
the result, with no edit outside the spec.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.support.specpatch import FIELD, TYPE, patched
from voicecontract.spec import load_spec_file


def _copy_project(dest: Path) -> None:
    for name in ("src", "generated", "spec"):
        shutil.copytree(ROOT / name, dest / name, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")


def _run(args: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd / "src")}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.mark.slow
def test_a_new_connection_type_and_field_need_no_edit_outside_the_spec(tmp_path: Path) -> None:
    _copy_project(tmp_path)
    spec_file = tmp_path / "spec" / "openapi.yaml"
    spec_file.write_text(yaml.safe_dump(patched(load_spec_file(spec_file)), sort_keys=False, allow_unicode=True),
                         encoding="utf-8")
    cli = ["-m", "voicecontract.cli"]

    where = _run([*cli, "generate"], tmp_path)
    assert where.returncode == 0, where.stdout + where.stderr
    assert TYPE in (tmp_path / "generated" / "openapi.json").read_text(encoding="utf-8")
    probe = _run(["-c", "import voicecontract; print(voicecontract.__file__)"], tmp_path)
    assert probe.stdout.strip().startswith(str(tmp_path)), "the copy, not the checkout, must be imported"

    lint = _run([*cli, "lint", "spec/openapi.yaml"], tmp_path)
    assert lint.returncode == 0, lint.stdout + lint.stderr

    shutil.copy(ROOT / "tests" / "support" / "spec_driven_probe.py", tmp_path / "probe.py")
    done = _run(["probe.py", TYPE, FIELD], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "validators: ok" in done.stdout and "reference server: ok" in done.stdout

    run = _run([*cli, "run", "--phases", "examples,links", "--max-examples", "3", "--seed", "7"], tmp_path)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr
    assert "passed:" in run.stdout
