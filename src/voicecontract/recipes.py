"""Recipes for realistic credentials, built at run time (never committed as literals).

Secret scanners and push protection match provider key shapes, so no key-shaped value is ever
written into this repository: tests, benchmarks and the contract suite call these functions.
``canary`` puts a recognisable marker inside every secret so that leaks can be searched for.
"""

from __future__ import annotations

import random
import string
from functools import lru_cache
from typing import Any

HEX = "0123456789abcdef"
ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "_-"

CONNECTION_TYPES: tuple[str, ...] = (
    "twilio",
    "openai",
    "google",
    "azure_llm",
    "elevenlabs",
    "deepgram",
    "cartesia",
    "playht",
    "rime",
    "azure_speech",
    "assemblyai",
    "deepseek",
    "telnyx",
    "un_pw_oauth",
    "login_key_oauth",
    "external_api_key",
)


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


def credentials(connection_type: str, *, seed: int = 0, canary: str = "") -> dict[str, Any]:
    """Valid, realistic credentials for a connection type (short name, e.g. ``twilio``).

    With ``canary`` (letters and digits), every secret field carries it in its middle.
    """
    rng = random.Random(f"{connection_type}:{seed}")  # noqa: S311 - reproducible test data, not crypto
    hexc = canary.lower() if all(c in HEX for c in canary.lower()) else ""
    t = connection_type.removeprefix("account_connection_")
    if t == "twilio":
        return {"twilio_account_sid": "AC" + _pick(rng, HEX, 32), "twilio_auth_token": _body(rng, HEX, 32, hexc)}
    if t == "openai":
        return {"openai_api_key": "sk-proj-" + _body(rng, URLSAFE, 74, canary) + "T3BlbkFJ" + _pick(rng, URLSAFE, 74)}
    if t == "google":
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
    if t == "azure_llm":
        return {
            "azure_openai_endpoint": f"https://{_pick(rng, string.ascii_lowercase, 10)}.openai.azure.com/",
            "azure_openai_api_key": _body(rng, HEX, 32, hexc),
            "azure_openai_deployment_name": "gpt-4o-" + _pick(rng, string.ascii_lowercase, 4),
            "azure_openai_api_version": "2024-10-21",
            "azure_openai_region": "swedencentral",
        }
    if t == "elevenlabs":
        return {"elevenlabs_api_key": "sk_" + _body(rng, HEX, 48, hexc)}
    if t == "deepgram":
        return {"deepgram_api_key": _body(rng, HEX, 40, hexc)}
    if t == "cartesia":
        return {"cartesia_api_key": "sk_car_" + _body(rng, ALNUM, 22, canary)}
    if t == "playht":
        return {"playht_user_id": _pick(rng, ALNUM, 28), "playht_api_key": _body(rng, HEX, 32, hexc)}
    if t == "rime":
        return {"rime_api_key": _body(rng, ALNUM, 40, canary)}
    if t == "azure_speech":
        return {"azure_speech_key": _body(rng, HEX, 32, hexc), "azure_speech_region": "westeurope"}
    if t == "assemblyai":
        return {"assemblyai_api_key": _body(rng, HEX, 32, hexc), "assemblyai_region": "us"}
    if t == "deepseek":
        return {"deepseek_api_key": "sk-" + _body(rng, HEX, 32, hexc)}
    if t == "telnyx":
        return {"telnyx_api_key": "KEY" + _body(rng, URLSAFE, 55, canary)}
    if t == "un_pw_oauth":
        return {
            "token_url": "https://login.example.com/oauth2/token",
            "client_id": "voice-agent",
            "client_secret": _body(rng, URLSAFE, 40, canary),
            "username": "agent@example.com",
            "password": "Correct horse " + _body(rng, ALNUM, 24, canary),
            "scope": "calls.read calls.write",
            "client_auth_method": "client_secret_basic",
        }
    if t == "login_key_oauth":
        return {
            "token_url": "https://auth.example.com/token?tenant=acme",
            "login": "voice-agent",
            "key": _body(rng, URLSAFE, 48, canary),
            "scope": "calls",
        }
    if t == "external_api_key":
        return {"api_key": _body(rng, URLSAFE, 40, canary), "header_name": "X-API-Key", "location": "header"}
    raise KeyError(connection_type)


def canary(seed: int = 0) -> str:
    """A marker to plant in secrets: hex (fits every key alphabet) and unlikely anywhere else."""
    return "c0ffee" + f"{random.Random(seed).getrandbits(40):010x}"  # noqa: S311 - a marker, not a secret
