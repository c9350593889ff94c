"""voicecontract's checks: small named functions, run by schemathesis on every response.

* ``resource_readable_after_create``: a created resource reads back as the create returned it.
* ``read_after_write``: after an update, a read returns what the update returned, and every field
  the update did not send is unchanged; after a cancel, the number is gone.
* ``no_secret_echo``: no secret of the request (``x-secret`` fields, the bearer token) appears in
  the response's headers or body.
* ``tenant_isolation``: with a second token, another tenant's new resource is a 404 for every
  operation that addresses it.
* ``error_body``: every 4xx body is the spec's error body and its issues point into the request.
* ``page_consistency``: a page's items, ``total`` and ``has_more`` agree with each other.

A failing check raises ``AssertionError`` with a message that names no secret.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import schemathesis

from voicecontract.spec import packaged_spec, pointer_get, resolve
from voicecontract.suite.target import Target


@dataclass
class SuiteState:
    """What the checks need to know about the run in progress."""

    target: Target | None = None
    before: dict[str, Any] = field(default_factory=dict)  # case id -> state before an update
    lock: threading.Lock = field(default_factory=threading.Lock)
    isolation_probes: dict[str, int] = field(default_factory=dict)  # operation -> resources probed

    def reset(self, target: Target | None) -> None:
        """Start a run (or end one, with ``None``)."""
        self.target = target
        self.before.clear()
        self.isolation_probes.clear()


STATE = SuiteState()
CHECKS: dict[str, Callable[..., None]] = {}

# operation -> (how to read the resource back: GET path, query parameter, where its key is in the response)
READ_BACK = {
    "buy_number": ("/v1/numbers", "phone_number", "number"),
    "link_number": ("/v1/numbers", "phone_number", "number"),
    "update_number": ("/v1/numbers", "phone_number", "number"),
    "cancel_number": ("/v1/numbers", "phone_number", "number"),
    "create_agent": ("/v1/agents", "id", "id"),
    "update_agent": ("/v1/agents", "id", "id"),
    "create_account_connection": ("/v1/account_connections", "id", "id"),
    "update_account_connection": ("/v1/account_connections", "id", "id"),
    "add_to_steering_pool": ("/v1/account_connections", "id", "id"),
    "remove_from_steering_pool": ("/v1/account_connections", "id", "id"),
}
CREATES = {"buy_number", "link_number", "create_agent", "create_account_connection"}
UPDATES = {"update_number", "update_agent", "update_account_connection"}
LISTS = {"list_numbers", "list_agents", "list_account_connections"}


def register(fn: Callable[..., None]) -> Callable[..., None]:
    """Register a check with schemathesis and in voicecontract's list."""
    CHECKS[fn.__name__] = fn
    schemathesis.check(fn)
    return fn


def _op_id(case: Any) -> str:
    return str(case.operation.definition.raw.get("operationId", ""))


def _json(response: Any) -> Any:
    try:
        return response.json()
    except Exception:
        return None


def _body(case: Any) -> Any:
    body = case.body
    return body if isinstance(body, dict | list | str | int | float | bool) or body is None else None


def _ok(response: Any) -> bool:
    return 200 <= int(response.status_code) < 300


def _diff(a: Any, b: Any, path: str = "") -> str | None:
    """The first place two JSON values differ, as a JSON pointer (values are not shown)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}/{key}"
            found = _diff(a[key], b[key], f"{path}/{key}")
            if found is not None:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return path or "/"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _diff(x, y, f"{path}/{i}")
            if found is not None:
                return found
        return None
    if isinstance(a, bool) or isinstance(b, bool):
        return None if a is b else (path or "/")
    return None if a == b else (path or "/")


# --------------------------------------------------------------------------- read-back checks


def snapshot_before_update(case: Any) -> None:
    """Remember the resource's state before an update (called by the before_call hook)."""
    target = STATE.target
    op = _op_id(case)
    if target is None or op not in UPDATES:
        return
    path, param, _ = READ_BACK[op]
    key = case.query.get(param) if isinstance(case.query, dict) else None
    if not isinstance(key, str):
        return
    answer = target.request("GET", path, params={param: key})
    if answer.status == 200:
        with STATE.lock:
            STATE.before[case.id] = answer.body


