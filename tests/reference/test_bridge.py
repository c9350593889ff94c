"""The in-thread bridge to the reference app (voicecontract.reference.bridge), as the embedded run uses it."""

from __future__ import annotations

import threading

import httpx

from voicecontract.reference import create_app
from voicecontract.reference.bridge import SyncAsgi

TOKEN = "bridge-token"


def test_requests_reach_the_app_with_query_headers_and_body_in_the_calling_thread() -> None:
    bridge = SyncAsgi(create_app(tokens=[TOKEN]))
    with httpx.Client(transport=bridge.transport(), base_url="http://embedded") as client:
        h = {"Authorization": f"Bearer {TOKEN}"}
        made = client.post("/v1/numbers/buy", json={"area_code": "415"}, headers=h)
        assert made.status_code == 201 and made.json()["number"].startswith("+1415")
        got = client.get("/v1/numbers", params={"phone_number": made.json()["number"]}, headers=h)
        assert got.json() == made.json()  # the query string arrives ("+" escaped as %2B)
        assert client.get("/v1/numbers/list").status_code == 401  # no token: the header really travels
        assert client.get("/v1/n%75mbers/list", headers=h).status_code == 200  # the path is unescaped once


def test_each_thread_gets_its_own_loop() -> None:
    bridge = SyncAsgi(create_app(tokens=[TOKEN]))
    statuses: list[int] = []

    def call() -> None:
        status, _, _ = bridge.call("GET", "/v1/agents/list", b"", [(b"authorization", f"Bearer {TOKEN}".encode())], b"")
        statuses.append(status)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 4
