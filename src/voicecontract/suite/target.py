"""The implementation under test: a base URL, or the embedded reference server in-process.

Besides schemathesis' own requests, voicecontract's checks make a few of their own (read a
resource back after a write, try it with a second tenant's token); ``Target.request`` sends
them through the same kind of transport.
"""

from __future__ import annotations

import secrets
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx


def random_token() -> str:
    """A fresh token for the embedded server (random, so it never matches test data by chance)."""
    return "vc_" + secrets.token_hex(16)


UNRESPONSIVE = 2  # timeouts of one operation after which the run stops sending it requests


class TransportError(Exception):
    """A request of the suite's own got no valid HTTP answer (refused, reset, timed out, malformed)."""

    def __init__(
        self, method: str, path: str, params: dict[str, Any] | None, body: Any, reason: str, *, connected: bool = True
    ) -> None:
        super().__init__(reason)
        self.method = method
        self.path = path
        self.params = params or {}
        self.body = body
        self.reason = reason
        self.connected = connected  # False: nothing accepted the connection (a wrong URL, a server not running)


@dataclass
class Answer:
    """A response as the checks need it."""

    status: int
    body: Any
    text: str


@dataclass
class Target:
    """Where the suite sends requests, and with which tokens."""

    token: str
    second_token: str | None = None
    base_url: str | None = None
    app: Any = None  # an ASGI app when embedded
    timeout: float = 30.0
    timeouts: dict[str, int] = field(default_factory=dict)  # "METHOD /path" -> requests that timed out
    _local: threading.local = field(default_factory=threading.local, repr=False)

    @classmethod
    def embedded(cls, token: str | None = None, second_token: str | None = None) -> Target:
        """The reference server in-process, with an in-memory database and two tenants."""
        from voicecontract.reference import create_app

        token = token or random_token()
        second_token = second_token or random_token()
        return cls(token=token, second_token=second_token, app=create_app(db=":memory:", tokens=[token, second_token]))

    def timed_out(self, label: str) -> None:
        """Count a request that timed out (after UNRESPONSIVE, the operation is not asked again)."""
        with self._lock:
            self.timeouts[label] = self.timeouts.get(label, 0) + 1

    def unresponsive(self, label: str) -> bool:
        """Whether an operation timed out often enough that the run stops waiting for it."""
        return self.timeouts.get(label, 0) >= UNRESPONSIVE

    @property
    def label(self) -> str:
        """How reports name the target."""
        return self.base_url or "embedded reference server (in-process)"

    _bridge: Any = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def bridge(self) -> Any:
        """The embedded app reached by plain calls in the calling thread (``voicecontract.reference.bridge``)."""
        from voicecontract.reference.bridge import SyncAsgi

        with self._lock:
            if self._bridge is None:
                self._bridge = SyncAsgi(self.app)
        return self._bridge

    def _client(self) -> Any:
        client = getattr(self._local, "client", None)
        if client is None:
            if self.app is not None:
                client = httpx.Client(transport=self.bridge.transport(), base_url="http://voicecontract.embedded")
            else:
                # TCP_NODELAY: httpx writes a request's headers and body separately, and without it the
                # body waits for the peer's delayed ACK (measured: +15 ms a POST behind 25 ms of latency)
                transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
                client = httpx.Client(base_url=self.base_url or "", timeout=self.timeout, transport=transport)
            self._local.client = client
        return client

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        token: str | None = None,
    ) -> Answer:
        """Send one request with a bearer token (the first tenant's unless given); TransportError without an answer."""
        headers = {"Authorization": f"Bearer {token or self.token}"}
        kwargs: dict[str, Any] = {"params": params, "headers": headers}
        if json is not None:
            kwargs["json"] = json
        label = f"{method.upper()} {path}"
        if self.unresponsive(label):
            raise TransportError(
                method, path, params, json, f"not sent: {label} timed out {UNRESPONSIVE} times already"
            )
        try:
            r = self._client().request(method, path, **kwargs)
            r.read()
        except (httpx.HTTPError, OSError, TimeoutError) as exc:
            if isinstance(exc, httpx.TimeoutException | TimeoutError):
                self.timed_out(label)
            connected = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.UnsupportedProtocol)
            raise TransportError(
                method, path, params, json, f"{exc.__class__.__name__}: {exc}", connected=connected
            ) from None
        try:
            body = r.json()
        except ValueError:
            body = None
        return Answer(r.status_code, body, r.text)
