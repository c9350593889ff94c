"""Load test: a realistic mix against a file-backed reference server, then proof that nothing was lost.

1. **Mixed load** (Python, asyncio + httpx): N concurrent clients for T seconds, each buying,
   updating, reading, listing and cancelling numbers and creating, updating and reading agents on
   its own resources. Every acknowledged write is remembered. Afterwards every resource is read
   back: it must equal the last acknowledged answer (a cancelled number must be gone), and no
   answer may have been a 5xx. Prints requests/s and p50/p99 latency per operation.
2. **Raw throughput** (wrk, Debian's native load generator: Python clients saturate the two cores
   before the server does): a read and a write against the reference server (file with fsync, and
   in memory) and, where comparable, Prism 5's stateless mock of the same spec, side by side.

Loopback only, bounded in time and count. Exit 1 on a lost write or a 5xx.

    python -m bench.load [--quick] [--clients N] [--seconds T]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import wrk
from bench.prism import prism, prism_binary
from voicecontract.reference.process import serving

TOKEN = "load-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
AGENT = {"name": "load", "prompt": {"content": "You answer the phone."},
         "voice": {"type": "voice_vocode", "voice_id": "joe"}}


@dataclass
class Run:
    """What the clients did and saw."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    numbers: dict[str, Any] = field(default_factory=dict)  # number -> last acknowledged answer (None: cancelled)
    agents: dict[str, Any] = field(default_factory=dict)  # id -> last acknowledged answer
    unexpected: list[str] = field(default_factory=list)


async def _call(client: httpx.AsyncClient, run: Run, label: str, method: str, path: str,
                params: dict[str, str] | None = None, body: Any = None) -> Any:
    start = time.perf_counter()
    answer = await client.request(method, path, params=params, json=body)
    run.latencies[label].append(time.perf_counter() - start)
    run.statuses[answer.status_code] += 1
    if answer.status_code >= 300:
        run.unexpected.append(f"{label}: {answer.status_code} {answer.text[:120]}")
        return None
    return answer.json()


async def client_loop(client: httpx.AsyncClient, run: Run, n: int, deadline: float) -> None:
    """One client's realistic session on its own resources until the deadline."""
    rng = random.Random(n)
    mine_numbers: list[str] = []
    mine_agents: list[str] = []
    i = 0
    while time.perf_counter() < deadline:
        i += 1
        roll = rng.random()
        if roll < 0.10 or not mine_agents:
            agent = await _call(client, run, "create agent", "POST", "/v1/agents/create", body=AGENT)
            if agent:
                run.agents[agent["id"]] = agent
                mine_agents.append(agent["id"])
        elif roll < 0.20 or not mine_numbers:
            body = {"inbound_agent": rng.choice(mine_agents)} if rng.random() < 0.5 else {}
            number = await _call(client, run, "buy number", "POST", "/v1/numbers/buy", body=body)
            if number:
                run.numbers[number["number"]] = number
                mine_numbers.append(number["number"])
        elif roll < 0.40:
            target = rng.choice(mine_numbers)
            number = await _call(client, run, "update number", "POST", "/v1/numbers/update",
                                 {"phone_number": target}, {"label": f"c{n}-{i}"})
            if number:
                run.numbers[target] = number
        elif roll < 0.50:
            target = rng.choice(mine_agents)
            agent = await _call(client, run, "update agent", "POST", "/v1/agents/update", {"id": target},
                                {"name": f"agent c{n}-{i}"})
            if agent:
                run.agents[target] = agent
        elif roll < 0.70:
            await _call(client, run, "read number", "GET", "/v1/numbers", {"phone_number": rng.choice(mine_numbers)})
        elif roll < 0.80:
            await _call(client, run, "read agent", "GET", "/v1/agents", {"id": rng.choice(mine_agents)})
        elif roll < 0.95:
            await _call(client, run, "list numbers", "GET", "/v1/numbers/list",
                        {"page": str(rng.randint(1, 3)), "size": "10"})
        else:
            target = mine_numbers.pop(rng.randrange(len(mine_numbers)))
            if await _call(client, run, "cancel number", "POST", "/v1/numbers/cancel", {"phone_number": target}):
                run.numbers[target] = None


async def mixed_load(url: str, clients: int, seconds: float) -> tuple[Run, float]:
    """Run the clients; return what they saw and the wall time."""
    run = Run()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, headers=AUTH, limits=limits, timeout=60) as client:
        deadline = time.perf_counter() + seconds
        start = time.perf_counter()
        await asyncio.gather(*(client_loop(client, run, n, deadline) for n in range(clients)))
        return run, time.perf_counter() - start


