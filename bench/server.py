"""Reference server throughput against a stateless mock of the same spec (Prism), side by side.

Starts ``voicecontract serve`` twice (a SQLite file with synchronous=FULL, the default; and an
in-memory database) and Prism 5 from the npm registry (installed into .cache/prism on first use;
skipped with a message when npm is unavailable), then drives the same read (GET /v1/numbers) and
write (POST /v1/numbers/update) at several concurrency levels with one asyncio/httpx client, and
prints requests per second and the ratio to Prism. Prism answers from the spec's examples and
remembers nothing; the reference server validates, stores durably and answers from its state.

    python -m bench.server [--quick]
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from bench.prism import prism, prism_binary
from voicecontract.reference.process import serving as server_process

ROOT = Path(__file__).resolve().parents[1]

QUICK = "--quick" in sys.argv
DURATION = 1.0 if QUICK else 3.0
LEVELS = (1, 8) if QUICK else (1, 4, 16)
TOKEN = "bench-token"


async def load(url: str, method: str, path: str, params: dict[str, str], body: Any, concurrency: int) -> float:
    """Requests per second over DURATION seconds with ``concurrency`` workers (non-2xx answers abort)."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as client:
        done = 0
        deadline = time.perf_counter() + DURATION

        async def worker(n: int) -> None:
            nonlocal done
            i = 0
            while time.perf_counter() < deadline:
                payload = {"label": f"w{n}-{i}"} if body is not None else None
                r = await client.request(method, path, params=params, json=payload)
                if r.status_code >= 300:
                    raise RuntimeError(f"{method} {path} answered {r.status_code}: {r.text[:200]}")
                done += 1
                i += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(concurrency)))
        return done / (time.perf_counter() - start)


def main() -> None:
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        targets: dict[str, str] = {}
        srv = stack.enter_context(server_process(["--db", str(tmp / "bench.db"), "--token", TOKEN]))
        targets["reference (SQLite file, fsync)"] = srv.url
        mem = stack.enter_context(server_process(["--db", ":memory:", "--token", TOKEN]))
        targets["reference (in memory)"] = mem.url
        binary = None if os.environ.get("VOICECONTRACT_BENCH_NO_PRISM") else prism_binary()
        if binary is not None:
            targets["Prism 5 mock (stateless)"] = stack.enter_context(prism(binary))
        numbers: dict[str, str] = {}
        for name, url in targets.items():
            if name.startswith("Prism"):
                numbers[name] = "+1234567890"  # Prism answers every number from the examples
                continue
            r = httpx.post(url + "/v1/numbers/buy", json={}, headers={"Authorization": f"Bearer {TOKEN}"})
            numbers[name] = r.json()["number"]
        ops = [("read  GET /v1/numbers", "GET", "/v1/numbers", None),
               ("write POST /v1/numbers/update", "POST", "/v1/numbers/update", {})]
        names = list(targets)
        print(f"requests/s, {DURATION:.0f} s per cell, one asyncio+httpx client on the same 2-core machine")
        print(f"{'operation':<32} {'conc':>4} " + "".join(f"{n:>32}" for n in names) + "   ratio to Prism")
        for label, method, path, body in ops:
            for level in LEVELS:
                rates = {n: asyncio.run(load(targets[n], method, path, {"phone_number": numbers[n]}, body, level))
                         for n in names}
                prism_rate = next((v for k, v in rates.items() if k.startswith("Prism")), None)
                ratio = "  ".join(f"{rates[n] / prism_rate:4.2f}x" for n in names[:2]) if prism_rate else "-"
                print(f"{label:<32} {level:>4} " + "".join(f"{rates[n]:>32,.0f}" for n in names) + f"   {ratio}",
                      flush=True)


if __name__ == "__main__":
    main()
