"""Server processes for tests: the reference server's own ``serving`` plus an HTTP client helper."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import httpx

from voicecontract.reference.process import Running, serving


def client(server: Running, token: str | None = None, **kw: object) -> httpx.Client:
    """An HTTP client for a server, with a bearer token."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=30, **kw)  # type: ignore[arg-type]


@contextmanager
def server_process(args: Sequence[str], *, module: str = "voicecontract.cli",
                   wrapper: Sequence[str] = ()) -> Iterator[Running]:
    """``serving`` with the test-suite's defaults (faulty servers: module="tests.support.serve")."""
    with serving(args, module=module, wrapper=wrapper) as server:
        yield server
