"""What the spec must contain: the docs' operations, the 16 connection types, links, the seed example."""

from __future__ import annotations

from typing import Any

import pytest

from voicecontract.lint import schema_validator_factory
from voicecontract.spec import iter_operations, resolve

Doc = dict[str, Any]

OPERATIONS = {
    ("get", "/v1/numbers/list"),
    ("get", "/v1/numbers"),
    ("post", "/v1/numbers/buy"),
    ("post", "/v1/numbers/update"),
    ("post", "/v1/numbers/cancel"),
    ("post", "/v1/numbers/link"),
    ("get", "/v1/agents/list"),
    ("get", "/v1/agents"),
    ("post", "/v1/agents/create"),
    ("post", "/v1/agents/update"),
    ("get", "/v1/account_connections/list"),
    ("get", "/v1/account_connections"),
    ("post", "/v1/account_connections/create"),
    ("post", "/v1/account_connections/update"),
    ("post", "/v1/account_connections/add_to_steering_pool"),
    ("post", "/v1/account_connections/remove_from_steering_pool"),
}

# The docs' 16 types; the spec may hold more (code derives them from the spec index).
DOCS_CONNECTION_TYPES = [
    "account_connection_twilio",
    "account_connection_openai",
    "account_connection_google",
    "account_connection_azure_llm",
    "account_connection_elevenlabs",
    "account_connection_deepgram",
    "account_connection_cartesia",
    "account_connection_playht",
    "account_connection_rime",
    "account_connection_azure_speech",
    "account_connection_assemblyai",
    "account_connection_deepseek",
    "account_connection_telnyx",
    "account_connection_un_pw_oauth",
    "account_connection_login_key_oauth",
    "account_connection_external_api_key",
]

# The response JSON of the docs' "Update number" page (the seed), verbatim.
SEED_RESPONSE = {
    "id": "550e8400-e29b-41d4-a716-446655440000",
    "user_id": "550e8400-e29b-41d4-a716-446655440000",
    "number": "+1234567890",
    "active": True,
    "label": "My Phone Number",
    "inbound_agent_name": "Agent Name",
    "outbound_only": False,
    "example_context": {},
    "telephony_provider": "twilio",
    "description": "Business line for customer service",
    "inbound_agent": "agent_123",
    "telephony_account_connection": "550e8400-e29b-41d4-a716-446655440000",
}


def test_exactly_the_docs_operations(spec_doc: Doc) -> None:
    found = {(m, p) for p, m, _ in iter_operations(spec_doc)}
    assert found == OPERATIONS


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/v1/numbers", "phone_number"),
        ("/v1/numbers/update", "phone_number"),
        ("/v1/numbers/cancel", "phone_number"),
        ("/v1/agents", "id"),
        ("/v1/agents/update", "id"),
        ("/v1/account_connections", "id"),
        ("/v1/account_connections/update", "id"),
        ("/v1/account_connections/add_to_steering_pool", "id"),
        ("/v1/account_connections/remove_from_steering_pool", "id"),
    ],
)
def test_addressing_query_parameters(spec_doc: Doc, path: str, param: str) -> None:
    item = spec_doc["paths"][path]
    op = item.get("get") or item["post"]
    params = [resolve(spec_doc, p) for p in op["parameters"]]
    assert [(p["name"], p["in"], p["required"]) for p in params] == [(param, "query", True)]


@pytest.mark.parametrize("path", ["/v1/numbers/list", "/v1/agents/list", "/v1/account_connections/list"])
def test_list_query_parameters(spec_doc: Doc, path: str) -> None:
    params = [resolve(spec_doc, p) for p in spec_doc["paths"][path]["get"]["parameters"]]
    assert [p["name"] for p in params] == ["page", "size", "sort_column", "sort_desc"]
    assert not any(p.get("required") for p in params)


