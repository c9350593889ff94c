"""``python -m bench.diff``: voicecontract diff beside Optic, pair by pair, on the same specs.

The pairs are the minimal pairs of tests/diff/pairs.py (one per change code) and the real
history, the 2024 published spec against ours (number, agent and connection operations). For
each pair the bench prints whether each tool calls it breaking, what it flagged, and whether they
agree; then the time of each tool over all pairs and the ratio. Optic (@useoptic/optic from the
npm registry) is installed into .cache/optic on first use, with ajv pinned to 8.17.1: later ajv
releases break the Spectral it bundles (stoplightio/spectral#2946). Without npm it is skipped.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.prism import ROOT, npm_tool
from voicecontract.diff import diff
from voicecontract.spec import load_spec

PREFIXES = ("/v1/numbers", "/v1/agents", "/v1/account_connections")
RULE = re.compile(r"^\s*([x!])\s+\[([^\]]+)\]")  # "x [prevent removing response property] …"


def pairs() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(name, old, new): one per change code, then 2024 → ours (as published, and with one version string)."""
    from tests.diff.pairs import BASE, CASES

    out = []
    for code, (edit, _) in CASES.items():
        new = copy.deepcopy(BASE)
        edit(new)
        out.append((code, BASE, new))
    old = load_spec(ROOT / "spec" / "history" / "openapi-2024-08.json")
    old = {**old, "paths": {p: v for p, v in old["paths"].items() if p.startswith(PREFIXES)}}
    ours = load_spec(ROOT / "spec" / "openapi.yaml")
    out.append(("2024 → ours", old, ours))
    # Optic runs no breaking-change rule when info.version changes (a new version may break): the same
    # pair with the old version string shows what its rules find.
    same_version = {**ours, "info": {**ours["info"], "version": old["info"]["version"]}}
    out.append(("2024 → ours, same info.version", old, same_version))
    return out


def optic(binary: Path, old: dict[str, Any], new: dict[str, Any], work: Path) -> tuple[bool, list[str]]:
    """(breaking?, the rules Optic fired) for one pair."""
    (work / "old.json").write_text(json.dumps(old), encoding="utf-8")
    (work / "new.json").write_text(json.dumps(new), encoding="utf-8")
    # --validation loose: Optic's strict mode rejects a link whose requestBody is an object of runtime
    # expressions, which OpenAPI 3.1 allows (a link's requestBody is "Any | {expression}").
    proc = subprocess.run([str(binary), "diff", "old.json", "new.json", "--check", "--validation", "loose"],
                          capture_output=True, text=True, cwd=work, check=False, timeout=300)
    fired = [f"{m.group(2)}{'' if m.group(1) == 'x' else ' (warn)'}"
             for line in proc.stdout.splitlines() if (m := RULE.match(line))]
    if proc.returncode != 0 and not fired:
        raise RuntimeError(f"Optic failed on the pair: {(proc.stdout + proc.stderr).strip()[:300]}")
    return any(not f.endswith("(warn)") for f in fired), sorted(set(fired))


def main() -> None:
    """Print the side-by-side table and the timing ratio."""
    binary = npm_tool("optic", "@useoptic/optic@1.0.9", "optic", overrides={"ajv": "8.17.1"})
    rows = []
    ours_time = optic_time = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name, old, new in pairs():
            t = time.perf_counter()
            changes = diff(old, new)
            ours_time += time.perf_counter() - t
            ours_breaking = sorted({c.code for c in changes if c.clients == "breaking"})
            theirs: tuple[bool, list[str]] | None = None
            if binary is not None:
                t = time.perf_counter()
                theirs = optic(binary, old, new, Path(tmp))
                optic_time += time.perf_counter() - t
            rows.append((name, ours_breaking, theirs))
    print(f"{'pair':<36} {'voicecontract':<14} {'Optic':<8} agree  what Optic flagged")
    agree = 0
    for name, ours, theirs in rows:
        ours_says = "breaking" if ours else "ok"
        if theirs is None:
            print(f"{name:<36} {ours_says:<14} {'-':<8}")
            continue
        optic_says = "breaking" if theirs[0] else "ok"
        same = ours_says == optic_says
        agree += same
        flagged = "; ".join(theirs[1][:3]) + (" …" if len(theirs[1]) > 3 else "")
        print(f"{name:<36} {ours_says:<14} {optic_says:<8} {'yes' if same else 'NO':<6} {flagged}")
    if binary is not None:
        print(f"\nagree on {agree}/{len(rows)} pairs; time over all pairs: voicecontract {ours_time:.2f} s, "
              f"Optic {optic_time:.2f} s ({optic_time / max(ours_time, 1e-9):.0f}× ours, most of it Node start-up)")


if __name__ == "__main__":
    main()
