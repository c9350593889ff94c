"""The reference server through its HTTP API: every operation, its errors, tenancy, updates, pages."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from voicecontract.recipes import credentials, pem_envelope
from voicecontract.reference import create_app
from voicecontract.spec import index
from voicecontract.validators import validate

A, B = "token-tenant-a", "token-tenant-b"

RESPONSE_SCHEMAS = {op.path: op.response for op in index().operations.values()}  # from the spec index


class Api:
    """A test client for one tenant that checks every answer against the spec."""

    def __init__(self, client: TestClient, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None,
             expect: int | None = None, content: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
        r = self.client.request(method, path, params=params, json=json, content=content,
                                headers={**self.headers, **(headers or {})})
        body = r.json()
        assert r.headers["content-type"].startswith("application/json")
        if r.status_code < 400:
            validate(RESPONSE_SCHEMAS[path], body)  # every success answer matches the spec
        else:
            validate("Error", body)
            assert body["statusCode"] == r.status_code
        if expect is not None:
            assert r.status_code == expect, (r.status_code, body)
        return body

    def get(self, path: str, **kw: Any) -> Any:
        return self.call("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        return self.call("POST", path, **kw)


@pytest.fixture
def app() -> Any:
    return create_app(tokens=[A, B])


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def a(client: TestClient) -> Api:
    return Api(client, A)


@pytest.fixture
def b(client: TestClient) -> Api:
    return Api(client, B)


def twilio(api: Api, **extra: Any) -> dict[str, Any]:
    body = {"type": "account_connection_twilio", "credentials": credentials("twilio"), **extra}
    return api.post("/v1/account_connections/create", json=body, expect=201)  # type: ignore[no-any-return]


def agent(api: Api, **extra: Any) -> dict[str, Any]:
    body = {"prompt": {"content": "You are helpful."}, "voice": {"type": "voice_azure", "voice_name": "en-US-JennyNeural"},
            **extra}
    return api.post("/v1/agents/create", json=body, expect=201)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- numbers


def test_buy_get_update_cancel_a_number(a: Api) -> None:
    ag = agent(a, name="Front desk")
    n = a.post("/v1/numbers/buy", json={"area_code": "415", "inbound_agent": ag["id"]}, expect=201)
    assert n["number"].startswith("+1415") and len(n["number"]) == 12
    assert (n["telephony_provider"], n["active"], n["example_context"]) == ("vonage", True, {})
    assert (n["inbound_agent"], n["inbound_agent_name"]) == (ag["id"], "Front desk")
    assert a.get("/v1/numbers", params={"phone_number": n["number"]}, expect=200) == n
    upd = a.post("/v1/numbers/update", params={"phone_number": n["number"]},
                 json={"label": "Main", "description": "Support", "example_context": {"name": "Jane"}}, expect=201)
    assert (upd["label"], upd["description"], upd["example_context"]) == ("Main", "Support", {"name": "Jane"})
    assert upd["inbound_agent"] == ag["id"]  # absent: unchanged
    cleared = a.post("/v1/numbers/update", params={"phone_number": n["number"]},
                     json={"description": None, "example_context": None, "inbound_agent": None}, expect=201)
    assert (cleared["description"], cleared["example_context"], cleared["inbound_agent"]) == (None, {}, None)
    assert cleared["label"] == "Main" and cleared["inbound_agent_name"] is None
    gone = a.post("/v1/numbers/cancel", params={"phone_number": n["number"]}, expect=201)
    assert gone["active"] is False and gone["number"] == n["number"]
    a.get("/v1/numbers", params={"phone_number": n["number"]}, expect=404)
    a.post("/v1/numbers/cancel", params={"phone_number": n["number"]}, expect=404)


def test_buy_a_specific_number_once(a: Api, b: Api) -> None:
    n = a.post("/v1/numbers/buy", json={"phone_number": "+14155550123"}, expect=201)
    assert n["number"] == "+14155550123"
    err = b.post("/v1/numbers/buy", json={"phone_number": "+14155550123"}, expect=409)
    assert err["issues"][0]["path"] == "/body/phone_number"


def test_buy_with_an_inline_agent_and_a_connection(a: Api) -> None:
    conn = twilio(a)
    n = a.post("/v1/numbers/buy", json={"telephony_account_connection": conn["id"],
                                        "inbound_agent": {"prompt": {}, "voice": {"type": "voice_vocode", "voice_id": "joe"}}},
               expect=201)
    assert n["telephony_provider"] == "twilio" and n["telephony_account_connection"] == conn["id"]
    assert a.get("/v1/agents", params={"id": n["inbound_agent"]}, expect=200)["voice"]["voice_id"] == "joe"
    err = a.post("/v1/numbers/buy", json={"telephony_account_connection": conn["id"], "telephony_provider": "telnyx"},
                 expect=409)
    assert err["issues"][0]["path"] == "/body/telephony_provider"


def test_link_needs_an_existing_telephony_connection(a: Api) -> None:
    conn = twilio(a)
    n = a.post("/v1/numbers/link", json={"phone_number": "+14155550199", "telephony_account_connection": conn["id"],
                                         "outbound_only": True}, expect=201)
    assert (n["telephony_provider"], n["outbound_only"]) == ("twilio", True)
    a.post("/v1/numbers/link", json={"phone_number": "+14155550199", "telephony_account_connection": conn["id"]},
           expect=409)
    missing = a.post("/v1/numbers/link", json={"phone_number": "+14155550198", "telephony_account_connection": "nope"},
                     expect=404)
    assert missing["issues"][0]["path"] == "/body/telephony_account_connection"
    openai = a.post("/v1/account_connections/create", json={"type": "account_connection_openai",
                                                             "credentials": credentials("openai")}, expect=201)
    wrong = a.post("/v1/numbers/link", json={"phone_number": "+14155550197", "telephony_account_connection": openai["id"]},
                   expect=409)
    assert wrong["issues"][0]["code"] == "connection_type"


def test_invalid_input_is_a_400_naming_every_field(a: Api) -> None:
    err = a.post("/v1/numbers/update", params={"phone_number": "12345"}, json={"label": 5, "bogus": True}, expect=400)
    assert {(i["path"], i["code"]) for i in err["issues"]} == {("/query/phone_number", "pattern")}
    n = a.post("/v1/numbers/buy", json={}, expect=201)
    err = a.post("/v1/numbers/update", params={"phone_number": n["number"]}, json={"label": 5, "bogus": True}, expect=400)
    assert {(i["path"], i["code"]) for i in err["issues"]} == {("/body/label", "type"), ("/body/bogus", "extra_field")}
    assert a.post("/v1/numbers/buy", content=b"{not json", headers={"content-type": "application/json"},
                  expect=400)["issues"][0]["code"] == "invalid_json"
    assert a.post("/v1/numbers/buy", content=b"", expect=400)["issues"][0] == {
        "path": "/body", "code": "missing", "message": "a JSON request body is required"}
    assert a.post("/v1/numbers/buy", content=b"area_code=415", headers={"content-type": "text/plain"},
                  expect=400)["issues"][0]["code"] == "content_type"
    assert a.get("/v1/numbers/list", params={"size": "1000"}, expect=400)["issues"][0]["path"] == "/query/size"
    assert a.get("/v1/numbers/list", params={"sort_desc": "yes"}, expect=400)["issues"][0]["code"] == "type"


def test_401_for_a_missing_or_unknown_token(client: TestClient) -> None:
    for token in (None, "not-a-token"):
        api = Api(client, token)
        for method, path in (("GET", "/v1/numbers/list"), ("POST", "/v1/agents/create"), ("GET", "/v1/agents")):
            api.call(method, path, json={}, expect=401)
    api = Api(client, None)
    api.call("GET", "/v1/numbers/list", headers={"Authorization": f"Basic {A}"}, expect=401)


def test_405_with_allow_header(client: TestClient) -> None:
    r = client.put("/v1/numbers", headers={"Authorization": f"Bearer {A}"})
    assert r.status_code == 405 and "GET" in r.headers["allow"]


# --------------------------------------------------------------------------- agents


FULL_AGENT = {
    "name": "Concierge",
    "prompt": {"label": "Main", "content": "Be brief.", "type": "prompt", "tags": ["a"],
               "prompt_template": {"label": "T", "required_context_keys": ["customer_name"]}},
    "language": "de",
    "actions": [
        {"type": "action_transfer_call", "config": {"phone_number": "+14155550100"},
         "action_trigger": {"type": "action_trigger_phrase_based",
                            "config": {"phrase_triggers": [{"phrase": "human", "conditions": ["phrase_condition_type_contains"]}]}}},
        {"type": "action_dtmf"},
        {"type": "action_external", "config": {"name": "lookup", "description": "Look up", "url": "https://x.example.com/f",
                                               "input_schema": {"type": "object"}, "speak_on_send": True,
                                               "speak_on_receive": False, "signature_secret": "s3cr3t-" + "q" * 20}},
    ],
    "voice": {"type": "voice_eleven_labs", "voice_id": "21m00Tcm4TlvDq8ikWAM", "stability": 0.5},
    "webhook": {"subscriptions": ["event_message"], "url": "https://hooks.example.com/w"},
    "vector_database": {"type": "vector_database_pinecone", "index": "kb", "api_key": "pc-" + "k" * 30,
                        "api_environment": "us-east-1-aws"},
    "deepgram_keywords": {"kansas": 10},
    "idle_time_seconds": 30.0,
    "llm_fallback": {"provider": "azure", "model_name": "gpt-4o"},
}


def test_create_an_agent_with_everything_inline(a: Api) -> None:
    ag = a.post("/v1/agents/create", json=FULL_AGENT, expect=201)
    assert ag["prompt"]["prompt_template"]["required_context_keys"] == ["customer_name"]
    assert [x["type"] for x in ag["actions"]] == ["action_transfer_call", "action_dtmf", "action_external"]
    assert ag["actions"][1]["config"] == {} and ag["actions"][1]["action_trigger"]["type"] == "action_trigger_function_call"
    assert ag["actions"][2]["config"]["signature_secret"] == "****" + "q" * 4
    assert ag["vector_database"]["api_key"] == "****kkkk"
    assert ag["idle_time_seconds"] == 30 and isinstance(ag["idle_time_seconds"], int)
    assert (ag["language"], ag["interrupt_sensitivity"], ag["conversation_speed"]) == ("de", "low", 1.0)
    assert a.get("/v1/agents", params={"id": ag["id"]}, expect=200) == ag


def test_agents_reference_existing_sub_resources_by_id(a: Api, b: Api) -> None:
    first = a.post("/v1/agents/create", json=FULL_AGENT, expect=201)
    second = a.post("/v1/agents/create", json={"prompt": first["prompt"]["id"], "voice": first["voice"]["id"],
                                               "actions": [first["actions"][0]["id"]], "webhook": first["webhook"]["id"]},
                    expect=201)
    assert second["prompt"] == first["prompt"] and second["actions"] == first["actions"][:1]
    err = b.post("/v1/agents/create", json={"prompt": first["prompt"]["id"], "voice": first["voice"]["id"]}, expect=404)
    assert err["issues"][0]["path"] == "/body/prompt"
    err = a.post("/v1/agents/create", json={"prompt": {}, "voice": first["voice"]["id"], "actions": ["nope"]}, expect=404)
    assert err["issues"][0]["path"] == "/body/actions/0"


def test_agent_llm_connection_must_be_an_llm_type(a: Api) -> None:
    openai = a.post("/v1/account_connections/create", json={"type": "account_connection_openai",
                                                            "credentials": credentials("openai")}, expect=201)
    ag = agent(a, openai_account_connection=openai["id"])
    assert ag["openai_account_connection"] == openai["id"]
    tw = twilio(a)
    err = a.post("/v1/agents/update", params={"id": ag["id"]}, json={"openai_account_connection": tw["id"]}, expect=409)
    assert err["issues"][0]["path"] == "/body/openai_account_connection"


def test_agent_update_absent_null_and_prompt_in_place(a: Api) -> None:
    ag = a.post("/v1/agents/create", json=FULL_AGENT, expect=201)
    upd = a.post("/v1/agents/update", params={"id": ag["id"]},
                 json={"name": None, "webhook": None, "prompt": {"content": "New text", "prompt_template": None},
                       "actions": [], "conversation_speed": 1.5}, expect=201)
    assert upd["name"] is None and upd["webhook"] is None and upd["actions"] == []
    assert upd["prompt"]["id"] == ag["prompt"]["id"] and upd["prompt"]["content"] == "New text"
    assert upd["prompt"]["label"] == "Main" and upd["prompt"]["prompt_template"] is None
    assert upd["voice"] == ag["voice"] and upd["vector_database"] == ag["vector_database"]
    assert upd["conversation_speed"] == 1.5 and upd["language"] == "de"
    assert a.post("/v1/agents/update", params={"id": ag["id"]}, json={}, expect=201) == upd
    assert a.get("/v1/agents", params={"id": ag["id"]}, expect=200) == upd


def test_wrong_action_type_is_one_400(a: Api) -> None:
    ag = agent(a)
    err = a.post("/v1/agents/update", params={"id": ag["id"]}, json={"actions": [{"type": "action_teleport"}]}, expect=400)
    assert [(i["path"], i["code"]) for i in err["issues"]] == [("/body/actions/0", "invalid_tag")]


# --------------------------------------------------------------------------- account connections


@pytest.mark.parametrize("ctype", ["twilio", "openai", "google", "azure_llm", "elevenlabs", "deepgram", "cartesia",
                                   "playht", "rime", "azure_speech", "assemblyai", "deepseek", "telnyx", "un_pw_oauth",
                                   "login_key_oauth", "external_api_key"])
def test_every_connection_type_round_trips_with_secrets_masked(a: Api, ctype: str) -> None:
    from voicecontract.recipes import canary

    creds = credentials(ctype, canary=canary(3))
    conn = a.post("/v1/account_connections/create",
                  json={"type": "account_connection_" + ctype, "credentials": creds, "label": ctype}, expect=201)
    assert conn["type"] == "account_connection_" + ctype and conn["label"] == ctype
    assert canary(3)[:8] not in str(conn)
    assert a.get("/v1/account_connections", params={"id": conn["id"]}, expect=200) == conn
    listed = a.get("/v1/account_connections/list", expect=200)
    assert conn in listed["items"] and canary(3)[:8] not in str(listed)


def test_bad_credentials_are_rejected_with_the_rule_code(a: Api) -> None:
    creds = {**credentials("twilio"), "twilio_account_sid": "SK" + "ab" * 16}
    err = a.post("/v1/account_connections/create", json={"type": "account_connection_twilio", "credentials": creds},
                 expect=400)
    assert err["issues"] == [{"path": "/body/credentials/twilio_account_sid", "code": "twilio.sid_kind",
                              "message": "this is another kind of Twilio SID; an Account SID starts with AC"}]
    google = credentials("google")
    google["google_service_account"]["private_key"] = pem_envelope("AAAA")
    err = a.post("/v1/account_connections/create", json={"type": "account_connection_google", "credentials": google},
                 expect=400)
    assert err["issues"][0]["code"] == "google.private_key_unparseable"


def test_update_connection_keeps_type_and_replaces_credentials(a: Api) -> None:
    conn = twilio(a, label="old", description="d")
    err = a.post("/v1/account_connections/update", params={"id": conn["id"]},
                 json={"type": "account_connection_telnyx"}, expect=409)
    assert err["issues"][0]["path"] == "/body/type"
    new = credentials("twilio", seed=9)
    upd = a.post("/v1/account_connections/update", params={"id": conn["id"]},
                 json={"type": "account_connection_twilio", "credentials": new, "description": None}, expect=201)
    assert upd["credentials"]["twilio_account_sid"] == new["twilio_account_sid"]
    assert upd["label"] == "old" and upd["description"] is None


def test_steering_pool_add_is_idempotent_remove_404s_and_full_is_429(a: Api) -> None:
    conn = twilio(a)
    one = a.post("/v1/account_connections/add_to_steering_pool", params={"id": conn["id"]},
                 json={"phone_number": "+14155550142"}, expect=201)
    again = a.post("/v1/account_connections/add_to_steering_pool", params={"id": conn["id"]},
                   json={"phone_number": "+14155550142"}, expect=201)
    assert one["steering_pool"] == again["steering_pool"] == ["+14155550142"]
    bought = a.post("/v1/account_connections/add_to_steering_pool", params={"id": conn["id"]}, expect=201)
    assert len(bought["steering_pool"]) == 2
    for _ in range(8):
        a.post("/v1/account_connections/add_to_steering_pool", params={"id": conn["id"]}, json={}, expect=201)
    full = a.post("/v1/account_connections/add_to_steering_pool", params={"id": conn["id"]}, json={}, expect=429)
    assert full["issues"][0]["code"] == "steering_pool_full"
    assert a.post("/v1/account_connections/add_to_steering_pool", params={"id": conn["id"]},
                  json={"phone_number": "+14155550142"}, expect=201)["steering_pool"][0] == "+14155550142"
    removed = a.post("/v1/account_connections/remove_from_steering_pool", params={"id": conn["id"]},
                     json={"phone_number": "+14155550142"}, expect=201)
    assert "+14155550142" not in removed["steering_pool"] and len(removed["steering_pool"]) == 9
    a.post("/v1/account_connections/remove_from_steering_pool", params={"id": conn["id"]},
           json={"phone_number": "+14155550142"}, expect=404)
    rime = a.post("/v1/account_connections/create", json={"type": "account_connection_rime",
                                                          "credentials": credentials("rime")}, expect=201)
    a.post("/v1/account_connections/add_to_steering_pool", params={"id": rime["id"]}, json={}, expect=409)


# --------------------------------------------------------------------------- tenancy


def isolation_violations(a: Api, b: Api) -> list[str]:
    """Everything tenant A owns, tenant B must neither see nor touch. Returns what B could reach."""
    conn = twilio(a)
    ag = agent(a)
    num = a.post("/v1/numbers/link", json={"phone_number": "+14155550177", "telephony_account_connection": conn["id"]},
                 expect=201)
    probes = [
        ("GET", "/v1/numbers", {"phone_number": num["number"]}, None),
        ("POST", "/v1/numbers/update", {"phone_number": num["number"]}, {"label": "hijacked"}),
        ("POST", "/v1/numbers/cancel", {"phone_number": num["number"]}, None),
        ("GET", "/v1/agents", {"id": ag["id"]}, None),
        ("POST", "/v1/agents/update", {"id": ag["id"]}, {"name": "hijacked"}),
        ("GET", "/v1/account_connections", {"id": conn["id"]}, None),
        ("POST", "/v1/account_connections/update", {"id": conn["id"]}, {"type": "account_connection_twilio"}),
        ("POST", "/v1/account_connections/add_to_steering_pool", {"id": conn["id"]}, {}),
        ("POST", "/v1/account_connections/remove_from_steering_pool", {"id": conn["id"]}, {"phone_number": "+14155550100"}),
        ("POST", "/v1/numbers/link", None, {"phone_number": "+14155550178", "telephony_account_connection": conn["id"]}),
        ("POST", "/v1/numbers/buy", None, {"inbound_agent": ag["id"]}),
    ]
    reached = []
    for method, path, params, body in probes:
        r = b.client.request(method, path, params=params, json=body, headers=b.headers)
        if r.status_code != 404:
            reached.append(f"{method} {path} -> {r.status_code}")
    for path in ("/v1/numbers/list", "/v1/agents/list", "/v1/account_connections/list"):
        if b.get(path, expect=200)["total"] != 0:
            reached.append(f"GET {path} lists tenant A's resources")
    if a.get("/v1/numbers", params={"phone_number": num["number"]})["label"] == "hijacked":
        reached.append("B changed A's number")
    return reached


def test_tenants_never_see_each_other(a: Api, b: Api) -> None:
    assert isolation_violations(a, b) == []


def test_the_isolation_check_catches_a_cross_tenant_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """If lookups ignored the tenant, the isolation test above would fail."""
    from voicecontract.reference import store

    original = store.Tx.get
    monkeypatch.setattr(store.Tx, "get", lambda self, kind, tenant, id_: self.db.execute(
        "SELECT data FROM resources WHERE kind = ? AND id = ?", (kind, id_)).fetchone() and __import__("json").loads(
        self.db.execute("SELECT data FROM resources WHERE kind = ? AND id = ?", (kind, id_)).fetchone()[0]))
    with TestClient(create_app(tokens=[A, B])) as c:
        found = isolation_violations(Api(c, A), Api(c, B))
    assert any("/v1/agents" in v for v in found), found
    monkeypatch.setattr(store.Tx, "get", original)


# --------------------------------------------------------------------------- pages


def test_pages_are_stable_and_exact(a: Api) -> None:
    labels = ["delta", "alpha", "charlie", "bravo", "alpha"]
    made = []
    for label in labels:
        n = a.post("/v1/numbers/buy", json={}, expect=201)
        made.append(a.post("/v1/numbers/update", params={"phone_number": n["number"]}, json={"label": label}, expect=201))
    p1 = a.get("/v1/numbers/list", params={"page": 1, "size": 2}, expect=200)
    p2 = a.get("/v1/numbers/list", params={"page": 2, "size": 2}, expect=200)
    p3 = a.get("/v1/numbers/list", params={"page": 3, "size": 2}, expect=200)
    p9 = a.get("/v1/numbers/list", params={"page": 9, "size": 2}, expect=200)
    assert [p["total"] for p in (p1, p2, p3, p9)] == [5, 5, 5, 5]
    assert [p["has_more"] for p in (p1, p2, p3, p9)] == [True, True, False, False]
    assert [x["id"] for x in p1["items"] + p2["items"] + p3["items"]] == [m["id"] for m in made]
    assert p9["items"] == [] and p1["total_is_estimated"] is False
    by_label = a.get("/v1/numbers/list", params={"sort_column": "label", "size": 10}, expect=200)["items"]
    assert [x["label"] for x in by_label] == sorted(labels)
    alphas = [x["id"] for x in by_label if x["label"] == "alpha"]
    assert alphas == [made[1]["id"], made[4]["id"]]  # ties keep creation order
    desc = a.get("/v1/numbers/list", params={"sort_desc": "true", "size": 10}, expect=200)["items"]
    assert [x["id"] for x in desc] == [m["id"] for m in reversed(made)]


def test_openapi_and_healthz(client: TestClient) -> None:
    from voicecontract.spec import packaged_spec

    assert client.get("/openapi.json").json() == packaged_spec()
    assert client.get("/healthz").json() == {"status": "ok"}


# --------------------------------------------------------------------------- inline connections (issue 13)


def _seed_request() -> dict[str, Any]:
    op = next(o for o in index().operations.values() if o.role == "update" and o.resource == "PhoneNumber")
    return copy.deepcopy(op.raw["requestBody"]["content"]["application/json"]["examples"]["seed"]["value"])


def test_the_docs_request_is_accepted_with_its_connection_inline(a: Api) -> None:
    # The seed (the docs' "Update number" request values) is sent as the spec shows it, credentials
    # made real; every value of the docs' embedded connection lands in a stored connection.
    seed = _seed_request()
    inline = seed["inbound_agent"]["openai_account_connection"]
    seed["inbound_agent"]["openai_account_connection"] = {**inline, "credentials": credentials(inline["type"])}
    n = a.post("/v1/numbers/buy", json={}, expect=201)
    upd = a.post("/v1/numbers/update", params={"phone_number": n["number"]}, json=seed, expect=201)
    ag = a.get("/v1/agents", params={"id": upd["inbound_agent"]}, expect=200)
    conn = a.get("/v1/account_connections", params={"id": ag["openai_account_connection"]}, expect=200)
    for field in ("type", "label", "description", "steering_pool", "account_supports_any_caller_id"):
        assert conn[field] == inline[field], field
    assert conn["credentials"]["openai_api_key"].startswith("****")


def test_connections_given_inline_are_created_checked_and_owned(a: Api, b: Api) -> None:
    telnyx = {"type": "account_connection_telnyx", "credentials": credentials("telnyx")}
    bought = a.post("/v1/numbers/buy", json={"telephony_account_connection": telnyx}, expect=201)
    assert bought["telephony_provider"] == "telnyx"
    made = a.get("/v1/account_connections", params={"id": bought["telephony_account_connection"]}, expect=200)
    assert made["type"] == "account_connection_telnyx"
    b.get("/v1/account_connections", params={"id": made["id"]}, expect=404)  # the caller's, nobody else's
    linked = a.post("/v1/numbers/link", json={"phone_number": "+14155550142",
                                              "telephony_account_connection": {**telnyx, "label": "Carrier"}}, expect=201)
    assert a.get("/v1/account_connections", params={"id": linked["telephony_account_connection"]},
                 expect=200)["label"] == "Carrier"
    ag = agent(a)
    llm = {"type": "account_connection_deepseek", "credentials": credentials("deepseek")}
    upd = a.post("/v1/agents/update", params={"id": ag["id"]}, json={"openai_account_connection": llm}, expect=201)
    assert a.get("/v1/account_connections", params={"id": upd["openai_account_connection"]},
                 expect=200)["type"] == "account_connection_deepseek"


def test_an_inline_connection_gets_the_credential_rules_and_its_role(a: Api) -> None:
    before = a.get("/v1/account_connections/list", expect=200)["total"]
    bad = {"type": "account_connection_openai", "credentials": {"openai_api_key": "Bearer " + "k" * 30}}
    err = a.post("/v1/agents/create", json={"prompt": {}, "voice": {"type": "voice_vocode", "voice_id": "joe"},
                                            "openai_account_connection": bad}, expect=400)
    assert ("/body/openai_account_connection/credentials/openai_api_key", "auth_scheme_prefix") in {
        (i["path"], i["code"]) for i in err["issues"]}
    twilio_as_llm = {"type": "account_connection_twilio", "credentials": credentials("twilio")}
    err = a.post("/v1/agents/create", json={"prompt": {}, "voice": {"type": "voice_vocode", "voice_id": "joe"},
                                            "openai_account_connection": twilio_as_llm}, expect=400)
    assert err["issues"][0]["path"] == "/body/openai_account_connection"
    assert a.get("/v1/account_connections/list", expect=200)["total"] == before  # nothing half-made


@pytest.mark.parametrize(("ctype", "field", "value", "code"), [
    ("openai", "openai_api_key", '"' + "k" * 30 + '"', "quoted"),
    ("openai", "openai_api_key", "OPENAI_API_KEY=" + "k" * 30, "env_assignment"),
    ("openai", "openai_api_key", "sk-...", "placeholder"),
    ("deepgram", "deepgram_api_key", "YOUR_API_KEY", "placeholder"),
    ("twilio", "twilio_account_sid", "AC" + "0" * 32, "placeholder"),
    ("external_api_key", "header_name", "Content-Length", "external.header_name_reserved"),
])
def test_a_value_that_cannot_work_is_a_400_naming_the_field(a: Api, ctype: str, field: str, value: str,
                                                             code: str) -> None:
    creds = {**credentials(ctype), field: value}
    err = a.post("/v1/account_connections/create", json={"type": f"account_connection_{ctype}", "credentials": creds},
                 expect=400)
    assert (f"/body/credentials/{field}", code) in {(i["path"], i["code"]) for i in err["issues"]}
    assert value not in str(err)  # the value is not echoed


def test_a_value_that_may_still_work_is_stored(a: Api) -> None:
    creds = {**credentials("un_pw_oauth"), "password": "'my password'"}  # quotes may be part of a password
    a.post("/v1/account_connections/create", json={"type": "account_connection_un_pw_oauth", "credentials": creds},
           expect=201)
