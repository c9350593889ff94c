"""The write checks: a write answers what was sent, and reads back as it answered."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from voicecontract.spec import Operation
from voicecontract.spec.index import WRITE_ROLES
from voicecontract.suite.checks.base import Violation, body_of, check, json_of, ok, operation, read_back, token_of
from voicecontract.suite.context import RunContext
from voicecontract.suite.oracle import Oracle, first_difference, json_equal


@check
def write_applied(run: RunContext, response: Any, case: Any) -> None:
    """A 2xx write answers what was sent, derived from the spec (see ``voicecontract.suite.oracle``)."""
    op = operation(run, case)
    with run.lock:
        before = run.snapshots.pop(case.id, None)
    if op is None or op.role not in WRITE_ROLES or not ok(response):
        return
    got = json_of(response)
    if not isinstance(got, dict):
        return
    res = run.ix.resource_of(op)
    if res is not None and isinstance(got.get(res.key_field), str):
        with run.lock:
            run.last_answers[(res.name, got[res.key_field])] = (time.monotonic(), got)
    node = {"$ref": f"#/components/schemas/{op.resource}"}
    sent = body_of(case)
    oracle = Oracle(run.ix)
    found: list[tuple[str, str]] = []
    if op.role == "create":
        if res is not None:
            run.remember_created(res.name, got.get(res.key_field), token_of(run, case))
        found = oracle.compare(op.body_node, node, sent if isinstance(sent, dict) else {}, got, mode="create")
    elif op.role == "update":
        found = oracle.compare(
            op.body_node, node, sent if isinstance(sent, dict) else {}, got, mode="update", before=before
        )
    elif op.role == "delete" and isinstance(before, dict):
        expected = {**before, **op.final_state}
        where = first_difference(expected, got)
        if where is not None:
            found = [(where, "a delete answers the resource's last state (with x-final-state applied)")]
    elif op.role in ("add", "remove") and op.collection:
        found = _collection_applied(run, op, sent, got, before)
    if found:
        where, title = found[0]
        detail = "\n".join(f"{w or '/'}: {t}" for w, t in found[:6])
        raise Violation(case, title, path=where, detail=detail)


def _collection_applied(
    run: RunContext, op: Operation, sent: Any, got: dict[str, Any], before: Any
) -> list[tuple[str, str]]:
    from voicecontract.suite.requests import RequestBuilder

    items = got.get(op.collection or "")
    where = "/" + (op.collection or "")
    if not isinstance(items, list):
        return [(where, f"`{op.collection}` is missing from the answer")]
    field = RequestBuilder(run.ix, run.fixtures, lambda *a, **k: None).collection_item_field(op)
    value = sent.get(field) if isinstance(sent, dict) and field else None
    old = before.get(op.collection) if isinstance(before, dict) else None
    if op.role == "add":
        if value is not None and value not in items:
            return [(where, f"the value added is not in `{op.collection}`")]
        if value is None and isinstance(old, list) and len(items) != len(old) + 1:
            return [(where, f"adding without a value must add exactly one item to `{op.collection}`")]
    elif value is not None and value in items:
        return [(where, f"the value removed is still in `{op.collection}`")]
    if isinstance(before, dict):
        for key, previous in before.items():
            if key != op.collection and not json_equal(previous, got.get(key)):
                return [("/" + key, f"`{key}` changed, but the operation only changes `{op.collection}`")]
    return []


@check
def read_after_write(run: RunContext, response: Any, case: Any) -> None:
    """After a 2xx write the resource reads back as answered; after a delete it is gone (404)."""
    op = operation(run, case)
    if op is None or op.role not in WRITE_ROLES or not ok(response):
        return
    answered = json_of(response)
    token = token_of(run, case)
    reads: list[float] = []  # when each read was sent, for the failure's detail

    def attempt() -> tuple[str, str] | None:
        """(problem, where) when the resource does not yet read back as answered; None when it does."""
        reads.append(time.monotonic())
        found = read_back(run, op, answered, token=token)
        if found is None:
            return None
        read, _, answer = found
        if op.role == "delete":
            if answer.status == 404:
                return None
            return f"a deleted resource still reads back ({answer.status} from {read.label})", ""
        if answer.status != 200:
            return f"the resource does not read back ({answer.status} from {read.label})", ""
        where = first_difference(answered, answer.body) or ""
        return None if not where else (f"{read.label} does not return what {op.label} answered", where)

    start = time.monotonic()
    last = within_window(attempt, run.options.consistency_window_ms / 1000)
    if last is not None:
        problem, where = last
        detail = f"{problem} (at {where or '/'})" if where else problem
        if len(reads) > 1:  # under --consistency-window: say how long the check waited
            detail += f"; read {len(reads)} times, the last sent {reads[-1] - start:.2f} s after the answer"
        raise Violation(case, problem, path=where, detail=detail)


T = TypeVar("T")
RETRY_PAUSE = 0.05  # seconds between reads while a read may still lag


def within_window(
    attempt: Callable[[], T | None],
    window: float,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T | None:
    """Repeat ``attempt`` until it finds nothing, or until one *sent* after ``window`` seconds still finds something.

    The verdict belongs to a read that starts after the window: a read sent inside the window may
    show the old state and, on a loaded target, answer long after the window has passed (CI once
    failed a legitimate lagging replica that way). With no window, one attempt decides.
    """
    deadline = clock() + window
    while True:
        started = clock()
        found = attempt()
        if found is None or started >= deadline:
            return found
        sleep(max(0.0, min(RETRY_PAUSE, deadline - clock())))
