"""Tenancy and pages: another tenant never reaches a resource; a list walked to its end is consistent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from voicecontract.spec import Operation
from voicecontract.suite.checks.base import Violation, check, json_of, ok, operation, token_of
from voicecontract.suite.context import RunContext

ISOLATION_PROBES_PER_OPERATION = 5  # new resources per create operation tried with the second token
PAGE_WALK_LIMIT = 20  # requests per list when walking every page

Fetch = Callable[[dict[str, Any]], tuple[int, Any]]  # query -> (status, JSON body)


def fetcher(run: RunContext, op: Operation, token: str | None = None) -> Fetch:
    """Fetch pages of a list with the suite's own client (no checks run on them)."""

    def fetch(query: dict[str, Any]) -> tuple[int, Any]:
        answer = run.target.request(op.method, op.path, params=query, token=token)
        return answer.status, answer.body

    return fetch


def walk_pages(run: RunContext, op: Operation, fetch: Fetch) -> tuple[list[Any], list[str]]:
    """Every item of a list, page by page (bounded), and what was inconsistent on the way."""
    status, first = fetch({"size": 1})
    if status != 200 or not isinstance(first, dict) or not isinstance(first.get("total"), int):
        return [], [f"{op.label} answered {status} to size=1"]
    total = first["total"]
    size_param = op.param("size")
    maximum = run.ix.schemas.resolve(size_param.node).get("maximum", 100) if size_param else 100
    size = max(1, min(int(maximum), -(-total // PAGE_WALK_LIMIT) if total else 1))
    pages = max(1, -(-total // size))
    problems: list[str] = []
    items: list[Any] = []
    wanted = list(range(1, min(pages, PAGE_WALK_LIMIT - 1) + 1))
    if pages not in wanted:
        wanted.append(pages)  # always look at the last page
    for page in wanted:
        status, answer = fetch({"page": page, "size": size})
        body = answer if isinstance(answer, dict) else {}
        got: list[Any] = body["items"] if isinstance(body.get("items"), list) else []
        expected = max(0, min(size, total - (page - 1) * size))
        if status != 200:
            problems.append(f"page {page} answered {status}")
            continue
        if body.get("total") != total and body.get("total_is_estimated") is not True:
            problems.append(f"page {page} reports total {body.get('total')}, page 1 reported {total}")
        if body.get("total_is_estimated") is not True:
            if len(got) != expected:
                problems.append(f"page {page} of size {size} holds {len(got)} items; total {total} means {expected}")
            if body.get("has_more") != (page * size < total):
                problems.append(f"page {page} of size {size} says has_more {body.get('has_more')} with total {total}")
        items.extend(got)
    ids = [i.get("id") for i in items if isinstance(i, dict)]
    if len(ids) != len(set(ids)):
        problems.append("an item appears on more than one page")
    return items, problems


@check
def tenant_isolation(run: RunContext, response: Any, case: Any) -> None:
    """A new resource is a 404 for another tenant in every operation that addresses it, and not in its list."""
    second = run.target.second_token
    op = operation(run, case)
    if not second or op is None or op.role != "create" or not ok(response):
        return
    created = json_of(response)
    res = run.ix.resource_of(op)
    if not isinstance(created, dict) or res is None or not isinstance(created.get(res.key_field), str):
        return
    with run.lock:
        probed = run.isolation_probes.get(op.op_id, 0)
        if probed >= ISOLATION_PROBES_PER_OPERATION:
            return
        run.isolation_probes[op.op_id] = probed + 1
    owner = token_of(run, case)
    other = run.target.token if owner == second else second
    reached = probe_other_tenant(run, res.name, created, other)
    if reached:
        raise Violation(case, f"another tenant reached the resource {op.label} created: {', '.join(reached)}")


def probe_other_tenant(run: RunContext, kind: str, created: dict[str, Any], second: str) -> list[str]:
    """Try every operation that addresses a resource with another tenant's token; what answered other than 404."""
    from voicecontract.suite.requests import RequestBuilder

    res = run.ix.resources[kind]
    key = created[res.key_field]
    builder = RequestBuilder(run.ix, run.fixtures, lambda *a, **k: None)
    reached = []
    ops = [o for o in run.ix.operations.values() if o.resource == kind and o.key is not None and o.role != "list"]
    ops.sort(key=lambda o: o.role == "delete")  # a delete that wrongly succeeded would end the resource
    for op in ops:
        body = builder.minimal_body(op, created)
        answer = run.target.request(op.method, op.path, params={op.key.name: key}, json=body, token=second)  # type: ignore[union-attr]
        if answer.status != 404:
            reached.append(f"{op.label} -> {answer.status}")
    if res.listing is not None:
        items, _ = walk_pages(run, res.listing, fetcher(run, res.listing, second))
        if any(isinstance(i, dict) and i.get(res.key_field) == key for i in items):
            reached.append(f"{res.listing.label} lists it")
    return reached
