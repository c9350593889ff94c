"""The write oracle: what a write must answer, derived from the spec (voicecontract.suite.oracle)."""

from __future__ import annotations

from typing import Any

from voicecontract.spec import index
from voicecontract.suite.oracle import Oracle, first_difference, json_equal, valid_hint

ORACLE = Oracle(index())


def node(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def test_json_equal_is_json_equality() -> None:
    assert json_equal(1, 1.0) and not json_equal(True, 1) and not json_equal("1", 1)
    assert first_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 3}]}) == "/a/1/b"


def test_hints() -> None:
    key = "k" * 30 + "WXYZ"
    assert valid_hint(key, "****", key_like=True) and valid_hint(key, "****WXYZ", key_like=True)
    assert not valid_hint(key, key, key_like=True)
    assert not valid_hint("short", "****hort", key_like=True)  # under 20 characters: no last four
    assert not valid_hint(key, "****WXYZ", key_like=False)  # a password never shows its end


def test_create_must_show_what_was_sent_and_the_defaults() -> None:
    sent = {"area_code": "415", "telephony_provider": "twilio"}
    good = {"id": "n1", "user_id": "u", "number": "+14155550100", "active": True, "label": "", "outbound_only": False,
            "example_context": {}, "telephony_provider": "twilio", "description": None, "inbound_agent": None,
            "telephony_account_connection": None, "inbound_agent_name": None}
    assert ORACLE.compare(node("BuyNumberRequest"), node("PhoneNumber"), sent, good, mode="create") == []
    wrong = {**good, "telephony_provider": "vonage"}
    assert [w for w, _ in ORACLE.compare(node("BuyNumberRequest"), node("PhoneNumber"), sent, wrong, mode="create")] \
        == ["/telephony_provider"]
    no_label = {k: v for k, v in good.items() if k != "label"}
    found = ORACLE.compare(node("BuyNumberRequest"), node("PhoneNumber"), sent, no_label, mode="create")
    assert [w for w, _ in found] == ["/label"]


def test_update_applies_what_was_sent_and_nothing_else() -> None:
    before = {"id": "n1", "label": "old", "description": "kept", "example_context": {"k": "v"}, "inbound_agent": "a1",
              "inbound_agent_name": "Ann"}
    sent = {"label": "new", "example_context": None, "inbound_agent": None}
    good = {**before, "label": "new", "example_context": {}, "inbound_agent": None, "inbound_agent_name": None}
    assert ORACLE.compare(node("UpdateNumberRequest"), node("PhoneNumber"), sent, good, mode="update",
                          before=before) == []
    not_cleared = {**good, "inbound_agent": "a1"}
    assert ORACLE.compare(node("UpdateNumberRequest"), node("PhoneNumber"), sent, not_cleared, mode="update",
                          before=before)
    absent_changed = {**good, "description": None}
    found = ORACLE.compare(node("UpdateNumberRequest"), node("PhoneNumber"), sent, absent_changed, mode="update",
                           before=before)
    assert [w for w, _ in found] == ["/description"]


def test_a_secret_must_come_back_masked() -> None:
    key = "x" * 36
    sent = {"type": "account_connection_rime", "credentials": {"rime_api_key": key}}
    got = {"type": "account_connection_rime", "credentials": {"rime_api_key": "****xxxx"}, "label": "",
           "steering_pool": [], "account_supports_any_caller_id": False, "description": None}
    assert ORACLE.compare(node("AccountConnectionParams"), node("AccountConnection"), sent, got, mode="create") == []
    echoed = {**got, "credentials": {"rime_api_key": key}}
    found = ORACLE.compare(node("AccountConnectionParams"), node("AccountConnection"), sent, echoed, mode="create")
    assert [w for w, _ in found] == ["/credentials/rime_api_key"]


def test_an_inline_change_of_a_sub_resource_keeps_its_other_fields() -> None:
    before = {"id": "a1", "prompt": {"id": "p1", "content": "old", "label": "L"}}
    sent = {"prompt": {"content": "new"}}
    good = {"id": "a1", "prompt": {"id": "p1", "content": "new", "label": "L"}}
    assert ORACLE.compare(node("AgentUpdateParams"), node("Agent"), sent, good, mode="update", before=before) == []
    relabelled = {"id": "a1", "prompt": {"id": "p1", "content": "new", "label": "?"}}
    found = ORACLE.compare(node("AgentUpdateParams"), node("Agent"), sent, relabelled, mode="update", before=before)
    assert [w for w, _ in found] == ["/prompt/label"]
