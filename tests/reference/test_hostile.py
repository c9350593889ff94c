"""No input makes the reference server answer 5xx: hostile bodies, queries, methods, sizes and speeds.

Everything runs against the real server process (uvicorn), because the limits that matter here
(a body cut off at 1 MiB, a body that never finishes) live between the socket and the app.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.servers import Running, server_process
from voicecontract.reference.app import MAX_BODY
from voicecontract.spec import index
from voicecontract.validators import MAX_DEPTH

TOKEN = "hostile-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"content-type": "application/json"}
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hostile")]


@pytest.fixture(scope="module")
def server() -> Iterator[Running]:
    with server_process(["--db", ":memory:", "--token", TOKEN, "--body-timeout", "1"]) as srv:
        yield srv


@pytest.fixture(scope="module")
def http(server: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as c:
        yield c


def _error(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text[:300])
    body: dict[str, Any] = r.json()
    assert body["statusCode"] == status and isinstance(body["issues"], list)
    return body


def _deep(levels: int) -> str:
    return '{"type":"object","properties":{"a":' * levels + "{}" + "}}" * levels


def _agent_with_schema(schema: str) -> bytes:
    return ('{"name":"x","prompt":{"content":"hi"},"voice":{"type":"voice_vocode","voice_id":"joe"},'
            '"actions":[{"type":"action_external","config":{"name":"f","description":"d",'
            '"url":"https://example.com/x","input_schema":' + schema + ',"speak_on_send":false,'
            '"speak_on_receive":false}}]}').encode()


BODIES = {
    "overflowing number": (b'{"area_code": 1e400}', "/v1/numbers/buy", "invalid_json"),
    "negative overflow": (b'{"area_code": -1e400}', "/v1/numbers/buy", "invalid_json"),
    "NaN literal": (b'{"area_code": NaN}', "/v1/numbers/buy", "invalid_json"),
    "5000-digit integer": (b'{"area_code": 1' + b"0" * 5000 + b"}", "/v1/numbers/buy", "invalid_json"),
    "duplicate keys": (b'{"label": "a", "label": "b"}', "/v1/numbers/buy", "invalid_json"),
    "invalid UTF-8": (b'{"label": "\xff\xfe"}', "/v1/numbers/buy", "invalid_json"),
    "lone surrogate": (b'{"label": "\\ud800"}', "/v1/numbers/buy", None),
    "deep arrays": (b"[" * 100_000 + b"]" * 100_000, "/v1/agents/create", "too_deep"),
    "deep free-form schema": (_agent_with_schema(_deep(300)), "/v1/agents/create", "too_deep"),
    "not JSON": (b"{'label': 1}", "/v1/numbers/buy", "invalid_json"),
    "JSON scalar": (b"7", "/v1/numbers/buy", None),
    "truncated": (b'{"label": "a', "/v1/numbers/buy", "invalid_json"),
}


@pytest.mark.parametrize("name", list(BODIES))
def test_hostile_bodies_are_400_with_the_error_body(http: httpx.Client, name: str) -> None:
    raw, path, code = BODIES[name]
    body = _error(http.post(path, content=raw, headers=JSON), 400)
    if code:
        assert code in {i["code"] for i in body["issues"]}, body


def test_a_free_form_schema_within_the_depth_limit_is_stored_and_served(http: httpx.Client) -> None:
    r = http.post("/v1/agents/create", content=_agent_with_schema(_deep(MAX_DEPTH // 2 - 4)), headers=JSON)
    assert r.status_code == 201, r.text[:300]
    agent = http.get("/v1/agents", params={"id": r.json()["id"]})
    assert agent.status_code == 200 and agent.json() == r.json()


@pytest.mark.parametrize("query", ["id=%zz%ff", "id=a%00b", "id=", "id=1&id=2", "id=" + "a" * 10_000, "%=&&==",
                                   "page=%ff&size=1e3", "page=99999999999999999999", "size=-1", "sort_desc=yes"])
def test_malformed_query_strings_are_400(http: httpx.Client, query: str) -> None:
    path = "/v1/agents" if query.startswith(("id", "%")) else "/v1/agents/list"
    _error(http.get(f"{path}?{query}"), 400)


def test_every_method_on_every_path_is_never_a_5xx(http: httpx.Client) -> None:
    ix = index()
    documented: dict[str, set[str]] = {}
    for op in ix.operations.values():
        documented.setdefault(op.path, set()).add(op.method)
    for path, methods in sorted(documented.items()):
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE"):
            r = http.request(method, path, content=b"{}", headers=JSON)
            assert r.status_code < 500, (method, path, r.status_code)
            if method not in methods:
                assert r.status_code == 405 and r.headers["allow"] == ", ".join(sorted(methods)), (method, path)
    assert http.get("/v1/nowhere").status_code == 404


def test_a_huge_body_is_413_and_is_never_read_whole(server: Running, http: httpx.Client) -> None:
    _error(http.post("/v1/agents/create", content=b'{"name":"' + b"a" * (MAX_BODY + 10) + b'"}', headers=JSON), 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: cut off while streaming
        yield b'{"name":"'
        for _ in range(40):
            yield b"a" * 65536
        yield b'"}'

    _error(http.post("/v1/agents/create", content=chunks(), headers=JSON), 413)
    # A declared 100 MB that never comes: the answer arrives before any of it is sent.
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /v1/agents/create HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode()
                     + b"\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n")
        head = sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 413"), head[:100]


def test_a_slow_body_is_408_after_the_body_timeout(server: Running) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /v1/numbers/buy HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode()
                     + b"\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"la")
        start = time.monotonic()
        head = sock.recv(4096)  # the server answers on its own once --body-timeout (1 s) has passed
        waited = time.monotonic() - start
    assert head.startswith(b"HTTP/1.1 408"), head[:100]
    assert 0.5 < waited < 8, waited


def test_the_server_log_says_what_broke_and_the_server_still_answers(server: Running, http: httpx.Client) -> None:
    assert http.get("/v1/numbers/list").status_code == 200
    assert "Traceback" not in server.output()  # nothing above was a crash hidden behind a 4xx
