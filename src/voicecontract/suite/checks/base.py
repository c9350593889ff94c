"""The machinery of voicecontract's checks: the failure they raise, registration, shared helpers, hooks."""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from typing import Any

from schemathesis.core.failures import Failure

from voicecontract.spec import Operation
from voicecontract.suite.context import RunContext
from voicecontract.suite.target import Answer, TransportError

Check = Callable[[RunContext, Any, Any], None]
CHECKS: dict[str, Check] = {}


class Violation(Failure):
    """A broken contract, with where (a JSON pointer into the answer or the request)."""

    kind_title = "Contract violation"

    def __init__(self, case: Any, title: str, *, path: str = "", detail: str = "") -> None:
        super().__init__(operation=case.operation.label, title=title, message=detail or title)
        self.path = path

    @property
    def _unique_key(self) -> str:
        return self.title


def check(fn: Check) -> Check:
    """Add a function to voicecontract's checks (registered with schemathesis by ``register``)."""
    CHECKS[fn.__name__] = fn
    return fn


def adapt(name: str) -> Callable[[Any, Any, Any], None]:
    """The schemathesis form of a check: finds the run of the case; a transport error is its own failure."""

    def run_check(ctx: Any, response: Any, case: Any) -> None:
        run = RunContext.of(case)
        if run is None:
            return None
        try:
            CHECKS[name](run, response, case)  # looked up at call time: the registry is the truth
        except TransportError as exc:
            run.fail_transport(exc, phase=_phase(ctx))
        return None

    run_check.__name__ = run_check.__qualname__ = name
    run_check.__doc__ = CHECKS[name].__doc__
    return run_check


def _phase(ctx: Any) -> str:
    phase = getattr(ctx, "phase", None)
    return str(getattr(phase, "value", phase) or "links")


_REGISTERED: dict[str, Callable[[Any, Any, Any], None]] = {}


def register() -> dict[str, Callable[[Any, Any, Any], None]]:
    """Register voicecontract's checks and its hooks with schemathesis (once per process)."""
    import schemathesis

    from voicecontract.suite.checks import errors, secrets, tenancy, writes  # noqa: F401 - the checks themselves

    if not _REGISTERED:
        for name in CHECKS:
            _REGISTERED[name] = schemathesis.check(adapt(name))
        schemathesis.hook("before_call")(_snapshot_before_write)
        schemathesis.hook("map_case")(_address_existing)
        schemathesis.hook("filter_case")(_sample_negative_coverage)
    return _REGISTERED


def operation(run: RunContext, case: Any) -> Operation | None:
    """The spec operation of a case."""
    return run.ix.by_label.get(f"{case.method.upper()} {case.path}")


def body_of(case: Any) -> Any:
    """The JSON body a case sent (None for none)."""
    body = case.body
    return body if isinstance(body, dict | list | str | int | float | bool) or body is None else None


def json_of(response: Any) -> Any:
    """A response's JSON body, or None."""
    try:
        return response.json()
    except Exception:
        return None


def ok(response: Any) -> bool:
    """A 2xx answer."""
    return 200 <= int(response.status_code) < 300


def token_of(run: RunContext, case: Any) -> str:
    """The bearer token a case was sent with (the first tenant's unless the case says otherwise)."""
    auth = (case.headers or {}).get("Authorization") if isinstance(getattr(case, "headers", None), dict) else None
    if isinstance(auth, str) and auth.lower().startswith("bearer "):
        return auth[7:]
    return run.target.token


def read_back(
    run: RunContext, op: Operation, answer: Any, *, token: str | None = None
) -> tuple[Operation, str, Answer] | None:
    """Read the resource a write answered with, as the spec's links say (None if it cannot be addressed)."""
    route = run.ix.read_back(op)
    if route is None or not isinstance(answer, dict):
        return None
    read, param, field = route
    key = answer.get(field)
    if not isinstance(key, str):
        return None
    return read, param, run.target.request(read.method, read.path, params={param: key}, token=token)


def _snapshot_before_write(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Remember a resource before an update, delete, add or remove (before_call hook)."""
    run = RunContext.of(case)
    if run is None:
        return
    op = operation(run, case)
    if op is None or op.role not in ("update", "delete", "add", "remove") or op.key is None:
        return
    res = run.ix.resource_of(op)
    key = case.query.get(op.key.name) if isinstance(case.query, dict) else None
    if res is None or res.read is None or not isinstance(key, str):
        return
    window = run.options.consistency_window_ms / 1000
    with run.lock:
        last = run.last_answers.get((res.name, key))
    if window and last is not None and time.monotonic() - last[0] < window:
        with run.lock:  # a read may still lag: the newest answer of a write is the state before this one
            run.snapshots[case.id] = last[1]
        return
    try:
        answer = run.target.request(
            res.read.method, res.read.path, params={res.key_param or op.key.name: key}, token=token_of(run, case)
        )
    except TransportError:
        return  # the check on the answer reports the target's trouble
    if answer.status == 200:
        with run.lock:
            run.snapshots[case.id] = answer.body


def _address_existing(context: Any, case: Any) -> Any:
    """Point a generated update/add/remove at a resource of the run (map_case hook), unless its key is the invalid part.

    A generated id addresses nothing, so such a case would end as a 404 before the body is looked
    at; against an existing resource, a negative body must be rejected and a positive one applied.
    """
    run = RunContext.of(case)
    if run is None:
        return case
    op = operation(run, case)
    if op is None or op.role not in ("update", "add", "remove") or op.key is None or not isinstance(case.query, dict):
        return case
    meta = getattr(case, "meta", None)
    components = getattr(meta, "components", {}) or {}
    query = next((info for location, info in components.items() if _name(location) == "query"), None)
    if query is not None and _name(getattr(query, "mode", "")) == "negative":
        return case  # the key itself may be what is invalid
    union = run.ix.schemas.union(op.body_node)
    tag = case.body.get(union.prop) if union is not None and isinstance(case.body, dict) else None
    keys = run.existing.get((op.op_id, str(tag) if isinstance(tag, str) else ""))
    keys = keys or run.existing.get((op.op_id, ""))
    if keys:
        case.query = {**case.query, op.key.name: keys[zlib.crc32(str(case.id).encode()) % len(keys)]}
    return case


NEGATIVE_COVERAGE_KEEP = 3  # of the negative coverage cases of writes, one in this many is sent


def _sample_negative_coverage(context: Any, case: Any) -> bool:
    """Keep one in NEGATIVE_COVERAGE_KEEP negative coverage cases of the writes (filter_case hook).

    Updates run against existing resources (``_address_existing``); a third of the cases still tries
    every kind of invalid value on every field, at a third of the time. The choice hashes the case's
    content, so a seed reproduces it; ``--thorough`` keeps them all.
    """
    run = RunContext.of(case)
    if run is None or run.options.thorough:
        return True
    meta = getattr(case, "meta", None)
    if (
        meta is None
        or _name(getattr(meta.phase, "name", "")) != "coverage"
        or _name(meta.generation.mode) != "negative"
    ):
        return True
    op = operation(run, case)
    if op is None or op.method == "GET":
        return True
    content = repr((case.query, case.body, getattr(meta.phase.data, "description", "")))
    return zlib.crc32(content.encode("utf-8", "replace")) % NEGATIVE_COVERAGE_KEEP == 0


def _name(value: Any) -> str:
    return str(getattr(value, "value", value)).lower()
