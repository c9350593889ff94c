"""ASGI building blocks for faulty (tests/mutants) and legitimately different (tests/variants) servers."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.testclient import TestClient

from voicecontract.recipes import credentials
from voicecontract.reference import create_app

App = Any
Scope = dict[str, Any]
Headers = list[tuple[bytes, bytes]]
Rewrite = Callable[[Scope, int, Headers, bytes], tuple[int, Headers, bytes]]
Build = Callable[[str, list[str]], App]


def rewrite_responses(app: App, fn: Rewrite) -> App:
    """An ASGI middleware that lets ``fn`` change every HTTP response (status, headers, body)."""

    async def middleware(scope: Scope, receive: Callable[[], Awaitable[Any]],
                         send: Callable[[Any], Awaitable[None]]) -> None:
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


def json_rewrite(path_prefix: str, change: Callable[[Any], Any], *,
                 statuses: tuple[int, ...] = (200, 201)) -> Callable[[App], App]:
    """Rewrite the JSON body of successful answers of the paths starting with ``path_prefix``."""

    def wrap(app: App) -> App:
        def fn(scope: Scope, status: int, headers: Headers, body: bytes) -> Any:
            if scope["path"].startswith(path_prefix) and status in statuses:
                body = json.dumps(change(json.loads(body))).encode()
            return status, headers, body

        return rewrite_responses(app, fn)

    return wrap


def with_rewrite(wrapper: Callable[[App], App]) -> Build:
    """A build function: the reference app behind ``wrapper``."""
    return lambda db, tokens: wrapper(create_app(db=db, tokens=tokens))


def with_handlers(**handlers: Any) -> Build:
    """A build function: the reference app with some operations' handlers replaced."""
    return lambda db, tokens: create_app(db=db, tokens=tokens, handlers=handlers)


async def read_all(receive: Callable[[], Awaitable[Any]]) -> tuple[bytes, list[dict[str, Any]]]:
    """The whole request body and the messages it came in (to replay them)."""
    body, more, messages = b"", True, []
    while more:
        message = await receive()
        messages.append(message)
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body, messages


def parsed(raw: bytes) -> Any:
    """A request body as JSON, or None when it is not JSON."""
    try:
        return json.loads(raw)
    except ValueError:
        return None


def replay(messages: list[dict[str, Any]]) -> Callable[[], Awaitable[Any]]:
    """A receive function that yields recorded messages again."""
    it = iter(messages)

    async def again() -> Any:
        return next(it, {"type": "http.disconnect"})

    return again


def delayed(app: App, seconds: float, *, when: Callable[[Scope], bool] = lambda scope: True) -> App:
    """Answer after ``seconds`` more (asyncio sleep: other requests go on meanwhile)."""

    async def middleware(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and when(scope):
            await asyncio.sleep(seconds)
        await app(scope, receive, send)

    return middleware


def prefill(app: App, token: str, *, numbers: int, agents: int, connections: int) -> App:
    """Create resources for a tenant before the suite runs, as a target in use would hold them."""
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        for i in range(connections):
            kind = ("twilio", "openai", "deepgram", "telnyx")[i % 4]
            r = client.post("/v1/account_connections/create", headers=headers,
                            json={"type": f"account_connection_{kind}", "credentials": credentials(kind, seed=i),
                                  "label": f"prefilled {i:04d}"})
            assert r.status_code == 201, r.text
        for i in range(agents):
            r = client.post("/v1/agents/create", headers=headers, json={
                "name": f"prefilled {i:04d}", "prompt": {"content": "hi"},
                "voice": {"type": "voice_azure", "voice_name": "en-US-JennyNeural"}})
            assert r.status_code == 201, r.text
        for _ in range(numbers):
            r = client.post("/v1/numbers/buy", headers=headers, json={"area_code": "415"})
            assert r.status_code == 201, r.text
    return app


def lagging_reads(app: App, lag: float) -> App:
    """Keyed reads show the state before a write for ``lag`` seconds after it (a read replica)."""
    # (bearer, key) -> (when, status and body a read showed before). The replica lags, but it still
    # authenticates and scopes by tenant: a stale answer goes only to the token that wrote.
    recent: dict[tuple[bytes, str], tuple[float, int, bytes]] = {}

    async def call(method: str, path: str, query: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
        out: dict[str, Any] = {"body": b""}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                out["status"] = message["status"]
            elif message["type"] == "http.response.body":
                out["body"] += message.get("body", b"")

        scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": query,
                 "headers": headers, "http_version": "1.1", "scheme": "http", "server": ("127.0.0.1", 80),
                 "client": ("127.0.0.1", 1), "root_path": "", "asgi": {"version": "3.0"}}
        await app(scope, replay([{"type": "http.request", "body": b"", "more_body": False}]), send)
        return out["status"], out["body"]

    def key_of(query: bytes) -> str | None:
        values = parse_qs(query.decode("latin-1"))
        for name in ("id", "phone_number"):
            if values.get(name):
                return values[name][0]
        return None

    read_paths = ("/v1/numbers", "/v1/agents", "/v1/account_connections")  # a write is POST <read path>/<verb>

    async def middleware(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        path, query = scope["path"], scope.get("query_string", b"")
        bearer = dict(scope.get("headers", [])).get(b"authorization", b"")
        found = key_of(query)
        key = (bearer, found) if found is not None and bearer else None
        if scope["method"] == "GET" and path in read_paths and key in recent:
            when, status, body = recent[key]
            if time.monotonic() - when < lag:
                await send({"type": "http.response.start", "status": status,
                            "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": body})
                return
        if scope["method"] == "POST" and key is not None:
            read = next((r for r in read_paths if path.startswith(r + "/")), None)
            if read is not None:
                before = await call("GET", read, query, list(scope.get("headers", [])))
                _, messages = await read_all(receive)
                recent[key] = (time.monotonic(), *before)
                await app(scope, replay(messages), send)
                recent[key] = (time.monotonic(), *before)
                return
        await app(scope, receive, send)

    return middleware