@register
def resource_readable_after_create(ctx: Any, response: Any, case: Any) -> None:
    """A 2xx create is followed by a read that returns exactly what the create returned."""
    op = _op_id(case)
    if STATE.target is None or op not in CREATES or not _ok(response):
        return
    created = _json(response)
    if not isinstance(created, dict):
        return
    path, param, key = READ_BACK[op]
    if not isinstance(created.get(key), str):
        return
    read = STATE.target.request("GET", path, params={param: created[key]})
    assert read.status == 200, (
        f"{case.method} {case.path} answered {response.status_code} but the new resource "
        f"reads back with {read.status} from GET {path}"
    )
    where = _diff(created, read.body)
    assert where is None, f"GET {path} returns something else than {case.method} {case.path} did (at {where})"


@register
def read_after_write(ctx: Any, response: Any, case: Any) -> None:
    """After a 2xx update the resource reads back as answered, and unsent fields are unchanged."""
    op = _op_id(case)
    with STATE.lock:
        before = STATE.before.pop(case.id, None)
    if STATE.target is None or op not in READ_BACK or op in CREATES or not _ok(response):
        return
    answered = _json(response)
    if not isinstance(answered, dict):
        return
    path, param, key = READ_BACK[op]
    ident = answered.get(key)
    if not isinstance(ident, str):
        return
    read = STATE.target.request("GET", path, params={param: ident})
    if op == "cancel_number":
        assert read.status == 404, f"a cancelled number still reads back ({read.status} from GET {path})"
        return
    assert read.status == 200, f"after {case.method} {case.path} the resource reads back with {read.status}"
    where = _diff(answered, read.body)
    assert where is None, f"GET {path} does not return what {case.method} {case.path} answered (at {where})"
    sent = _body(case)
    if isinstance(before, dict) and isinstance(sent, dict):
        for name, old in before.items():
            if name in sent or name in _derived(op):
                continue
            assert _diff(old, answered.get(name)) is None, (
                f"{case.method} {case.path} did not send `{name}` but changed it (absent fields must stay unchanged)"
            )


def _derived(op: str) -> set[str]:
    # fields computed from other fields: a number's agent name follows `inbound_agent`
    return {"inbound_agent_name"} if op == "update_number" else set()


# --------------------------------------------------------------------------- secrets


def _secret_values(case: Any) -> list[str]:
    """The secrets a request carries: its x-secret fields and the bearer token."""
    out: list[str] = []
    auth = case.headers.get("Authorization") if case.headers else None
    if isinstance(auth, str) and auth.lower().startswith("bearer "):
        out.append(auth[7:])
    if STATE.target is not None:
        out += [t for t in (STATE.target.token, STATE.target.second_token) if t]
    body = _body(case)
    media = case.operation.definition.raw.get("requestBody", {}).get("content", {}).get("application/json", {})
    if body is not None and "schema" in media:
        out += list(secret_fields(media["schema"], body))
    return out


def secret_fields(schema: Any, value: Any, depth: int = 0) -> Iterator[str]:
    """The string values of ``value`` that sit at x-secret fields of ``schema``."""
    spec = packaged_spec()
    node = resolve(spec, schema)
    if depth > 20 or not isinstance(node, dict):
        return
    if node.get("x-secret") and isinstance(value, str):
        yield value
        return
    mapping = node.get("discriminator", {}).get("mapping")
    if mapping and isinstance(value, dict) and isinstance(value.get("type"), str) and value["type"] in mapping:
        yield from secret_fields({"$ref": mapping[value["type"]]}, value, depth + 1)
        return
    for member in node.get("oneOf", []) + node.get("anyOf", []):
        yield from secret_fields(member, value, depth + 1)
    if isinstance(value, dict):
        for name, sub in (node.get("properties") or {}).items():
            if name in value:
                yield from secret_fields(sub, value[name], depth + 1)
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for item in value:
            yield from secret_fields(node["items"], item, depth + 1)


