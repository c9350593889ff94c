"""The generic checks every credential string gets, chosen by its ``x-credential-kind`` in the spec.

Kinds: ``key`` (no whitespace, ASCII, in headers), ``opaque`` (passwords and the like), ``url``
and ``pem``. **Leading and trailing whitespace is rejected, never stripped**: silently changing a
secret hides the paste error and makes the stored value differ from what was sent.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from voicecontract.credentials.rules import Check, error, starts
from voicecontract.errors import Severity

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


# --------------------------------------------------------------------------- cross-cutting (§1)

AUTH_PREFIX = re.compile(r"(?:bearer|token|basic|apikey|api-key)[ \t:=]+", re.IGNORECASE | re.ASCII)
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
class Exclusion:
    """A class of values the spec excludes from a field with ``not`` (e.g. a placeholder): an error."""

    code: str
    message: str
    pattern: re.Pattern[str]


def exclusions(found: list[tuple[str, str, str]]) -> tuple[Exclusion, ...]:
    """Compile the spec's exclusions of a field (``Schemas.exclusions``)."""
    return tuple(Exclusion(code, message or "a value of this kind cannot work", re.compile(pattern))
                 for code, message, pattern in found)


@dataclass(frozen=True)
class FieldKind:
    """What the spec says a credential field is (derived from its schema, not written by hand)."""

    kind: str  # key | opaque | url | pem | other
    secret: bool
    max_length: int | None
    excluded: tuple[Exclusion, ...] = ()

    def excludes(self, value: str) -> list[Exclusion]:
        """The spec's exclusions this value falls under."""
        return [ex for ex in self.excluded if ex.pattern.search(value)]


def _where(fk: FieldKind, i: int, c: str) -> str:
    """Which character and where, for a value that is not secret (of a secret, nothing is told)."""
    if fk.secret:
        return ""
    return f" ({unicodedata.name(c, 'a character').lower()}) at position {i + 1}"


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
        shown = "" if fk.secret else f" ({len(value)})"  # a secret's length is not told
        return [("too_long", "error", f"longer than {fk.max_length} characters{shown}")]
    excluded = fk.excludes(value) if fk.excluded else []
    if kind == "key" and not excluded and CLEAN_KEY.fullmatch(value) and not looks_placeholder(value):
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
        hidden = unicodedata.category(c) in ("Zs", "Cf", "Zl", "Zp")
        what = "an invisible character" if hidden else "a non-ASCII character (a look-alike letter or digit?)"
        out.append(("non_ascii", "error", f"contains {what}{_where(fk, i, c)}; retype it"))
    elif odd and kind == "opaque":
        invisible = [(i, c) for i, c in odd if unicodedata.category(c) in ("Cf", "Zl", "Zp") or c == "\u00a0"]
        if invisible:
            i, c = invisible[0]
            out.append(("invisible_character", "warning", f"contains an invisible character{_where(fk, i, c)}"))
    if value.startswith("****") and fk.secret:
        sev: Severity = "error" if kind == "key" else "warning"
        out.append(("masked_value", sev, "this is the masked hint a response shows, not the secret"))
    # What the spec excludes cannot work (errors, by the spec's codes); what only looks odd may still
    # work (warnings): a `my_` prefix, `dummy`, quotes around a password.
    fired = {ex.code for ex in excluded}
    out.extend((ex.code, "error", ex.message) for ex in excluded)
    if "placeholder" not in fired and looks_placeholder(stripped):
        out.append(("maybe_placeholder", "warning", "looks like a placeholder, not a real value"))
    quoted = len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "\"'`"
    if quoted and "quoted" not in fired:
        out.append(("maybe_quoted", "warning", "wrapped in quotes; if they are not part of the value, remove them"))
    return out


# Every code ``cross_cutting`` can produce, with its default severity (the README lists them).
GENERIC_SEVERITIES: dict[str, Severity] = {
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
    "maybe_placeholder": "warning",
    "maybe_quoted": "warning",
}
