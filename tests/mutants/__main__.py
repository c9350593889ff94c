"""``python -m tests.mutants [--full] [NAME …]``: every faulty and every legitimate server, ours beside plain schemathesis.

Prints one row per server: what it is, the check that must catch it (faults), which checks our
run named, which plain schemathesis named (same spec, budget and seed), and the time. The quick
budget (the default, used by `make test`) runs each fault with the phases that expose it and
--max-examples 3; ``--full`` (`make mutants`) runs the default profile, every phase, --max-examples 10.
Exit 1 unless every fault is caught by its check, every variant passes, and plain schemathesis
catches no fault we miss.
"""

from __future__ import annotations

import argparse
import sys

from tests.mutants import MUTANTS
from tests.support.score import DEFAULT_PHASES, Outcome, score
from tests.variants import VARIANTS

QUICK_EXAMPLES, FULL_EXAMPLES = 3, 10


def _cell(checks: list[str] | None, width: int) -> str:
    text = "n/a" if checks is None else (", ".join(checks) or "-")
    return f"{text[:width]:<{width}}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutants", description=__doc__)
    parser.add_argument("names", nargs="*", help="servers to run (default: all)")
    parser.add_argument("--full", action="store_true", help="the default profile (every phase, --max-examples 10)")
    parser.add_argument("--markdown", action="store_true", help="also print the README's two tables")
    args = parser.parse_args(argv)
    examples = FULL_EXAMPLES if args.full else QUICK_EXAMPLES
    print(f"{'server':<24} {'must be caught by':<28} {'caught':<6} {'voicecontract run':<44} "
          f"{'plain schemathesis':<40} cases  time")
    bad = 0
    caught = total = passed = variants = 0
    fault_rows: list[str] = []
    variant_rows: list[str] = []
    for m in MUTANTS.values():
        if not m.in_suite or (args.names and m.name not in args.names):
            continue
        out = score(m.name, DEFAULT_PHASES if args.full else m.phases, max_examples=examples, options=m.options)
        ok = out.caught_by(m.caught_by)
        missed = sorted(set(out.plain or []) - {"errors"}) if not out.ours else []
        total += 1
        caught += ok
        bad += (not ok) or bool(missed)
        _row(m.name, m.caught_by, "yes" if ok else "NO", out)
        plain = "n/a (links phase only)" if out.plain is None else (", ".join(out.plain) or "not caught")
        fault_rows.append(f"| `{m.name}` | {m.fault} | `{m.caught_by}` | {plain} |")
    for v in VARIANTS.values():
        if args.names and v.name not in args.names:
            continue
        out = score(v.name, DEFAULT_PHASES, max_examples=examples, options=v.options)
        variants += 1
        passed += not out.ours
        bad += bool(out.ours)
        _row(v.name, "(legitimate: must pass)", "-" if not out.ours else "FAILS", out)
        plain = "n/a" if out.plain is None else (", ".join(out.plain) or "passes")
        variant_rows.append(f"| `{v.name}` | {v.difference} | {'passes' if not out.ours else 'FAILS'} | {plain} |")
        if out.plain:  # not a failure of ours, but either the variant is not legitimate or schemathesis is wrong
            print(f"  note: plain schemathesis fails {v.name} ({', '.join(out.plain)}); look at why", flush=True)
    print(f"faults caught by their check: {caught}/{total}; legitimate servers passed: {passed}/{variants}; "
          f"budget: {'full' if args.full else 'quick'} (--max-examples {examples})")
    if args.markdown:
        print("\n| fault | what the server does wrong | caught by (voicecontract) | plain schemathesis |")
        print("|---|---|---|---|")
        print("\n".join(fault_rows))
        print("\n| server | what is different (and allowed) | voicecontract | plain schemathesis |")
        print("|---|---|---|---|")
        print("\n".join(variant_rows))
    return 1 if bad else 0


def _row(name: str, expected: str, verdict: str, out: Outcome) -> None:
    print(f"{name:<24} {expected:<28} {verdict:<6} {_cell(out.ours, 44)} {_cell(out.plain, 40)} "
          f"{out.cases:>5} {out.seconds + out.plain_seconds:5.1f}s", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
