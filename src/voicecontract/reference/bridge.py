"""Call the reference server's ASGI app from synchronous code, in the calling thread.

The embedded contract run's own requests (read-backs, isolation probes) reach the app in the same
process. Through ``httpx.ASGITransport`` on another thread's event loop each one crossed threads
twice; here each thread runs the app to completion on an event loop of its own, so a request is
a plain function call (``transport()`` is an httpx transport over it). schemathesis' generated
requests keep its ASGI transport: its WSGI transport would take ``call`` too, but some of its
checks replay requests with arguments only the requests-based transports accept.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from urllib.parse import unquote

import httpx

Headers = list[tuple[bytes, bytes]]


class SyncAsgi:
    """Run one ASGI app from synchronous code, on a per-thread event loop."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._local = threading.local()

    def _loop(self) -> asyncio.AbstractEventLoop:
        loop = getattr(self._local, "loop", None)
        if loop is None:
            loop = self._local.loop = asyncio.new_event_loop()
        return loop

    def call(self, method: str, path: str, query: bytes, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        """One request: (status, response headers, response body)."""
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method.upper(),
            "scheme": "http",
            "path": unquote(path),
            "raw_path": path.encode("latin-1"),
            "query_string": query,
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 0),
            "server": ("voicecontract.embedded", 80),
        }
        sent = False
        status = 500
        out_headers: Headers = []
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, out_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                out_headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        self._loop().run_until_complete(self.app(scope, receive, send))
        return status, out_headers, b"".join(chunks)

    def transport(self) -> httpx.BaseTransport:
        """An httpx transport that reaches the app through ``call``."""
        return _Transport(self)


class _Transport(httpx.BaseTransport):
    def __init__(self, bridge: SyncAsgi) -> None:
        self.bridge = bridge

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        status, headers, payload = self.bridge.call(
            request.method, request.url.raw_path.split(b"?")[0].decode("latin-1"), request.url.query,
            [(k.lower(), v) for k, v in request.headers.raw], body,
        )
        return httpx.Response(status, headers=headers, content=payload, request=request)
