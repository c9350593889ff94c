"""The reference server's ASGI app: routing and request checks derived from the spec.

Per request: bearer token → tenant (401), query parameters checked against their schemas and
the body against the generated models plus the credential rules (400, each issue a JSON pointer
into ``{"query": …, "body": …}``), then the operation's role in one transaction (``engine``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import secrets
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from voicecontract.errors import Issue, PayloadError
from voicecontract.reference.engine import Ctx, Engine
from voicecontract.reference.errors import ApiError, bad_request
from voicecontract.reference.store import Store
from voicecontract.spec import Operation, SpecIndex, index, packaged_spec_bytes, pointer
from voicecontract.validators import check_value, parse_json

log = logging.getLogger("voicecontract.reference")

INTEGER = re.compile(r"-?[0-9]{1,18}")
# Limits the spec's conventions document: answered before the operation runs, as a proxy's would be.
MAX_BODY = 1024 * 1024  # bytes; more is a 413, cut off as soon as it is known (never read whole)
BODY_SECONDS = 10.0  # a body that has not fully arrived by then is a 408 (a slow-loris client)

Checker = Callable[[str, Any, bool], tuple[Any, list[Issue]]]  # voicecontract.validators.check_value
Handler = Callable[[Operation, Ctx, dict[str, Any], Any], dict[str, Any]]


def tenant_for(token: str, secret: bytes) -> str:
    """The tenant (user_id) a token maps to: an HMAC under the database's own secret.

    Stable across restarts of one database, and useless for guessing a token offline: the
    user_id every response shows cannot be checked against candidate tokens without the secret.
    """
    digest = hmac.new(secret, token.encode("utf-8"), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def check_query(op: Operation, params: Any, checker: Checker = check_value) -> dict[str, Any]:
    """Coerce and validate the query parameters; raise a 400 listing every bad one."""
    out: dict[str, Any] = {}
    issues: list[Issue] = []
    for p in op.params:
        if p.location != "query":
            continue
        where = pointer("query", p.name)
        values = params.getlist(p.name)
        if not values:
            if p.required:
                issues.append(Issue(where, "missing", "required query parameter is missing"))
            continue
        if len(values) > 1:
            issues.append(Issue(where, "type", "given more than once; expected a single value"))
            continue
        raw = values[0]
        value: Any = raw
        if p.type == "integer":
            if not INTEGER.fullmatch(raw):
                issues.append(Issue(where, "type", "expected an integer"))
                continue
            value = int(raw)
        elif p.type == "boolean":
            if raw not in ("true", "false"):
                issues.append(Issue(where, "type", "expected true or false"))
                continue
            value = raw == "true"
        if p.schema is not None:
            _, problems = checker(p.schema, value, False)
            errors = [Issue(where + i.path, i.code, i.message) for i in problems if i.severity == "error"]
            if errors:
                issues.extend(errors)
                continue
        out[p.name] = value
    if issues:
        raise bad_request(issues)
    return out


async def _receive_body(request: Request, seconds: float = BODY_SECONDS) -> bytes:
    """The raw body, read in chunks and refused (413) as soon as it passes MAX_BODY, or (408) if too slow."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise ApiError(413, f"The body is larger than {MAX_BODY} bytes.", [Issue("/body", "too_large",
                                                                                 f"at most {MAX_BODY} bytes")])
    chunks: list[bytes] = []
    size = 0

    async def collect() -> None:
        nonlocal size
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                raise ApiError(413, f"The body is larger than {MAX_BODY} bytes.",
                               [Issue("/body", "too_large", f"at most {MAX_BODY} bytes")])
            chunks.append(chunk)

    try:
        async with asyncio.timeout(seconds):
            await collect()
    except ClientDisconnect:  # nobody is left to answer; no traceback for a client that hung up
        log.info("the client disconnected before its body was complete")
        raise ApiError(400, "The client disconnected before the body was complete.",
                       [Issue("/body", "incomplete", "the connection closed mid-body")]) from None
    except TimeoutError:
        raise ApiError(408, f"The body did not arrive within {seconds:g} seconds.",
                       [Issue("/body", "timeout", "send the whole body at once")]) from None
    return b"".join(chunks)


async def read_body(op: Operation, request: Request, checker: Checker = check_value,
                    body_seconds: float = BODY_SECONDS) -> Any:
    """Return the validated body as JSON data with exactly the fields sent (None when absent); 400 otherwise."""
    raw = await _receive_body(request, body_seconds)
    if not raw.strip():
        if op.body_required:
            raise bad_request([Issue("/body", "missing", "a JSON request body is required")])
        return None
    ctype = request.headers.get("content-type", "")
    if ctype and not ctype.split(";")[0].strip().lower().endswith(("/json", "+json")):
        raise bad_request([Issue("/body", "content_type", "send the body as application/json")])
    try:
        data = parse_json(raw)
    except PayloadError as exc:
        raise bad_request([Issue("/body" + i.path, i.code, i.message) for i in exc.issues]) from None
    assert op.body is not None
    try:
        value, problems = checker(op.body, data, False)
    except PayloadError as exc:  # what the document holds, not its fields (NaN, depth): a 400 all the same
        value, problems = None, list(exc.issues)
    errors = [Issue("/body" + i.path, i.code, i.message) for i in problems if i.severity == "error"]
    if errors:
        raise bad_request(errors)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return value


