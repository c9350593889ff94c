"""``python -m tests.mutants``: the contract suite against every faulty server (``make mutants``).

``python -m tests.mutants serve NAME [--host H] [--port P] [--db PATH] [--token T …]`` serves one.
"""

from __future__ import annotations

import argparse
import sys

from tests.mutants import MUTANTS


def serve(argv: list[str]) -> int:
    from voicecontract.reference.runner import bind, run, url_of

    p = argparse.ArgumentParser(prog="python -m tests.mutants serve")
    p.add_argument("name", choices=sorted(MUTANTS))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--db", default=":memory:")
    p.add_argument("--token", action="append", default=[])
    p.add_argument("--log-level", default="warning")
    args = p.parse_args(argv)
    app = MUTANTS[args.name].build(args.db, args.token or ["mutant-token"])
    sock = bind(args.host, args.port)
    print(f"mutant {args.name} ({MUTANTS[args.name].fault}) listening on {url_of(sock)}", flush=True)
    run(app, sock, log_level=args.log_level)
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:
        return serve(argv[1:])
    from tests.mutants.score import main as score

    return score(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
