"""Shared fixtures: the spec as a dict, and a way to write a broken copy of it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from voicecontract.spec import load_spec_file

ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = ROOT / "spec" / "openapi.yaml"


@pytest.fixture(scope="session")
def _spec_doc_pristine() -> dict[str, Any]:
    return load_spec_file(SPEC_PATH)


@pytest.fixture(scope="session")
def spec_doc(_spec_doc_pristine: dict[str, Any]) -> dict[str, Any]:
    """The hand-maintained spec, loaded once (do not mutate; use ``spec_copy``: a guard fails a test that does)."""
    return copy.deepcopy(_spec_doc_pristine)


@pytest.fixture
def spec_copy(spec_doc: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of the spec that a test may break."""
    return copy.deepcopy(spec_doc)


@pytest.fixture(autouse=True)
def _shared_specs_left_as_they_were(request: pytest.FixtureRequest) -> Any:
    """Fail the test that edits a shared spec: ``packaged_spec()`` (the validators, the index and the
    server share it) or the session's ``spec_doc``.

    Such an edit failed whichever later test compared against the spec in the same xdist worker
    (order-dependent: CI saw it, a local run did not); this names the test that made the edit.
    """
    from voicecontract.spec import index
    from voicecontract.spec.load import packaged_spec, packaged_spec_bytes

    yield
    if packaged_spec.cache_info().currsize and packaged_spec() != json.loads(packaged_spec_bytes()):
        packaged_spec.cache_clear()  # later tests start from a fresh document and index
        index.cache_clear()
        pytest.fail("this test edited packaged_spec() (or a node of index(), which shares it): deep-copy what you change")
    if "spec_doc" in request.fixturenames:
        doc, pristine = request.getfixturevalue("spec_doc"), request.getfixturevalue("_spec_doc_pristine")
        if doc != pristine:
            doc.clear()
            doc.update(copy.deepcopy(pristine))
            pytest.fail("this test edited the session's spec_doc: use spec_copy")


def write_spec(tmp_path: Path, doc: dict[str, Any], name: str = "broken.json") -> Path:
    """Write a spec document to a file and return its path."""
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def pytest_report_header(config: Any) -> str:
    from tests.support.agreement import EXAMPLES, SEED

    return f"voicecontract: property seed {SEED} (VOICECONTRACT_SEED), {EXAMPLES} examples per schema"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Run the slow tests first; stop when xdist's --dist loadgroup silently lost its groups.

    Slow first (a stable sort: the same order on every xdist worker): xdist hands out tests in
    collection order and keeps a few queued per worker, so slow tests collected last (the
    matrix, schemathesis' own CLI) left one worker running them while the other idled. With the
    slow ones first, the ~850 quick tests fill the end.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    if not getattr(config.option, "loadgroup", False):
        return
    lost = [i.nodeid for i in items if i.get_closest_marker("xdist_group") and "@" not in i.nodeid]
    if lost:
        raise pytest.UsageError(f"--dist loadgroup ignored the xdist_group of {lost[0]} (and {len(lost) - 1} more): "
                                "this pytest/pytest-xdist pair is broken (pytest-xdist#1386); see pyproject.toml")


def pytest_sessionfinish(session: Any) -> None:
    """Under pytest-xdist, hand this worker's agreement statistics to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        from tests.support.agreement import STATS

        workeroutput["agreement"] = json.dumps({k: dict(v) for k, v in STATS.items()})


def pytest_testnodedown(node: Any, error: Any) -> None:
    """Merge a worker's agreement statistics (pytest-xdist controller)."""
    from collections import Counter

    from tests.support.agreement import STATS

    for name, counts in json.loads(getattr(node, "workeroutput", {}).get("agreement", "{}")).items():
        STATS.setdefault(name, Counter()).update(counts)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.support.agreement import STATS

    if not STATS:
        return
    valid = sum(c["valid"] for c in STATS.values())
    rejected = sum(c["rejected"] for c in STATS.values())
    tr = terminalreporter
    tr.section("model/spec agreement")
    tr.write_line(
        f"{len(STATS)} schemas covered; {valid} valid instances accepted and round-tripped; "
        f"{rejected} mutated instances rejected by both the spec and the model"
    )
    tr.write_line("schemas: " + ", ".join(sorted(STATS)))
