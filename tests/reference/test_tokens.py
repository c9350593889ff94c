"""Tokens: every check compares in constant time against every token; user_id is an HMAC under a per-database secret."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from pathlib import Path

import pytest
from starlette.requests import Request

from voicecontract.reference import create_app
from voicecontract.reference.errors import ApiError

TOKENS = ["tenant-one-token", "tenant-two-token", "tenant-three-token"]


def _request(header: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": [(b"authorization", header.encode())]})


def _tenants(db: str) -> list[str]:
    server = create_app(db=db, tokens=TOKENS).state.server
    tenants = [server.tenant(_request(f"Bearer {t}")) for t in TOKENS]
    server.store.close()
    return tenants


def test_user_id_is_stable_per_database_and_differs_between_databases(tmp_path: Path) -> None:
    first, again = _tenants(str(tmp_path / "a.db")), _tenants(str(tmp_path / "a.db"))
    other = _tenants(str(tmp_path / "b.db"))
    assert first == again and len(set(first)) == 3  # a restart keeps every tenant and its data
    assert set(first).isdisjoint(other)  # another database: the same token is another user_id
    for token, tenant in zip(TOKENS, first, strict=True):
        unsalted = hashlib.sha256(b"voicecontract-tenant:" + token.encode()).digest()
        assert tenant != str(uuid.UUID(bytes=unsalted[:16], version=4))  # not guessable offline from a token


@pytest.mark.parametrize("header", ["Bearer tenant-two-token", "Bearer tenant-two-tokeX", "Bearer ", "Basic x",
                                    "Bearer tenant-one-token-and-more", ""])
def test_every_token_is_compared_in_constant_time_hit_or_miss(monkeypatch: pytest.MonkeyPatch, header: str) -> None:
    server = create_app(tokens=TOKENS).state.server
    calls: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr("voicecontract.reference.app.hmac.compare_digest", counting)
    try:
        tenant = server.tenant(_request(header))
    except ApiError as err:
        assert err.status == 401
        tenant = None
    assert (tenant is not None) == (header == "Bearer tenant-two-token")
    # one comparison per configured token, of fixed-length digests, however early a match or mismatch is
    assert calls == [(32, 32)] * len(TOKENS)
