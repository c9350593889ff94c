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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Running:
    """A started server: its URL and process."""

    url: str
    proc: subprocess.Popen[str]

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as in a crash."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)


@contextmanager
def serving(
    args: Sequence[str], *, module: str = "voicecontract.cli", env: dict[str, str] | None = None
) -> Iterator[Running]:
    """Run ``python -m MODULE serve --host 127.0.0.1 --port 0 ARGS`` and yield it once it listens."""
    cmd = [sys.executable, "-m", module, "serve", "--host", "127.0.0.1", "--port", "0", "--log-level", "warning",
           *args]
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env)  # noqa: S603
    try:
        assert proc.stdout is not None
        banner: list[str] = []
        url = None
        for line in proc.stdout:
            banner.append(line)
            if "listening on " in line:
                url = line.rsplit("listening on ", 1)[1].strip()
                break
        if url is None:
            err = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"server did not start: {''.join(banner)}{err}")
        yield Running(url, proc)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
