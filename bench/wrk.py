"""wrk, Debian's native HTTP load generator, for the server benches (Python clients saturate first)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

TOKEN = "bench-token"
NUMBER_OF_PRISM = "+1234567890"  # Prism answers any number from the spec's examples
INSTALL = "wrk is not installed (Debian/Ubuntu: apt-get install wrk)"


def available() -> bool:
    """Whether wrk is on the PATH."""
    return shutil.which("wrk") is not None


UPDATE_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, "{path}", nil, '{{"label": "wrk ' .. counter .. '"}}')
end
"""


def wrk(url: str, path: str, seconds: float, connections: int, script: Path | None,
        token: str = TOKEN) -> tuple[float, float, float]:
    """req/s, p50 ms and p99 ms from one wrk run (at most 2 threads: the machine's two cores)."""
    threads = min(2, connections)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, int(seconds))}s", "--latency",
           "-H", f"Authorization: Bearer {token}"]
    if script is not None:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url + path], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def ms(q: str) -> float:
        m = re.search(rf"\s{q}%\s+([\d.]+)(us|ms|s)", out)
        if m is None:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        print(f"    (wrk saw {non2xx.group(1)} non-2xx answers from {url}{path})")
    return rate, ms("50"), ms("99")


def throughput(targets: dict[str, str], levels: tuple[int, ...], seconds: float, tmp: Path,
               token: str = TOKEN) -> dict[tuple[str, int], dict[str, tuple[float, float, float]]]:
    """A read and a write through wrk against every target at each connection count; prints the table.

    Returns (operation, connections) -> target -> (req/s, p50 ms, p99 ms). The last column is each
    reference target's ratio to the target named ``Prism …``, on the same operation and count.
    """
    import httpx

    rows: dict[tuple[str, int], dict[str, tuple[float, float, float]]] = {}
    paths: dict[str, tuple[str, str, Path]] = {}
    for i, (name, url) in enumerate(targets.items()):
        number = NUMBER_OF_PRISM
        if not name.startswith("Prism"):
            number = httpx.post(url + "/v1/numbers/buy", json={}, headers={"Authorization": f"Bearer {token}"}).json()[
                "number"]
        encoded = number.replace("+", "%2B")
        write = f"/v1/numbers/update?phone_number={encoded}"
        script = tmp / f"update-{i}.lua"
        script.write_text(UPDATE_LUA.format(token=token, path=write), encoding="utf-8")
        paths[name] = (f"/v1/numbers?phone_number={encoded}", write, script)
    names = list(targets)
    print(f"wrk, {seconds:.0f} s per cell: requests/s (p50 / p99 ms)")
    print(f"  {'operation':<30} {'conns':>5}" + "".join(f"{n:>34}" for n in names) + "   ratio to Prism")
    for label, write in (("read  GET /v1/numbers", False), ("write POST /v1/numbers/update", True)):
        for level in levels:
            cells = {}
            for name, url in targets.items():
                read_path, write_path, script = paths[name]
                cells[name] = wrk(url, write_path if write else read_path, seconds, level, script if write else None,
                                  token)
            rows[(label, level)] = cells
            line = "".join(f"{f'{r:,.0f} ({p50:.1f} / {p99:.1f})':>34}" for r, p50, p99 in cells.values())
            prism_rate = next((cells[n][0] for n in names if n.startswith("Prism")), None)
            ratio = "  ".join(f"{cells[n][0] / prism_rate:.2f}x" for n in names if not n.startswith("Prism")) \
                if prism_rate else "-"
            print(f"  {label:<30} {level:>5}{line}   {ratio}", flush=True)
    return rows
