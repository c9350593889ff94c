"""The mutation score: the contract suite against every faulty server, over HTTP.

Each mutant runs as its own server process (``python -m tests.mutants serve NAME``) and the suite
runs against it with ``--base-url`` and two tokens, using the phases that make its fault visible.
A mutant is caught when the check named in MUTANTS reports a failure. The clean reference server
must pass the same phases.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

from tests.mutants import MUTANTS, Mutant
from tests.support.servers import server_process
from voicecontract.suite.options import RunOptions
from voicecontract.suite.runner import run_suite

TOKENS = ("mutant-tenant-a", "mutant-tenant-b")
SEED = 20261126


@dataclass
class Outcome:
    """What the suite said about one server."""

    name: str
    expected: str
    checks: list[str]
    cases: int
    seconds: float

    @property
    def caught(self) -> bool:
        return self.expected in self.checks


def run_against(name: str, phases: tuple[str, ...], expected: str, *, mutant: bool = True,
                max_examples: int = 10) -> Outcome:
    """Serve one server (a mutant, or the clean one) and run the suite's phases against it."""
    args = ["--token", TOKENS[0], "--token", TOKENS[1]]
    ctx = server_process([name, *args], module="tests.mutants") if mutant else server_process(["--db", ":memory:", *args])
    start = time.perf_counter()
    with ctx as srv:
        result = run_suite(RunOptions(base_url=srv.url, token=TOKENS[0], second_token=TOKENS[1], phases=phases,
                                      max_examples=max_examples, seed=SEED))
    checks = sorted({f.check for f in result.failures})
    return Outcome(name, expected, checks, result.cases, time.perf_counter() - start)


def suite_mutants() -> list[Mutant]:
    return [m for m in MUTANTS.values() if m.in_suite]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutants", description=__doc__)
    parser.add_argument("names", nargs="*", help="mutants to run (default: all)")
    args = parser.parse_args(argv)
    mutants = [m for m in suite_mutants() if not args.names or m.name in args.names]
    print(f"{'mutant':<28} {'fault':<58} {'expected check':<30} {'caught':<7} cases   time  checks that failed")
    caught = 0
    for m in mutants:
        out = run_against(m.name, m.phases, m.caught_by)
        caught += out.caught
        print(f"{m.name:<28} {m.fault[:58]:<58} {m.caught_by:<30} {'yes' if out.caught else 'NO':<7} "
              f"{out.cases:>5} {out.seconds:5.1f}s  {', '.join(out.checks) or '-'}", flush=True)
    phases = tuple(sorted({p for m in mutants for p in m.phases}))
    clean = run_against("clean", phases, "", mutant=False)
    print(f"{'clean reference server':<28} {'(no fault)':<58} {'-':<30} {'-':<7} {clean.cases:>5} "
          f"{clean.seconds:5.1f}s  {', '.join(clean.checks) or 'no failures'}")
    print(f"mutation score: {caught}/{len(mutants)} caught; clean server {'passes' if not clean.checks else 'FAILS'}")
    return 0 if caught == len(mutants) and not clean.checks else 1
