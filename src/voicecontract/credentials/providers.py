"""Per-provider credential rules: one table keyed by provider (the one place that names providers).

This module is long because it is one table: each provider's rules read together, next to the
research they come from (credentials-research.md). A provider the table does not know gets the
generic checks only (``voicecontract.credentials.generic``).

Policy (credentials-research.md §5): **errors** diagnose what the spec already rejects, with a
precise code and message, plus what JSON Schema cannot express (a Google private key must
parse); **warnings** are formats seen only in scanners or reports (provider key shapes change
without notice); ``strict=True`` turns them into errors.
"""

from __future__ import annotations

import re
from typing import Any

from voicecontract.credentials.rules import Check, error, lookalike, matches, not_matches, starts, warn
from voicecontract.errors import Issue
from voicecontract.spec import pointer

# --------------------------------------------------------------------------- provider table

TWILIO_SID_KINDS = {
    "SK": "an API Key SID",
    "PN": "a phone number SID",
    "MG": "a messaging service SID",
    "CA": "a call SID",
    "AP": "an application SID",
    "US": "a user SID",
}


def _twilio_other_sid(v: str) -> bool:
    return len(v) == 34 and v[:2] != "AC" and v[:2].isupper() and all(c in "0123456789abcdefABCDEF" for c in v[2:])


RETIRED_AZURE_VERSIONS = {
    "2022-12-01",
    "2023-03-15-preview",
    "2023-05-15",
    "2023-06-01-preview",
    "2023-07-01-preview",
    "2023-08-01-preview",
    "2023-09-01-preview",
    "2023-10-01-preview",
    "2023-12-01-preview",
}
AZURE_REGIONS = {
    "eastus",
    "eastus2",
    "westus",
    "westus2",
    "westus3",
    "centralus",
    "northcentralus",
    "southcentralus",
    "westcentralus",
    "canadacentral",
    "canadaeast",
    "brazilsouth",
    "northeurope",
    "westeurope",
    "uksouth",
    "ukwest",
    "francecentral",
    "germanywestcentral",
    "switzerlandnorth",
    "switzerlandwest",
    "norwayeast",
    "swedencentral",
    "polandcentral",
    "italynorth",
    "spaincentral",
    "eastasia",
    "southeastasia",
    "japaneast",
    "japanwest",
    "koreacentral",
    "koreasouth",
    "australiaeast",
    "australiasoutheast",
    "centralindia",
    "southindia",
    "westindia",
    "uaenorth",
    "southafricanorth",
    "qatarcentral",
    "israelcentral",
    "mexicocentral",
    "chinaeast2",
    "chinanorth2",
    "chinanorth3",
    "usgovvirginia",
    "usgovarizona",
}
AZURE_KEY = r"[0-9a-f]{32}|[A-Za-z0-9]{52}JQQJ99[A-Za-z0-9][A-L][A-Za-z0-9]{12}AAA[A-Z]ACOG[A-Za-z0-9]{4}"


def _region_display_name(v: str) -> bool:
    return " " in v.strip() or (v[:1].isupper() and v.replace(" ", "").isalnum())


def _pem_escaped_newlines(v: str) -> bool:
    return "\\n" in v and "-----BEGIN" in v


def _pem_unparseable(v: str) -> bool:
    if "-----BEGIN" not in v or "\\n" in v:
        return False  # reported by the shape rules instead
    return not pem_parses(v)


# The rules JSON Schema cannot express, by the name the spec gives them in ``x-unexpressible-check``.
# Lint (VC702) rejects a name not listed here, and the schemathesis hook has a generator for each.
UNEXPRESSIBLE_CHECKS = {
    "pem-private-key": "the PEM private key must parse, as google-auth loads it (a shape pattern cannot tell)",
}


def pem_parses(v: str) -> bool:
    """Whether a PEM private key loads, with the call google-auth makes (key checks skipped)."""
    from cryptography.hazmat.primitives import serialization

    try:
        serialization.load_pem_private_key(v.encode("utf-8"), password=None, unsafe_skip_rsa_key_validation=True)
    except (ValueError, TypeError, UnicodeError):
        return False
    except Exception:  # cryptography raises UnsupportedAlgorithm and friends too
        return False
    return True


ADC_TYPES = {
    "authorized_user": "gcloud user credentials",
    "external_account": "a workload identity federation config",
    "external_account_authorized_user": "workforce identity user credentials",
    "impersonated_service_account": "an impersonation config",
    "gdch_service_account": "a GDCH service account",
}


