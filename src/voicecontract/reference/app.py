"""The reference server's ASGI app: routing and request checks derived from the spec.

Per request: bearer token → tenant (401), query parameters checked against their schemas and
the body against the generated models plus the credential rules (400, each issue a JSON pointer
into ``{"query": …, "body": …}``), then the operation's handler in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from voicecontract.errors import PayloadError
from voicecontract.reference.handlers import CREATES, HANDLERS, ApiError, Ctx
from voicecontract.reference.store import Store
from voicecontract.spec import iter_operations, packaged_spec, packaged_spec_bytes, pointer, resolve
from voicecontract.validators import _check, parse_json

log = logging.getLogger("voicecontract.reference")

INTEGER = re.compile(r"-?[0-9]{1,18}")
MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class Param:
    """A query parameter as the spec declares it."""

    name: str
    required: bool
    schema: str  # component schema name
    type: str  # integer | boolean | string


@dataclass(frozen=True)
class Operation:
    """One operation of the spec, as the server needs it."""

    op_id: str
    method: str
    path: str
    params: tuple[Param, ...]
    body_schema: str | None
    body_required: bool
    success: int
    examples: dict[str, Any] = field(default_factory=dict)


def load_operations(spec: dict[str, Any]) -> list[Operation]:
    """Read every operation of the spec: parameters, body schema, success status."""
    ops = []
    for path, method, op in iter_operations(spec):
        params = []
        for raw in op.get("parameters", []):
            p = resolve(spec, raw)
            ref = p["schema"]["$ref"]
            target = resolve(spec, p["schema"])
            params.append(
                Param(p["name"], bool(p.get("required")), ref.rsplit("/", 1)[-1], target.get("type", "string"))
            )
        body = op.get("requestBody")
        body_schema = None
        if body:
            body_schema = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        success = int(next(code for code in op["responses"] if code.startswith("2")))
        ops.append(
            Operation(
                op["operationId"],
                method.upper(),
                path,
                tuple(params),
                body_schema,
                bool(body and body.get("required")),
                success,
            )
        )
    return ops


def tenant_for(token: str) -> str:
    """The tenant (user_id) a token maps to: stable across restarts, unguessable from outside."""
    digest = hashlib.sha256(b"voicecontract-tenant:" + token.encode("utf-8")).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def _issue(path: str, code: str, message: str) -> dict[str, str]:
    return {"path": path, "code": code, "message": message}


def _bad(issues: list[dict[str, str]]) -> ApiError:
    return ApiError(400, "The request is invalid.", issues)


def check_query(op: Operation, params: Any) -> dict[str, Any]:
    """Coerce and validate the query parameters; raise a 400 listing every bad one."""
    out: dict[str, Any] = {}
    issues: list[dict[str, str]] = []
    for p in op.params:
        where = pointer("query", p.name)
        values = params.getlist(p.name)
        if not values:
            if p.required:
                issues.append(_issue(where, "missing", "required query parameter is missing"))
            continue
        if len(values) > 1:
            issues.append(_issue(where, "type", "given more than once; expected a single value"))
            continue
        raw = values[0]
        value: Any = raw
        if p.type == "integer":
            if not INTEGER.fullmatch(raw):
                issues.append(_issue(where, "type", "expected an integer"))
                continue
            value = int(raw)
        elif p.type == "boolean":
            if raw not in ("true", "false"):
                issues.append(_issue(where, "type", "expected true or false"))
                continue
            value = raw == "true"
        _, problems = _check(p.schema, value, False)
        if problems:
            issues.extend(_issue(where + i.path, i.code, i.message) for i in problems if i.severity == "error")
            continue
        out[p.name] = value
    if issues:
        raise _bad(issues)
    return out


Checker = Any  # (schema name, payload, strict) -> (value, issues): voicecontract.validators._check


async def read_body(op: Operation, request: Request, checker: Checker = _check) -> tuple[Any, bool]:
    """Return (validated body as JSON data, present?); raise a 400 for a missing or invalid body."""
    raw = await request.body()
    if not raw.strip():
        if op.body_required:
            raise _bad([_issue("/body", "missing", "a JSON request body is required")])
        return None, False
    ctype = request.headers.get("content-type", "")
    if ctype and not ctype.split(";")[0].strip().lower().endswith(("/json", "+json")):
        raise _bad([_issue("/body", "content_type", "send the body as application/json")])
    if len(raw) > MAX_BODY:
        raise _bad([_issue("/body", "too_large", f"the body is larger than {MAX_BODY} bytes")])
    try:
        data = parse_json(raw)
    except PayloadError as exc:
        raise _bad([_issue("/body" + i.path, i.code, i.message) for i in exc.issues]) from None
    assert op.body_schema is not None
    value, problems = checker(op.body_schema, data, False)
    errors = [i for i in problems if i.severity == "error"]
    if errors:
        raise _bad([_issue("/body" + i.path, i.code, i.message) for i in errors])
    if op.op_id in CREATES:
        return value.model_dump(mode="json", by_alias=True) if hasattr(value, "model_dump") else value, True
    return value.model_dump(mode="json", by_alias=True, exclude_unset=True), True


def error_response(err: ApiError) -> JSONResponse:
    """The spec's error body with its status."""
    return JSONResponse(err.body(), status_code=err.status)


class ReferenceServer:
    """The reference implementation of the spec: a Starlette app over a Store."""

    def __init__(
        self,
        store: Store,
        tokens: Mapping[str, str],
        handlers: Mapping[str, Any] | None = None,
        checker: Checker = _check,
    ) -> None:
        self.store = store
        self.checker = checker
        self.tokens = dict(tokens)  # token -> tenant
        self.handlers = {**HANDLERS, **(handlers or {})}
        self.operations = load_operations(packaged_spec())
        missing = {op.op_id for op in self.operations} - set(self.handlers)
        assert not missing, f"operations without a handler: {missing}"
        by_path: dict[str, dict[str, Operation]] = {}
        for op in self.operations:
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

    def _endpoint(self, methods: dict[str, Operation]) -> Any:
        async def endpoint(request: Request) -> Response:
            op = methods[request.method]
            try:
                tenant = self.tenant(request)
                query = check_query(op, request.query_params)
                body, _ = await read_body(op, request, self.checker) if op.body_schema else (None, False)
                with self.store.transaction() as tx:
                    result = self.handlers[op.op_id](Ctx(tx, tenant), query, body)
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
    handlers: Mapping[str, Any] | None = None,
    checker: Checker = _check,
) -> Starlette:
    """The reference server as an ASGI app.

    ``tokens``: a list of tokens (each its own tenant) or token → tenant. ``store`` and
    ``handlers`` replace the defaults (the faulty servers of tests/mutants use them).
    """
    store = store if store is not None else Store(db)
    if tokens is None:
        tokens = []
    mapping = dict(tokens) if isinstance(tokens, Mapping) else {t: tenant_for(t) for t in tokens}
    server = ReferenceServer(store, mapping, handlers, checker)
    app = server.app
    app.state.server = server
    return app
