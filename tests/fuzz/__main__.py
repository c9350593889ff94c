"""``python -m tests.fuzz [--scale S] [--seed N]`` (``make fuzz``): the fuzz campaign at full size.

Full size is 100,000 payloads through the validators (and every 50th through the CLI) and 10,000
requests through a file-backed reference server started for the run. ``--scale 0.05`` is the
sample ``make test`` runs. Exit 1 on any crash, 5xx or leak; the seed reproduces the run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tests.fuzz import payload_campaign, report, server_campaign, server_log_problems
from voicecontract.reference.process import serving

PAYLOADS, REQUESTS, SEED = 100_000, 10_000, 20261126
TOKENS = ("fuzz-tenant-a", "fuzz-tenant-b")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size (default 1)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"seed (default {SEED})")
    args = parser.parse_args(argv)
    payloads, requests = max(1, int(PAYLOADS * args.scale)), max(1, int(REQUESTS * args.scale))
    print(f"fuzz campaign: seed {args.seed}, {payloads} payloads, {requests} requests", flush=True)
    first = payload_campaign(payloads, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "fuzz.db"
        with serving(["--db", str(db), "--token", TOKENS[0], "--token", TOKENS[1], "--log-level", "info"]) as srv:
            second = server_campaign(srv.url, TOKENS, requests, args.seed)
            srv.stop()
            log = server_log_problems(srv.output())
    text, clean = report(first, second, extra=log)
    print(text)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
