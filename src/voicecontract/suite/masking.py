"""Masking for everything the suite writes: curl lines, failure messages, JUnit and JSON reports.

Secrets are known exactly: the bearer tokens, and every value the request sent in an
``x-secret`` field of the spec. They are replaced by ``****`` wherever they occur, bodies
included (schemathesis masks by header and key name only).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

MASK = "****"
MIN_SECRET = 4


class Scrubber:
    """Replaces every known secret in text; learns the secrets of each request it sees."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets: set[str] = {s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET}

    def learn(self, values: Iterable[str]) -> None:
        """Add secrets (e.g. the x-secret fields of a request)."""
        self.secrets.update(v for v in values if isinstance(v, str) and len(v) >= MIN_SECRET)

    def text(self, value: str) -> str:
        """``value`` with every known secret (and its JSON-escaped form) replaced by ``****``."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in value:
                value = value.replace(secret, MASK)
            escaped = json.dumps(secret)[1:-1]
            if escaped != secret and escaped in value:
                value = value.replace(escaped, MASK)
        return value

    def data(self, value: Any) -> Any:
        """A JSON value with every secret string masked."""
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value


def curl(
    method: str, url: str, query: dict[str, Any] | None, body: Any, scrub: Scrubber, *, has_body: bool = True
) -> str:
    """A masked curl line that reproduces a request (the token is a placeholder)."""
    full = url + ("?" + urlencode({k: v for k, v in (query or {}).items()}, doseq=True) if query else "")
    parts = ["curl", "-X", method, shlex.quote(scrub.text(full)), "-H", shlex.quote("Authorization: Bearer $TOKEN")]
    if has_body and body is not None:
        parts += [
            "-H",
            shlex.quote("Content-Type: application/json"),
            "-d",
            shlex.quote(json.dumps(scrub.data(body), ensure_ascii=False)),
        ]
    return " ".join(parts)
