"""The optional parts of the package and what each needs: ``voicecontract[suite]`` and ``voicecontract[server]``.

The core install (spec, models, validators, lint) never imports these; the commands that need one
ask here first and, when it is missing, say which ``pip install`` brings it.
"""

from __future__ import annotations

import importlib.util

EXTRAS = {
    "suite": ("schemathesis", "hypothesis", "httpx"),  # voicecontract run and the pytest plugin
    "server": ("starlette", "uvicorn"),  # voicecontract serve and the embedded reference server
}


def missing_extra(*extras: str) -> str | None:
    """None when the extras' packages are installed; else a message that says how to install them."""
    for extra in extras:
        missing = [m for m in EXTRAS[extra] if importlib.util.find_spec(m) is None]
        if missing:
            return f"this needs {', '.join(missing)}, which come with an extra: pip install 'voicecontract[{extra}]'"
    return None