def derived_fields() -> dict[str, list[str]]:
    """PhoneNumber's x-derived-from fields (field -> pointer tokens): they follow the agent, not the number's writes."""
    from voicecontract.spec import index, split_pointer

    props = index().spec["components"]["schemas"]["PhoneNumber"]["properties"]
    return {name: split_pointer(p["x-derived-from"]) for name, p in props.items() if "x-derived-from" in p}


def expected_number(last: dict[str, Any], run: Run) -> dict[str, Any]:
    """The last acknowledged number, with derived fields recomputed from the agents' last acknowledged state."""
    out = dict(last)
    for name, (reference, *rest) in derived_fields().items():
        target = run.agents.get(str(last.get(reference)))
        if target is not None:
            for token in rest:
                target = target.get(token) if isinstance(target, dict) else None
            out[name] = target
    return out


async def lost_writes(url: str, run: Run) -> list[str]:
    """Every acknowledged write, read back: what differs from the last acknowledged answer."""
    lost = []
    async with httpx.AsyncClient(base_url=url, headers=AUTH, timeout=60) as client:
        for number, last in run.numbers.items():
            answer = await client.get("/v1/numbers", params={"phone_number": number})
            if last is None and answer.status_code != 404:
                lost.append(f"cancelled number {number} still answers {answer.status_code}")
            elif last is not None and (answer.status_code != 200 or answer.json() != expected_number(last, run)):
                lost.append(f"number {number}: read back {answer.status_code}, not the last acknowledged state")
        for agent_id, last in run.agents.items():
            answer = await client.get("/v1/agents", params={"id": agent_id})
            if answer.status_code != 200 or answer.json() != last:
                lost.append(f"agent {agent_id}: read back {answer.status_code}, not the last acknowledged state")
        listed = (await client.get("/v1/numbers/list", params={"size": "1"})).json()["total"]
        active = sum(1 for v in run.numbers.values() if v is not None)
        if listed != active:
            lost.append(f"the number list says {listed}, the clients hold {active}")
    return lost


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1e3


def mixed(clients: int, seconds: float) -> bool:
    """Part 1; True when nothing was lost and nothing was a 5xx."""
    with tempfile.TemporaryDirectory() as tmp, serving(["--db", str(Path(tmp) / "load.db"), "--token", TOKEN]) as srv:
        run, wall = asyncio.run(mixed_load(srv.url, clients, seconds))
        lost = asyncio.run(lost_writes(srv.url, run))
        srv.stop()
        crashed = "Traceback" in srv.output()
    total = sum(len(v) for v in run.latencies.values())
    fives = sum(n for status, n in run.statuses.items() if status >= 500)
    print(f"mixed load: {clients} clients for {wall:.1f} s against a SQLite file (synchronous=FULL): "
          f"{total} requests, {total / wall:,.0f} req/s")
    print(f"  {'operation':<16} {'requests':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for label, values in sorted(run.latencies.items()):
        print(f"  {label:<16} {len(values):>9} {_pct(values, 0.5):>8.1f} {_pct(values, 0.99):>8.1f}")
    print(f"  statuses: {dict(sorted(run.statuses.items()))}; writes acknowledged: "
          f"{len(run.numbers)} numbers, {len(run.agents)} agents")
    print(f"  lost writes: {len(lost)}; 5xx: {fives}; unexpected answers: {len(run.unexpected)}; "
          f"server tracebacks: {int(crashed)}")
    for line in (lost + run.unexpected)[:10]:
        print(f"    {line}")
    return not lost and not fives and not crashed and not run.unexpected


# --------------------------------------------------------------------------- wrk

def raw(seconds: float, connections: int) -> None:
    """Part 2: wrk against each target, side by side."""
    if not wrk.available():
        print(f"raw throughput: skipped ({wrk.INSTALL})")
        return
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        targets: dict[str, str] = {
            "reference (file, fsync)": stack.enter_context(serving(["--db", str(tmp / "w.db"), "--token", TOKEN,
                                                                    "--log-level", "warning"])).url,
            "reference (memory)": stack.enter_context(serving(["--db", ":memory:", "--token", TOKEN])).url,
        }
        binary = None if os.environ.get("VOICECONTRACT_BENCH_NO_PRISM") else prism_binary()
        if binary is not None:
            targets["Prism 5 (stateless mock)"] = stack.enter_context(prism(binary))
        wrk.throughput(targets, (connections,), seconds, tmp, TOKEN)


def main() -> None:
    """Run both parts; exit 1 when a write was lost or a 5xx was seen."""
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 s per part instead of 10")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients of the mixed load (16)")
    parser.add_argument("--seconds", type=float, default=None, help="seconds per run")
    args = parser.parse_args()
    seconds = args.seconds or (3.0 if args.quick else 10.0)
    ok = mixed(args.clients, seconds)
    raw(seconds if not args.quick else 2.0, 32)
    print("load test: " + ("no lost writes, no 5xx" if ok else "FAILED: lost writes or 5xx (see above)"))
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()

