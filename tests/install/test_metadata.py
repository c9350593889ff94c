"""The package's declared dependencies match what its code imports, and each fact is written once."""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import sys
import tomllib
from pathlib import Path

from voicecontract.extras import EXTRAS

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "voicecontract"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# Modules only an extra's users load: the suite, the server, and the pytest plugin (loaded by pytest itself).
EXTRA_ONLY = ("suite/", "reference/", "pytest_plugin.py")


def _dist(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;@]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _declared(group: str | None) -> set[str]:
    project = PYPROJECT["project"]
    reqs = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return {_dist(r) for r in reqs if not r.startswith("voicecontract")}


def _run_at_import(body: list[ast.stmt]) -> set[int]:
    """ids of the statements that run when the module is imported (not in functions, not under TYPE_CHECKING)."""
    out: set[int] = set()
    for node in body:
        out.add(id(node))
        if isinstance(node, ast.If):
            if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                out |= _run_at_import(node.body) | _run_at_import(node.orelse)
        elif isinstance(node, ast.Try):
            for part in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                out |= _run_at_import(part)
        elif isinstance(node, ast.With):
            out |= _run_at_import(node.body)
    return out


def _imports() -> list[tuple[str, str, bool]]:
    """(file relative to the package, distribution, imported at module level) for every third-party import."""
    owners = md.packages_distributions()
    out = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("_generated/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = _run_at_import(tree.body)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                root = name.split(".")[0]
                if root in sys.stdlib_module_names or root == "voicecontract":
                    continue
                dist = owners.get(root, [root])[0].lower().replace("_", "-")
                out.append((rel, dist, id(node) in top))
    return out


def test_every_imported_distribution_is_declared_and_every_declared_one_is_imported() -> None:
    imported = {dist for _, dist, _ in _imports()}
    declared = _declared(None) | _declared("suite") | _declared("server")
    assert imported - declared == set(), "imported but not declared"
    assert declared - imported == set(), "declared but nothing imports it"


def test_the_core_modules_import_only_core_dependencies_at_module_level() -> None:
    core = _declared(None)
    wrong = [(rel, dist) for rel, dist, top in _imports()
             if top and dist not in core and not rel.startswith(EXTRA_ONLY)]
    assert not wrong, f"core modules importing an extra's package at import time: {wrong}"


def test_the_extras_table_names_packages_of_its_extra() -> None:
    owners = md.packages_distributions()
    for extra, modules in EXTRAS.items():
        for module in modules:
            assert owners[module][0].lower() in _declared(extra), (extra, module)


def test_the_version_and_the_generator_pin_are_written_once() -> None:
    from voicecontract import __version__
    from voicecontract.generate import pinned_version

    assert __version__ == PYPROJECT["project"]["version"]
    pins = [r for r in PYPROJECT["project"]["optional-dependencies"]["dev"] if r.startswith("datamodel-code-generator")]
    assert pins == [f"datamodel-code-generator=={pinned_version(ROOT)}"]
    for path in [*SRC.rglob("*.py"), ROOT / "Makefile", ROOT / "README.md"]:
        text = path.read_text(encoding="utf-8")
        assert pinned_version(ROOT) not in text or path.name == "README.md", f"{path} repeats the generator pin"
        assert f'"{__version__}"' not in text, f"{path} repeats the version"
