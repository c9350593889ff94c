"""The faults: each builds a faulty variant of the reference server (``build(db, tokens) -> ASGI app``).

Every fault is one that real implementations have. Building blocks (response rewriting, delays,
pre-filling) are in tests/support/asgi.py.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from typing import Any

from tests.support.asgi import (
    App,
    Scope,
    create_app,
    json_rewrite,
    parsed,
    prefill,
    read_all,
    replay,
    rewrite_responses,
)
from voicecontract.reference.engine import Ctx, Engine
from voicecontract.reference.store import Store, Tx
from voicecontract.spec import Operation

# --------------------------------------------------------------------------- the faults


def _drop_number(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "number"}


def _total_as_string(page: dict[str, Any]) -> dict[str, Any]:
    return {**page, "total": str(page["total"])}


def _total_off_by_one(page: dict[str, Any]) -> dict[str, Any]:
    return {**page, "total": page["total"] + 1}


def _status_200_for_create_agent(app: App) -> App:
    def fn(scope: Scope, status: int, headers: Any, body: bytes) -> Any:
        return (200 if scope["path"] == "/v1/agents/create" and status == 201 else status), headers, body

    return rewrite_responses(app, fn)


def _plain_text(app: App) -> App:
    def fn(scope: Scope, status: int, headers: Any, body: bytes) -> Any:
        if scope["path"].startswith("/v1/agents"):
            headers = [(k, b"text/plain; charset=utf-8" if k.lower() == b"content-type" else v) for k, v in headers]
        return status, headers, body

    return rewrite_responses(app, fn)


def _non_ascii_500(app: App) -> App:
    async def middleware(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        body = b""
        more = True
        messages = []
        while more:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            more = message.get("more_body", False)
        raw = body + scope.get("query_string", b"")
        if any(b > 0x7F for b in raw) or b"%C" in raw.upper() or b"\\u" in raw:
            await send({"type": "http.response.start", "status": 500,
                        "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"UnicodeEncodeError"})
            return
        replay = iter(messages)

        async def again() -> Any:
            return next(replay, {"type": "http.disconnect"})

        await app(scope, again, send)

    return middleware


def _ignores_auth(db: str, tokens: list[str]) -> App:
    app = create_app(db=db, tokens=tokens)
    server = app.state.server
    real = server.tenant
    fallback = server.tokens[0][1]

    def tenant(request: Any) -> str:
        try:
            return str(real(request))
        except Exception:  # the fault: no token, or a wrong one, is the first tenant
            return str(fallback)

    server.tenant = tenant
    return app


class CrossTenantTx(Tx):
    """Looks resources up by id alone: another tenant's resource is found."""

    def get(self, kind: str, tenant: str, id_: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT data FROM resources WHERE kind = ? AND id = ?", (kind, id_)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def update(self, kind: str, tenant: str, doc: dict[str, Any]) -> None:
        self.db.execute("UPDATE resources SET data = ? WHERE kind = ? AND id = ?", (json.dumps(doc), kind, doc["id"]))


class CrossTenantStore(Store):
    """A store whose transactions ignore the tenant on lookups by id."""

    def transaction(self) -> Any:
        from contextlib import contextmanager

        @contextmanager
        def tx() -> Any:
            with Store.transaction(self) as inner:
                yield CrossTenantTx(inner.db)

        return tx()


def engine(ctx: Ctx) -> Engine:
    return Engine(ctx.ix)


def _stale_update(op: Operation, ctx: Ctx, query: dict[str, Any], changes: Any) -> dict[str, Any]:
    """Answers with the new state but never stores it."""
    doc = engine(ctx).find(op, ctx, query)
    stored = json.dumps(doc)
    view = engine(ctx).handle(op, ctx, query, changes)
    ctx.tx.update(op.resource or "", ctx.tenant, json.loads(stored))
    return view


def _create_not_stored(op: Operation, ctx: Ctx, query: dict[str, Any], body: Any) -> dict[str, Any]:
    """Answers a created agent, but the agent's name is not what gets stored."""
    view = engine(ctx).handle(op, ctx, query, body)
    doc = ctx.tx.get(op.resource or "", ctx.tenant, view["id"])
    assert doc is not None
    doc["name"] = (doc.get("name") or "") + " (stored)"
    ctx.tx.update(op.resource or "", ctx.tenant, doc)
    return view


def _absent_clears(op: Operation, ctx: Ctx, query: dict[str, Any], changes: Any) -> dict[str, Any]:
    """Treats an absent description as null (a PUT where the spec says PATCH-like)."""
    return engine(ctx).handle(op, ctx, query, {"description": None, **(changes or {})})


def _echo_secrets(op: Operation, ctx: Ctx, query: dict[str, Any], body: Any) -> dict[str, Any]:
    doc = engine(ctx).handle(op, ctx, query, body)
    doc["credentials"] = body["credentials"]
    return doc


def _no_credential_checks(db: str, tokens: list[str]) -> App:
    """Accepts any credentials object for any type (skips the model and the provider rules)."""
    from voicecontract.validators import check_value

    def lenient(schema: str, payload: Any, strict: bool) -> Any:
        if schema == "AccountConnectionParams" and isinstance(payload, dict) and isinstance(payload.get("type"), str):
            return _Lenient(payload), []
        return check_value(schema, payload, strict)

    return create_app(db=db, tokens=tokens, checker=lenient)


class _Lenient:
    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload

    def model_dump(self, **kw: Any) -> dict[str, Any]:
        return self.payload


def _embed_agent(db: str, tokens: list[str]) -> App:
    """Numbers embed the whole agent where the spec has its id."""

    def embedding(op: Operation, ctx: Ctx, query: dict[str, Any], body: Any) -> dict[str, Any]:
        out = engine(ctx).handle(op, ctx, query, body)
        agent = ctx.tx.get("Agent", ctx.tenant, out["inbound_agent"]) if out.get("inbound_agent") else None
        if agent is not None:
            out["inbound_agent"] = ctx.view.resource("Agent", agent)
        return out

    return create_app(db=db, tokens=tokens, handlers=dict.fromkeys(
        ["buy_number", "get_number", "update_number", "link_number"], embedding))


def _bad_issue_paths(app: App) -> App:
    def fn(scope: Scope, status: int, headers: Any, body: bytes) -> Any:
        if status == 400:
            data = json.loads(body)
            for issue in data.get("issues", []):
                issue["path"] = "/" + issue["path"].rsplit("/", 1)[-1] + "_field"
            body = json.dumps(data).encode()
        return status, headers, body

    return rewrite_responses(app, fn)


def _put_is_ok(app: App) -> App:
    async def middleware(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] in ("PUT", "DELETE", "PATCH"):
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": b"{}"})
            return
        await app(scope, receive, send)

    return middleware


# --------------------------------------------------------------------------- faults the property tests catch


class WriteBehindStore(Store):
    """Acknowledges writes from memory and copies them to the file every two seconds."""

    def __init__(self, path: str) -> None:
        super().__init__(":memory:")
        self.file = path
        disk = sqlite3.connect(path)
        disk.backup(self._db)
        disk.close()
        threading.Thread(target=self._flush_forever, daemon=True).start()

    def _flush_forever(self) -> None:
        import time

        while True:
            time.sleep(2.0)  # the fault under test: acknowledged writes wait here
            with self._lock:
                disk = sqlite3.connect(self.file)
                self._db.backup(disk)
                disk.close()


class UnsyncedStore(Store):
    """Commits without fsync (``PRAGMA synchronous = OFF``): a killed process loses nothing, a power cut does."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self._db.execute("PRAGMA synchronous = OFF")


def _unsynced_commits(db: str, tokens: list[str]) -> App:
    return create_app(db=db, tokens=tokens, store=UnsyncedStore(db))


def _write_behind(db: str, tokens: list[str]) -> App:
    if db != ":memory:":
        Store(db).close()  # create the schema in the file
    return create_app(db=db, tokens=tokens, store=WriteBehindStore(db) if db != ":memory:" else None)


def _lost_update(db: str, tokens: list[str]) -> App:
    """update_number reads, yields to other requests, then writes what it read: concurrent changes are lost."""
    app = create_app(db=db, tokens=tokens)
    server = app.state.server

    async def middleware(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/v1/numbers/update" or scope["method"] != "POST":
            await app(scope, receive, send)
            return
        from starlette.requests import Request

        request = Request(scope, receive)
        tenant = server.tenant(request)
        changes = json.loads(await request.body() or b"{}")
        number = request.query_params["phone_number"]
        with server.store.transaction() as tx:
            found = tx.find_unique("PhoneNumber", number)
        await asyncio.sleep(0.02)  # the fault under test: a read-modify-write across an await
        assert found is not None
        doc = {**found[1], **changes}
        with server.store.transaction() as tx:
            tx.update("PhoneNumber", tenant, doc)
            body = json.dumps(Ctx(tx, tenant, server.ix).view.resource("PhoneNumber", doc)).encode()
        await send({"type": "http.response.start", "status": 201, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    return middleware




# --------------------------------------------------------------------------- faults of issue 9: writes


def _update_not_applied(op: Operation, ctx: Ctx, query: dict[str, Any], changes: Any) -> dict[str, Any]:
    """Accepts the update and answers the resource as it was: nothing is applied."""
    doc = engine(ctx).find(op, ctx, query)
    return ctx.view.resource(op.resource or "", doc)


def _null_not_cleared(op: Operation, ctx: Ctx, query: dict[str, Any], changes: Any) -> dict[str, Any]:
    """Drops every `null` of an update before applying it: a nullable field can never be cleared."""
    kept = {k: v for k, v in (changes or {}).items() if v is not None}
    return engine(ctx).handle(op, ctx, query, kept)


def _drop_empty_label(doc: dict[str, Any]) -> dict[str, Any]:
    """Leaves out an empty label, which the spec gives a default of ''."""
    return {k: v for k, v in doc.items() if not (k == "label" and v == "")}


def _drop_optional_label(app: App) -> App:
    def change(body: Any) -> Any:
        if isinstance(body, dict) and isinstance(body.get("items"), list):
            return {**body, "items": [_drop_empty_label(i) for i in body["items"]]}
        return _drop_empty_label(body) if isinstance(body, dict) else body

    return json_rewrite("/v1/numbers", change)(app)


def _cross_tenant_reference(db: str, tokens: list[str]) -> App:
    """Resolves ids inside bodies across tenants: another tenant's agent can be attached to a number."""
    app = create_app(db=db, tokens=tokens)
    server = app.state.server
    original = server.engine.check_reference

    def lenient(ctx: Ctx, kind: str, value: str, where: Any, role: str | None) -> dict[str, Any]:
        row = ctx.tx.db.execute("SELECT data FROM resources WHERE kind = ? AND id = ?", (kind, value)).fetchone()
        if row is not None:
            return dict(json.loads(row[0]))
        return original(ctx, kind, value, where, role)

    server.engine.check_reference = lenient
    return app


# --------------------------------------------------------------------------- faults of issue 9: transport


def _truncated_answers(app: App) -> App:
    """Creating an agent announces a body it never finishes sending: the connection drops mid-answer."""

    async def middleware(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/v1/agents/create":
            await send({"type": "http.response.start", "status": 201,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")]})
            await send({"type": "http.response.body", "body": b'{"id": "trunc', "more_body": False})
            return
        await app(scope, receive, send)

    return middleware


def _hangs(app: App) -> App:
    """Reading an account connection never answers (longer than any sane timeout)."""

    async def middleware(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/v1/account_connections" and scope["method"] == "GET":
            await asyncio.sleep(3600)
        await app(scope, receive, send)

    return middleware


def _cancel_refused(app: App) -> App:
    """Every cancel answers 404, even for a number the tenant owns."""

    async def middleware(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/v1/numbers/cancel":
            body = json.dumps({"statusCode": 404, "message": "Number not found.", "error": "Not Found",
                               "issues": [{"path": "/query/phone_number", "code": "not_found",
                                           "message": "no number with this value"}]}).encode()
            await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return middleware


# --------------------------------------------------------------------------- faults of issue 9: pages and secrets


def _total_off_by_one_when_many(page: dict[str, Any]) -> dict[str, Any]:
    """The count is off by one once a tenant holds 50 or more (a cached count that misses the newest)."""
    return {**page, "total": page["total"] + 1} if page.get("total", 0) >= 50 else page


def _populated_off_by_one(db: str, tokens: list[str]) -> App:
    app = prefill(create_app(db=db, tokens=tokens), tokens[0], numbers=0, agents=120, connections=0)
    return json_rewrite("/v1/agents/list", _total_off_by_one_when_many, statuses=(200,))(app)


def _short_secrets_shown(app: App) -> App:
    """Masking that shows a secret shorter than 8 characters whole ("too short to be worth hiding")."""

    async def middleware(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] not in ("/v1/account_connections/create",
                                                            "/v1/account_connections/update"):
            await app(scope, receive, send)
            return
        raw, messages = await read_all(receive)
        sent = parsed(raw)
        short = {}
        if isinstance(sent, dict) and isinstance(sent.get("credentials"), dict):
            short = {k: v for k, v in sent["credentials"].items() if isinstance(v, str) and 0 < len(v) < 8}

        def fn(scope: Scope, status: int, headers: Any, body: bytes) -> Any:
            if status == 201 and short:
                doc = json.loads(body)
                for key, value in short.items():
                    if isinstance(doc.get("credentials"), dict) and key in doc["credentials"]:
                        doc["credentials"][key] = value
                body = json.dumps(doc).encode()
            return status, headers, body

        await rewrite_responses(app, fn)(scope, replay(messages), send)

    return middleware


def _drops_everything(app: App) -> App:
    """Every request gets its headers and then a dropped connection (a crashing worker behind a proxy)."""

    async def middleware(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")]})
        raise ConnectionResetError("the worker died mid-answer")

    return middleware


def _update_ignores_fields(app: App) -> App:
    """Agent updates lose `language` and `noise_suppression` before anything looks at them (never validated, never stored)."""

    async def middleware(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/v1/agents/update":
            await app(scope, receive, send)
            return
        raw, _ = await read_all(receive)
        body = parsed(raw)
        if isinstance(body, dict):
            raw = json.dumps({k: v for k, v in body.items() if k not in ("language", "noise_suppression")}).encode()
        await app(scope, replay([{"type": "http.request", "body": raw, "more_body": False}]), send)

    return middleware
