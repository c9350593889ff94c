"""The credential table: per connection type, every field's kind (from the spec) and its rules.

Connection types, credential schemas and field kinds come from the spec index; the provider rules
and fast-path shapes are looked up by provider name and are simply absent for a type they do not
know (that type gets the structural and generic checks).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from voicecontract.credentials.generic import (
    ASCII_SPACE,
    AUTH_PREFIX,
    GENERIC_CODES,
    URL_RULES,
    FieldKind,
    cross_cutting,
    exclusions,
    looks_placeholder,
)
from voicecontract.credentials.providers import OBJECT_RULES, PROVIDER_RULES
from voicecontract.credentials.rules import LOOKALIKE_PREFIXES, Check
from voicecontract.credentials.shapes import SHAPES, Shape, Tight
from voicecontract.errors import Issue
from voicecontract.spec import index, pointer
from voicecontract.spec.schema import Schemas


@dataclass
class ProviderTable:
    """Everything the validators know about one connection type."""

    type: str
    credentials_schema: str
    fields: dict[tuple[str, ...], FieldKind] = field(default_factory=dict)
    rules: dict[tuple[str, ...], list[Check]] = field(default_factory=dict)
    object_rule: Callable[[Any, tuple[str | int, ...]], list[Issue]] | None = None
    # fast path: top-level field -> predicate; None when some field is never on the fast path
    fast: dict[str, Callable[[str], bool]] | None = None
    required: frozenset[str] = frozenset()
    model: Any = None

    @property
    def codes(self) -> set[str]:
        """The provider codes this type's rules can produce."""
        return {c.code for checks in self.rules.values() for c in checks}

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

    excluded = re.compile("|".join(f"(?:{ex.pattern.pattern})" for ex in fk.excluded)).search if fk.excluded else None

    def ok(v: str) -> bool:
        if len(v) > limit or not test(v) or looks_placeholder(v) or (excluded is not None and excluded(v)):
            return False
        if v[0] == v[-1] and v[0] in "\"'`":  # quoted
            return False
        if looks is not None and v[:2] in LOOKALIKE_PREFIXES and looks(v):
            return False
        return prefix is None or prefix(v) is None

    return ok


def field_kinds(schemas: Schemas, schema_name: str, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], FieldKind]:
    """Every string field of a credentials schema (nested objects walked) with its kind from the spec."""
    out: dict[tuple[str, ...], FieldKind] = {}
    for name, prop in schemas.properties(schemas.named(schema_name)).items():
        target = schemas.resolve(prop)
        ref = schemas.name_of(prop)
        if ref and isinstance(target, dict) and target.get("type") == "object":
            out.update(field_kinds(schemas, ref, (*prefix, name)))
            continue
        max_length = target.get("maxLength") if isinstance(target, dict) else None
        out[(*prefix, name)] = FieldKind(
            schemas.credential_kind(prop), schemas.is_secret(prop), max_length, exclusions(schemas.exclusions(prop))
        )
    return out


@lru_cache(maxsize=1)
def tables() -> dict[str, ProviderTable]:
    """The table of every connection type of the spec, keyed by short name (``twilio``)."""
    from voicecontract._generated import models

    ix = index()
    out: dict[str, ProviderTable] = {}
    for ctype in ix.connection_types.values():
        short = ctype.short
        kinds = field_kinds(ix.schemas, ctype.credentials)
        rules = {path: list(checks) for path, checks in PROVIDER_RULES.get(short, {}).items() if path in kinds}
        for path, fk in kinds.items():
            if fk.kind == "url":
                rules[path] = [*rules.get(path, []), *URL_RULES]
        table = ProviderTable(short, ctype.credentials, kinds, rules, OBJECT_RULES.get(short))
        shapes = SHAPES.get(short)
        if shapes and all(len(path) == 1 for path in kinds) and set(shapes) == set(kinds):
            table.fast = {
                path[0]: _shape_predicate(shape, kinds[path], rules.get(path, [])) for path, shape in shapes.items()
            }
        table.required = frozenset(ix.schemas.required(ix.schemas.named(ctype.credentials)))
        table.model = getattr(models, ctype.credentials, None)
        out[short] = table
    return out


def normalize_type(connection_type: Any) -> str | None:
    """Map ``twilio`` or ``account_connection_twilio`` to the table's key, or None if unknown."""
    if not isinstance(connection_type, str):
        return None
    found = index().connection_type(connection_type) or index().connection_type(connection_type.strip())
    return found.short if found is not None else None


def _value_at(data: Any, path: tuple[str, ...]) -> Any:
    cur = data
    for p in path:
        if not isinstance(cur, dict) or p not in cur:
            return None
        cur = cur[p]
    return cur


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen: set[tuple[str, str]] = set()
    out = []
    for i in issues:
        if (i.path, i.code) not in seen:
            seen.add((i.path, i.code))
            out.append(i)
    return out


log = logging.getLogger("voicecontract.credentials")
CRASHED = "rule_crashed"  # not a rule's code: a rule that raised instead of answering


def crashed(code: str, where: str, exc: BaseException) -> Issue:
    """A rule that raised: an error on the field (never a silent pass), logged without the value."""
    # Only the exception's class is logged: its message, like the traceback's locals, may hold the value.
    log.error("credential rule %s raised %s at %s (a bug in voicecontract)", code, type(exc).__name__, where)
    return Issue(where, CRASHED, f"the check {code} could not run on this value (a bug: please report it)")


def rule_issues(table: ProviderTable, credentials: Any, *, base: tuple[str | int, ...] = ()) -> list[Issue]:
    """Run the object, generic and provider rules over a credentials object (any JSON, never raises)."""
    issues: list[Issue] = []
    if table.object_rule is not None:
        try:
            issues.extend(table.object_rule(credentials, base))
        except Exception as exc:  # reported below as an error, never a crash nor a pass
            issues.append(crashed(f"{table.type} object rules", pointer(*base), exc))
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
            except Exception as exc:  # neither a crash nor a silent pass: an error naming the rule
                provider.append(crashed(check.code, where, exc))
                continue
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
