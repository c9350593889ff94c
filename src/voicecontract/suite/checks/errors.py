"""error_body and page_consistency: error answers and pages as the spec shapes them."""

from __future__ import annotations

from typing import Any

from voicecontract.spec import Operation, pointer_get, split_pointer
from voicecontract.suite.checks.base import Violation, body_of, check, json_of, operation
from voicecontract.suite.context import RunContext


def _schema_has(run: RunContext, op: Operation, tokens: list[str]) -> bool:
    """Whether a pointer into ``{query, body}`` names a place the operation's request schema defines."""
    if not tokens:
        return True
    head, rest = tokens[0], tokens[1:]
    if head == "query":
        return not rest or (len(rest) >= 1 and op.param(rest[0]) is not None)
    if head != "body":
        return False
    nodes = [op.body_node] if op.body_node is not None else []
    for token in rest:
        nxt = []
        for node in nodes:
            for target in run.ix.schemas.shapes(node):
                props = run.ix.schemas.properties(target)
                if token in props:
                    nxt.append(props[token])
                extra = target.get("additionalProperties")
                if isinstance(extra, dict):
                    nxt.append(extra)
                if token.isdigit() and isinstance(target.get("items"), dict):
                    nxt.append(target["items"])
        if not nxt:
            return False
        nodes = nxt
    return True


@check
def error_body(run: RunContext, response: Any, case: Any) -> None:
    """Every 4xx body is the spec's error body; each issue points into the request where the spec puts a field."""
    status = int(response.status_code)
    if not 400 <= status < 500 or status == 405:
        return
    body = json_of(response)
    from voicecontract.errors import PayloadError
    from voicecontract.validators import validate

    try:
        validate("Error", body)
    except PayloadError as exc:
        raise Violation(
            case,
            f"the {status} body is not the spec's error body",
            path=exc.issues[0].path,
            detail=exc.issues[0].render(),
        ) from None
    if body["statusCode"] != status:
        raise Violation(case, f"statusCode {body['statusCode']} in a {status} answer", path="/statusCode")
    op = operation(run, case)
    sent = body_of(case)
    document: dict[str, Any] = {"query": dict(case.query or {}), "body": sent}
    for i, issue in enumerate(body["issues"]):
        where = issue["path"]
        if where.startswith("/headers"):
            continue
        if not where.startswith(("/query", "/body")):
            raise Violation(
                case,
                f"issue path {where!r} does not point into the request (expected /query/… or /body/…)",
                path=f"/issues/{i}/path",
            )
        try:
            tokens = split_pointer(where)
        except KeyError:
            raise Violation(case, f"issue path {where!r} is not a JSON pointer", path=f"/issues/{i}/path") from None
        try:
            pointer_get(document, where)
            continue  # it names something the request sent
        except KeyError:
            pass
        if op is not None and _schema_has(run, op, tokens):
            continue  # where the spec puts a field that was absent (or inside a value of another type)
        raise Violation(case, f"issue path {where!r} names no field of the request", path=f"/issues/{i}/path")


@check
def page_consistency(run: RunContext, response: Any, case: Any) -> None:
    """A page's items, total and has_more agree with each other and echo the page and size asked for."""
    op = operation(run, case)
    if op is None or op.role != "list" or int(response.status_code) != 200:
        return
    body = json_of(response)
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        return
    query = case.query or {}

    def number(name: str, default: int) -> int:
        raw = str(query.get(name, default))
        return int(raw) if raw.lstrip("-").isdigit() else default

    page, size = number("page", 1), number("size", 10)
    total, n = body.get("total"), len(body["items"])
    if (body.get("page"), body.get("size")) != (page, size):
        raise Violation(case, "the page does not echo the page and size asked for", path="/page")
    if not isinstance(total, int) or n > size:
        raise Violation(case, f"{n} items on a page of size {size}", path="/items")
    if body.get("total_is_estimated") is False:
        expected = max(0, min(size, total - (page - 1) * size))
        if n != expected:
            raise Violation(
                case, f"page {page} of size {size} holds {n} items but total {total} means {expected}", path="/items"
            )
        if body.get("has_more") != (page * size < total):
            raise Violation(case, f"has_more is {body.get('has_more')} with total {total}", path="/has_more")
