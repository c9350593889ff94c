"""The suite's verdict, both ways, beside plain schemathesis (tests/mutants, tests/variants, tests/support/score.py).

* every fault of tests/mutants is caught by the check it names, and when plain schemathesis (same
  spec, budget and seed) catches a fault, our run catches it too;
* every legitimate server of tests/variants passes our default run;
* the README's two tables ("What voicecontract adds over plain schemathesis" and the variants)
  list exactly these servers and checks.

`make test` runs the quick budget (each fault with the phases that expose it, --max-examples 3;
variants with every phase); `make mutants` the full default profile (python -m tests.mutants --full).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.mutants import MUTANTS, Mutant
from tests.support.score import DEFAULT_PHASES, score
from tests.variants import VARIANTS, Variant

QUICK = 3
SUITE_MUTANTS = [m for m in MUTANTS.values() if m.in_suite]
CUSTOM = {"write_applied", "read_after_write", "no_secret_echo", "tenant_isolation", "error_body", "page_consistency"}


def readme_rows(marker: str) -> dict[str, list[str]]:
    """The rows of a README table between ``<!-- marker:begin -->`` and ``<!-- marker:end -->``, by first cell."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker}:begin -->(.*?)<!-- {marker}:end -->", text, re.S)
    assert found, f"README.md has no {marker} table"
    rows = {}
    for line in found.group(1).splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) > 1 and cells[0] not in ("fault", "server") and not set(cells[0]) <= {"-", ":"}:
            rows[cells[0]] = cells
    return rows


def test_the_registries_are_big_enough_and_every_check_kills_a_fault() -> None:
    assert len(SUITE_MUTANTS) >= 24 and len(VARIANTS) >= 6
    assert CUSTOM | {"transport", "links"} <= {m.caught_by for m in SUITE_MUTANTS}


def test_the_readme_lists_every_fault_with_its_check_and_every_variant() -> None:
    faults = readme_rows("superset")
    assert set(faults) == {m.name for m in SUITE_MUTANTS}
    for m in SUITE_MUTANTS:
        assert faults[m.name][2] == m.caught_by, f"README: {m.name} is caught by {m.caught_by}"
    assert set(readme_rows("variants")) == set(VARIANTS)


@pytest.mark.slow
@pytest.mark.parametrize("mutant", SUITE_MUTANTS, ids=[m.name for m in SUITE_MUTANTS])
def test_each_fault_is_caught_by_its_check_and_by_us_whenever_plain_schemathesis_catches_it(mutant: Mutant) -> None:
    out = score(mutant.name, mutant.phases, max_examples=QUICK, options=mutant.options)
    assert out.caught_by(mutant.caught_by), f"{mutant.name} ({mutant.fault}): not named by {mutant.caught_by}; {out}"
    if out.plain:
        assert out.ours, f"plain schemathesis caught {mutant.name} ({out.plain}) and our run did not"


@pytest.mark.slow
@pytest.mark.parametrize("variant", list(VARIANTS.values()), ids=list(VARIANTS))
def test_each_legitimate_server_passes_the_default_run(variant: Variant) -> None:
    out = score(variant.name, DEFAULT_PHASES, max_examples=QUICK, plain=False, options=variant.options)
    assert out.ours == [], f"{variant.name} ({variant.difference}) is legitimate, but the run said {out.details}"


@pytest.mark.parametrize("name", sorted({*MUTANTS, *VARIANTS}))
def test_every_faulty_and_legitimate_server_builds_in_seconds_not_in_the_slow_matrix(name: str, tmp_path: Path) -> None:
    # A refactor of the reference server that breaks a mutant's hook must fail here, before the
    # slow matrix starts servers (the matrix would report it as "server did not start").
    from tests.support.serve import builders

    app = builders()[name][1](str(tmp_path / "db.sqlite"), ["matrix-tenant-a", "matrix-tenant-b"])  # type: ignore[operator]
    assert callable(app)


def test_the_ignores_auth_fault_serves_an_unknown_token_as_the_first_tenant() -> None:
    from starlette.testclient import TestClient

    app = MUTANTS["ignores_auth"].build(":memory:", ["matrix-tenant-a"])
    with TestClient(app) as client:
        assert client.get("/v1/numbers/list", headers={"Authorization": "Bearer nobody"}).status_code == 200
        assert client.get("/v1/numbers/list").status_code == 200
