"""Prism 5 (Stoplight's mock server, from the npm registry), for the benches that compare against it."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def prism_binary() -> Path | None:
    """Prism's CLI, installed into .cache/prism from the npm registry when missing."""
    target = ROOT / ".cache" / "prism"
    binary = target / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return binary
    if shutil.which("npm") is None:
        print("Prism: skipped (npm is not installed)")
        return None
    print("Prism: installing @stoplight/prism-cli@5 into .cache/prism …", flush=True)
    target.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(target),
                           "@stoplight/prism-cli@5"], capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not binary.exists():
        print(f"Prism: skipped (npm install failed: {proc.stderr.strip()[-300:]})")
        return None
    return binary


@contextmanager
def prism(binary: Path) -> Iterator[str]:
    """Run ``prism mock`` on a free port and yield its URL once it answers."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(binary), "mock", str(ROOT / "generated" / "openapi.json"), "-h", "127.0.0.1",
                             "-p", str(port), "--errors", "false"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # Prism prints this line once it listens
            if "Prism is listening" in line:
                break
        else:
            raise RuntimeError("prism did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
