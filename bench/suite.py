"""Contract-suite speed: cases per second against the generation limit, in one process.

1. the limit: schemathesis' fuzzing phase against a null ASGI app (answers ``{}`` at once) with every
   check off, i.e. generation plus transport, which no real run can beat;
2. the same phase against the embedded reference server with schemathesis' checks only;
3. the same with voicecontract's checks added (they read resources back, probe a second tenant);
4. the default ``voicecontract run`` (every phase and the links phase): cases, seconds, cases/s.

Ratios are against the limit. Then **distance**: the default run against the reference server as a
process, directly and through a proxy that adds 25 ms and 100 ms to every request
(``bench/delay.py``), each time with the default ``--workers auto`` and with ``--workers 1``;
the ratio of each to the direct run with auto (the issue's target: at most 1.5 at 25 ms).

    python -m bench.suite [--quick]
"""

from __future__ import annotations

import sys
import time
from typing import Any

QUICK = "--quick" in sys.argv
EXAMPLES = 10 if QUICK else 30


def generation_rate() -> tuple[int, float]:
    """The fuzzing phase against a null app with every check off: generation plus transport."""
    import schemathesis
    from schemathesis.engine import events, from_schema

    from voicecontract.reference import create_app

    real = create_app()

    async def null(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] == "/openapi.json":
            await real(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 201, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b"{}"})

    config = schemathesis.Config.from_dict({
        "hooks": "voicecontract.suite.hooks", "seed": 1, "checks": {"enabled": False},
        "generation": {"max-examples": EXAMPLES, "database": "none"},
        "phases": {p: {"enabled": p == "fuzzing"} for p in ("examples", "coverage", "fuzzing", "stateful")},
    })
    schema = schemathesis.openapi.from_asgi("/openapi.json", null, config=config)
    count = 0
    start = time.perf_counter()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            count += len(event.recorder.cases)
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
    """The default run: every phase, all checks."""
    from voicecontract.suite.runner import RunOptions, run_suite

    result = run_suite(RunOptions(seed=20261126))
    assert not result.failures, [f.title for f in result.failures]
    return result.cases, result.elapsed


def main() -> None:
    rows = [
        ("limit: null app, no checks", *generation_rate()),
        ("fuzzing, schemathesis checks only", *fuzzing_rate(False)),
        ("fuzzing, + voicecontract checks", *fuzzing_rate(True)),
    ]
    if not QUICK:
        rows.append(("default `voicecontract run` (all phases)", *default_run()))
    limit = rows[0][1] / rows[0][2]
    print(f"{'':<44} {'cases':>7} {'seconds':>8} {'cases/s':>8}  vs limit")
    for label, cases, seconds in rows:
        rate = cases / seconds
        print(f"{label:<44} {cases:>7} {seconds:>8.1f} {rate:>8.0f}  {rate / limit:5.2f}x")


def distance(delays: tuple[int, ...], workers: tuple[str, ...], extra: tuple[str, ...] = ()) -> None:
    """The default run against a server process, with added latency per request; times and ratios."""
    import subprocess

    from bench.delay import delaying_proxy
    from voicecontract.reference.process import serving

    tokens = ("bench-a", "bench-b")
    times: dict[tuple[int, str], float] = {}
    print(f"\ndistance: the default run against `voicecontract serve` (seed 20261126{', ' if extra else ''}"
          f"{' '.join(extra)}), added latency per request")
    print(f"{'added latency':<16} {'workers':>8} {'seconds':>8} {'cases':>7}  vs direct (auto)")
    for delay in delays:
        for w in workers:
            with serving(["--db", ":memory:", "--token", tokens[0], "--token", tokens[1]]) as srv:
                with delaying_proxy(srv.url, delay) as url:
                    start = time.perf_counter()
                    proc = subprocess.run([sys.executable, "-m", "voicecontract", "run", "--base-url", url,
                                           "--token", tokens[0], "--second-token", tokens[1], "--seed", "20261126",
                                           "--workers", w, *extra], capture_output=True, text=True, check=False)
                    seconds = time.perf_counter() - start
            last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr.strip()[-200:]
            if proc.returncode != 0:
                print(f"  run failed ({proc.returncode}): {last}")
            cases = next((int(x) for x in last.split() if x.isdigit()), 0)
            times[(delay, w)] = seconds
            base = times.get((delays[0], workers[0]), seconds)
            print(f"{f'{delay} ms':<16} {w:>8} {seconds:>8.1f} {cases:>7}  {seconds / base:5.2f}x", flush=True)


if __name__ == "__main__":
    main()
    if QUICK:
        distance((0, 25), ("auto",), ("--phases", "examples,fuzzing,links"))
    else:
        distance((0, 25, 100), ("auto", "1"))
