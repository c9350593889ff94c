"""The fuzz campaign: hostile payloads through the validators and the CLI, hostile requests through the server.

``python -m tests.fuzz`` (``make fuzz``) runs it at full size (10^5 payloads, 10^4 requests);
``tests/fuzz/test_fuzz.py`` runs a 5 % sample in ``make test``. Both use a fixed seed (``--seed``),
print their counts and throughput, and fail on any of:

* an exception from ``validate`` other than ``PayloadError``, or any from ``check_credentials``;
* a CLI run that exits other than 0/1 or prints a traceback;
* a server answer ≥ 500, or a traceback in the server's log;
* a canary echoed: in any validator message or CLI output, in any error answer of the server,
  and (for the secret canary, planted in credentials and tokens) in any answer or log at all.

Every schema of the spec and every route is covered (round-robin, not sampled).
"""

from __future__ import annotations

import contextlib
import io
import random
import socket
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import hypothesis
from hypothesis import strategies as st

from tests.fuzz.mutate import Mutator, nasty_strings
from tests.support.agreement import instances, schema_names
from voicecontract.errors import NAME_LIKE

SECRET_CANARY = "c0ffee5ec4e7d00d"  # planted in secrets and tokens: never in any answer or log
VALUE_CANARY = "c0ffeeva1ue0d00d"  # planted in every other string: never in an error answer or message


def pieces(marker: str) -> list[str]:
    """Windows of 8 characters of a canary: a partial echo counts too."""
    return [marker[i:i + 8] for i in range(len(marker) - 7)]


def leaked(text: str, *markers: str) -> bool:
    """Whether a text holds a piece of any marker."""
    return any(p in text for m in markers for p in pieces(m))


def told(issues: Any) -> str:
    """What issues say, except the name-like keys of their paths: those are named on purpose.

    An issue's path may name a key the caller sent when it looks like a field name (``lable``), as
    every API names an unknown parameter; any other key must not come back (voicecontract.errors).
    """
    out = []
    for issue in issues:
        get = issue.get if isinstance(issue, dict) else lambda k, i=issue: getattr(i, k, "")
        segments = str(get("path")).split("/")
        out += [s for s in segments if not NAME_LIKE.fullmatch(s.replace("~1", "/").replace("~0", "~"))]
        out += [str(get("code")), str(get("message"))]
    return " ".join(out)


@dataclass
class Tally:
    """What a campaign did and what it found."""

    name: str
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def problem(self, text: str) -> None:
        """Record a finding (the first 50 are kept whole)."""
        self.counts["problems"] += 1
        if len(self.problems) < 50:
            self.problems.append(text)

    def line(self, unit: str) -> str:
        """One summary line with the counts and the throughput."""
        total = self.counts[unit]
        rate = total / self.seconds if self.seconds else 0.0
        rest = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()) if k != unit)
        return f"{self.name}: {total} {unit} in {self.seconds:.1f} s ({rate:,.0f}/s); {rest}"


def _collect(strategy: st.SearchStrategy[Any], k: int, seed: int) -> list[Any]:
    out: list[Any] = []

    @hypothesis.settings(max_examples=k, database=None, deadline=None, phases=[hypothesis.Phase.generate],
                         suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.seed(seed)
    @hypothesis.given(strategy)
    def draw(value: Any) -> None:
        out.append(value)

    draw()
    return out


def seeds(per_schema: int, seed: int) -> dict[str, list[Any]]:
    """Valid instances of every schema of the spec, drawn by hypothesis (schemathesis' generator)."""
    return {name: _collect(instances(name), per_schema, seed) or [None] for name in schema_names()}


def random_json(k: int, seed: int) -> list[Any]:
    """Arbitrary JSON values from hypothesis, with the value canary among their strings."""
    text = st.one_of(st.text(max_size=40), st.sampled_from(nasty_strings(VALUE_CANARY)))
    leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), text)
    values = st.recursive(leaf, lambda c: st.lists(c, max_size=5) | st.dictionaries(text, c, max_size=5),
                          max_leaves=30)
    return _collect(values, k, seed)


# --------------------------------------------------------------------------- payloads


