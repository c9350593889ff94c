"""Legitimate implementations that differ from the reference server only where the spec allows.

Each must pass the default contract run: a check that fails one of them is wrong, not the server.
``make mutants`` lists them beside the faulty servers; the tests require every one to pass.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.support.asgi import App, Scope, delayed, lagging_reads, prefill, rewrite_responses
from voicecontract.reference import create_app
from voicecontract.reference.store import Store, Tx


@dataclass(frozen=True)
class Variant:
    """One legitimate difference and how to build the server that has it."""

    name: str
    difference: str
    build: Callable[[str, list[str]], App]
    options: dict[str, Any] = field(default_factory=dict)  # RunOptions a user of this target would pass


# --------------------------------------------------------------------------- ids, texts, headers, masks


class PrefixedIdTx(Tx):
    """Mints ids like ``agt_3kTQ…`` (a prefix per kind and 22 base62 characters), not UUIDs."""

    def insert(self, kind: str, tenant: str, data: dict[str, Any], *, unique_key: str | None = None) -> dict[str, Any]:
        alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        minted = kind[:3].lower() + "_" + "".join(secrets.choice(alphabet) for _ in range(22))
        return super().insert(kind, tenant, {**data, "id": data.get("id") or minted}, unique_key=unique_key)


class PrefixedIdStore(Store):
    """A store whose transactions mint prefixed ids."""

    def transaction(self) -> Any:
        from contextlib import contextmanager

        @contextmanager
        def tx() -> Any:
            with Store.transaction(self) as inner:
                yield PrefixedIdTx(inner.db)

        return tx()


def _other_texts(app: App) -> App:
    """Error answers in other words: another message, other issue messages and codes (paths stay)."""

    def fn(scope: Scope, status: int, headers: Any, body: bytes) -> Any:
        if status >= 400:
            doc = json.loads(body)
            doc["message"] = f"Request could not be completed (status {status})."
            for issue in doc.get("issues", []):
                issue["code"] = "E_" + str(issue.get("code", "invalid")).upper()
                issue["message"] = "this value was not accepted"
            body = json.dumps(doc).encode()
        return status, headers, body

    return rewrite_responses(app, fn)


def _extra_headers(app: App) -> App:
    """Answers carry headers the spec does not mention (request ids, caching, CORS, a server name)."""

    def fn(scope: Scope, status: int, headers: Any, body: bytes) -> Any:
        extra = [(b"x-request-id", secrets.token_hex(8).encode()), (b"cache-control", b"no-store"),
                 (b"access-control-allow-origin", b"*"), (b"x-powered-by", b"voice-platform/7.2"),
                 (b"strict-transport-security", b"max-age=63072000")]
        return status, [*headers, *extra], body

    return rewrite_responses(app, fn)


def _mask_only(app: App) -> App:
    """Masked hints never show the last four characters (`****` alone is a valid hint)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return "****" if isinstance(value, str) and value.startswith("****") else value

    def fn(scope: Scope, status: int, headers: Any, body: bytes) -> Any:
        if status < 300 and scope["path"] != "/openapi.json":
            body = json.dumps(strip(json.loads(body))).encode()
        return status, headers, body

    return rewrite_responses(app, fn)


def _compressed(app: App) -> App:
    """Every JSON answer is gzip-compressed (Content-Encoding: gzip), as many gateways do."""

    def fn(scope: Scope, status: int, headers: Any, body: bytes) -> Any:
        return status, [*headers, (b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")], gzip.compress(body)

    return rewrite_responses(app, fn)


def _connection_close(app: App) -> App:
    """No keep-alive: every answer says ``Connection: close``."""

    def fn(scope: Scope, status: int, headers: Any, body: bytes) -> Any:
        return status, [*headers, (b"connection", b"close")], body

    return rewrite_responses(app, fn)


# --------------------------------------------------------------------------- eventual consistency


LAG = 0.15  # seconds a read may show the state before a write


# --------------------------------------------------------------------------- the registry


def _plain(db: str, tokens: list[str]) -> App:
    return create_app(db=db, tokens=tokens)


VARIANTS: dict[str, Variant] = {v.name: v for v in [
    Variant("prefixed_ids", "ids are `agt_…`-style strings of 26 characters, not UUIDs",
            lambda db, tokens: create_app(db=db, tokens=tokens, store=PrefixedIdStore(db))),
    Variant("other_texts", "error messages, issue messages and issue codes in other words",
            lambda db, tokens: _other_texts(_plain(db, tokens))),
    Variant("extra_headers", "answers carry request ids, caching and CORS headers",
            lambda db, tokens: _extra_headers(_plain(db, tokens))),
    Variant("slow", "every answer takes 5 ms more; the run keeps requests in flight (--workers auto)",
            lambda db, tokens: delayed(_plain(db, tokens), 0.005), options={"workers": "auto"}),
    Variant("prefilled", "the target already holds 150 numbers, 120 agents and 130 connections",
            lambda db, tokens: prefill(_plain(db, tokens), tokens[0], numbers=150, agents=120, connections=130)),
    Variant("mask_only", "masked secrets show `****` only, never the last four characters",
            lambda db, tokens: _mask_only(_plain(db, tokens))),
    Variant("compressed", "answers are gzip-compressed",
            lambda db, tokens: _compressed(_plain(db, tokens))),
    Variant("connection_close", "no keep-alive (`Connection: close` on every answer)",
            lambda db, tokens: _connection_close(_plain(db, tokens))),
    Variant("lagging_reads", "reads lag up to 150 ms behind writes; the run is told so (--consistency-window 1000)",
            lambda db, tokens: lagging_reads(_plain(db, tokens), LAG), options={"consistency_window_ms": 1000}),
]}

__all__ = ["VARIANTS", "Variant", "asyncio"]
