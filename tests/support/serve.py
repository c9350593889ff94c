"""``python -m tests.support.serve NAME [--db PATH] [--token T …]``: serve one mutant or variant over HTTP."""

from __future__ import annotations

import argparse
import sys


def builders() -> dict[str, tuple[str, object]]:
    from tests.mutants import MUTANTS
    from tests.variants import VARIANTS

    out: dict[str, tuple[str, object]] = {name: (m.fault, m.build) for name, m in MUTANTS.items()}
    out.update({name: (v.difference, v.build) for name, v in VARIANTS.items()})
    return out


def main(argv: list[str]) -> int:
    from voicecontract.reference.runner import bind, run, url_of

    known = builders()
    p = argparse.ArgumentParser(prog="python -m tests.support.serve")
    p.add_argument("command", choices=["serve"])
    p.add_argument("name", choices=sorted(known))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--db", default=":memory:")
    p.add_argument("--token", action="append", default=[])
    p.add_argument("--log-level", default="warning")
    args = p.parse_args(argv)
    what, build = known[args.name]
    app = build(args.db, args.token or ["mutant-token"])  # type: ignore[operator]
    sock = bind(args.host, args.port)
    print(f"{args.name} ({what}) listening on {url_of(sock)}", flush=True)
    run(app, sock, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
