"""The reference server's ASGI app: routing and request checks derived from the spec.

Per request: bearer token → tenant (401), query parameters checked against their schemas and
the body against the generated models plus the credential rules (400, each issue a JSON pointer
into ``{"query": …, "body": …}``), then the operation's role in one transaction (``engine``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
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
MAX_BODY = 1024 * 1024

Checker = Callable[[str, Any, bool], tuple[Any, list[Issue]]]  # voicecontract.validators.check_value
Handler = Callable[[Operation, Ctx, dict[str, Any], Any], dict[str, Any]]


def tenant_for(token: str) -> str:
    """The tenant (user_id) a token maps to: stable across restarts, unguessable from outside."""
    digest = hashlib.sha256(b"voicecontract-tenant:" + token.encode("utf-8")).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


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


async def read_body(op: Operation, request: Request, checker: Checker = check_value) -> Any:
    """Return the validated body as JSON data with exactly the fields sent (None when absent); 400 otherwise."""
    raw = await request.body()
    if not raw.strip():
        if op.body_required:
            raise bad_request([Issue("/body", "missing", "a JSON request body is required")])
        return None
    ctype = request.headers.get("content-type", "")
    if ctype and not ctype.split(";")[0].strip().lower().endswith(("/json", "+json")):
        raise bad_request([Issue("/body", "content_type", "send the body as application/json")])
    if len(raw) > MAX_BODY:
        raise bad_request([Issue("/body", "too_large", f"the body is larger than {MAX_BODY} bytes")])
    try:
        data = parse_json(raw)
    except PayloadError as exc:
        raise bad_request([Issue("/body" + i.path, i.code, i.message) for i in exc.issues]) from None
    assert op.body is not None
    value, problems = checker(op.body, data, False)
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
    ) -> None:
        self.store = store
        self.checker = checker
        self.tokens = dict(tokens)  # token -> tenant
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
        headers = getattr(exc, "headers", None) or {}
        response = error_response(ApiError(405, f"{request.method} is not allowed here."))
        if "allow" in {k.lower() for k in headers}:
            response.headers["Allow"] = next(v for k, v in headers.items() if k.lower() == "allow")
        return response

    def tenant(self, request: Request) -> str:
        """The caller's tenant, or 401."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        tenant = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if tenant is None:
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
            op = methods[request.method]
            try:
                tenant = self.tenant(request)
                query = check_query(op, request.query_params, self.checker)
                body = await read_body(op, request, self.checker) if op.body else None
                with self.store.transaction() as tx:
                    result = self.run(op, Ctx(tx, tenant, self.ix), query, body)
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
) -> Starlette:
    """The reference server as an ASGI app.

    ``tokens``: a list of tokens (each its own tenant) or token → tenant. ``store``, ``handlers``
    (operationId → function of ``(op, ctx, query, body)``) and ``checker`` replace the defaults:
    the faulty servers of tests/mutants use them.
    """
    store = store if store is not None else Store(db)
    if tokens is None:
        tokens = []
    mapping = dict(tokens) if isinstance(tokens, Mapping) else {t: tenant_for(t) for t in tokens}
    server = ReferenceServer(store, mapping, handlers, checker)
    app = server.app
    app.state.server = server
    return app
