"""Recipes for realistic credentials, built at run time (never committed as literals).

Secret scanners and push protection match provider key shapes, so no key-shaped value is ever
written into this repository: tests, benchmarks and the contract suite call these functions.
``canary`` puts a recognisable marker inside every secret so that leaks can be searched for.
"""

from __future__ import annotations

import copy
import random
import string
from collections.abc import Callable
from functools import lru_cache
from typing import Any

HEX = "0123456789abcdef"
ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "_-"


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _body(rng: random.Random, alphabet: str, n: int, canary: str) -> str:
    """n characters from ``alphabet``, with ``canary`` (if any, same alphabet) in the middle."""
    if not canary:
        return _pick(rng, alphabet, n)
    canary = canary[: max(0, n - 2)]
    left = (n - len(canary)) // 2
    return _pick(rng, alphabet, left) + canary + _pick(rng, alphabet, n - left - len(canary))


def pem_envelope(body: str, *, end: bool = True) -> str:
    """A PEM private-key envelope around ``body`` (for invalid-key test data; built here, not committed)."""
    label = " ".join(("PRIVATE", "KEY"))
    return f"-----BEGIN {label}-----\n{body}\n" + (f"-----END {label}-----\n" if end else "")


@lru_cache(maxsize=4)
def rsa_private_key_pem(slot: int = 0, bits: int = 2048) -> str:
    """A freshly generated PKCS#8 RSA private key in PEM (one per slot and process)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def _twilio(rng: random.Random, canary: str, hexc: str, seed: int) -> dict[str, Any]:
    return {"twilio_account_sid": "AC" + _pick(rng, HEX, 32), "twilio_auth_token": _body(rng, HEX, 32, hexc)}


def _openai(rng: random.Random, canary: str, hexc: str, seed: int) -> dict[str, Any]:
    return {"openai_api_key": "sk-proj-" + _body(rng, URLSAFE, 74, canary) + "T3BlbkFJ" + _pick(rng, URLSAFE, 74)}


def _google(rng: random.Random, canary: str, hexc: str, seed: int) -> dict[str, Any]:
    project = "voice-" + _pick(rng, string.ascii_lowercase + string.digits, 8)
    return {
        "google_service_account": {
            "type": "service_account",
            "project_id": project,
            "private_key_id": _pick(rng, HEX, 40),
            "private_key": rsa_private_key_pem(seed % 2),
            "client_email": f"speech@{project}.iam.gserviceaccount.com",
            "client_id": _pick(rng, string.digits, 21),
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": "https://oauth2.googleapis.com/token",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/speech%40{project}.iam.gserviceaccount.com",
            "universe_domain": "googleapis.com",
        }
    }


def _azure_llm(rng: random.Random, canary: str, hexc: str, seed: int) -> dict[str, Any]:
    return {
        "azure_openai_endpoint": f"https://{_pick(rng, string.ascii_lowercase, 10)}.openai.azure.com/",
        "azure_openai_api_key": _body(rng, HEX, 32, hexc),
        "azure_openai_deployment_name": "gpt-4o-" + _pick(rng, string.ascii_lowercase, 4),
        "azure_openai_api_version": "2024-10-21",
        "azure_openai_region": "swedencentral",
    }


def _un_pw_oauth(rng: random.Random, canary: str, hexc: str, seed: int) -> dict[str, Any]:
    return {
        "token_url": "https://login.example.com/oauth2/token",
        "client_id": "voice-agent",
        "client_secret": _body(rng, URLSAFE, 40, canary),
        "username": "agent@example.com",
        "password": "Correct horse " + _body(rng, ALNUM, 24, canary),
        "scope": "calls.read calls.write",
        "client_auth_method": "client_secret_basic",
    }


def _login_key_oauth(rng: random.Random, canary: str, hexc: str, seed: int) -> dict[str, Any]:
    return {
        "token_url": "https://auth.example.com/token?tenant=acme",
        "login": "voice-agent",
        "key": _body(rng, URLSAFE, 48, canary),
        "scope": "calls",
    }


Recipe = Callable[[random.Random, str, str, int], dict[str, Any]]
# provider -> recipe (provider knowledge, like the credential rules); other types are generated from the spec
RECIPES: dict[str, Recipe] = {
    "twilio": _twilio,
    "openai": _openai,
    "google": _google,
    "azure_llm": _azure_llm,
    "elevenlabs": lambda rng, c, h, s: {"elevenlabs_api_key": "sk_" + _body(rng, HEX, 48, h)},
    "deepgram": lambda rng, c, h, s: {"deepgram_api_key": _body(rng, HEX, 40, h)},
    "cartesia": lambda rng, c, h, s: {"cartesia_api_key": "sk_car_" + _body(rng, ALNUM, 22, c)},
    "playht": lambda rng, c, h, s: {"playht_user_id": _pick(rng, ALNUM, 28), "playht_api_key": _body(rng, HEX, 32, h)},
    "rime": lambda rng, c, h, s: {"rime_api_key": _body(rng, ALNUM, 40, c)},
    "azure_speech": lambda rng, c, h, s: {
        "azure_speech_key": _body(rng, HEX, 32, h),
        "azure_speech_region": "westeurope",
    },
    "assemblyai": lambda rng, c, h, s: {"assemblyai_api_key": _body(rng, HEX, 32, h), "assemblyai_region": "us"},
    "deepseek": lambda rng, c, h, s: {"deepseek_api_key": "sk-" + _body(rng, HEX, 32, h)},
    "telnyx": lambda rng, c, h, s: {"telnyx_api_key": "KEY" + _body(rng, URLSAFE, 55, c)},
    "un_pw_oauth": _un_pw_oauth,
    "login_key_oauth": _login_key_oauth,
    "external_api_key": lambda rng, c, h, s: {
        "api_key": _body(rng, URLSAFE, 40, c),
        "header_name": "X-API-Key",
        "location": "header",
    },
}


def connection_types() -> list[str]:
    """The short names of every connection type of the spec (from the spec index)."""
    from voicecontract.spec import index

    return [t.short for t in index().connection_types.values()]


def credentials(connection_type: str, *, seed: int = 0, canary: str = "") -> dict[str, Any]:
    """Valid, realistic credentials for a connection type (``twilio`` or ``account_connection_twilio``).

    With ``canary`` (letters and digits), every secret field carries it in its middle. A type no
    recipe knows gets credentials generated from its schema in the spec (see ``generated``).
    """
    from voicecontract.spec import index

    found = index().connection_type(connection_type)
    if found is None:
        raise KeyError(connection_type)
    rng = random.Random(f"{found.short}:{seed}")  # noqa: S311 - reproducible test data, not crypto
    hexc = canary.lower() if all(c in HEX for c in canary.lower()) else ""
    recipe = RECIPES.get(found.short)
    if recipe is None:
        return generated(found.credentials, seed=seed)
    return recipe(rng, canary, hexc, seed)


def generated(schema_name: str, *, seed: int = 0) -> dict[str, Any]:
    """A valid instance of a credentials schema, drawn from the spec (see ``_generated``); a fresh copy."""
    return copy.deepcopy(_generated(schema_name, seed))


@lru_cache(maxsize=64)
def _generated(schema_name: str, seed: int) -> dict[str, Any]:
    """A valid instance of a credentials schema, drawn from the spec (needs the ``suite`` extra).

    The draw is reproducible (a fixed seed) and must pass every validator check without an error.
    """
    import hypothesis
    import jsonschema_rs
    from schemathesis.generation.jsonschema.builder import build

    from voicecontract.spec import packaged_spec
    from voicecontract.validators import check_value

    standalone = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": f"#/components/schemas/{schema_name}",
        "components": {"schemas": packaged_spec()["components"]["schemas"]},
    }
    strategy = build(standalone, draft=jsonschema_rs.Draft202012, formats={})
    def usable(value: Any) -> bool:
        _, issues = check_value(schema_name, value)
        return not any(i.severity == "error" for i in issues)

    found = hypothesis.find(
        strategy,
        usable,
        settings=hypothesis.settings(database=None, max_examples=2000, deadline=None),
        random=random.Random(seed),  # noqa: S311 - reproducible test data
    )
    assert isinstance(found, dict)
    return found


def canary(seed: int = 0) -> str:
    """A marker to plant in secrets: hex (fits every key alphabet) and unlikely anywhere else."""
    return "c0ffee" + f"{random.Random(seed).getrandbits(40):010x}"  # noqa: S311 - a marker, not a secret
