"""The fast path: the expected shape of each provider field.

A value of that shape (and not a placeholder) can trip no rule at all, so it is accepted after one
or two regex matches. tests/credentials/test_fastpath.py proves it against the full rules and the
model: every value the fast path accepts, they accept too. A provider without shapes here is
always checked in full.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from voicecontract.credentials.providers import AZURE_KEY, AZURE_REGIONS, RETIRED_AZURE_VERSIONS

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
        ("header_name",): r"[A-Za-z0-9-]{1,64}",  # reserved names: the spec's exclusion (``not``)
        ("prefix",): r"[A-Za-z][A-Za-z0-9-]{0,63}",
        ("location",): Tight(("header", "query").__contains__),
    },
    "google": {},  # a service account is always checked in full (its key must parse)
}
