"""Run inside a copy of the project whose spec was patched (tests/spec/test_spec_driven.py): the new
connection type and the new number field must work through the validators and the reference
server with no edit outside the spec. Prints one line per proof; any failure raises."""

from __future__ import annotations

import sys

from starlette.testclient import TestClient

from voicecontract import PayloadError, check_credentials, validate
from voicecontract.recipes import credentials
from voicecontract.reference import create_app
from voicecontract.spec import index

TYPE, FIELD = sys.argv[1], sys.argv[2]

found = index().connection_type(TYPE)
assert found is not None and "llm" in found.usable_as, "the index knows the new type and its use"
creds = credentials(TYPE)  # no recipe: generated from the schema
validate("AccountConnectionParams", {"type": TYPE, "credentials": creds})
assert check_credentials(TYPE, creds).ok
report = check_credentials(TYPE, {"nope": 1})
assert not report.ok and {i.code for i in report.errors} >= {"extra_field", "missing"}, report.errors
try:
    validate("AccountConnectionParams", {"type": TYPE, "credentials": {**creds, next(iter(creds)): " padded "}})
except PayloadError as exc:
    assert any(i.code == "surrounding_whitespace" for i in exc.issues), exc.issues
else:
    raise AssertionError("the generic checks apply to the new type")
assert validate("Id", "x") == "x"
print("validators: ok")

client = TestClient(create_app(tokens=["tok"]))
headers = {"Authorization": "Bearer tok"}
made = client.post("/v1/account_connections/create", headers=headers, json={"type": TYPE, "credentials": creds})
assert made.status_code == 201, made.text
assert set(made.json()["credentials"].values()) <= {"****", "****" + next(iter(creds.values()))[-4:]}
agent = client.post("/v1/agents/create", headers=headers, json={
    "prompt": {"content": "hi"}, "voice": {"type": "voice_azure", "voice_name": "v"},
    "openai_account_connection": made.json()["id"]})
assert agent.status_code == 201, agent.text  # usable as the agent's LLM connection
bought = client.post("/v1/numbers/buy", headers=headers, json={FIELD: "Front desk"})
assert bought.status_code == 201 and bought.json()[FIELD] == "Front desk", bought.text
number = bought.json()["number"]
changed = client.post("/v1/numbers/update", headers=headers, params={"phone_number": number}, json={FIELD: None})
assert changed.status_code == 201 and changed.json()[FIELD] is None, changed.text
print("reference server: ok")
