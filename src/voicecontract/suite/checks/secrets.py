"""no_secret_echo: no secret of a request comes back, whatever its length."""

from __future__ import annotations

from typing import Any

from voicecontract.suite.checks.base import Violation, body_of, check, json_of, operation
from voicecontract.suite.context import RunContext
from voicecontract.suite.oracle import MASK

WINDOW = 8  # the masked hint may show 4 characters; 8 in a row is the secret


def secret_values(run: RunContext, case: Any) -> list[str]:
    """The secrets a request carries: its x-secret fields and the bearer tokens."""
    out: list[str] = []
    auth = case.headers.get("Authorization") if case.headers else None
    if isinstance(auth, str) and auth.lower().startswith("bearer "):
        out.append(auth[7:])
    out += [t for t in (run.target.token, run.target.second_token) if t]
    op = operation(run, case)
    body = body_of(case)
    if op is not None and op.body_node is not None and body is not None:
        out += list(run.ix.schemas.secret_values(op.body_node, body))
    return [s for s in out if s]


def grams(text: str) -> set[str]:
    """Every run of WINDOW consecutive characters of a text."""
    return {text[i : i + WINDOW] for i in range(len(text) - WINDOW + 1)}


def leaked(secret: str, text: str, allowed: str = "", vocabulary: set[str] | frozenset[str] = frozenset()) -> bool:
    """Whether ``text`` holds 8 characters in a row of ``secret`` that ``allowed`` and the vocabulary do not explain."""
    if len(secret) < WINDOW:
        return False
    for i in range(len(secret) - WINDOW + 1):
        window = secret[i : i + WINDOW]
        if window in text and window not in allowed and window not in vocabulary:
            return True
    return False


def _appears(secret: str, text: str) -> bool:
    """Whether any WINDOW consecutive characters of ``secret`` occur in ``text``."""
    return any(secret[i : i + WINDOW] in text for i in range(len(secret) - WINDOW + 1))


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def vocabulary(run: RunContext) -> set[str]:
    """The 8-grams of every field name, enum value and constant of the spec: text an answer may hold anyway."""
    found = run.__dict__.get("_vocabulary")
    if found is None:
        words: set[str] = set()
        from voicecontract.spec import walk

        for _, node in walk(run.spec_document):
            if isinstance(node, dict):
                words.update(k for k in (node.get("properties") or {}) if isinstance(k, str))
                for key in ("enum", "const"):
                    value = node.get(key)
                    words.update(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str))
        found = set().union(*(grams(w) for w in words))
        run.__dict__["_vocabulary"] = found
    return found


@check
def no_secret_echo(run: RunContext, response: Any, case: Any) -> None:
    """No secret of the request appears in a response header or the body, whatever its length."""
    secrets = secret_values(run, case)
    if not secrets:
        return
    headers = {str(k): str(v) for k, v in (response.headers or {}).items()}
    header_text = " ".join(f"{k}: {v}" for k, v in headers.items())
    text = response.text if isinstance(response.text, str) else ""
    if all(len(s) >= WINDOW for s in secrets) and not any(
        _appears(s, text) or _appears(s, header_text) for s in secrets
    ):
        return  # what follows only explains windows that do appear (most answers hold none)
    sent = body_of(case)
    op = operation(run, case)
    public_strings = set(run.ix.schemas.public_strings(op.body_node, sent)) if op and op.body_node else set()
    public = " ".join(public_strings)
    answer_strings = {s for s in _strings(json_of(response)) if not s.startswith(MASK)}
    words = vocabulary(run)
    for secret in secrets:
        if secret in public_strings:
            continue  # the same value was also sent in a field that is not secret
        if leaked(secret, text, public, words) or (len(secret) < WINDOW and secret in answer_strings):
            raise Violation(case, f"the response body of {case.method} {case.path} repeats a secret")
        if leaked(secret, header_text, public, words) or (len(secret) < WINDOW and secret in headers.values()):
            raise Violation(case, f"a response header of {case.method} {case.path} repeats a secret")
