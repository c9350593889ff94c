"""Our suite and plain schemathesis against the same server, with the same spec, budget and seed.

Each server (a mutant of tests/mutants or a variant of tests/variants) runs as its own process
(``python -m tests.support.serve NAME``). Ours is ``voicecontract run`` through ``run_suite``;
plain schemathesis is its CLI (``schemathesis run generated/openapi.json --checks all``) with the
repository's schemathesis.toml, whose one hook handles the spec's one unexpressible rule (a PEM key
must parse) exactly as our run does. Which check caught what comes from each tool's own report.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicecontract.reference.process import serving
from voicecontract.suite.options import SCHEMATHESIS_PHASES, RunOptions
from voicecontract.suite.runner import run_suite

ROOT = Path(__file__).resolve().parents[2]
TOKENS = ("matrix-tenant-a", "matrix-tenant-b")
SEED = 20261126
DEFAULT_PHASES = ("examples", "coverage", "fuzzing", "stateful", "links")


@dataclass
class Outcome:
    """What each tool said about one server."""

    name: str
    ours: list[str] = field(default_factory=list)  # the checks that failed
    plain: list[str] | None = None  # None: plain schemathesis had no phase to run
    cases: int = 0
    seconds: float = 0.0
    plain_seconds: float = 0.0
    details: list[str] = field(default_factory=list)  # "check: title: detail" of each failure, for diagnosis

    def caught_by(self, check: str) -> bool:
        """Whether our run named this check."""
        return check in self.ours


def plain_check_names() -> dict[str, tuple[str, ...]]:
    """schemathesis failure type → the checks that report it (from schemathesis' own classes)."""
    from schemathesis.checks import load_all_checks
    from schemathesis.core.failures import Failure

    load_all_checks()
    out: dict[str, tuple[str, ...]] = {}
    todo = list(Failure.__subclasses__())
    while todo:
        cls = todo.pop()
        out[cls.__name__] = tuple(getattr(cls, "checks", ()) or ("custom",))
        todo.extend(cls.__subclasses__())
    return out


def run_plain(url: str, phases: tuple[str, ...], max_examples: int, seed: int = SEED,
              timeout: float = 30.0) -> tuple[list[str], float]:
    """Plain schemathesis' CLI against a URL; the checks its report names (``errors`` for engine errors)."""
    chosen = [p for p in phases if p in SCHEMATHESIS_PHASES]
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "schemathesis.cli", "run", str(ROOT / "generated" / "openapi.json"), "--url", url,
               "-H", f"Authorization: Bearer {TOKENS[0]}", "--checks", "all", "--seed", str(seed),
               "--max-examples", str(max_examples), "--phases", ",".join(chosen), "--request-timeout", str(timeout),
               "--report", "json", "--report-json-path", str(report)]
        subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False, timeout=1800)
        data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8")) if report.is_file() else {}
    names = plain_check_names()
    found = {check for f in data.get("failures", []) for check in names.get(f.get("type", ""), ("custom",))[:1]}
    if data.get("errors"):
        found.add("errors")
    return sorted(found), time.perf_counter() - start


def run_ours(url: str, phases: tuple[str, ...], max_examples: int, seed: int = SEED,
             options: dict[str, Any] | None = None) -> tuple[list[str], int, list[str]]:
    """Our suite against a URL with both tenants' tokens; the checks that failed, the cases run, the details."""
    result = run_suite(RunOptions(base_url=url, token=TOKENS[0], second_token=TOKENS[1], phases=phases,
                                  max_examples=max_examples, seed=seed, **(options or {})))
    details = [f"{f.operation} [{f.check}] {f.title}: {f.detail[:300]}" for f in result.failures]
    return sorted({f.check for f in result.failures}), result.cases, details


def score(name: str, phases: tuple[str, ...], *, max_examples: int, plain: bool = True,
          options: dict[str, Any] | None = None) -> Outcome:
    """Serve one server and run our suite (and, unless told not to, plain schemathesis) against it."""
    args = [name, "--token", TOKENS[0], "--token", TOKENS[1]]
    out = Outcome(name)
    start = time.perf_counter()
    with serving(args, module="tests.support.serve") as server:
        out.ours, out.cases, out.details = run_ours(server.url, phases, max_examples, options=options)
    out.seconds = time.perf_counter() - start
    if plain and any(p in SCHEMATHESIS_PHASES for p in phases):
        timeout = float((options or {}).get("request_timeout", 30.0))
        with serving(args, module="tests.support.serve") as server:
            out.plain, out.plain_seconds = run_plain(server.url, phases, max_examples, timeout=timeout)
    return out
