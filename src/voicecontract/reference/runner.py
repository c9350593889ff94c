"""Running an ASGI app on uvicorn with a socket bound first, so the URL is known before serving."""

from __future__ import annotations

import socket
from typing import Any


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket (port 0 picks a free port); connections queue until the server runs."""
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP,
    # and without it every keep-alive response waits ~40 ms for a delayed ACK.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(256)
    return sock


def url_of(sock: socket.socket) -> str:
    """The http URL a bound socket serves."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def run(app: Any, sock: socket.socket, *, log_level: str = "info") -> None:
    """Serve ``app`` on ``sock`` until interrupted."""
    import uvicorn

    fast = fast_protocols()
    config = uvicorn.Config(app, log_level=log_level, access_log=log_level in ("debug", "info"),
                            http=fast.get("http", "auto"), loop=fast.get("loop", "auto"))
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass


def fast_protocols() -> dict[str, str]:
    """uvicorn's httptools parser and the uvloop event loop where installed (the server extra brings both).

    h11's pure-Python parsing was the largest cost per request (profiled under wrk: about 40 % of
    the server's time); httptools and uvloop about double the requests per second.
    """
    chosen: dict[str, str] = {}
    try:
        import httptools  # noqa: F401

        chosen["http"] = "httptools"
    except ImportError:
        pass
    try:
        import uvloop  # noqa: F401

        chosen["loop"] = "uvloop"
    except ImportError:
        pass
    return chosen
