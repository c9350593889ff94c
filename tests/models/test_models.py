"""The generated models: reproducible, drift-checked, packaged, and right where the generator traps are."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from tests.conftest import ROOT
from voicecontract.errors import PayloadError, issues_from_validation_error
from voicecontract.generate import pinned_version, render
from voicecontract.validators import dump, validate


def test_header_names_spec_generator_version_and_do_not_edit() -> None:
    head = (ROOT / "generated" / "models.py").read_text(encoding="utf-8").splitlines()[:6]
    text = "\n".join(head)
    assert "DO NOT EDIT" in text and "spec/openapi.yaml" in text and pinned_version(ROOT) in text


def test_two_generations_are_byte_identical_and_match_the_checkout() -> None:
    first, second = render(ROOT), render(ROOT)
    assert first == second
    for name, text in first.items():
        assert (ROOT / "generated" / name).read_text(encoding="utf-8") == text, f"generated/{name} is stale"


def _scratch_project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(ROOT / "pyproject.toml", root)
    shutil.copytree(ROOT / "spec", root / "spec")
    shutil.copytree(ROOT / "generated", root / "generated", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voicecontract.cli", "generate", "--check"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_generated_fails_with_a_diff_on_a_hand_edited_model(tmp_path: Path) -> None:
    root = _scratch_project(tmp_path)
    assert _check(root).returncode == 0
    models = root / "generated" / "models.py"
    text = models.read_text(encoding="utf-8")
    models.write_text(
        text.replace("class PhoneNumber(SpecModel):", "class PhoneNumber(SpecModel):  # tweak"), encoding="utf-8"
    )
    proc = _check(root)
    assert proc.returncode == 1
    assert "-class PhoneNumber(SpecModel):  # tweak" in proc.stdout
    assert "run `make generate`" in proc.stderr


def test_check_generated_fails_when_the_spec_changes(tmp_path: Path) -> None:
    root = _scratch_project(tmp_path)
    spec = root / "spec" / "openapi.yaml"
    spec.write_text(
        spec.read_text(encoding="utf-8").replace(
            "description: A short human-readable name.", "description: A short name."
        ),
        encoding="utf-8",
    )
    proc = _check(root)
    assert proc.returncode == 1 and "A short name." in proc.stdout


# --------------------------------------------------------------------------- unions


def test_wrong_action_type_in_an_agent_update_is_exactly_one_error_naming_the_known_tags() -> None:
    with pytest.raises(PayloadError) as info:
        validate("AgentUpdateParams", {"actions": [{"type": "action_teleport" * 1000, "config": {}}]})
    (issue,) = info.value.issues
    assert issue.path == "/actions/0" and issue.code == "invalid_tag"
    assert "'action_transfer_call'" in issue.message  # the known tags are named
    assert "teleport" not in issue.message and len(issue.message) < 400  # what was sent is not echoed


@pytest.mark.parametrize(
    ("schema", "payload", "path"),
    [
        ("AgentParams", {"prompt": {}, "voice": {"type": "voice_robot"}}, "/voice"),
        (
            "AgentParams",
            {
                "prompt": {},
                "voice": {"type": "voice_azure", "voice_name": "v"},
                "actions": [
                    {
                        "type": "action_transfer_call",
                        "config": {"phone_number": "+14155550100"},
                        "action_trigger": {"type": "action_trigger_magic"},
                    }
                ],
            },
            "/actions/0/action_trigger",
        ),
        ("AccountConnectionParams", {"type": "account_connection_skype", "credentials": {}}, ""),
        ("AccountConnectionUpdateParams", {"type": "account_connection_skype"}, ""),
    ],
)
def test_every_union_reports_one_tag_error(schema: str, payload: Any, path: str) -> None:
    with pytest.raises(PayloadError) as info:
        validate(schema, payload)
    assert [(i.path, i.code) for i in info.value.issues] == [(path, "invalid_tag")]


def test_unions_are_discriminated_in_the_models() -> None:
    from voicecontract import models

    ta = TypeAdapter(models.AccountConnectionParams)
    with pytest.raises(ValidationError) as info:
        ta.validate_python({"type": "account_connection_nope", "credentials": {}})
    assert [e["type"] for e in info.value.errors()] == ["union_tag_invalid"]
    # one member is tried, not sixteen: a missing credential is reported once, inside its own type
    with pytest.raises(ValidationError) as info:
        ta.validate_python({"type": "account_connection_rime", "credentials": {}})
    assert [e["loc"][-2:] for e in info.value.errors()] == [("credentials", "rime_api_key")]


def test_value_of_the_wrong_json_type_for_a_union_is_one_type_error() -> None:
    with pytest.raises(PayloadError) as info:
        validate("UpdateNumberRequest", {"inbound_agent": 42})
    (issue,) = info.value.issues
    assert (issue.path, issue.code) == ("/inbound_agent", "type")
    assert issue.message == "expected object or string, got integer"


# --------------------------------------------------------------------------- absent vs null


def test_absent_and_null_survive_the_model() -> None:
    sent = {"description": None, "inbound_agent": None, "label": "Front desk"}
    model = validate("UpdateNumberRequest", sent)
    assert dump(model) == sent
    assert model.model_dump(mode="json", exclude_unset=True) == sent
    assert "outbound_only" not in dump(model) and "example_context" not in dump(model)
    assert dump(validate("UpdateNumberRequest", {})) == {}
    nested = {"prompt": {"context_endpoint": None}, "webhook": None}
    assert dump(validate("AgentUpdateParams", nested)) == nested


def test_null_only_where_the_spec_allows_it() -> None:
    with pytest.raises(PayloadError) as info:
        validate("UpdateNumberRequest", {"label": None, "outbound_only": None})
    assert {(i.path, i.code) for i in info.value.issues} == {("/label", "type"), ("/outbound_only", "type")}


def test_required_fields_are_required_not_sentinel_defaults() -> None:
    with pytest.raises(PayloadError) as info:
        validate("LinkNumberRequest", {})
    assert {(i.path, i.code) for i in info.value.issues} == {
        ("/phone_number", "missing"),
        ("/telephony_account_connection", "missing"),
    }
    with pytest.raises(PayloadError):
        validate(
            "TwilioAccountConnectionParams",
            {"credentials": {"twilio_account_sid": "AC" + "0" * 32, "twilio_auth_token": "t0ken"}},
        )


def test_json_integers_accept_whole_floats_only() -> None:
    voice = {"type": "voice_azure", "voice_name": "en-US-JennyNeural"}
    assert dump(validate("AzureVoiceParams", {**voice, "pitch": 2.0}))["pitch"] == 2
    for bad in ("2", True, 2.5):
        with pytest.raises(PayloadError):
            validate("AzureVoiceParams", {**voice, "pitch": bad})


def test_repr_masks_secret_fields() -> None:
    token = "t" * 12 + "canary" + "9" * 12
    creds = validate("TwilioCredentials", {"twilio_account_sid": "AC" + "a" * 32, "twilio_auth_token": token})
    assert "canary" not in repr(creds) and "canary" not in str(creds)
    assert "'****'" in repr(creds)
    assert creds.twilio_auth_token == token


def test_error_translation_never_carries_the_input() -> None:
    from voicecontract import models

    secret = "Bearer " + "s3cr3t-canary" * 3
    payload = {"type": "account_connection_openai", "credentials": {"openai_api_key": secret}}
    try:
        TypeAdapter(models.AccountConnectionParams).validate_python(payload)
    except ValidationError as exc:
        issues = issues_from_validation_error(exc, payload)
    assert issues and all("canary" not in i.message for i in issues)


def test_a_key_that_looks_like_a_field_name_is_named_any_other_is_not() -> None:
    from voicecontract.validators import check_value

    secretish = "sk-" + "x" * 30 + "\n"
    _, issues = check_value("UpdateNumberRequest", {"lable": "x", secretish: 1, "example_context": {"a b c": 5}})
    by_path = {i.path: i for i in issues}
    assert by_path["/lable"].code == "extra_field"  # a misspelt field is worth naming
    assert "" in by_path and "not shown" in by_path[""].message  # the odd key: its object, not the key
    assert "/example_context" in by_path and "not shown" in by_path["/example_context"].message
    assert not any(secretish.strip() in i.path + i.message or "a b c" in i.path for i in issues)
