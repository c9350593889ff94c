"""Every change code of `voicecontract diff`, each on a minimal pair of specs (tests/diff/pairs.py)."""

from __future__ import annotations

import copy

import pytest

from tests.diff.pairs import BASE, CASES, ref, s
from voicecontract.diff import RULES, diff, failing


def test_every_code_has_a_minimal_pair() -> None:
    assert set(CASES) == set(RULES)


def test_identical_specs_have_no_changes() -> None:
    assert diff(BASE, copy.deepcopy(BASE)) == []


@pytest.mark.parametrize("code", sorted(CASES))
def test_the_rule_fires_with_its_severities_and_pointers(code: str) -> None:
    edit, where = CASES[code]
    new = copy.deepcopy(BASE)
    edit(new)
    changes = diff(BASE, new)
    hits = [c for c in changes if c.code == code]
    assert hits, f"{code} not reported; got {[(c.code, c.message) for c in changes]}"
    assert any(where in (c.new or "") or where in (c.old or "") for c in hits), [(c.old, c.new) for c in hits]
    clients, implementations, _ = RULES[code]
    assert (hits[0].clients, hits[0].implementations) == (clients, implementations)
    assert bool(failing(changes, "breaking")) == any(c.clients == "breaking" for c in changes)


def test_absent_sentinels_of_generated_specs_are_not_object_forms() -> None:
    old = copy.deepcopy(BASE)
    old["components"]["schemas"]["Undefined"] = {"type": "object", "properties": {}, "additionalProperties": False,
                                                 "title": "Undefined"}
    s(old, "ThingParams")["properties"]["name"] = {"anyOf": [{"type": "string", "maxLength": 10}, ref("Undefined")]}
    assert diff(old, BASE) == []


def test_the_readme_lists_every_code_with_its_severities() -> None:
    import re

    from tests.conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- diff-codes:begin -->\n(.*?)<!-- diff-codes:end -->", text, re.S)
    assert block
    rows = {}
    for line in block.group(1).splitlines()[2:]:
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        rows[cells[0]] = (cells[1], cells[2], cells[3])
    assert rows == RULES
