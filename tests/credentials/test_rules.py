"""Per-provider credential checks: valid credentials pass, every rule trips with its code, hard cases."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, seed, settings
from hypothesis import strategies as st

from tests.support.agreement import SEED, instances, oracle
from voicecontract import PayloadError, check_credentials, validate_credentials
from voicecontract.credentials import all_codes, normalize_type, tables
from voicecontract.errors import Issue
from voicecontract.recipes import connection_types, credentials, pem_envelope, rsa_private_key_pem
from voicecontract.validators import validate

CONNECTION_TYPES = connection_types()  # every type of the spec, from the spec index

Creds = dict[str, Any]

SETTINGS = settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def codes(report_or_issues: Any) -> set[str]:
    issues = (
        report_or_issues if isinstance(report_or_issues, list) else report_or_issues.errors + report_or_issues.warnings
    )
    return {i.code for i in issues}


@pytest.mark.parametrize("ctype", CONNECTION_TYPES)
def test_realistic_credentials_pass_even_strictly(ctype: str) -> None:
    for n in range(3):
        report = check_credentials(ctype, credentials(ctype, seed=n), strict=True)
        assert report.ok and not report.warnings, [i.render() for i in report.errors]
        typed = validate_credentials("account_connection_" + ctype, credentials(ctype, seed=n))
        assert type(typed).__name__ == tables()[ctype].credentials_schema


@pytest.mark.parametrize("ctype", CONNECTION_TYPES)
def test_spec_valid_credentials_never_get_a_rule_error(ctype: str) -> None:
    """Whatever the spec accepts, the rules do not reject (the one exception: a Google key must parse)."""
    schema = tables()[ctype].credentials_schema

    @seed(SEED)
    @SETTINGS
    @given(instances(schema))
    def check(value: Any) -> None:
        note(f"reproduce with VOICECONTRACT_SEED={SEED}")
        if ctype == "google":
            value = copy.deepcopy(value)
            value["google_service_account"]["private_key"] = rsa_private_key_pem()
        report = check_credentials(ctype, value)
        assert report.ok, [i.render() for i in report.errors]

    check()


# --------------------------------------------------------------------------- every rule trips


def with_field(ctype: str, path: str, value: Any, **extra: Any) -> Creds:
    creds = credentials(ctype)
    target = creds
    keys = path.split("/")
    for k in keys[:-1]:
        target = target[k]
    if value is DROP:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    creds.update(extra)
    return creds


DROP = object()
SA = "google_service_account"
PEM = pem_envelope("A" * 64)  # the shape of a key, but no key: it does not parse

# (code, connection type, builder) — each builder makes one value that trips the rule.
TRIPS: list[tuple[str, str, Callable[[], Any]]] = [
    ("empty", "deepgram", lambda: with_field("deepgram", "deepgram_api_key", "")),
    ("blank", "rime", lambda: with_field("rime", "rime_api_key", "   ")),
    ("too_long", "cartesia", lambda: with_field("cartesia", "cartesia_api_key", "sk_car_" + "a" * 5000)),
    ("surrounding_whitespace", "twilio", lambda: with_field("twilio", "twilio_auth_token", "a" * 32 + "\n")),
    ("line_break", "elevenlabs", lambda: with_field("elevenlabs", "elevenlabs_api_key", "sk_abc\ndef")),
    ("control_character", "assemblyai", lambda: with_field("assemblyai", "assemblyai_api_key", "ab\x00cd")),
    ("auth_scheme_prefix", "openai", lambda: with_field("openai", "openai_api_key", "Bearer sk-proj-abc")),
    ("inner_whitespace", "telnyx", lambda: with_field("telnyx", "telnyx_api_key", "KEY abc def")),
    ("non_ascii", "deepseek", lambda: with_field("deepseek", "deepseek_api_key", "sk-\u0430bc")),  # Cyrillic а
    ("invisible_character", "un_pw_oauth", lambda: with_field("un_pw_oauth", "password", "pass\u200bword")),
    ("masked_value", "twilio", lambda: with_field("twilio", "twilio_auth_token", "****a1b2")),
    ("env_assignment", "openai", lambda: with_field("openai", "openai_api_key", "OPENAI_API_KEY=sk-proj-abcdef")),
    ("placeholder", "deepgram", lambda: with_field("deepgram", "deepgram_api_key", "your_deepgram_key_here")),
    ("quoted", "rime", lambda: with_field("rime", "rime_api_key", '"abcdef0123"')),
    ("maybe_placeholder", "deepgram", lambda: with_field("deepgram", "deepgram_api_key", "my_deepgram_key")),
    ("maybe_quoted", "un_pw_oauth", lambda: with_field("un_pw_oauth", "password", "'pass phrase'")),
    (
        "lookalike",
        "deepgram",
        lambda: with_field("deepgram", "deepgram_api_key", credentials("openai")["openai_api_key"]),
    ),
    ("twilio.sid_kind", "twilio", lambda: with_field("twilio", "twilio_account_sid", "SK" + "ab" * 16)),
    ("twilio.sid_lowercase_prefix", "twilio", lambda: with_field("twilio", "twilio_account_sid", "ac" + "ab" * 16)),
    ("twilio.sid_length", "twilio", lambda: with_field("twilio", "twilio_account_sid", "AC" + "ab" * 15)),
    ("twilio.auth_token_format", "twilio", lambda: with_field("twilio", "twilio_auth_token", "tok_" + "z" * 30)),
    ("openai.key_prefix", "openai", lambda: with_field("openai", "openai_api_key", "pk-" + "a" * 40)),
    (
        "openai.admin_key",
        "openai",
        lambda: with_field("openai", "openai_api_key", "sk-admin-" + "a" * 58 + "T3BlbkFJ" + "b" * 58),
    ),
    ("openai.key_format", "openai", lambda: with_field("openai", "openai_api_key", "sk-" + "a" * 48)),
    ("openai.organization_format", "openai", lambda: with_field("openai", "openai_organization_id", "acme")),
    ("openai.project_format", "openai", lambda: with_field("openai", "openai_project_id", "project-1")),
    ("google.json_string", "google", lambda: {SA: '{"type": "service_account"}'}),
    ("google.not_service_account", "google", lambda: with_field("google", f"{SA}/type", "authorized_user")),
    (
        "google.private_key_escaped_newlines",
        "google",
        lambda: with_field("google", f"{SA}/private_key", PEM.replace("\n", "\\n")),
    ),
    ("google.private_key_not_pem", "google", lambda: with_field("google", f"{SA}/private_key", "MIIEvQIBADANBgkqhkiG")),
    ("google.private_key_unparseable", "google", lambda: with_field("google", f"{SA}/private_key", PEM)),
    ("google.client_email_domain", "google", lambda: with_field("google", f"{SA}/client_email", "bot@example.com")),
    ("google.private_key_id_format", "google", lambda: with_field("google", f"{SA}/private_key_id", "key-1")),
    ("google.project_id_format", "google", lambda: with_field("google", f"{SA}/project_id", "My_Project")),
    (
        "google.token_uri_host",
        "google",
        lambda: with_field("google", f"{SA}/token_uri", "https://login.example.com/token"),
    ),
    (
        "azure.endpoint_path",
        "azure_llm",
        lambda: with_field("azure_llm", "azure_openai_endpoint", "https://res.openai.azure.com/openai/deployments/x"),
    ),
    (
        "azure.endpoint_host",
        "azure_llm",
        lambda: with_field("azure_llm", "azure_openai_endpoint", "https://proxy.example.com/"),
    ),
    ("azure.key_format", "azure_speech", lambda: with_field("azure_speech", "azure_speech_key", "k" * 20)),
    (
        "azure.api_version_retired",
        "azure_llm",
        lambda: with_field("azure_llm", "azure_openai_api_version", "2023-07-01-preview"),
    ),
    ("azure.region_unknown", "azure_speech", lambda: with_field("azure_speech", "azure_speech_region", "marsnorth")),
    (
        "azure.region_is_url",
        "azure_speech",
        lambda: with_field("azure_speech", "azure_speech_region", "https://eastus.api.cognitive.microsoft.com"),
    ),
    ("azure.region_display_name", "azure_speech", lambda: with_field("azure_speech", "azure_speech_region", "East US")),
    ("elevenlabs.key_format", "elevenlabs", lambda: with_field("elevenlabs", "elevenlabs_api_key", "el-" + "a" * 30)),
    (
        "deepgram.key_id",
        "deepgram",
        lambda: with_field("deepgram", "deepgram_api_key", "8c1d7b2e-4f5a-4b6c-9d7e-0a1b2c3d4e5f"),
    ),
    ("deepgram.key_format", "deepgram", lambda: with_field("deepgram", "deepgram_api_key", "dg_" + "a" * 20)),
    ("cartesia.key_prefix", "cartesia", lambda: with_field("cartesia", "cartesia_api_key", "car_" + "a" * 22)),
    ("cartesia.admin_key", "cartesia", lambda: with_field("cartesia", "cartesia_api_key", "sk_car_admin_" + "a" * 22)),
    ("assemblyai.key_format", "assemblyai", lambda: with_field("assemblyai", "assemblyai_api_key", "AAI-" + "a" * 10)),
    ("deepseek.key_format", "deepseek", lambda: with_field("deepseek", "deepseek_api_key", "ds-" + "a" * 32)),
    ("telnyx.key_format", "telnyx", lambda: with_field("telnyx", "telnyx_api_key", "KEY" + "a" * 10)),
    (
        "external.header_name_with_value",
        "external_api_key",
        lambda: with_field("external_api_key", "header_name", "Authorization:Bearer"),
    ),
    (
        "external.header_name_reserved",
        "external_api_key",
        lambda: with_field("external_api_key", "header_name", "Host"),
    ),
    ("external.prefix_space", "external_api_key", lambda: with_field("external_api_key", "prefix", "Api Key")),
    ("oauth.scope_commas", "login_key_oauth", lambda: with_field("login_key_oauth", "scope", "read,write")),
    ("url.not_https", "un_pw_oauth", lambda: with_field("un_pw_oauth", "token_url", "http://login.example.com/token")),
    ("url.no_scheme", "openai", lambda: with_field("openai", "openai_base_url", "api.example.com/v1")),
    (
        "url.fragment",
        "login_key_oauth",
        lambda: with_field("login_key_oauth", "token_url", "https://a.example.com/t#x"),
    ),
    (
        "url.user_info",
        "azure_speech",
        lambda: with_field("azure_speech", "azure_speech_endpoint", "https://user:pw@eastus.stt.speech.microsoft.com/"),
    ),
]


def test_every_rule_code_has_a_tripping_input() -> None:
    assert {code for code, _, _ in TRIPS} == set(all_codes())


@pytest.mark.parametrize(("code", "ctype", "build"), TRIPS, ids=[t[0] for t in TRIPS])
def test_rule_trips_with_its_code(code: str, ctype: str, build: Callable[[], Any]) -> None:
    report = check_credentials(ctype, build())
    found = [i for i in report.errors + report.warnings if i.code == code]
    assert found, f"{code} not reported; got {[i.render() for i in report.errors + report.warnings]}"
    severity = all_codes()[code]
    if severity == "error":
        assert any(i.severity == "error" for i in found)


@pytest.mark.parametrize(
    ("code", "ctype", "build"),
    [t for t in TRIPS if all_codes()[t[0]] == "error"],
    ids=[t[0] for t in TRIPS if all_codes()[t[0]] == "error"],
)
def test_every_rule_error_is_also_a_spec_error(code: str, ctype: str, build: Callable[[], Any]) -> None:
    """The rules only explain what the spec rejects; the one exception is a Google key that must parse."""
    value = build()
    report = check_credentials(ctype, value)
    paths = {i.path for i in report.errors if i.code == code}
    accepted = oracle(tables()[ctype].credentials_schema).is_valid(value)  # JSON Schema 2020-12, `not` included
    if code == "google.private_key_unparseable":
        assert accepted, "the shape is valid per the spec; only the parse fails"
    else:
        assert not accepted, f"{code} rejects {paths} but the spec accepts it"


def test_strict_turns_warnings_into_errors() -> None:
    creds = with_field("deepgram", "deepgram_api_key", "dg_" + "a" * 20)
    assert check_credentials("deepgram", creds).ok
    strict = check_credentials("deepgram", creds, strict=True)
    assert not strict.ok and codes(strict) == {"deepgram.key_format"}
    validate_credentials("deepgram", creds)
    with pytest.raises(PayloadError):
        validate_credentials("deepgram", creds, strict=True)


def test_surrounding_whitespace_is_rejected_not_stripped() -> None:
    creds = credentials("twilio")
    token = creds["twilio_auth_token"]
    for padded in (token + "\n", " " + token, token + " ", "\t" + token + "\r\n"):
        report = check_credentials("twilio", {**creds, "twilio_auth_token": padded})
        assert [i.code for i in report.errors] == ["surrounding_whitespace"]
    # and a clean value is kept exactly as sent
    assert validate_credentials("twilio", creds).twilio_auth_token == token


# --------------------------------------------------------------------------- hard cases (§1, §2)

HARD = [
    (
        "API Key SID pasted as Account SID",
        "twilio",
        with_field("twilio", "twilio_account_sid", "SK" + "0f" * 16),
        "twilio.sid_kind",
    ),
    (
        "Account SID pasted as Auth Token",
        "twilio",
        with_field("twilio", "twilio_auth_token", "AC" + "0f" * 16),
        "lookalike",
    ),
    (
        "Arabic-Indic digits in a SID",
        "twilio",
        with_field("twilio", "twilio_account_sid", "AC" + "\u0661" * 32),
        "non_ascii",
    ),
    (
        "trailing newline from a copy",
        "openai",
        with_field("openai", "openai_api_key", credentials("openai")["openai_api_key"] + "\n"),
        "surrounding_whitespace",
    ),
    (
        "Token prefix for Deepgram",
        "deepgram",
        with_field("deepgram", "deepgram_api_key", "Token " + "a" * 40),
        "auth_scheme_prefix",
    ),
    ("Basic prefix", "rime", with_field("rime", "rime_api_key", "Basic dXNlcjpwYXNz"), "auth_scheme_prefix"),
    (
        "no-break space inside",
        "elevenlabs",
        with_field("elevenlabs", "elevenlabs_api_key", "sk_\u00a0" + "a" * 48),
        "non_ascii",
    ),
    (
        "zero-width space at the end",
        "telnyx",
        with_field("telnyx", "telnyx_api_key", "KEY" + "a" * 55 + "\u200b"),
        "non_ascii",
    ),
    (
        "byte-order mark in front",
        "cartesia",
        with_field("cartesia", "cartesia_api_key", "\ufeffsk_car_" + "a" * 22),
        "non_ascii",
    ),
    (
        "OpenAI key in the DeepSeek field",
        "deepseek",
        with_field("deepseek", "deepseek_api_key", credentials("openai")["openai_api_key"]),
        "lookalike",
    ),
    ("service account without private_key", "google", with_field("google", f"{SA}/private_key", DROP), "missing"),
    (
        "service account with a truncated PEM",
        "google",
        with_field("google", f"{SA}/private_key", rsa_private_key_pem()[:400] + "\n-----END PRIVATE KEY-----\n"),
        "google.private_key_unparseable",
    ),
    (
        "PEM with escaped newlines",
        "google",
        with_field("google", f"{SA}/private_key", rsa_private_key_pem().replace("\n", "\\n")),
        "google.private_key_escaped_newlines",
    ),
    (
        "gcloud user credentials instead of a service account",
        "google",
        {SA: {"type": "authorized_user", "client_id": "1", "client_secret": "s", "refresh_token": "r"}},
        "google.not_service_account",
    ),
    (
        "region display name",
        "azure_speech",
        with_field("azure_speech", "azure_speech_region", "West Europe"),
        "azure.region_display_name",
    ),
    (
        "header with its value",
        "external_api_key",
        with_field("external_api_key", "header_name", "X-API-Key: abc"),
        "external.header_name_with_value",
    ),
]


@pytest.mark.parametrize(("label", "ctype", "creds", "code"), HARD, ids=[h[0] for h in HARD])
def test_hard_cases(label: str, ctype: str, creds: Any, code: str) -> None:
    report = check_credentials(ctype, creds)
    assert code in codes(report), f"{label}: {[i.render() for i in report.errors + report.warnings]}"


def test_pem_variants_that_google_auth_loads_are_accepted() -> None:
    pem = rsa_private_key_pem()
    for variant in (pem.replace("\n", "\r\n"), pem.rstrip("\n"), "  " + pem, pem.replace("-----\n", "----- ", 1)):
        creds = with_field("google", f"{SA}/private_key", variant)
        assert check_credentials("google", creds).ok, variant[:40]


def test_unknown_type_is_a_report_not_an_exception() -> None:
    report = check_credentials("account_connection_skype", {})
    assert not report.ok and codes(report) == {"unknown_type"}
    assert normalize_type("twilio") == normalize_type("account_connection_twilio") == "twilio"
    with pytest.raises(PayloadError):
        validate_credentials("skype", {})


def test_connection_payloads_pass_the_provider_rules_too() -> None:
    payload = {
        "type": "account_connection_twilio",
        "credentials": with_field("twilio", "twilio_account_sid", "SK" + "ab" * 16),
    }
    with pytest.raises(PayloadError) as info:
        validate("AccountConnectionParams", payload)
    assert [(i.path, i.code) for i in info.value.issues] == [("/credentials/twilio_account_sid", "twilio.sid_kind")]


def test_issue_lists_are_data() -> None:
    report = check_credentials("twilio", with_field("twilio", "twilio_account_sid", "SK" + "ab" * 16))
    (issue,) = report.errors
    assert isinstance(issue, Issue)
    assert issue.as_dict() == {
        "path": "/twilio_account_sid",
        "code": "twilio.sid_kind",
        "message": issue.message,
        "severity": "error",
    }
    assert report.as_dict()["valid"] is False


# --------------------------------------------------------------------------- any input


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4),
    max_leaves=20,
)


@seed(SEED)
@settings(max_examples=200, deadline=None, database=None)
@given(ctype=st.sampled_from([*CONNECTION_TYPES, "nope", ""]), value=JSON)
def test_any_input_gives_a_report_never_an_exception(ctype: str, value: Any) -> None:
    note(f"reproduce with VOICECONTRACT_SEED={SEED}")
    report = check_credentials(ctype, value)
    assert isinstance(report.ok, bool)
    try:
        validate("AccountConnectionParams", {"type": "account_connection_" + ctype, "credentials": value})
    except PayloadError:
        pass


@seed(SEED)
@settings(max_examples=100, deadline=None, database=None)
@given(ctype=st.sampled_from(CONNECTION_TYPES), data=st.data())
def test_arbitrary_strings_in_every_field(ctype: str, data: st.DataObject) -> None:
    field = data.draw(st.sampled_from(sorted(tables()[ctype].fields)))
    value = data.draw(st.text(max_size=80) | st.binary(max_size=40).map(lambda b: b.decode("latin-1")))
    creds = with_field(ctype, "/".join(field), value)
    check_credentials(ctype, creds)
    check_credentials(ctype, creds, strict=True)


@pytest.mark.parametrize(
    "payload",
    [
        {"twilio_account_sid": "AC" + "a" * 1_000_000, "twilio_auth_token": " " * 1_000_000},
        {"twilio_account_sid": "AC" + "\n" * 1_000_000, "twilio_auth_token": "Bearer " + "a " * 500_000},
        "[" * 100_000 + "]" * 100_000,
        '{"twilio_account_sid": NaN, "twilio_auth_token": Infinity}',
        b"\xff\xfe\x00garbage",
        {"twilio_account_sid": float("nan"), "twilio_auth_token": [[[[[]]]]]},
    ],
    ids=["1MB-strings", "1MB-newlines", "deep-nesting", "nan-json", "bad-utf8", "nan-python"],
)
def test_pathological_inputs(payload: Any) -> None:
    report = check_credentials("twilio", payload)
    assert not report.ok
    with pytest.raises(PayloadError):
        validate_credentials("twilio", payload)


def test_the_readme_names_every_code_with_its_severity() -> None:
    from tests.conftest import ROOT

    rows = [line for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    for code, severity in all_codes().items():
        row = next((r for r in rows if f"`{code}`" in r.split("|")[1]), None)
        assert row is not None, f"README lists no {code}"
        assert severity in row.split("|")[2], f"README: {code} is an {severity}"
