"""The fuzz campaign's 5 % sample (``make fuzz`` runs it whole), and proof that it can find what it looks for."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz import SECRET_CANARY, payload_campaign, report, server_campaign, server_log_problems
from tests.fuzz.__main__ import PAYLOADS, REQUESTS, SEED, TOKENS
from tests.support.servers import server_process

SAMPLE = 0.05
pytestmark = [pytest.mark.slow]


def test_payload_sample_finds_no_crash_and_no_echo() -> None:
    tally = payload_campaign(int(PAYLOADS * SAMPLE), SEED)
    text, clean = report(tally)
    print(text)
    assert clean, f"seed {SEED}:\n{text}"
    assert tally.counts["accepted"] > 0 and tally.counts["rejected"] > 0 and tally.counts["CLI runs"] >= 50


def test_server_sample_finds_no_5xx_and_no_leak(tmp_path: Path) -> None:
    args = ["--db", str(tmp_path / "fuzz.db"), "--token", TOKENS[0], "--token", TOKENS[1], "--log-level", "info"]
    with server_process(args) as srv:
        tally = server_campaign(srv.url, TOKENS, int(REQUESTS * SAMPLE), SEED)
        srv.stop()
        log = server_log_problems(srv.output())
    text, clean = report(tally, extra=log)
    print(text)
    assert clean, f"seed {SEED}:\n{text}"
    assert tally.counts["2xx"] > 0 and tally.counts["4xx"] > 0


def test_the_payload_campaign_reports_a_validator_that_crashes(monkeypatch: pytest.MonkeyPatch) -> None:
    import voicecontract.validators as validators

    real = validators.validate

    def fragile(name: str, payload: object, **kw: object) -> object:
        if isinstance(payload, bytes) and b"\\u" in payload:
            raise KeyError("a bug")
        return real(name, payload, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(validators, "validate", fragile)
    tally = payload_campaign(2000, SEED, per_schema=1)
    assert any("validate raised KeyError" in p for p in tally.problems), tally.problems[:3]


def test_the_server_campaign_reports_5xx_and_leaks() -> None:
    with server_process(["non_ascii_500", "--token", TOKENS[0], "--token", TOKENS[1]],
                        module="tests.support.serve") as srv:
        tally = server_campaign(srv.url, TOKENS, 300, SEED)
    assert any(" 500 " in p for p in tally.problems), tally.problems[:3]
    assert server_log_problems(f"INFO x\n{SECRET_CANARY[:10]}") == ["the server log holds a secret"]
