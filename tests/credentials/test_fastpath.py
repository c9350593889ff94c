"""The credential fast path is sound: whatever it accepts, the full rules and the model accept too."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, note, seed, settings
from hypothesis import strategies as st

from tests.support.agreement import SEED
from voicecontract.credentials import tables
from voicecontract.credentials.shapes import SHAPES, Tight
from voicecontract.recipes import connection_types, credentials
from voicecontract.validators import check_credentials, check_value

CONNECTION_TYPES = connection_types()  # every type of the spec, from the spec index

FAST_TYPES = [t for t in CONNECTION_TYPES if tables()[t].fast is not None]


def test_every_type_but_google_has_a_fast_path() -> None:
    assert set(CONNECTION_TYPES) - set(FAST_TYPES) == {"google"}


@pytest.mark.parametrize("ctype", FAST_TYPES)
def test_realistic_credentials_take_the_fast_path(ctype: str) -> None:
    table = tables()[ctype]
    for n in range(5):
        creds = credentials(ctype, seed=n)
        assert table.fast_ok(creds)
        model = check_credentials(ctype, creds).credentials
        assert model == table.model.model_validate(creds)
        assert model.model_fields_set == table.model.model_validate(creds).model_fields_set


def candidates(ctype: str, key: str) -> st.SearchStrategy[str]:
    base = credentials(ctype)[key] if key in credentials(ctype) else "value"
    shape = SHAPES[ctype][(key,)]
    options = [
        st.text(max_size=60),
        st.sampled_from(
            [
                "",
                " ",
                base + " ",
                "Bearer " + base,
                base + "\n",
                "****" + base,
                '"' + base + '"',
                "your_key_here",
                "X" * 40,
                base.upper(),
                base[:5],
                "\u00a0" + base,
                base + "#f",
            ]
        ),
        st.builds(lambda a, b: a + b, st.sampled_from([base, base[:10], ""]), st.text(max_size=8)),
        st.sampled_from(
            [
                "client_secret_basic",
                "client_secret_post",
                "us",
                "eu",
                "header",
                "query",
                "eastus",
                "westeurope",
                "2024-10-21",
                "2023-07-01-preview",
            ]
        ),
    ]
    raw = shape.shape if isinstance(shape, Tight) else shape
    if isinstance(raw, str):
        options.append(st.from_regex(raw, fullmatch=True))
    return st.one_of(options)


FIELDS = [(t, key) for t in FAST_TYPES for key in tables()[t].fast or {}]


@pytest.mark.parametrize(("ctype", "key"), FIELDS, ids=[f"{t}.{k}" for t, k in FIELDS])
def test_fast_path_never_accepts_what_the_full_check_rejects(ctype: str, key: str) -> None:
    table = tables()[ctype]

    @seed(SEED)
    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(candidates(ctype, key))
    def check(value: str) -> None:
        note(f"reproduce with VOICECONTRACT_SEED={SEED}")
        creds: dict[str, Any] = {**credentials(ctype), key: value}
        assume(table.fast_ok(creds))
        _, issues = check_value(table.credentials_schema, creds, True)  # the full path, warnings as errors
        assert issues == [], [i.render() for i in issues]

    check()
