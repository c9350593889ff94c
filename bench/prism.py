"""npm tools the benches compare against, installed into .cache/ on first use: Prism 5 (Stoplight's mock
server) for the server benches, Optic for the diff bench."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def npm_tool(name: str, package: str, binary: str, *, overrides: dict[str, str] | None = None) -> Path | None:
    """An npm CLI, installed into .cache/NAME from the npm registry when missing (None, saying why, if it cannot)."""
    import json

    target = ROOT / ".cache" / name
    found = target / "node_modules" / ".bin" / binary
    if found.exists():
        return found
    if shutil.which("npm") is None:
        print(f"{name}: skipped (npm is not installed)")
        return None
    print(f"{name}: installing {package} into .cache/{name} …", flush=True)
    target.mkdir(parents=True, exist_ok=True)
    manifest = {"private": True, "dependencies": {}, "overrides": overrides or {}}
    (target / "package.json").write_text(json.dumps(manifest), encoding="utf-8")
    proc = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(target), package],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not found.exists():
        print(f"{name}: skipped (npm install failed: {proc.stderr.strip()[-300:]})")
        return None
    return found


def prism_binary() -> Path | None:
    """Prism's CLI, installed into .cache/prism from the npm registry when missing."""
    return npm_tool("prism", "@stoplight/prism-cli@5", "prism")


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
