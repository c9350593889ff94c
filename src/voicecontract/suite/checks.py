"""voicecontract's checks: small named functions, run on every response of a run.

Each takes ``(run, response, case)`` and raises ``Violation`` (a schemathesis failure that carries
a JSON pointer) when the contract is broken. They are registered with schemathesis explicitly,
by ``register()``, when a run starts; nothing happens on import. What each asserts, and the
spec text it rests on, is in the README's table of checks.
"""

from __future__ import annotations

import functools
import time
import zlib
from collections.abc import Callable
from typing import Any

from schemathesis.core.failures import Failure

from voicecontract.spec import Operation, pointer_get, split_pointer
from voicecontract.spec.index import WRITE_ROLES
from voicecontract.suite.context import RunContext
from voicecontract.suite.oracle import MASK, Oracle, first_difference, json_equal
from voicecontract.suite.target import Answer, TransportError

Check = Callable[[RunContext, Any, Any], None]
CHECKS: dict[str, Check] = {}
WINDOW = 8  # the masked hint may show 4 characters; 8 in a row is the secret
ISOLATION_PROBES_PER_OPERATION = 5  # new resources per create operation tried with the second token
PAGE_WALK_LIMIT = 20  # requests per list when walking every page


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


def adapt(fn: Check) -> Callable[[Any, Any, Any], None]:
    """The schemathesis form of a check: finds the run of the case; a transport error is its own failure."""

    @functools.wraps(fn)
    def run_check(ctx: Any, response: Any, case: Any) -> None:
        run = RunContext.of(case)
        if run is None:
            return None
        try:
            fn(run, response, case)
        except TransportError as exc:
            run.fail_transport(exc, phase=_phase(ctx))
        return None

    return run_check


def _phase(ctx: Any) -> str:
    phase = getattr(ctx, "phase", None)
    return str(getattr(phase, "value", phase) or "links")


_REGISTERED: dict[str, Callable[[Any, Any, Any], None]] = {}


def register() -> dict[str, Callable[[Any, Any, Any], None]]:
    """Register voicecontract's checks and its before-call hook with schemathesis (once per process)."""
    import schemathesis

    if not _REGISTERED:
        for name, fn in CHECKS.items():
            _REGISTERED[name] = schemathesis.check(adapt(fn))
        schemathesis.hook("before_call")(_snapshot_before_write)
        schemathesis.hook("map_case")(_address_existing)
    return _REGISTERED


# --------------------------------------------------------------------------- helpers


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
    keys = run.existing.get((op.resource or "", str(tag) if isinstance(tag, str) else ""))
    keys = keys or run.existing.get((op.resource or "", ""))
    if keys:
        case.query = {**case.query, op.key.name: keys[zlib.crc32(str(case.id).encode()) % len(keys)]}
    return case


def _name(value: Any) -> str:
    return str(getattr(value, "value", value)).lower()


# --------------------------------------------------------------------------- writes


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
    deadline = time.monotonic() + run.options.consistency_window_ms / 1000
    while True:
        found = read_back(run, op, answered, token=token_of(run, case))
        if found is None:
            return
        read, _, answer = found
        if op.role == "delete":
            problem = (
                None
                if answer.status == 404
                else f"a deleted resource still reads back ({answer.status} from {read.label})"
            )
            where = ""
        elif answer.status != 200:
            problem, where = f"the resource does not read back ({answer.status} from {read.label})", ""
        else:
            where = first_difference(answered, answer.body) or ""
            problem = None if not where else f"{read.label} does not return what {op.label} answered"
        if problem is None:
            return
        if time.monotonic() >= deadline:
            raise Violation(case, problem, path=where, detail=f"{problem} (at {where or '/'})" if where else problem)
        time.sleep(0.05)


# --------------------------------------------------------------------------- secrets


def secret_values(run: RunContext, case: Any) -> list[str]:
    """The secrets a request carries: its x-secret fields and the bearer tokens."""
    out: list[str] = []
    auth = case.headers.get("Authorization") if case.headers else None
    if isinstance(auth, str) and auth.lower().startswith("bearer "):
        out.append(auth[7:])
    out += [t for t in (run.target.token, run.target.second_token) if t]
    op = operation(run, case)
    body = body_of(case)
    if op is not None and op.body_node is not None and body is not None:
        out += list(run.ix.schemas.secret_values(op.body_node, body))
    return [s for s in out if s]


def leaked(secret: str, text: str, allowed: str = "") -> bool:
    """Whether ``text`` contains 8 consecutive characters of ``secret`` that ``allowed`` does not explain."""
    if len(secret) < WINDOW:
        return False
    return any(
        secret[i : i + WINDOW] in text and secret[i : i + WINDOW] not in allowed
        for i in range(len(secret) - WINDOW + 1)
    )


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def vocabulary(run: RunContext) -> str:
    """Every field name, enum value and constant of the spec: text an answer may hold whatever a secret is."""
    found = run.__dict__.get("_vocabulary")
    if found is None:
        words: set[str] = set()
        from voicecontract.spec import walk

        for _, node in walk(run.spec_document):
            if isinstance(node, dict):
                words.update(k for k in (node.get("properties") or {}) if isinstance(k, str))
                for key in ("enum", "const"):
                    value = node.get(key)
                    words.update(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str))
        found = " ".join(sorted(words))
        run.__dict__["_vocabulary"] = found
    return str(found)


@check
def no_secret_echo(run: RunContext, response: Any, case: Any) -> None:
    """No secret of the request appears in a response header or the body, whatever its length."""
    secrets = secret_values(run, case)
    if not secrets:
        return
    headers = {str(k): str(v) for k, v in (response.headers or {}).items()}
    header_text = " ".join(f"{k}: {v}" for k, v in headers.items())
    text = response.text if isinstance(response.text, str) else ""
    sent = body_of(case)
    op = operation(run, case)
    public_strings = set(run.ix.schemas.public_strings(op.body_node, sent)) if op and op.body_node else set()
    public = " ".join(public_strings) + " " + vocabulary(run)
    answer_strings = {s for s in _strings(json_of(response)) if not s.startswith(MASK)}
    for secret in secrets:
        if secret in public_strings:
            continue  # the same value was also sent in a field that is not secret
        if leaked(secret, text, public) or (len(secret) < WINDOW and secret in answer_strings):
            raise Violation(case, f"the response body of {case.method} {case.path} repeats a secret")
        if leaked(secret, header_text, public) or (len(secret) < WINDOW and secret in headers.values()):
            raise Violation(case, f"a response header of {case.method} {case.path} repeats a secret")


# --------------------------------------------------------------------------- tenancy


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


# --------------------------------------------------------------------------- errors and pages


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
