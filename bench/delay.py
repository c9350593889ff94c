"""A TCP proxy that adds a fixed delay to every request, standing in for a server across a network.

Each chunk the client sends (a request) waits ``delay_ms`` before it goes on, which is one round
trip of added latency per request; answers flow back at once (a response sent in several writes
is not delayed once per write, as it would not be on a real network).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    """Forward every chunk ``delay`` seconds after it arrived (a time shift, not a queue of sleeps).

    A request written in two parts (headers, then body) arrives ``delay`` later as it left: once,
    like a packet on a long wire, not once per part.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def forward() -> None:
        while True:
            due, data = await queue.get()
            if not data:
                break
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()

    sender = asyncio.create_task(forward())
    try:
        while data := await reader.read(65536):
            queue.put_nowait((loop.time() + delay, data))
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        queue.put_nowait((0.0, b""))
        try:
            await sender
        except ConnectionError:
            pass
        writer.close()


@contextmanager
def delaying_proxy(upstream: str, delay_ms: float) -> Iterator[str]:
    """Yield the URL of a proxy to ``upstream`` (``http://host:port``) that holds each request ``delay_ms``."""
    host, port = upstream.removeprefix("http://").rsplit(":", 1)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    bound: list[int] = []

    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        await asyncio.gather(_pipe(client_reader, up_writer, delay_ms / 1000), _pipe(up_reader, client_writer, 0.0),
                             return_exceptions=True)

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        bound.append(server.sockets[0].getsockname()[1])
        ready.set()
        async with server:
            await server.serve_forever()

    def run() -> None:
        task = loop.create_task(serve())
        try:
            loop.run_until_complete(task)
        except asyncio.CancelledError:
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield f"http://127.0.0.1:{bound[0]}"
    finally:
        for task in asyncio.all_tasks(loop):
            loop.call_soon_threadsafe(task.cancel)
        thread.join(5)