WINDOW = 8  # the masked hint may show 4 characters; 8 in a row is the secret


def leaked(secret: str, text: str, allowed: str = "") -> bool:
    """Whether ``text`` contains 8 consecutive characters of ``secret`` (that ``allowed`` does not explain)."""
    if len(secret) < WINDOW:
        return False
    return any(
        secret[i : i + WINDOW] in text and secret[i : i + WINDOW] not in allowed
        for i in range(len(secret) - WINDOW + 1)
    )


@register
def no_secret_echo(ctx: Any, response: Any, case: Any) -> None:
    """No secret sent in the request appears in any response header or in the body."""
    secrets = _secret_values(case)
    if not secrets:
        return
    headers = " ".join(f"{k}: {v}" for k, v in (response.headers or {}).items())
    text = response.text if isinstance(response.text, str) else ""
    sent = _body(case)
    public = json.dumps(_without_secrets(sent, set(secrets)), ensure_ascii=False) if sent is not None else ""
    for secret in secrets:
        assert not leaked(secret, text, public), f"the response body of {case.method} {case.path} repeats a secret"
        assert not leaked(secret, headers, public), f"a response header of {case.method} {case.path} repeats a secret"


def _without_secrets(value: Any, secrets: set[str]) -> Any:
    if isinstance(value, dict):
        return {k: _without_secrets(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_secrets(v, secrets) for v in value]
    return None if isinstance(value, str) and value in secrets else value


# --------------------------------------------------------------------------- tenancy


PROBES: dict[str, list[tuple[str, str, Callable[[dict[str, Any]], Any]]]] = {
    # resource kind -> (method, path, body) every id-addressed operation of it
    "number": [
        ("GET", "/v1/numbers", lambda r: None),
        ("POST", "/v1/numbers/update", lambda r: {}),
        ("POST", "/v1/numbers/cancel", lambda r: None),
    ],
    "agent": [("GET", "/v1/agents", lambda r: None), ("POST", "/v1/agents/update", lambda r: {})],
    "connection": [
        ("GET", "/v1/account_connections", lambda r: None),
        ("POST", "/v1/account_connections/update", lambda r: {"type": r["type"]}),
        (
            "POST",
            "/v1/account_connections/add_to_steering_pool",
            lambda r: {"phone_number": r["steering_pool"][0]} if r.get("steering_pool") else None,
        ),
        ("POST", "/v1/account_connections/remove_from_steering_pool", lambda r: {"phone_number": "+19999999999"}),
    ],
}
ISOLATION_PROBES_PER_OPERATION = 5  # resources per create operation tried with the second token
KIND = {
    "buy_number": "number",
    "link_number": "number",
    "create_agent": "agent",
    "create_account_connection": "connection",
}


@register
def tenant_isolation(ctx: Any, response: Any, case: Any) -> None:
    """A new resource is a 404 for another tenant in every operation that addresses it.

    Each create operation's first few new resources are probed (every probe is a handful of
    requests; one cross-tenant answer is enough to fail).
    """
    target = STATE.target
    op = _op_id(case)
    if target is None or not target.second_token or op not in KIND or not _ok(response):
        return
    created = _json(response)
    if not isinstance(created, dict):
        return
    with STATE.lock:
        probed = STATE.isolation_probes.get(op, 0)
        if probed >= ISOLATION_PROBES_PER_OPERATION:
            return
        STATE.isolation_probes[op] = probed + 1
    kind = KIND[op]
    param, key = ("phone_number", "number") if kind == "number" else ("id", "id")
    if not isinstance(created.get(key), str):
        return
    reached = []
    for method, path, body in PROBES[kind]:
        if path.endswith("/cancel"):
            continue  # probed last, below: if it succeeded it would end the resource
        answer = target.request(
            method, path, params={param: created[key]}, json=body(created), token=target.second_token
        )
        if answer.status != 404:
            reached.append(f"{method} {path} -> {answer.status}")
    if kind == "number":
        answer = target.request("POST", "/v1/numbers/cancel", params={param: created[key]}, token=target.second_token)
        if answer.status != 404:
            reached.append(f"POST /v1/numbers/cancel -> {answer.status}")
    listed = {"number": "/v1/numbers/list", "agent": "/v1/agents/list", "connection": "/v1/account_connections/list"}
    page = target.request("GET", listed[kind], params={"size": 100}, token=target.second_token)
    if isinstance(page.body, dict) and any(
        isinstance(i, dict) and i.get(key) == created[key] for i in page.body.get("items", [])
    ):
        reached.append(f"GET {listed[kind]} lists it")
    assert not reached, f"another tenant reached the resource {case.method} {case.path} created: {', '.join(reached)}"


# --------------------------------------------------------------------------- errors and pages


def _request_document(case: Any, response: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"query": dict(case.query or {})}
    body = _body(case)
    if body is not None or case.body is None:
        doc["body"] = body
    return doc


def _points_into(doc: Any, ptr: str, code: str) -> bool:
    if ptr in ("", "/body") and "body" in doc:
        return True
    if ptr == "/body":
        return True  # an absent or unreadable body is still "the body"
    try:
        pointer_get(doc, ptr)
        return True
    except KeyError:
        if code in ("missing", "missing_tag"):
            parent = ptr.rsplit("/", 1)[0]
            try:
                pointer_get(doc, parent)
                return True
            except KeyError:
                return False
        return False


@register
def error_body(ctx: Any, response: Any, case: Any) -> None:
    """Every 4xx body is the spec's error body, and each issue points at a field of the request."""
    status = int(response.status_code)
    if not 400 <= status < 500 or status == 405:
        return
    body = _json(response)
    from voicecontract.errors import PayloadError
    from voicecontract.validators import validate

    try:
        validate("Error", body)
    except PayloadError as exc:
        raise AssertionError(f"the {status} body is not the spec's error body: {exc.issues[0].render()}") from None
    assert body["statusCode"] == status, f"statusCode {body['statusCode']} in a {status} answer"
    doc = _request_document(case, response)
    for issue in body["issues"]:
        where = issue["path"]
        assert where.startswith(("/query", "/body", "/headers")), (
            f"issue path {where!r} does not point into the request (expected /query/… or /body/…)"
        )
        if where.startswith("/headers"):
            continue
        if isinstance(doc.get("body"), str | int | float | bool) and where.startswith("/body/"):
            continue  # the body was not an object; the path names where a field was expected
        assert _points_into(doc, where, issue["code"]), f"issue path {where!r} names no field of the request"


@register
def page_consistency(ctx: Any, response: Any, case: Any) -> None:
    """A page's items, total and has_more agree, and echo the page and size asked for."""
    if _op_id(case) not in LISTS or int(response.status_code) != 200:
        return
    body = _json(response)
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        return
    page = int(case.query.get("page", 1)) if str(case.query.get("page", 1)).lstrip("-").isdigit() else 1
    size = int(case.query.get("size", 10)) if str(case.query.get("size", 10)).lstrip("-").isdigit() else 10
    total, n = body.get("total"), len(body["items"])
    assert (body.get("page"), body.get("size")) == (page, size), "the page does not echo the page and size asked for"
    assert isinstance(total, int) and n <= size, f"{n} items on a page of size {size}"
    if body.get("total_is_estimated") is False:
        expected = max(0, min(size, total - (page - 1) * size))
        assert n == expected, f"page {page} of size {size} holds {n} items but total {total} means {expected}"
        assert body.get("has_more") == (page * size < total), f"has_more is {body.get('has_more')} with total {total}"


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Snapshot a resource before it is updated, so absent fields can be checked afterwards."""
    snapshot_before_update(case)