# field path (tuple) -> provider checks. Cross-cutting checks come from the field's spec kind.
PROVIDER_RULES: dict[str, dict[tuple[str, ...], list[Check]]] = {
    "twilio": {
        ("twilio_account_sid",): [
            error(
                "twilio.sid_kind",
                "this is another kind of Twilio SID; an Account SID starts with AC",
                _twilio_other_sid,
            ),
            error("twilio.sid_lowercase_prefix", "an Account SID starts with upper-case AC", starts("ac", "aC", "Ac")),
            error(
                "twilio.sid_length",
                "an Account SID is AC followed by 32 hexadecimal digits (34 characters)",
                lambda v: v.startswith("AC") and len(v) != 34,
            ),
        ],
        ("twilio_auth_token",): [
            warn(
                "twilio.auth_token_format",
                "Twilio Auth Tokens are 32 hexadecimal characters",
                not_matches(r"[0-9a-fA-F]{32}"),
            ),
            lookalike("a Twilio Auth Token"),
        ],
    },
    "openai": {
        ("openai_api_key",): [
            warn("openai.key_prefix", "OpenAI API keys start with sk-", lambda v: not v.startswith("sk-")),
            warn(
                "openai.admin_key",
                "this is an OpenAI admin key, which cannot call model endpoints",
                starts("sk-admin-"),
            ),
            warn(
                "openai.key_format",
                "this does not have the shape of a current OpenAI key (sk-proj-…, sk-svcacct-…)",
                lambda v: v.startswith("sk-") and "T3BlbkFJ" not in v and not v.startswith("sk-admin-"),
            ),
            lookalike("an OpenAI key"),
        ],
        ("openai_organization_id",): [
            warn("openai.organization_format", "organization ids start with org-", not_matches(r"org-[A-Za-z0-9]+"))
        ],
        ("openai_project_id",): [
            warn("openai.project_format", "project ids start with proj_", not_matches(r"proj_[A-Za-z0-9]+"))
        ],
    },
    "google": {
        ("google_service_account", "type"): [
            error(
                "google.not_service_account",
                "this key file is not a service account (type must be service_account)",
                lambda v: v != "service_account",
            ),
        ],
        ("google_service_account", "private_key"): [
            error(
                "google.private_key_escaped_newlines",
                "the key's line breaks are the two characters \\n; use real line breaks (parse the JSON file "
                "instead of copying the string)",
                _pem_escaped_newlines,
            ),
            error(
                "google.private_key_not_pem",
                "not a PEM private key (-----BEGIN PRIVATE KEY----- … -----END …)",
                lambda v: "-----BEGIN" not in v,
            ),
            error(
                "google.private_key_unparseable",
                "the PEM private key does not parse (truncated or altered?)",
                _pem_unparseable,
            ),
        ],
        ("google_service_account", "client_email"): [
            warn(
                "google.client_email_domain",
                "service-account e-mails end in .gserviceaccount.com",
                lambda v: not v.endswith(".gserviceaccount.com"),
            ),
        ],
        ("google_service_account", "private_key_id"): [
            warn(
                "google.private_key_id_format",
                "private key ids are 40 hexadecimal characters",
                not_matches(r"[0-9a-f]{40}"),
            ),
        ],
        ("google_service_account", "project_id"): [
            warn(
                "google.project_id_format",
                "project ids are 6–30 lowercase letters, digits and hyphens",
                not_matches(r"[a-z][a-z0-9-]{4,28}[a-z0-9]"),
            ),
        ],
        ("google_service_account", "token_uri"): [
            warn(
                "google.token_uri_host",
                "Google's token URI is https://oauth2.googleapis.com/token",
                lambda v: v.startswith("https://") and "google" not in v,
            ),
        ],
    },
    "azure_llm": {
        ("azure_openai_endpoint",): [
            error(
                "azure.endpoint_path",
                "give the resource endpoint only; the SDK appends /openai/… itself",
                lambda v: bool(re.match(r"https?://[^/]+/.", v)),
            ),
            warn(
                "azure.endpoint_host",
                "Azure OpenAI endpoints end in .openai.azure.com, .cognitiveservices.azure.com, "
                ".services.ai.azure.com or .api.cognitive.microsoft.com",
                lambda v: (
                    not re.match(
                        r"https://[^/]+\.(openai\.azure\.com|cognitiveservices\.azure\.com|"
                        r"services\.ai\.azure\.com|api\.cognitive\.microsoft\.com|azure\.cn)(:\d+)?/?$",
                        v,
                    )
                ),
            ),
        ],
        ("azure_openai_api_key",): [
            warn(
                "azure.key_format",
                "Azure keys are 32 hexadecimal characters or the 84-character key format",
                not_matches(AZURE_KEY),
            ),
            lookalike("an Azure key"),
        ],
        ("azure_openai_api_version",): [
            warn("azure.api_version_retired", "this API version is retired", lambda v: v in RETIRED_AZURE_VERSIONS),
        ],
        ("azure_openai_region",): [
            warn("azure.region_unknown", "not a known Azure region id", lambda v: v not in AZURE_REGIONS),
        ],
    },
    "azure_speech": {
        ("azure_speech_key",): [
            warn(
                "azure.key_format",
                "Azure keys are 32 hexadecimal characters or the 84-character key format",
                not_matches(AZURE_KEY),
            ),
            lookalike("an Azure key"),
        ],
        ("azure_speech_region",): [
            error(
                "azure.region_is_url", "give the region id (e.g. eastus), not a URL", lambda v: "://" in v or "." in v
            ),
            error(
                "azure.region_display_name",
                "give the region id (e.g. eastus), not its display name (East US)",
                _region_display_name,
            ),
            warn("azure.region_unknown", "not a known Azure region id", lambda v: v not in AZURE_REGIONS),
        ],
    },
    "elevenlabs": {
        ("elevenlabs_api_key",): [
            warn(
                "elevenlabs.key_format",
                "ElevenLabs keys are sk_ and 48 hexadecimal characters (32 hex before 2024)",
                not_matches(r"sk_[a-f0-9]{48}|[a-f0-9]{32}"),
            ),
            lookalike("an ElevenLabs key"),
        ],
    },
    "deepgram": {
        ("deepgram_api_key",): [
            warn(
                "deepgram.key_id",
                "this looks like the key's id (a UUID), not its secret",
                matches(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
            ),
            warn(
                "deepgram.key_format",
                "Deepgram keys are 40 lower-case letters and digits",
                not_matches(r"[0-9a-z]{40}"),
            ),
            lookalike("a Deepgram key"),
        ],
    },
    "cartesia": {
        ("cartesia_api_key",): [
            warn("cartesia.key_prefix", "Cartesia keys start with sk_car_", lambda v: not v.startswith("sk_car_")),
            warn(
                "cartesia.admin_key",
                "this is a Cartesia admin key, which cannot synthesize speech",
                starts("sk_car_admin_"),
            ),
            lookalike("a Cartesia key"),
        ],
    },
    "playht": {("playht_api_key",): [lookalike("a Play.ht key")]},
    "rime": {("rime_api_key",): [lookalike("a Rime key")]},
    "assemblyai": {
        ("assemblyai_api_key",): [
            warn(
                "assemblyai.key_format",
                "AssemblyAI keys are 32 lower-case letters and digits",
                not_matches(r"[0-9a-z]{32}"),
            ),
            lookalike("an AssemblyAI key"),
        ],
    },
    "deepseek": {
        ("deepseek_api_key",): [
            warn(
                "deepseek.key_format",
                "DeepSeek keys are sk- and 32 lower-case letters and digits",
                not_matches(r"sk-[a-z0-9]{32}"),
            ),
            lookalike("a DeepSeek key"),
        ],
    },
    "telnyx": {
        ("telnyx_api_key",): [
            warn(
                "telnyx.key_format",
                "Telnyx API v2 keys are KEY and 55 letters, digits, _ or -",
                not_matches(r"KEY[0-9A-Za-z_-]{55}"),
            ),
            lookalike("a Telnyx key"),
        ],
    },
    "un_pw_oauth": {},
    "login_key_oauth": {},
    "external_api_key": {
        ("header_name",): [
            error(
                "external.header_name_with_value",
                "give the header name only (e.g. X-API-Key), without ': value'",
                lambda v: ":" in v,
            ),
        ],
        ("prefix",): [
            error(
                "external.prefix_space",
                "give one scheme word (e.g. Bearer); the space before the key is added for you",
                lambda v: v != v.strip() or " " in v,
            ),
        ],
    },
}

OAUTH_RULES: dict[tuple[str, ...], list[Check]] = {
    ("scope",): [
        warn(
            "oauth.scope_commas",
            "scopes are separated by spaces, not commas (RFC 6749 §3.3)",
            lambda v: "," in v and " " not in v,
        ),
    ],
}
PROVIDER_RULES["un_pw_oauth"].update(OAUTH_RULES)
PROVIDER_RULES["login_key_oauth"].update(OAUTH_RULES)


def _google_whole_object(credentials: Any, base: tuple[str | int, ...]) -> list[Issue]:
    """The service-account file given as a string, or another kind of Google key file."""
    out: list[Issue] = []
    if not isinstance(credentials, dict):
        return out
    account = credentials.get("google_service_account")
    if isinstance(account, str):
        out.append(
            Issue(
                pointer(*base, "google_service_account"),
                "google.json_string",
                "give the service-account key file as a JSON object, not as a string",
            )
        )
    elif isinstance(account, dict) and isinstance(account.get("type"), str) and account["type"] in ADC_TYPES:
        out.append(
            Issue(
                pointer(*base, "google_service_account", "type"),
                "google.not_service_account",
                f"this key file is {ADC_TYPES[account['type']]}, not a service-account key",
            )
        )
    return out


# provider -> checks on the whole credentials object (before the per-field rules)
OBJECT_RULES = {"google": _google_whole_object}
OBJECT_CODES = {"google.json_string": "error"}