def payload_campaign(count: int, seed: int, *, cli_every: int = 50, per_schema: int = 4) -> Tally:
    """``count`` mutated payloads through validate (object and bytes), check_credentials and the CLI."""
    from voicecontract import PayloadError, check_credentials
    from voicecontract.cli import main
    from voicecontract.spec import index
    from voicecontract.validators import validate

    tally = Tally("payloads")
    start_seeds = seeds(per_schema, seed)
    credential_schemas = {t.credentials: t.short for t in index().connection_types.values()}
    mutator = Mutator(seed, VALUE_CANARY)
    rng = random.Random(seed + 1)
    names = sorted(start_seeds)
    tmp = Path(tempfile.mkdtemp(prefix="vc-fuzz-"))
    start = time.perf_counter()
    for i in range(count):
        name = names[i % len(names)]
        doc, ops = mutator.structural(rng.choice(start_seeds[name]))
        payload: Any = doc
        if rng.random() < 0.3:
            payload = mutator.text(doc)
            if rng.random() < 0.5:
                payload, op = mutator.bytewise(payload)
                ops.append(f"bytes {op}")
        where = f"#{i} {name} {ops}"
        tally.counts["payloads"] += 1
        try:
            validate(name, payload)
            tally.counts["accepted"] += 1
        except PayloadError as exc:
            tally.counts["rejected"] += 1
            if leaked(told(exc.issues), VALUE_CANARY):
                tally.problem(f"{where}: the PayloadError echoes the input: {str(exc)[:200]}")
        except Exception as exc:  # the finding this campaign is for
            tally.problem(f"{where}: validate raised {type(exc).__name__}")
        if name in credential_schemas and not isinstance(payload, bytes):
            tally.counts["credential checks"] += 1
            try:
                report = check_credentials(credential_schemas[name], doc, strict=True)
                if leaked(told(report.errors + report.warnings), VALUE_CANARY):
                    tally.problem(f"{where}: check_credentials echoes the input")
            except Exception as exc:
                tally.problem(f"{where}: check_credentials raised {type(exc).__name__}")
        if i % cli_every == 0:
            tally.counts["CLI runs"] += 1
            path = tmp / "payload.json"
            path.write_bytes(payload if isinstance(payload, bytes) else mutator.text(payload))
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(["validate", "--schema", name, "--format", "json", str(path)])
                except SystemExit as exc:
                    code = int(exc.code or 0)
                except Exception as exc:
                    tally.problem(f"{where}: the CLI raised {type(exc).__name__}")
                    code = 1
            said = out.getvalue() + err.getvalue()
            if code not in (0, 1) or "Traceback" in said:
                tally.problem(f"{where}: the CLI exited {code}: {said[-200:]}")
            if leaked(said, VALUE_CANARY):
                tally.problem(f"{where}: the CLI echoes the input")
    tally.seconds = time.perf_counter() - start
    return tally


# --------------------------------------------------------------------------- the server


@dataclass
class Route:
    """One operation as the campaign calls it."""

    method: str
    path: str
    body: str | None
    params: list[tuple[str, bool]]  # (name, required)
    examples: list[Any]


def routes() -> list[Route]:
    """Every operation of the spec, with the spec's own body examples as starting points."""
    from voicecontract.spec import index

    out = []
    for op in index().operations.values():
        params = [(p.name, p.required) for p in op.params if p.location == "query"]
        out.append(Route(op.method, op.path, op.body, params, list(op.body_examples)))
    return out


def _with_secret(doc: Any) -> Any:
    """A connection body carries the secret canary in its credentials (from the recipes)."""
    from voicecontract.recipes import credentials
    from voicecontract.spec import index

    if isinstance(doc, dict) and isinstance(doc.get("type"), str):
        kind = index().connection_type(doc["type"])
        if kind is not None and "credentials" in doc:
            return {**doc, "credentials": credentials(kind.short, canary=SECRET_CANARY)}
    return doc


