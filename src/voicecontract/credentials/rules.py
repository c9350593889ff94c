"""The rule language of the credential checks: a rule is a code, a severity, a message and a test.

No message ever contains the value or any part of it longer than two characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from voicecontract.errors import Severity


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