def test_status_codes_follow_the_docs(spec_doc: Doc) -> None:
    for _, method, op in iter_operations(spec_doc):
        assert ("200" if method == "get" else "201") in op["responses"]
        assert "401" in op["responses"]
        for code, resp in op["responses"].items():
            if code.startswith("4"):
                schema = resolve(spec_doc, resp)["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}


def test_the_docs_connection_types_each_with_typed_credentials(spec_doc: Doc) -> None:
    schemas = spec_doc["components"]["schemas"]
    for union_name in ("AccountConnection", "AccountConnectionParams", "AccountConnectionUpdateParams"):
        mapping = schemas[union_name]["discriminator"]["mapping"]
        assert list(mapping)[: len(DOCS_CONNECTION_TYPES)] == DOCS_CONNECTION_TYPES
        assert len(schemas[union_name]["oneOf"]) == len(mapping)
        for tag, ref in mapping.items():
            member = resolve(spec_doc, {"$ref": ref})
            assert member["properties"]["type"]["const"] == tag
            for common in ("label", "description", "steering_pool", "account_supports_any_caller_id"):
                assert common in member["properties"], (ref, common)
            creds = resolve(spec_doc, member["properties"]["credentials"])
            assert creds["type"] == "object" and creds["additionalProperties"] is False
            assert creds["properties"] and creds["required"], f"{ref}: credentials must not be a bare object"
            if union_name == "AccountConnectionParams":
                assert creds.get("examples"), f"{ref}: needs a credentials example"


def test_every_secret_field_is_marked_and_masked_in_responses(spec_doc: Doc) -> None:
    schemas = spec_doc["components"]["schemas"]
    for name, schema in schemas.items():
        if not name.endswith("Credentials"):
            continue
        masked = schemas[name + "Masked"]
        assert set(masked["properties"]) == set(schema["properties"])
        for field, prop in schema["properties"].items():
            target = resolve(spec_doc, prop)
            if target.get("x-secret"):
                assert target["writeOnly"] is True and target["format"] == "password"
                assert masked["properties"][field]["$ref"] == "#/components/schemas/MaskedSecret"


def test_seed_response_example_is_verbatim_and_valid(spec_doc: Doc) -> None:
    media = spec_doc["paths"]["/v1/numbers/update"]["post"]["responses"]["201"]["content"]["application/json"]
    example = media["examples"]["seed"]["value"]
    assert example == SEED_RESPONSE
    assert list(example) == list(SEED_RESPONSE)  # the docs' field order, too
    validator = schema_validator_factory(spec_doc)("/components/schemas/PhoneNumber")
    assert list(validator.iter_errors(example)) == []


def test_seed_request_example_maps_the_docs_values(spec_doc: Doc) -> None:
    media = spec_doc["paths"]["/v1/numbers/update"]["post"]["requestBody"]["content"]["application/json"]
    seed = media["examples"]["seed"]
    value = seed["value"]
    assert (value["label"], value["outbound_only"], value["description"]) == (
        "My Phone Number",
        False,
        "Business line for customer service",
    )
    agent = value["inbound_agent"]
    assert agent["prompt"]["content"] == "You are a helpful assistant..."
    assert agent["actions"][0]["type"] == "action_transfer_call"
    assert agent["webhook"]["subscriptions"] == ["event_message", "event_action"]
    assert agent["deepgram_keywords"] == {"kansas": 10}
    for change in ("deepgram_keywords", "voice", "config.phone_number", "openai_account_connection"):
        assert change in seed["description"], f"the example must say that {change} changed"


def test_every_operation_has_a_valid_request_example(spec_doc: Doc) -> None:
    for path, method, op in iter_operations(spec_doc):
        if method == "post" and "requestBody" in op:
            examples = op["requestBody"]["content"]["application/json"]["examples"]
            assert examples, path


def _links(spec_doc: Doc, path: str, status: str = "201") -> dict[str, Any]:
    op = spec_doc["paths"][path]["post"]
    return {
        name: (link["operationId"], link.get("parameters", {}), link.get("requestBody"))
        for name, link in op["responses"][status]["links"].items()
    }


def test_links_cover_the_client_flows(spec_doc: Doc) -> None:
    buy = _links(spec_doc, "/v1/numbers/buy")
    assert {v[0] for v in buy.values()} >= {"get_number", "update_number", "cancel_number"}
    assert all(v[1] == {"phone_number": "$response.body#/number"} for v in buy.values())
    agent = _links(spec_doc, "/v1/agents/create")
    assert {v[0] for v in agent.values()} >= {"get_agent", "update_agent", "buy_number"}
    assert agent["BuyNumberWithAgent"][2] == {"inbound_agent": "$response.body#/id"}
    conn = _links(spec_doc, "/v1/account_connections/create")
    assert {v[0] for v in conn.values()} >= {
        "get_account_connection",
        "update_account_connection",
        "link_number",
        "add_to_steering_pool",
        "remove_from_steering_pool",
    }
    assert conn["LinkNumber"][2] == {"telephony_account_connection": "$response.body#/id"}
    pool = _links(spec_doc, "/v1/account_connections/add_to_steering_pool")
    assert pool["RemoveFromSteeringPool"][2] == {"phone_number": "$response.body#/steering_pool/0"}


def test_no_undefined_sentinel_and_no_bare_objects(spec_doc: Doc) -> None:
    schemas = spec_doc["components"]["schemas"]
    assert "Undefined" not in schemas
    free_form = {"ExampleContext", "DeepgramKeywords", "EmptyActionConfig", "FunctionCallActionTriggerConfig"}
    for name, schema in schemas.items():
        if schema.get("type") == "object" and name not in free_form:
            assert schema.get("properties"), f"{name} is a bare object"
