"""Faulty variants of the reference server: each carries one fault that real implementations have.

``MUTANTS`` maps a name to the fault, the check that must catch it, and a builder of the faulty
ASGI app. ``python -m tests.mutants`` runs the contract suite against each (``make mutants``);
``python -m tests.mutants serve NAME`` serves one over HTTP. The last three (write-behind
storage, a lost update, a cross-tenant read) are caught by the server's own property tests.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from voicecontract.reference import create_app
from voicecontract.reference.engine import Ctx, Engine
from voicecontract.reference.store import Store, Tx
from voicecontract.spec import Operation

App = Any
Scope = dict[str, Any]
Rewrite = Callable[[Scope, int, list[tuple[bytes, bytes]], bytes], tuple[int, list[tuple[bytes, bytes]], bytes]]


@dataclass(frozen=True)
class Mutant:
    """One fault, the check that must name it, and how to build the faulty app."""

    name: str
    fault: str
    caught_by: str
    build: Callable[[str, list[str]], App]
    in_suite: bool = True
    # The phases that make this fault visible; `make mutants` runs just these (the full suite runs them all).
    phases: tuple[str, ...] = ("examples", "links")


def rewrite_responses(app: App, fn: Rewrite) -> App:
    """An ASGI middleware that lets ``fn`` change every HTTP response (status, headers, body)."""

    async def middleware(scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    status, headers, body = fn(scope, start["status"], list(start.get("headers", [])), b"".join(chunks))
                    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                    headers.append((b"content-length", str(len(body)).encode()))
                    await send({"type": "http.response.start", "status": status, "headers": headers})
                    await send({"type": "http.response.body", "body": body})

        await app(scope, receive, capture)

    return middleware


def json_rewrite(path_prefix: str, change: Callable[[Any], Any], *, statuses: tuple[int, ...] = (200, 201)) -> Callable[[App], App]:
    """Rewrite the JSON body of successful answers of the paths starting with ``path_prefix``."""

    def wrap(app: App) -> App:
        def fn(scope: Scope, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
            if scope["path"].startswith(path_prefix) and status in statuses:
                body = json.dumps(change(json.loads(body))).encode()
            return status, headers, body

        return rewrite_responses(app, fn)

    return wrap


def with_rewrite(wrapper: Callable[[App], App]) -> Callable[[str, list[str]], App]:
    return lambda db, tokens: wrapper(create_app(db=db, tokens=tokens))


def with_handlers(**handlers: Any) -> Callable[[str, list[str]], App]:
    return lambda db, tokens: create_app(db=db, tokens=tokens, handlers=handlers)


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
    fallback = next(iter(server.tokens.values()))

    def tenant(request: Any) -> str:
        token = request.headers.get("authorization", "").partition(" ")[2].strip()
        return str(server.tokens.get(token, fallback))

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


MUTANTS: dict[str, Mutant] = {m.name: m for m in [
    Mutant("drops_field", "number responses lack the required `number`", "response_schema_conformance",
           with_rewrite(json_rewrite("/v1/numbers", lambda d: _drop_number(d) if "number" in d else d))),
    Mutant("wrong_type", "page totals are strings", "response_schema_conformance",
           with_rewrite(json_rewrite("/v1/agents/list", _total_as_string))),
    Mutant("undocumented_status", "create agent answers 200 instead of 201", "status_code_conformance",
           with_rewrite(_status_200_for_create_agent)),
    Mutant("non_ascii_500", "any non-ASCII input is a 500", "not_a_server_error", with_rewrite(_non_ascii_500),
           phases=("fuzzing",)),
    Mutant("ignores_auth", "a missing or unknown token is served as the first tenant", "ignored_auth", _ignores_auth,
           phases=("examples", "fuzzing")),
    Mutant("cross_tenant_read", "lookups by id ignore the tenant", "tenant_isolation",
           lambda db, tokens: create_app(db=db, tokens=tokens, store=CrossTenantStore(db))),
    Mutant("stale_read", "agent updates are answered but not stored", "read_after_write",
           with_handlers(update_agent=_stale_update)),
    Mutant("echoes_secret", "created connections echo their credentials", "no_secret_echo",
           with_handlers(create_account_connection=_echo_secrets)),
    Mutant("accepts_invalid_credentials", "connection bodies are not validated", "negative_data_rejection",
           _no_credential_checks, phases=("fuzzing",)),
    Mutant("wrong_page_totals", "number pages report one item too many", "page_consistency",
           with_rewrite(json_rewrite("/v1/numbers/list", _total_off_by_one))),
    Mutant("wrong_content_type", "agent answers are text/plain", "content_type_conformance", with_rewrite(_plain_text)),
    Mutant("embedded_object", "numbers embed the whole agent where the spec has its id", "response_schema_conformance",
           _embed_agent),
    Mutant("create_not_stored", "a created agent reads back differently from what create answered",
           "read_after_write", with_handlers(create_agent=_create_not_stored)),
    Mutant("absent_clears", "an update without `description` clears it", "write_applied",
           with_handlers(update_number=_absent_clears)),
    Mutant("bad_issue_paths", "400 issues point at fields the request does not have", "error_body",
           with_rewrite(_bad_issue_paths)),
    Mutant("unsupported_method_ok", "PUT/DELETE/PATCH answer 200", "unsupported_method", with_rewrite(_put_is_ok),
           phases=("coverage",)),
    Mutant("write_behind", "writes are acknowledged before they reach the disk", "durability test",
           _write_behind, in_suite=False),
    Mutant("lost_update", "number updates read, yield, then write what they read", "concurrency test",
           _lost_update, in_suite=False),
]}
