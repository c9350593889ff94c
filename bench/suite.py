"""Contract-suite speed: cases per second against the generation limit, in one process.

1. generation only: schemathesis draws cases for every operation (positive and negative), sends nothing;
2. schemathesis alone: the fuzzing phase against the embedded reference server, built-in checks only;
3. voicecontract: the same phase with voicecontract's checks added (they read resources back);
4. the default ``voicecontract run`` (all phases and the links phase): cases, seconds, cases/s.

Ratios are against the generation limit (what no execution can beat).

    python bench/suite.py [--quick]
"""

from __future__ import annotations

import copy
import sys
import time
from typing import Any

QUICK = "--quick" in sys.argv
EXAMPLES = 10 if QUICK else 30


def generation_rate() -> tuple[int, float]:
    """Cases drawn per second for every operation, without sending them."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    from voicecontract.spec import packaged_spec

    config = schemathesis.Config.from_dict({"hooks": "voicecontract.suite.hooks", "seed": 1})
    schema = schemathesis.openapi.from_dict(copy.deepcopy(packaged_spec()), config=config)
    count = 0
    start = time.perf_counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            @given(strategy)
            def draw(case: Any) -> None:
                nonlocal count
                count += 1

            draw()
    return count, time.perf_counter() - start


def fuzzing_rate(with_ours: bool) -> tuple[int, float]:
    """Cases per second of the fuzzing phase against the embedded server."""
    import voicecontract.suite.checks as ours
    from voicecontract.suite.runner import RunOptions, Suite

    builtin = [n for n in Suite.all_check_names() if n not in ours.CHECKS]
    options = RunOptions(phases=("fuzzing",), max_examples=EXAMPLES, seed=1,
                         checks=None if with_ours else tuple(builtin))
    result = Suite(options).run()
    return result.cases, result.elapsed


def default_run() -> tuple[int, float]:
    from voicecontract.suite.runner import RunOptions, run_suite

    result = run_suite(RunOptions(seed=20261126))
    assert not result.failures, [f.title for f in result.failures]
    return result.cases, result.elapsed


def main() -> None:
    rows = [
        ("generation only (no requests)", *generation_rate()),
        ("fuzzing, schemathesis checks only", *fuzzing_rate(False)),
        ("fuzzing, + voicecontract checks", *fuzzing_rate(True)),
    ]
    if not QUICK:
        rows.append(("default `voicecontract run` (all phases)", *default_run()))
    limit = rows[0][1] / rows[0][2]
    print(f"{'':<44} {'cases':>7} {'seconds':>8} {'cases/s':>8}  vs generation")
    for label, cases, seconds in rows:
        rate = cases / seconds
        print(f"{label:<44} {cases:>7} {seconds:>8.1f} {rate:>8.0f}  {rate / limit:5.2f}x")


if __name__ == "__main__":
    main()
