"""What a user installs, proven from outside the repository.

The wheel is built once per session and installed into fresh virtual environments in a temporary
directory: one with ``voicecontract[all]`` (+ pytest, for the plugin) and one with the core only.
Every command then runs from that venv's own ``bin/``, with the temporary directory as working
directory and no ``PYTHONPATH``: nothing of ``src/`` or the checkout is importable there, which the
first test proves.

Dependencies come from a wheelhouse cached in ``.cache/wheelhouse`` (filled from the package index
the first time, then installed with ``--no-index``), so the test costs seconds, not a download.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WHEELHOUSE = ROOT / ".cache" / "wheelhouse"
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("install")]


@dataclass
class Venv:
    """A fresh virtual environment outside the repository."""

    root: Path
    cwd: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    def env(self) -> dict[str, str]:
        drop = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSTARTUP"}
        env = {k: v for k, v in os.environ.items() if k not in drop}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        return env

    def run(self, *cmd: str | Path, timeout: float = 300, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """Run a command of this venv (``voicecontract``, ``python`` …) from outside the repository."""
        exe = self.bin / str(cmd[0])
        return subprocess.run([str(exe), *map(str, cmd[1:])], cwd=cwd or self.cwd, env=self.env(), text=True,
                              capture_output=True, timeout=timeout, check=False)


def _pip(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # The outer pip installs into the target interpreter (pip --python): the venv needs no pip of its own.
    return subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), *args],
                          capture_output=True, text=True, check=False, timeout=900)


def _forget_our_wheel() -> None:
    """Keep voicecontract's own wheel out of the cache: pip wheel would otherwise reuse a copy with the
    same version but older dependencies, and the offline install of the new one would lack them."""
    for old in WHEELHOUSE.glob("voicecontract-*.whl"):
        old.unlink()


def _install(venv: Path, requirements: Sequence[str]) -> None:
    """Install from the wheelhouse; fill it from the index first when it lacks something."""
    offline = ("install", "--quiet", "--no-index", "--find-links", str(WHEELHOUSE), *requirements)
    if WHEELHOUSE.is_dir():
        _forget_our_wheel()
    proc = _pip(venv, *offline)
    if proc.returncode != 0:
        WHEELHOUSE.mkdir(parents=True, exist_ok=True)
        fill = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(WHEELHOUSE),
                               *requirements], capture_output=True, text=True, check=False, timeout=900)
        _forget_our_wheel()
        assert fill.returncode == 0, fill.stderr[-3000:]
        proc = _pip(venv, *offline)
    assert proc.returncode == 0, proc.stderr[-3000:]


# What a build of the project reads; everything else (the venv, caches, build/ and *.egg-info left by
# other builds) stays out, so a build here never races or reuses another one's state.
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "src", "generated")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    tree = tmp_path_factory.mktemp("tree")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tree / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif source.exists():
            shutil.copy2(source, tree / name)
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(tree)],
                          capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (built,) = out.glob("voicecontract-*.whl")
    return built


def _venv(tmp_path_factory: pytest.TempPathFactory, name: str, requirements: Sequence[str]) -> Venv:
    base = tmp_path_factory.mktemp(name)
    root = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=120)
    _install(root, requirements)
    work = base / "work"
    work.mkdir()
    return Venv(root, work)


@pytest.fixture(scope="module")
def full(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    return _venv(tmp_path_factory, "full", [f"voicecontract[all] @ {wheel.as_uri()}", "pytest"])


@pytest.fixture(scope="module")
def core(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    return _venv(tmp_path_factory, "core", [f"voicecontract @ {wheel.as_uri()}"])


# --------------------------------------------------------------------------- the wheel


def test_the_wheel_holds_every_package_of_the_source_tree(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    src = ROOT / "src"
    packages = {p.parent.relative_to(src).as_posix() for p in src.glob("voicecontract/**/__init__.py")}
    packages.add("voicecontract/_generated")  # the symlink to generated/
    missing = [p for p in sorted(packages) if f"{p}/__init__.py" not in names]
    assert not missing, f"packages left out of the wheel: {missing}"
    assert {"voicecontract/_generated/models.py", "voicecontract/_generated/openapi.json",
            "voicecontract/py.typed"} <= names


def test_the_venv_imports_the_installed_package_not_the_checkout(full: Venv) -> None:
    proc = full.run("python", "-c", "import sys, voicecontract; print(voicecontract.__file__); print(sys.path)")
    assert proc.returncode == 0, proc.stderr
    where, path = proc.stdout.splitlines()
    assert where.startswith(str(full.root)), where
    assert str(ROOT) not in path


def test_version_comes_from_the_package_metadata(full: Venv, wheel: Path) -> None:
    version = wheel.name.split("-")[1]
    for cmd in (("voicecontract", "--version"), ("python", "-m", "voicecontract", "--version")):
        proc = full.run(*cmd)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == f"voicecontract {version}", proc.stdout


def test_lint_and_validate_work_from_the_wheel(full: Venv) -> None:
    proc = full.run("voicecontract", "lint")  # no path: the spec packaged in the wheel
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout
    good, bad = full.cwd / "agent.json", full.cwd / "bad.json"
    good.write_text(json.dumps({"label": "Front desk"}), encoding="utf-8")
    bad.write_text(json.dumps({"label": 7}), encoding="utf-8")
    proc = full.run("voicecontract", "validate", "--schema", "UpdateNumberRequest", good)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = full.run("voicecontract", "validate", "--schema", "UpdateNumberRequest", bad)
    assert proc.returncode == 1 and "/label: expected string" in proc.stdout, proc.stdout + proc.stderr


SERVE_AND_RUN = """
import json, subprocess, sys
import httpx
from voicecontract.reference.process import serving

