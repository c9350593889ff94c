"""Start the reference server (or any ``python -m MODULE serve``) as a process and know its URL without sleeping.

The server binds its socket before it prints ``listening on URL``; once that line is read,
connections queue in the socket's backlog until uvicorn accepts them, so no polling is needed.
Used by the test-suite and the benches, and handy in a pytest fixture of your own::

    with serving(["--db", ":memory:", "--token", "t1"]) as server:
        run_suite(RunOptions(base_url=server.url, token="t1"))
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

KEPT_LINES = 5000  # of the server's output, for diagnosis; older lines are dropped, never left to fill a pipe


@dataclass
class Running:
    """A started server: its URL and process."""

    url: str
    proc: subprocess.Popen[str]
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=KEPT_LINES))
    readers: list[threading.Thread] = field(default_factory=list)

    def output(self) -> str:
        """The server's last KEPT_LINES lines of stdout and stderr (complete once the process has exited)."""
        if self.proc.poll() is not None:
            for reader in self.readers:
                reader.join(timeout=10)
        return "".join(self.lines)

    def kill(self) -> None:
        """SIGKILL to the server (and anything it runs under, such as a wrapper): no shutdown handler runs."""
        _signal_group(self.proc, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, then wait for the process and its output."""
        if self.proc.poll() is None:
            _signal_group(self.proc, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _signal_group(self.proc, signal.SIGKILL)
                self.proc.wait()
        for reader in self.readers:
            reader.join(timeout=10)


def _signal_group(proc: subprocess.Popen[str], sig: int) -> None:
    """Signal the server's whole process group (it runs in its own session, wrapper and all)."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


@contextmanager
def serving(
    args: Sequence[str],
    *,
    module: str = "voicecontract.cli",
    env: dict[str, str] | None = None,
    wrapper: Sequence[str] = (),
) -> Iterator[Running]:
    """Run ``python -m MODULE serve --host 127.0.0.1 --port 0 ARGS`` and yield it once it listens.

    ``wrapper`` goes in front of the command (e.g. ``strace -f -o FILE``), for tests that watch the process.
    """
    cmd = [*wrapper, sys.executable, "-m", module, "serve", "--host", "127.0.0.1", "--port", "0",
           "--log-level", "warning", *args]
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    proc = subprocess.Popen(  # noqa: S603
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env, start_new_session=True
    )
    readers: list[threading.Thread] = []
    url = None
    try:
        assert proc.stdout is not None
        banner: list[str] = []
        for line in proc.stdout:
            banner.append(line)
            if "listening on " in line:
                url = line.rsplit("listening on ", 1)[1].strip()
                break
        if url is None:
            err = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"server did not start: {''.join(banner)}{err}")
        running = Running(url, proc, readers=readers)
        running.lines.extend(banner)
        # A pipe nobody reads fills at 64 KiB and then blocks the server mid-request (a server that logs a
        # traceback per request hangs after a few hundred): drain both streams for as long as it runs.
        for stream in (proc.stdout, proc.stderr):
            reader = threading.Thread(target=_drain, args=(stream, running.lines), daemon=True)
            reader.start()
            running.readers.append(reader)
        yield running
    finally:
        Running(url or "", proc, readers=readers).stop()
        if not any(reader.is_alive() for reader in readers):  # closing under a blocked reader would hang
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()


def _drain(stream: IO[str] | None, into: deque[str]) -> None:
    """Read a stream to its end, keeping the last lines."""
    if stream is None:
        return
    try:
        for line in stream:
            into.append(line)
    except (ValueError, OSError):  # closed under us at shutdown
        pass
