"""Per-provider credential rules: one table, keyed by provider, on top of the generated models.

Policy (credentials-research.md §5):

* **errors** diagnose what the spec already rejects, with a precise code and message (a pasted
  ``Bearer `` prefix, an API Key SID where the Account SID belongs, a trailing newline), plus the
  one rule JSON Schema cannot express: a Google private key must parse;
* **warnings** are formats that are only seen in scanners or reports (provider key shapes have
  changed without notice before); ``strict=True`` turns them into errors;
* **leading/trailing whitespace is rejected, never stripped**: silently changing a secret hides
  the paste error and makes the stored value differ from what was sent.

No message ever contains the value or any part of it longer than two characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from voicecontract.errors import Issue, Severity
from voicecontract.spec import packaged_spec, pointer, resolve


@dataclass(frozen=True)
class Check:
    """A provider rule: fires when ``test(value)`` is true."""

    code: str
    severity: Severity
    message: str | Callable[[str], str]
    test: Callable[[str], bool]

    def text(self, value: str) -> str:
        """The message for a value that tripped the rule (built from the value's kind, never its text)."""
        return self.message(value) if callable(self.message) else self.message


def matches(pattern: str, flags: int = 0) -> Callable[[str], bool]:
    """Fires when the whole value matches ``pattern`` (ASCII semantics, full match)."""
    rx = re.compile(pattern, flags | re.ASCII)
    return lambda v: rx.fullmatch(v) is not None


def not_matches(pattern: str, flags: int = 0) -> Callable[[str], bool]:
    """Fires when the whole value does not match ``pattern``."""
    rx = re.compile(pattern, flags | re.ASCII)
    return lambda v: rx.fullmatch(v) is None


def starts(*prefixes: str) -> Callable[[str], bool]:
    """Fires when the value starts with one of the prefixes."""
    return lambda v: v.startswith(prefixes)


def warn(code: str, message: str | Callable[[str], str], test: Callable[[str], bool]) -> Check:
    """A warning rule."""
    return Check(code, "warning", message, test)


def error(code: str, message: str, test: Callable[[str], bool]) -> Check:
    """An error rule."""
    return Check(code, "error", message, test)


# --------------------------------------------------------------------------- look-alikes

LOOKALIKES: list[tuple[str, str]] = [
    ("a Twilio Account SID", r"AC[0-9a-fA-F]{32}"),
    ("a Twilio API Key SID", r"SK[0-9a-fA-F]{32}"),
    ("an OpenAI key", r"sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}"),
    ("an ElevenLabs key", r"sk_[a-f0-9]{48}"),
    ("a Cartesia key", r"sk_car_.*"),
    ("a Telnyx key", r"KEY[0-9A-Za-z_-]{55}"),
    ("a Google API key", r"AIza[0-9A-Za-z_-]{35}"),
    ("an Anthropic key", r"sk-ant-.*"),
    ("a JSON Web Token", r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"),
]


LOOKALIKE_PREFIXES = frozenset({"AC", "SK", "sk", "KE", "AI", "ey"})  # every pattern above starts so


def lookalike(own: str) -> Check:
    """Warn when a key field holds what is clearly another provider's credential."""
    others = [(name, re.compile(rx, re.ASCII | re.DOTALL)) for name, rx in LOOKALIKES if name != own]
    combined = re.compile("|".join(f"(?:{rx})" for name, rx in LOOKALIKES if name != own), re.ASCII | re.DOTALL)

    def test(v: str) -> bool:
        return v[:2] in LOOKALIKE_PREFIXES and combined.fullmatch(v) is not None

    def message(v: str) -> str:
        kind = next((name for name, rx in others if rx.fullmatch(v)), "another kind of credential")
        return f"this looks like {kind}, not {own}"

    return warn("lookalike", message, test)


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
HOP_BY_HOP = {
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "cookie",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "proxy-authorization",
    "proxy-connection",
    "content-type",
}


def _region_display_name(v: str) -> bool:
    return " " in v.strip() or (v[:1].isupper() and v.replace(" ", "").isalnum())


def _pem_escaped_newlines(v: str) -> bool:
    return "\\n" in v and "-----BEGIN" in v


def _pem_unparseable(v: str) -> bool:
    if "-----BEGIN" not in v or "\\n" in v:
        return False  # reported by the shape rules instead
    return not pem_parses(v)


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
            warn(
                "placeholder",
                "this is Twilio's documentation placeholder, not a real Account SID",
                matches(r"AC(?:X{32}|x{32}|0{32})"),
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
            warn(
                "external.header_name_reserved",
                "this header is managed by the HTTP client and cannot carry a key",
                lambda v: v.lower() in HOP_BY_HOP,
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

URL_RULES: list[Check] = [
    error("url.not_https", "use an https:// URL (credentials never travel in clear text)", starts("http://")),
    error("url.no_scheme", "give an absolute https:// URL", lambda v: "://" not in v),
    error(
        "url.fragment", "remove the #fragment (a token endpoint must not have one, RFC 6749 §3.2)", lambda v: "#" in v
    ),
    error(
        "url.user_info",
        "remove the user:password@ part; credentials belong in their own fields",
        lambda v: bool(re.match(r"[a-z]+://[^/?#]*@", v)),
    ),
]


# --------------------------------------------------------------------------- fast path
# The expected shape of each field. A value of that shape (and not a placeholder) can trip no rule
# at all, so it is accepted after one or two regex matches. tests/test_credentials_fastpath.py proves
# it against the full rules and the model: every value the fast path accepts, they accept too.

CLEAN_URL = (
    r"https://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::[0-9]{1,5})?"
    r"(?:/[A-Za-z0-9._~!$&'()*+,;=:@/%-]*)?(?:\?[A-Za-z0-9._~!$&'()*+,;=:@/?%-]*)?"
)
CLEAN_OPAQUE = r"[A-Za-z0-9_.-](?:[\x20-\x7e]*[A-Za-z0-9_.-])?"
AZURE_HOSTS = (
    r"https://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:openai\.azure\.com|cognitiveservices\.azure\.com|"
    r"services\.ai\.azure\.com|api\.cognitive\.microsoft\.com|azure\.cn)(?::[0-9]{1,5})?/?"
)
AZURE_API_VERSION = (
    r"(?:20[0-9]{2}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|"
    r"(?:0[13578]|1[02])-31)|20(?:0[48]|[2468][048]|[13579][26])-02-29)(?:-preview)?"
)
OAUTH_SCOPE_NO_COMMA = r"[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]+(?: [\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]+)*"


@dataclass(frozen=True)
class Tight:
    """A shape that by itself excludes placeholders, quotes and look-alikes: only the shape is checked."""

    shape: str | Callable[[str], bool]


Shape = str | Callable[[str], bool] | Tight
SHAPES: dict[str, dict[tuple[str, ...], Shape]] = {
    "twilio": {
        ("twilio_account_sid",): Tight(r"AC(?!0{32})[0-9a-fA-F]{32}"),
        ("twilio_auth_token",): Tight(r"[0-9a-fA-F]{32}"),
    },
    "openai": {
        ("openai_api_key",): r"sk-(?:proj|svcacct|None)-[A-Za-z0-9_-]*T3BlbkFJ[A-Za-z0-9_-]*"
        r"|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}",
        ("openai_organization_id",): r"org-[A-Za-z0-9]+",
        ("openai_project_id",): r"proj_[A-Za-z0-9]+",
        ("openai_base_url",): CLEAN_URL,
    },
    "azure_llm": {
        ("azure_openai_endpoint",): Tight(AZURE_HOSTS),
        ("azure_openai_api_key",): Tight(AZURE_KEY),
        ("azure_openai_deployment_name",): r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}",
        ("azure_openai_api_version",): Tight(
            lambda v: v not in RETIRED_AZURE_VERSIONS and re.fullmatch(AZURE_API_VERSION, v, re.ASCII) is not None
        ),
        ("azure_openai_region",): Tight(AZURE_REGIONS.__contains__),
    },
    "azure_speech": {
        ("azure_speech_key",): Tight(AZURE_KEY),
        ("azure_speech_region",): Tight(AZURE_REGIONS.__contains__),
        ("azure_speech_endpoint",): CLEAN_URL,
    },
    "elevenlabs": {("elevenlabs_api_key",): Tight(r"sk_[a-f0-9]{48}|[a-f0-9]{32}")},
    "deepgram": {("deepgram_api_key",): r"[0-9a-z]{40}"},
    "cartesia": {("cartesia_api_key",): r"sk_car_(?!admin_)[A-Za-z0-9_]{8,200}"},
    "playht": {("playht_user_id",): r"[A-Za-z0-9_-]{1,256}", ("playht_api_key",): r"[A-Za-z0-9_-]{8,512}"},
    "rime": {("rime_api_key",): r"[A-Za-z0-9_-]{8,512}"},
    "assemblyai": {("assemblyai_api_key",): r"[0-9a-z]{32}", ("assemblyai_region",): Tight(("us", "eu").__contains__)},
    "deepseek": {("deepseek_api_key",): Tight(r"sk-[a-z0-9]{32}")},
    "telnyx": {("telnyx_api_key",): r"KEY[0-9A-Za-z_-]{55}", ("telnyx_public_key",): r"[A-Za-z0-9+/]{1,254}={0,2}"},
    "un_pw_oauth": {
        ("token_url",): CLEAN_URL,
        ("client_id",): CLEAN_OPAQUE,
        ("client_secret",): CLEAN_OPAQUE,
        ("username",): CLEAN_OPAQUE,
        ("password",): CLEAN_OPAQUE,
        ("scope",): OAUTH_SCOPE_NO_COMMA,
        ("client_auth_method",): Tight(("client_secret_basic", "client_secret_post").__contains__),
        ("audience",): CLEAN_OPAQUE,
    },
    "login_key_oauth": {
        ("token_url",): CLEAN_URL,
        ("login",): CLEAN_OPAQUE,
        ("key",): CLEAN_OPAQUE,
        ("scope",): OAUTH_SCOPE_NO_COMMA,
        ("client_auth_method",): Tight(("client_secret_basic", "client_secret_post").__contains__),
    },
    "external_api_key": {
        ("api_key",): CLEAN_OPAQUE,
        ("header_name",): lambda v: re.fullmatch(r"[A-Za-z0-9-]{1,64}", v) is not None and v.lower() not in HOP_BY_HOP,
        ("prefix",): r"[A-Za-z][A-Za-z0-9-]{0,63}",
        ("location",): Tight(("header", "query").__contains__),
    },
    "google": {},  # a service account is always checked in full (its key must parse)
}


# --------------------------------------------------------------------------- cross-cutting (§1)

AUTH_PREFIX = re.compile(r"(?:bearer|token|basic|apikey|api-key)[ \t:=]+", re.IGNORECASE | re.ASCII)
ENV_LINE = re.compile(r"(?:export[ \t]+)?[A-Z][A-Z0-9_]*=[^\r\n]*", re.ASCII)
PLACEHOLDER = re.compile(
    r"(?:your|my|insert|enter|replace|paste)[_ -].*|.*[_ -](?:here|placeholder)|x{6,}|X{6,}|<[^>]*>|\{\{.*\}\}|"
    r"changeme|change[_-]me|placeholder|redacted|dummy|none|null|undefined|todo|\.{3}|.*\.\.\..*",
    re.IGNORECASE | re.ASCII,
)
_PH_WORDS = ("your", "my", "insert", "enter", "replace", "paste")
_PH_EXACT = {
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "redacted",
    "dummy",
    "none",
    "null",
    "undefined",
    "todo",
    "...",
}


def looks_placeholder(v: str) -> bool:
    """``PLACEHOLDER.fullmatch(v)``, with cheap exits for the common, random-looking value."""
    if len(v) < 3:
        return False
    if v[0] in "<{xX" or "..." in v:
        return PLACEHOLDER.fullmatch(v) is not None
    if len(v) <= 11 and v.lower() in _PH_EXACT:
        return True
    if v[:7].lower().startswith(_PH_WORDS) or v[-11:].lower().endswith(("here", "placeholder")):
        return PLACEHOLDER.fullmatch(v) is not None
    return False


ASCII_SPACE = " \t\n\r\f\v"
CLEAN_KEY = re.compile(r"[A-Za-z0-9._~+/-]+", re.ASCII)
# Cross-cutting codes that a provider-specific error on the same field makes redundant.
GENERIC_CODES = {"inner_whitespace"}


@dataclass(frozen=True)
class FieldKind:
    """What the spec says a credential field is (derived from its schema, not written by hand)."""

    kind: str  # key | opaque | url | pem | other
    secret: bool
    max_length: int | None


def cross_cutting(value: str, fk: FieldKind) -> list[tuple[str, Severity, str]]:
    """The §1 checks for one string field: (code, severity, message) for each that fires."""
    out: list[tuple[str, Severity, str]] = []
    kind = fk.kind
    if value == "":
        return [("empty", "error", "the value is empty")]
    if value.strip() == "":
        return [("blank", "error", "the value is only whitespace")]
    if fk.max_length is not None and len(value) > fk.max_length:
        # nothing else is worth scanning a value this size for
        return [("too_long", "error", f"longer than {fk.max_length} characters ({len(value)})")]
    if kind == "key" and CLEAN_KEY.fullmatch(value) and not looks_placeholder(value):
        return []  # the common case: nothing below can fire
    if kind == "pem":
        return out
    stripped = value.strip(ASCII_SPACE)
    if stripped != value:
        where = "a trailing line break" if value.endswith(("\n", "\r")) else "leading or trailing whitespace"
        out.append(
            (
                "surrounding_whitespace",
                "error",
                f"remove {where} (it is not stripped for you: a stray space usually means a paste error)",
            )
        )
    if any(c in "\r\n" for c in stripped):
        out.append(("line_break", "error", "contains a line break; paste a single line"))
    if any((ord(c) < 0x20 and c not in "\r\n\t ") or ord(c) == 0x7F for c in value):
        out.append(("control_character", "error", "contains a control character"))
    prefix = AUTH_PREFIX.match(stripped)
    if kind == "key" and prefix:
        out.append(
            (
                "auth_scheme_prefix",
                "error",
                "remove the auth scheme (Bearer/Token/Basic) in front: paste the bare credential",
            )
        )
    elif kind == "opaque" and prefix and " " in stripped:
        out.append(
            ("auth_scheme_prefix", "warning", "starts with an auth scheme (Bearer/Token/Basic); paste the bare value")
        )
    if kind in ("key", "url") and not prefix and any(c in ASCII_SPACE for c in stripped):
        out.append(("inner_whitespace", "error", "contains whitespace; keys and URLs never do"))
    odd = [(i, c) for i, c in enumerate(value) if ord(c) > 0x7E]
    if odd and kind in ("key", "url"):
        i, c = odd[0]
        cat = unicodedata.category(c)
        what = (
            f"an invisible {unicodedata.name(c, 'character').lower()}"
            if cat in ("Zs", "Cf", "Zl", "Zp")
            else "a non-ASCII character (a look-alike letter or digit?)"
        )
        out.append(("non_ascii", "error", f"contains {what} at position {i + 1}; retype it"))
    elif odd and kind == "opaque":
        invisible = [(i, c) for i, c in odd if unicodedata.category(c) in ("Cf", "Zl", "Zp") or c == "\u00a0"]
        if invisible:
            i, c = invisible[0]
            out.append(
                (
                    "invisible_character",
                    "warning",
                    f"contains an invisible {unicodedata.name(c, 'character').lower()} at position {i + 1}",
                )
            )
    if value.startswith("****") and fk.secret:
        sev: Severity = "error" if kind == "key" else "warning"
        out.append(("masked_value", sev, "this is the masked hint a response shows, not the secret"))
    if kind == "key" and ENV_LINE.fullmatch(stripped):
        out.append(("env_assignment", "warning", "looks like an environment line NAME=value; paste only the value"))
    if looks_placeholder(stripped):
        out.append(("placeholder", "warning", "looks like a placeholder, not a real value"))
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "\"'`":
        out.append(("quoted", "warning", "wrapped in quotes; paste the value without them"))
    return out


# --------------------------------------------------------------------------- kinds from the spec

KIND_BY_SCHEMA = {
    "KeySecret": "key",
    "KeyText": "key",
    "TwilioAccountSid": "key",
    "AzureRegion": "key",
    "OpaqueSecret": "opaque",
    "OpaqueText": "opaque",
    "HttpsUrl": "url",
    "HttpUrl": "url",
    "AzureEndpoint": "url",
    "PemPrivateKey": "pem",
}


@dataclass
class ProviderTable:
    """Everything the validators know about one connection type."""

    type: str
    credentials_schema: str
    fields: dict[tuple[str, ...], FieldKind] = field(default_factory=dict)
    rules: dict[tuple[str, ...], list[Check]] = field(default_factory=dict)
    codes: set[str] = field(default_factory=set)
    # fast path: top-level field -> predicate; None when some field is never on the fast path
    fast: dict[str, Callable[[str], bool]] | None = None
    required: frozenset[str] = frozenset()
    model: Any = None

    def fast_ok(self, credentials: Any) -> bool:
        """True when every field has its expected shape, so that no rule can fire (the model still runs)."""
        fast = self.fast
        if fast is None or type(credentials) is not dict:
            return False
        for key in self.required:
            if key not in credentials:
                return False
        for key, value in credentials.items():
            check = fast.get(key)
            if check is None or type(value) is not str or not check(value):
                return False
        return True


def _shape_predicate(shape: Shape, fk: FieldKind, checks: list[Check]) -> Callable[[str], bool]:
    limit = fk.max_length or 4096
    if isinstance(shape, Tight):
        inner = shape.shape
        tight: Callable[[str], Any] = inner if callable(inner) else re.compile(inner, re.ASCII).fullmatch
        return lambda v: len(v) <= limit and bool(tight(v))
    test: Callable[[str], Any] = shape if callable(shape) else re.compile(shape, re.ASCII).fullmatch
    looks = next((c.test for c in checks if c.code == "lookalike"), None)
    prefix = AUTH_PREFIX.match if fk.kind == "opaque" else None

    def ok(v: str) -> bool:
        if len(v) > limit or not test(v) or looks_placeholder(v):
            return False
        if v[0] == v[-1] and v[0] in "\"'`":  # quoted
            return False
        if looks is not None and v[:2] in LOOKALIKE_PREFIXES and looks(v):
            return False
        return prefix is None or prefix(v) is None

    return ok


def _field_kinds(
    spec: dict[str, Any], schema_name: str, prefix: tuple[str, ...] = ()
) -> dict[tuple[str, ...], FieldKind]:
    out: dict[tuple[str, ...], FieldKind] = {}
    schema = spec["components"]["schemas"][schema_name]
    for name, prop in schema.get("properties", {}).items():
        ref = prop.get("$ref", "")
        ref_name = ref.rsplit("/", 1)[-1] if ref else None
        target = resolve(spec, prop)
        if ref_name and target.get("type") == "object":
            out.update(_field_kinds(spec, ref_name, (*prefix, name)))
            continue
        kind = KIND_BY_SCHEMA.get(ref_name or "", "other")
        secret = bool(target.get("x-secret"))
        out[(*prefix, name)] = FieldKind(kind, secret, target.get("maxLength"))
    return out


@lru_cache(maxsize=1)
def tables() -> dict[str, ProviderTable]:
    """The provider table, with every field's kind read from the spec."""
    spec = packaged_spec()
    union = spec["components"]["schemas"]["AccountConnectionParams"]["discriminator"]["mapping"]
    out: dict[str, ProviderTable] = {}
    for full_type, ref in union.items():
        short = full_type.removeprefix("account_connection_")
        params = resolve(spec, {"$ref": ref})
        creds_schema = params["properties"]["credentials"]["$ref"].rsplit("/", 1)[-1]
        rules = PROVIDER_RULES[short]
        table = ProviderTable(short, creds_schema, _field_kinds(spec, creds_schema), rules)
        for path, fk in table.fields.items():
            if fk.kind == "url":
                table.rules = {**table.rules, path: [*table.rules.get(path, []), *URL_RULES]}
        unknown = set(table.rules) - set(table.fields)
        assert not unknown, f"rules for fields the spec does not have: {short} {unknown}"
        table.codes = {c.code for checks in table.rules.values() for c in checks}
        shapes = SHAPES[short]
        if shapes and all(len(path) == 1 for path in table.fields) and set(shapes) == set(table.fields):
            table.fast = {
                path[0]: _shape_predicate(shape, table.fields[path], table.rules.get(path, []))
                for path, shape in shapes.items()
            }
        creds = spec["components"]["schemas"][creds_schema]
        table.required = frozenset(creds.get("required", ()))
        from voicecontract._generated import models

        table.model = getattr(models, creds_schema)
        out[short] = table
    assert set(out) == set(PROVIDER_RULES) == set(SHAPES), set(out) ^ set(PROVIDER_RULES)
    return out


@lru_cache(maxsize=1)
def _by_name() -> dict[str, str]:
    return {name: short for short in tables() for name in (short, "account_connection_" + short)}


def normalize_type(connection_type: Any) -> str | None:
    """Map ``twilio`` or ``account_connection_twilio`` to the table's key, or None if unknown."""
    found = _by_name().get(connection_type) if type(connection_type) is str else None
    if found is not None or not isinstance(connection_type, str):
        return found
    return _by_name().get(connection_type.strip())


def _value_at(data: Any, path: tuple[str, ...]) -> Any:
    cur = data
    for p in path:
        if not isinstance(cur, dict) or p not in cur:
            return None
        cur = cur[p]
    return cur


def rule_issues(connection_type: str, credentials: Any, *, base: tuple[str | int, ...] = ()) -> list[Issue]:
    """Run the cross-cutting and provider rules over a credentials object (any JSON, never raises)."""
    table = tables()[connection_type]
    issues: list[Issue] = []
    if (
        connection_type == "google"
        and isinstance(credentials, dict)
        and isinstance(credentials.get("google_service_account"), str)
    ):
        issues.append(
            Issue(
                pointer(*base, "google_service_account"),
                "google.json_string",
                "give the service-account key file as a JSON object, not as a string",
            )
        )
    if connection_type == "google":
        sa_type = _value_at(credentials, ("google_service_account", "type"))
        if isinstance(sa_type, str) and sa_type in ADC_TYPES:
            issues.append(
                Issue(
                    pointer(*base, "google_service_account", "type"),
                    "google.not_service_account",
                    f"this key file is {ADC_TYPES[sa_type]}, not a service-account key",
                )
            )
    if not isinstance(credentials, dict):
        return issues
    for path, fk in table.fields.items():
        value = _value_at(credentials, path)
        if not isinstance(value, str):
            continue
        where = pointer(*base, *path)
        found = cross_cutting(value, fk)
        oversized = any(code == "too_long" for code, _, _ in found)
        provider: list[Issue] = []
        subject = value.strip(ASCII_SPACE)  # provider rules judge the value without stray whitespace
        for check in () if oversized else table.rules.get(path, ()):
            try:
                fired = check.test(subject)
            except Exception:  # a rule must never turn bad input into a crash
                fired = False
            if fired:
                provider.append(Issue(where, check.code, check.text(subject), check.severity))
        provider_error = any(i.severity == "error" for i in provider)
        generic = [
            Issue(where, code, msg, sev) for code, sev, msg in found if not (provider_error and code in GENERIC_CODES)
        ]
        if provider_error or any(i.severity == "error" for i in generic):
            # a broken value does not need format advice as well
            provider = [i for i in provider if i.severity == "error"]
            generic = [i for i in generic if i.severity == "error"]
        issues.extend(provider)
        issues.extend(generic)
    return _dedupe(issues)


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen: set[tuple[str, str]] = set()
    out = []
    for i in issues:
        if (i.path, i.code) not in seen:
            seen.add((i.path, i.code))
            out.append(i)
    return out


def all_codes() -> dict[str, Severity]:
    """Every code the credential rules can produce, with its default severity (README table)."""
    codes: dict[str, Severity] = {
        "empty": "error",
        "blank": "error",
        "too_long": "error",
        "surrounding_whitespace": "error",
        "line_break": "error",
        "control_character": "error",
        "auth_scheme_prefix": "error",
        "inner_whitespace": "error",
        "non_ascii": "error",
        "invisible_character": "warning",
        "masked_value": "error",
        "env_assignment": "warning",
        "placeholder": "warning",
        "quoted": "warning",
        "google.json_string": "error",
    }
    for table in tables().values():
        for checks in table.rules.values():
            for c in checks:
                codes.setdefault(c.code, c.severity)
    return codes