def error_response(err: ApiError) -> JSONResponse:
    """The spec's error body with its status."""
    return JSONResponse(err.body(), status_code=err.status)


class ReferenceServer:
    """The reference implementation of the spec: a Starlette app over a Store."""

    def __init__(
        self,
        store: Store,
        tokens: Mapping[str, str],
        handlers: Mapping[str, Handler] | None = None,
        checker: Checker = check_value,
        ix: SpecIndex | None = None,
        body_seconds: float = BODY_SECONDS,
    ) -> None:
        self.store = store
        self.body_seconds = body_seconds
        self.checker = checker
        # sha256(token) -> tenant, compared in constant time against every entry (see tenant())
        self.tokens = [(_digest(token), tenant) for token, tenant in tokens.items()]
        self.ix = ix or index()
        self.engine = Engine(self.ix)
        self.handlers: dict[str, Handler] = dict(handlers or {})  # operationId -> replacement (faulty servers)
        by_path: dict[str, dict[str, Operation]] = {}
        for op in self.ix.operations.values():
            by_path.setdefault(op.path, {})[op.method] = op
        routes = [
            Route("/healthz", self.healthz, methods=["GET"]),
            Route("/openapi.json", self.openapi, methods=["GET"]),
        ]
        self.allowed = {path: ", ".join(sorted(methods)) for path, methods in by_path.items()}  # the spec's methods
        for path, methods in by_path.items():
            routes.append(Route(path, self._endpoint(methods), methods=list(methods)))
        self.app = Starlette(routes=routes, exception_handlers={404: self._not_found, 405: self._not_allowed})

    async def healthz(self, request: Request) -> Response:
        """Liveness probe."""
        return JSONResponse({"status": "ok"})

    async def openapi(self, request: Request) -> Response:
        """The hand-maintained spec itself (the packaged copy of spec/openapi.yaml)."""
        return Response(packaged_spec_bytes(), media_type="application/json")

    async def _not_found(self, request: Request, exc: Exception) -> Response:
        return error_response(ApiError(404, "No such endpoint."))

    async def _not_allowed(self, request: Request, exc: Exception) -> Response:
        response = error_response(ApiError(405, f"{request.method} is not allowed here."))
        allow = self.allowed.get(request.url.path)
        if allow:  # what the spec documents (the router would add HEAD to every GET)
            response.headers["Allow"] = allow
        return response

    def tenant(self, request: Request) -> str:
        """The caller's tenant, or 401."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        presented = _digest(token.strip())
        tenant = None
        # Every configured token is compared, each in constant time: how long this takes says
        # nothing about which token, or how much of one, was right.
        for known, owner in self.tokens:
            if hmac.compare_digest(known, presented):
                tenant = owner
        if tenant is None or scheme.lower() != "bearer":
            raise ApiError(401, "Missing or unknown bearer token.")
        return tenant

    def run(self, op: Operation, ctx: Ctx, query: dict[str, Any], body: Any) -> dict[str, Any]:
        """Carry out one validated request (a faulty server may replace an operation's handler)."""
        handler = self.handlers.get(op.op_id)
        if handler is not None:
            return handler(op, ctx, query, body)
        return self.engine.handle(op, ctx, query, body)

    def _endpoint(self, methods: dict[str, Operation]) -> Any:
        async def endpoint(request: Request) -> Response:
            op = methods.get(request.method)
            if op is None:  # HEAD, which the router adds to every GET route; the spec documents GET only
                return await self._not_allowed(request, ApiError(405, "not allowed"))
            try:
                with self.store.serving():
                    tenant = self.tenant(request)
                    query = check_query(op, request.query_params, self.checker)
                    body = await read_body(op, request, self.checker, self.body_seconds) if op.body else None
                    with self.store.unit() as tx:
                        result = self.run(op, Ctx(tx, tenant, self.ix), query, body)
                    await self.store.durable()  # answered only once it is on disk (group commit)
            except ApiError as err:
                return error_response(err)
            except Exception:  # a bug in the server: never a traceback or a value in the answer
                log.exception("internal error in %s", op.op_id)
                return error_response(ApiError(500, "Internal server error."))
            return Response(
                json.dumps(result, ensure_ascii=False, allow_nan=False),
                status_code=op.success,
                media_type="application/json",
            )

        return endpoint


def create_app(
    *,
    db: str = ":memory:",
    tokens: Mapping[str, str] | list[str] | None = None,
    store: Store | None = None,
    handlers: Mapping[str, Handler] | None = None,
    checker: Checker = check_value,
    body_seconds: float = BODY_SECONDS,
) -> Starlette:
    """The reference server as an ASGI app.

    ``tokens``: a list of tokens (each its own tenant) or token → tenant. ``store``, ``handlers``
    (operationId → function of ``(op, ctx, query, body)``) and ``checker`` replace the defaults:
    the faulty servers of tests/mutants use them. ``body_seconds``: how long a request body may take
    to arrive before the answer is 408.
    """
    store = store if store is not None else Store(db)
    if tokens is None:
        tokens = []
    if isinstance(tokens, Mapping):
        mapping = dict(tokens)
    else:
        secret = bytes.fromhex(store.meta("tenant_secret", secrets.token_hex(32)))  # per database, kept in it
        mapping = {t: tenant_for(t, secret) for t in tokens}
    server = ReferenceServer(store, mapping, handlers, checker, body_seconds=body_seconds)
    app = server.app
    app.state.server = server
    return app
