"""The links phase sends every secret field that may be short short, so no_secret_echo never depends on a draw."""

from __future__ import annotations

import pytest

from tests.support.agreement import SEED
from tests.support.score import TOKENS
from tests.support.servers import server_process
from voicecontract.suite.checks.secrets import WINDOW
from voicecontract.suite.links import SHORT_SECRET, _short_value
from voicecontract.suite.options import RunOptions
from voicecontract.suite.runner import run_suite


@pytest.mark.slow
def test_the_links_phase_sends_each_secret_that_may_be_short_short() -> None:
    """A server that shows short secrets whole is caught by the links phase alone, whatever generation draws."""
    with server_process(["short_secret_shown", "--token", TOKENS[0], "--token", TOKENS[1]],
                        module="tests.support.serve") as srv:
        result = run_suite(RunOptions(base_url=srv.url, token=TOKENS[0], second_token=TOKENS[1],
                                      phases=("links",), seed=SEED))
    echoed = [f for f in result.failures if f.check == "no_secret_echo" and f.phase == "links"]
    assert echoed, [f"{f.check}: {f.title}" for f in result.failures]


def test_a_short_value_is_shorter_than_the_window_and_only_where_the_schema_allows_it() -> None:
    assert SHORT_SECRET < WINDOW
    value = _short_value({"type": "string", "minLength": 1})
    assert value is not None and len(value) == SHORT_SECRET and value != _short_value({"type": "string"})
    assert _short_value({"type": "string", "minLength": 20}) is None
    assert _short_value({"type": "string", "maxLength": 4}) is None
    assert _short_value({"type": "string", "pattern": "^sk-"}) is None  # a documented prefix cannot be met
    assert _short_value({"type": "string", "pattern": "^[0-9a-f]+$"}) is not None
    assert _short_value({"type": "integer"}) is None