def server_campaign(url: str, tokens: tuple[str, str], count: int, seed: int, *, raw_every: int = 100) -> Tally:
    """``count`` hostile requests against a running server; every route, round-robin."""
    import httpx

    tally = Tally("requests")
    rng = random.Random(seed)
    mutator = Mutator(seed, VALUE_CANARY)
    all_routes = routes()
    body_seeds = seeds(2, seed)
    arbitrary = random_json(200, seed)
    known: dict[str, list[str]] = {"id": [], "phone_number": []}
    hostile_values = nasty_strings(VALUE_CANARY)
    host, port = url.removeprefix("http://").split(":")
    start = time.perf_counter()
    with httpx.Client(base_url=url, timeout=30) as client:
        for i in range(count):
            route = all_routes[i % len(all_routes)]
            method = route.method if rng.random() < 0.95 else rng.choice(["PUT", "DELETE", "PATCH", "HEAD"])
            params: dict[str, str] = {}
            for name, required in route.params:
                roll = rng.random()
                pool = known.get(name) or known["id"]
                if roll < 0.6 and pool:
                    params[name] = rng.choice(pool)
                elif roll < 0.9 or required:
                    params[name] = rng.choice(hostile_values)
            headers = {"Authorization": f"Bearer {tokens[0]}", "Content-Type": "application/json"}
            roll = rng.random()
            if roll < 0.05:
                headers["Authorization"] = f"Bearer {SECRET_CANARY}"
            elif roll < 0.08:
                del headers["Authorization"]
            elif roll < 0.10:
                headers["Authorization"] = f"Bearer {tokens[1]}"
            elif roll < 0.12:
                headers["Content-Type"] = rng.choice(["text/plain", "application/json; charset=latin-1", ""])
            content = b""
            ops: list[str] = []
            if route.body is not None:
                starts = route.examples + body_seeds.get(route.body, [])
                doc = _with_secret(rng.choice(starts) if starts else {})
                roll = rng.random()
                if roll < 0.15:
                    content = mutator.text(doc)  # valid: it should be accepted and stored
                elif roll < 0.7:
                    doc, ops = mutator.structural(doc)
                    content = mutator.text(doc)
                elif roll < 0.9:
                    content, op = mutator.bytewise(mutator.text(doc))
                    ops = [f"bytes {op}"]
                else:
                    content = mutator.text(rng.choice(arbitrary))
                    ops = ["hypothesis JSON"]
            where = f"#{i} {method} {route.path} {ops}"
            tally.counts["requests"] += 1
            if i % raw_every == 0:
                _raw(host, int(port), method, route.path, content, headers, mutator, tally, where)
                continue
            # the query is encoded by hand: a lone surrogate goes out as the (invalid UTF-8) bytes it would be
            query = "&".join(f"{k}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}" for k, v in params.items())
            try:
                answer = client.request(method, f"{route.path}?{query}" if query else route.path, content=content,
                                        headers=headers)
            except httpx.HTTPError as exc:
                tally.problem(f"{where}: no answer ({type(exc).__name__})")
                continue
            tally.counts[f"{answer.status_code // 100}xx"] += 1
            text = answer.text + " ".join(f"{k}: {v}" for k, v in answer.headers.items())
            if answer.status_code >= 500:
                tally.problem(f"{where}: {answer.status_code} {answer.text[:200]}")
            elif answer.status_code >= 400 and (leaked(_error_text(answer), VALUE_CANARY) or leaked(text, SECRET_CANARY)):
                tally.problem(f"{where}: the error answer echoes the input: {answer.text[:200]}")
            elif leaked(text, SECRET_CANARY):
                tally.problem(f"{where}: a secret is in the answer: {answer.text[:200]}")
            if answer.status_code < 300 and answer.content:
                _harvest(answer.json(), known)
    tally.seconds = time.perf_counter() - start
    return tally


def _error_text(answer: Any) -> str:
    """An error answer's words: its message, error and issues (name-like keys in paths left out)."""
    try:
        body = answer.json()
    except ValueError:
        return str(answer.text)
    if not isinstance(body, dict):
        return str(answer.text)
    return " ".join([str(body.get("message")), str(body.get("error")), told(body.get("issues") or [])])


def _harvest(data: Any, known: dict[str, list[str]]) -> None:
    """Remember ids and numbers the server handed out, so later requests address real resources."""
    stack = [data]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            for key, target in (("id", "id"), ("number", "phone_number")):
                value = cur.get(key)
                if isinstance(value, str) and len(known[target]) < 500:
                    known[target].append(value)
            stack.extend(cur.values())
        elif isinstance(cur, list):
            stack.extend(cur)


def _raw(host: str, port: int, method: str, path: str, body: bytes, headers: dict[str, str], mutator: Mutator,
         tally: Tally, where: str) -> None:
    """A whole HTTP request mutated byte by byte: uvicorn may refuse it, but never with a 5xx."""
    head = f"{method} {path} HTTP/1.1\r\nHost: fuzz\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = head.encode("latin-1", "replace") + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
    mutated, op = mutator.bytewise(request)
    tally.counts["raw requests"] += 1
    try:
        with socket.create_connection((host, port), timeout=5) as sock:
            sock.sendall(mutated)
            sock.shutdown(socket.SHUT_WR)
            answer = sock.recv(64)
    except OSError:
        return  # a refused or reset connection is an acceptable answer to garbage
    if answer.startswith(b"HTTP/1.1 5"):
        tally.problem(f"{where} raw {op}: {answer[:40]!r}")


def server_log_problems(log: str) -> list[str]:
    """What the server's log must never hold after a campaign."""
    found = []
    if "Traceback" in log:
        found.append("the server log has a traceback: " + log[log.index("Traceback"):][:1500])
    if leaked(log, SECRET_CANARY):
        found.append("the server log holds a secret")
    return found


def report(*tallies: Tally, extra: list[str] | None = None) -> tuple[str, bool]:
    """The printed summary and whether the campaign is clean."""
    units = {"payloads": "payloads", "requests": "requests"}
    lines = [t.line(units.get(t.name, t.name)) for t in tallies]
    problems = [p for t in tallies for p in t.problems] + (extra or [])
    lines += [f"  PROBLEM {p}" for p in problems[:50]]
    lines.append(f"crashes/5xx/leaks found: {sum(t.counts['problems'] for t in tallies) + len(extra or [])}")
    return "\n".join(lines), not problems