with serving(["--db", sys.argv[1], "--token", "wheel-a", "--token", "wheel-b"]) as server:
    answer = httpx.get(server.url + "/v1/agents/list", headers={"Authorization": "Bearer wheel-a"})
    assert answer.status_code == 200, answer.text
    run = subprocess.run(["voicecontract", "run", "--base-url", server.url, "--token", "wheel-a",
                          "--second-token", "wheel-b", "--phases", "examples,links", "--max-examples", "2",
                          "--seed", "1", "--report", "report.json"], capture_output=True, text=True)
    plugin = subprocess.run([sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "scratch",
                             "--voicecontract-url", server.url, "--voicecontract-token", "wheel-a",
                             "--voicecontract-phases", "examples,links", "--voicecontract-max-examples", "2"],
                            capture_output=True, text=True)
print(json.dumps({"run": [run.returncode, run.stdout, run.stderr],
                  "plugin": [plugin.returncode, plugin.stdout, plugin.stderr]}))
"""

SCRATCH_TEST = """
def test_my_own_check(voicecontract_client):
    assert voicecontract_client.get("/v1/numbers/list").status_code == 200
"""


def test_serve_run_and_the_pytest_plugin_work_from_the_wheel(full: Venv) -> None:
    scratch = full.cwd / "scratch"
    scratch.mkdir(exist_ok=True)
    (scratch / "test_mine.py").write_text(SCRATCH_TEST, encoding="utf-8")
    proc = full.run("python", "-c", SERVE_AND_RUN, full.cwd / "server.db", timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = json.loads(proc.stdout.splitlines()[-1])
    code, stdout, stderr = out["run"]
    assert code == 0, stdout[-3000:] + stderr[-3000:]
    assert "passed" in stdout and (full.cwd / "report.json").is_file()
    code, stdout, stderr = out["plugin"]
    assert code == 0, stdout[-3000:] + stderr[-3000:]
    assert "test_mine.py::test_my_own_check PASSED" in stdout
    assert stdout.count("voicecontract[") >= 10 and "FAILED" not in stdout  # one item per operation, all passed


def test_run_starts_the_embedded_server_from_the_wheel(full: Venv) -> None:
    proc = full.run("voicecontract", "run", "--phases", "examples", "--max-examples", "1", "--seed", "1",
                    timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "embedded reference server" in proc.stdout and "passed" in proc.stdout


# --------------------------------------------------------------------------- the core install


LIGHT = """
import json, sys
import voicecontract
from voicecontract import validate_credentials
from voicecontract import PayloadError
try:
    validate_credentials("openai", {"openai_api_key": "not-a-key"}, strict=True)
    issues = []
except PayloadError as exc:
    issues = [i.path for i in exc.issues]
heavy = sorted(m for m in ("schemathesis", "hypothesis", "starlette", "uvicorn", "httpx", "requests")
               if m in sys.modules)
print(json.dumps({"heavy": heavy, "issues": issues}))
"""


def test_the_core_install_pulls_no_suite_or_server_dependency(core: Venv) -> None:
    listing = subprocess.run([sys.executable, "-m", "pip", "--python", str(core.bin / "python"), "list",
                              "--format", "json"], capture_output=True, text=True, check=True)
    installed = {d["name"].lower() for d in json.loads(listing.stdout)}
    assert not installed & {"schemathesis", "hypothesis", "starlette", "uvicorn", "httpx", "rich"}, installed
    proc = core.run("python", "-c", LIGHT)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["heavy"] == [], out
    assert out["issues"] == ["/openai_api_key"], out


def test_the_core_install_validates_and_lints(core: Venv) -> None:
    payload = core.cwd / "number.json"
    payload.write_text(json.dumps({"label": "support line"}), encoding="utf-8")
    proc = core.run("voicecontract", "validate", "--schema", "UpdateNumberRequest", payload)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = core.run("voicecontract", "lint", "--format", "sarif")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["version"] == "2.1.0"


@pytest.mark.parametrize(("command", "extra"), [(("run", "--base-url", "http://127.0.0.1:9"), "suite"),
                                                (("serve",), "server")])
def test_a_command_whose_extra_is_missing_says_what_to_install(core: Venv, command: tuple[str, ...],
                                                               extra: str) -> None:
    proc = core.run("voicecontract", *command)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"pip install 'voicecontract[{extra}]'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_core_install_lints_a_file_given_on_the_command_line(core: Venv) -> None:
    spec = core.cwd / "copy.json"
    proc = core.run("python", "-c", "from voicecontract.spec import packaged_spec; import json, sys;"
                    "open(sys.argv[1], 'w').write(json.dumps(packaged_spec()))", spec)
    assert proc.returncode == 0, proc.stderr
    proc = core.run("voicecontract", "lint", spec)
    assert proc.returncode == 0 and "no issues" in proc.stdout, proc.stdout + proc.stderr


def test_the_core_install_diffs_two_specs(core: Venv) -> None:
    old = core.cwd / "old.json"
    new = core.cwd / "new.json"
    proc = core.run("python", "-c", "from voicecontract.spec import packaged_spec; import json, sys;"
                    "s = packaged_spec(); open(sys.argv[1], 'w').write(json.dumps(s));"
                    "s['components']['schemas']['PhoneNumber']['properties'].pop('label');"
                    "open(sys.argv[2], 'w').write(json.dumps(s))", old, new)
    assert proc.returncode == 0, proc.stderr
    proc = core.run("voicecontract", "diff", old, new, "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr  # a response field removed breaks clients
    assert "response-property-removed" in {c["code"] for c in json.loads(proc.stdout)["changes"]}
