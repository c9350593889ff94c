"""Reference server throughput against a stateless mock of the same spec (Prism), with wrk.

Starts ``voicecontract serve`` twice (a SQLite file with synchronous=FULL, the default; and an
in-memory database) and Prism 5 from the npm registry (installed into .cache/prism on first use;
skipped with a message when npm is unavailable), then drives the same read (GET /v1/numbers) and
write (POST /v1/numbers/update, a new label each time) with wrk at 1, 16 and 64 connections, and
prints requests per second, p50/p99 latency and the ratio to Prism on the same operation. Prism
answers from the spec's examples and remembers nothing; the reference server validates, stores
durably and answers from its state. wrk is a native load generator: a Python client saturates the
two cores before the server does. Without wrk the bench says how to install it and stops.

    python -m bench.server [--quick]
"""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench import wrk
from bench.prism import prism, prism_binary
from voicecontract.reference.process import serving

QUICK = "--quick" in sys.argv
SECONDS = 2.0 if QUICK else 5.0
LEVELS = (1, 16) if QUICK else (1, 16, 64)


def main() -> None:
    """Print the table."""
    if not wrk.available():
        print(f"bench/server.py: skipped: {wrk.INSTALL}")
        return
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        targets = {
            "reference (SQLite file, fsync)": stack.enter_context(
                serving(["--db", str(tmp / "bench.db"), "--token", wrk.TOKEN])).url,
            "reference (in memory)": stack.enter_context(serving(["--db", ":memory:", "--token", wrk.TOKEN])).url,
        }
        binary = None if os.environ.get("VOICECONTRACT_BENCH_NO_PRISM") else prism_binary()
        if binary is not None:
            targets["Prism 5 mock (stateless)"] = stack.enter_context(prism(binary))
        wrk.throughput(targets, LEVELS, SECONDS, tmp)


if __name__ == "__main__":
    main()
