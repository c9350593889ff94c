"""`voicecontract generate`: regenerate generated/ from the spec with the pinned generator.

generated/ holds three files, all derived from spec/openapi.yaml and never edited by hand:
``models.py`` (datamodel-code-generator, configured by ``[tool.datamodel-codegen]`` in
pyproject.toml), ``openapi.json`` (the spec as JSON, the copy the package ships and serves) and
``__init__.py``.
"""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from voicecontract.spec import SpecLoadError, load_spec_file

GENERATOR = "datamodel-code-generator"

INIT_TEXT = '''"""Generated from spec/openapi.yaml by `make generate`. DO NOT EDIT.

models.py: the Pydantic v2 models; openapi.json: the spec as the package ships and serves it.
"""
'''


class GenerateError(Exception):
    """Generation failed; the message says why and what to do."""


def find_root(start: Path | None = None) -> Path:
    """Return the project root: the nearest directory upwards holding pyproject.toml and spec/."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "pyproject.toml").is_file() and (candidate / "spec").is_dir():
            return candidate
    raise GenerateError("no project root found: run this inside a voicecontract checkout (pyproject.toml + spec/)")


def pinned_version(root: Path) -> str:
    """The generator's exact pin, read from the project's pyproject.toml (the one place it is written)."""
    import tomllib

    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise GenerateError(f"cannot read pyproject.toml: {exc}") from None
    extras = (project.get("project") or {}).get("optional-dependencies") or {}
    for requirement in (r for group in extras.values() for r in group):
        name, _, pinned = requirement.partition("==")
        if name.strip().lower() == GENERATOR and pinned:
            return str(pinned).strip()
    raise GenerateError(f"pyproject.toml pins no exact {GENERATOR} version (`{GENERATOR}==X.Y.Z` in an extra)")


def check_generator(root: Path) -> None:
    """Fail clearly unless the pinned generator version is installed."""
    from importlib import metadata

    pinned = pinned_version(root)
    try:
        version = metadata.version(GENERATOR)
    except metadata.PackageNotFoundError:
        raise GenerateError(
            f"{GENERATOR} is not installed; install the dev extra: pip install -e '.[dev]' (or `make setup`)"
        ) from None
    if version != pinned:
        raise GenerateError(
            f"{GENERATOR} {version} is installed but the output is pinned to {pinned}; "
            "run `make setup` to install the pinned version"
        )


def render(root: Path, spec_rel: str = "spec/openapi.yaml") -> dict[str, str]:
    """Generate every file of generated/ in memory and return {file name: text}."""
    check_generator(root)
    spec_path = root / spec_rel
    try:
        spec = load_spec_file(spec_path)
    except SpecLoadError as exc:
        raise GenerateError(str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="voicecontract-gen-") as tmp:
        out = Path(tmp) / "models.py"
        cmd = [sys.executable, "-m", "datamodel_code_generator", "--input", spec_rel, "--output", str(out)]
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)  # noqa: S603
        if proc.returncode != 0 or not out.is_file():
            raise GenerateError(f"{GENERATOR} failed (exit {proc.returncode}):\n{proc.stderr.strip()}")
        models = out.read_text(encoding="utf-8")
    return {
        "__init__.py": INIT_TEXT,
        "models.py": models,
        "openapi.json": json.dumps(spec, indent=1, ensure_ascii=False) + "\n",
    }


def write(root: Path, files: dict[str, str]) -> list[str]:
    """Write the rendered files into generated/ and return the names that changed."""
    target = root / "generated"
    target.mkdir(exist_ok=True)
    changed = []
    for name, text in files.items():
        path = target / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(name)
    for stale in target.iterdir():
        if stale.is_file() and stale.name not in files:
            stale.unlink()
            changed.append(stale.name)
        elif stale.is_dir() and stale.name == "__pycache__":
            shutil.rmtree(stale, ignore_errors=True)
    return changed


def diff(root: Path, files: dict[str, str]) -> str:
    """Return a unified diff from generated/ to freshly rendered files ('' when up to date)."""
    target = root / "generated"
    chunks: list[str] = []
    names = sorted(set(files) | {p.name for p in target.glob("*") if p.is_file()})
    for name in names:
        path = target / name
        old = path.read_text(encoding="utf-8") if path.is_file() else ""
        new = files.get(name, "")
        if old != new:
            chunks.extend(
                difflib.unified_diff(
                    old.splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    fromfile=f"generated/{name} (checked in)",
                    tofile=f"generated/{name} (from spec)",
                )
            )
    return "".join(chunks)
