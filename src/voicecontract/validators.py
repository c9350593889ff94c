"""Importable payload validators: ``validate`` for any schema of the spec.

Every check rests on the generated models (the spec's JSON Schema rules) plus, for credentials,
the one table of per-provider rules in ``voicecontract.credentials``, plus the values the spec
excludes with ``not`` (the generator drops that keyword, so the models alone would accept them).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, TypeAdapter, ValidationError

from voicecontract._base import WHOLE_FLOAT_LIMIT, annotation_is_int
from voicecontract.credentials import inspect, normalize_type, tables
from voicecontract.credentials.generic import Exclusion, exclusions
from voicecontract.errors import Issue, PayloadError, issues_from_validation_error
from voicecontract.spec import index, packaged_spec, pointer

log = logging.getLogger("voicecontract.validators")

MAX_JSON_BYTES = 4 * 1024 * 1024
# Documented in the spec's conventions: deeper JSON is a 400, not a crash further down (pydantic's and
# json's own recursion limits would otherwise decide, some of them only when the answer is serialized).
MAX_DEPTH = 64
MAX_INT_DIGITS = 300  # far past any integer of the spec; Python's own limit (4300) raises mid-parse


@cache
def schema_names() -> tuple[str, ...]:
    """Names of every component schema of the spec, in spec order."""
    return tuple(packaged_spec()["components"]["schemas"])


@cache
def adapter(schema_name: str) -> TypeAdapter[Any]:
    """The pydantic TypeAdapter validating one component schema (cached)."""
    from voicecontract._generated import models

    if schema_name not in schema_names():
        raise KeyError(schema_name)
    target = getattr(models, schema_name)
    if isinstance(target, type) and issubclass(target, BaseModel):
        return TypeAdapter(target)  # its own config (SpecModel's) hides input in errors
    # A type alias (a union, a named string or integer): the adapter's config is what hides the input
    # in a ValidationError's text, whichever nested model raised it.
    hidden = ConfigDict(hide_input_in_errors=True)
    if annotation_is_int(target):
        # A named integer schema (e.g. PageSize): read 2.0 as 2 here, as SpecModel does for integer
        # fields, because JSON Schema does.
        wrapped: Any = Annotated[target, BeforeValidator(_whole_float)]
        return TypeAdapter(wrapped, config=hidden)
    return TypeAdapter(target, config=hidden)


def _whole_float(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) <= WHOLE_FLOAT_LIMIT:
        return int(value)
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON numbers")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("a number is too large to represent")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"an integer has more than {MAX_INT_DIGITS} digits")
    return int(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("an object has the same key twice")  # which key is not said: it may be anything
    return out


def parse_json(raw: str | bytes) -> Any:
    """Parse JSON text strictly: UTF-8 only, unique keys, finite numbers, bounded size and depth."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_JSON_BYTES:
            raise PayloadError([Issue("", "too_large", f"the document is larger than {MAX_JSON_BYTES} bytes")])
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise PayloadError([Issue("", "invalid_json", "not UTF-8")]) from None
    if len(raw) > MAX_JSON_BYTES:
        raise PayloadError([Issue("", "too_large", f"the document is larger than {MAX_JSON_BYTES} bytes")])
    try:
        data = json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float, parse_int=_bounded_int,
                          object_pairs_hook=_unique_keys)
    except RecursionError:
        raise PayloadError([Issue("", "too_deep", f"nested deeper than {MAX_DEPTH} levels")]) from None
    except json.JSONDecodeError as exc:
        # json's own messages name a position in the text, never a value
        raise PayloadError([Issue("", "invalid_json", f"not valid JSON: {exc.msg}")]) from None
    except ValueError as exc:  # raised by the hooks above, with messages that quote nothing
        raise PayloadError([Issue("", "invalid_json", f"not valid JSON: {exc}")]) from None
    problem = shape_problem(data)
    if problem is not None:
        raise PayloadError([problem])
    return data


def shape_problem(value: Any) -> Issue | None:
    """The first thing no JSON document may hold here: NaN/Infinity, or nesting deeper than MAX_DEPTH.

    The common case (nothing wrong) walks with a depth counter only; the pointer to a problem is
    worked out by a second walk when there is one.
    """
    if not isinstance(value, dict | list | float):
        return None
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        cur, depth = stack.pop()
        if isinstance(cur, float):
            if not math.isfinite(cur):
                return _locate_shape_problem(value)
            continue
        if depth >= MAX_DEPTH:
            return _locate_shape_problem(value)
        for child in cur.values() if isinstance(cur, dict) else cur:
            if isinstance(child, dict | list | float):
                stack.append((child, depth + 1))
    return None


def _locate_shape_problem(value: Any) -> Issue | None:
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        cur, at = stack.pop()
        if isinstance(cur, dict):
            if len(at) >= MAX_DEPTH:
                return Issue(pointer(*at), "too_deep", f"nested deeper than {MAX_DEPTH} levels")
            stack.extend((v, (*at, k)) for k, v in cur.items() if isinstance(v, dict | list | float))
        elif isinstance(cur, list):
            if len(at) >= MAX_DEPTH:
                return Issue(pointer(*at), "too_deep", f"nested deeper than {MAX_DEPTH} levels")
            stack.extend((v, (*at, i)) for i, v in enumerate(cur) if isinstance(v, dict | list | float))
        elif isinstance(cur, float) and not math.isfinite(cur):
            return Issue(pointer(*at), "type", "NaN and Infinity are not JSON numbers")
    return None


def _prepare(payload: Any, schema_name: str) -> Any:
    if isinstance(payload, bytes | bytearray):
        # JSON text; parse_json checks numbers and depth itself. (A str is a JSON string value.)
        return parse_json(bytes(payload))
    problem = shape_problem(payload)
    if problem is not None:
        raise PayloadError([problem], schema=schema_name)
    return payload


def _model_issues(ta: TypeAdapter[Any], payload: Any) -> tuple[Any, list[Issue]]:
    try:
        return ta.validate_python(payload), []
    except ValidationError as exc:
        return None, issues_from_validation_error(exc, payload)
    except RecursionError:
        return None, [Issue("", "invalid", "nested too deeply")]


@cache
def credential_sites() -> dict[str, tuple[str | None, tuple[str, ...]]]:
    """Schema name -> (connection type, or None to read it from the payload; where the credentials are)."""
    ix = index()
    field = (ix.credentials_field,) if ix.credentials_field else ()
    sites: dict[str, tuple[str | None, tuple[str, ...]]] = {}
    for ctype in ix.connection_types.values():
        sites[ctype.credentials] = (ctype.short, ())
        for member in (ctype.create, ctype.update):
            if member:
                sites[member] = (ctype.short, field)
    for name in schema_names():
        union = ix.schemas.union(ix.schemas.named(name))
        if union is not None and union.mapping and all(sites.get(m, (None,))[0] for m in union.mapping.values()):
            sites[name] = (None, field)  # a union of connection types: the tag says which
    return sites


def _schema_paths(schema_name: str, pick: Any) -> tuple[tuple[tuple[str, ...], Any], ...]:
    """Where ``pick(node)`` answers inside a schema: (path with "*" for array items, the answer), nested too.

    The walk does not go below a node that was picked, nor into a credential site (the credential
    rules own everything there).
    """
    schemas = index().schemas
    sites = credential_sites()
    found: list[tuple[tuple[str, ...], Any]] = []

    def visit(node: Any, path: tuple[str, ...], seen: frozenset[str]) -> None:
        picked = pick(node)
        if picked is not None:
            found.append((path, picked))
            return
        name = schemas.name_of(node)
        if name in sites:
            return
        if name is not None:
            if name in seen or len(path) > 12:
                return
            seen = seen | {name}
        target = schemas.resolve(node)
        if not isinstance(target, dict):
            return
        for alt in target.get("oneOf", []) + target.get("anyOf", []):
            visit(alt, path, seen)
        for prop, sub in schemas.properties(target).items():
            visit(sub, (*path, prop), seen)
        items = target.get("items")
        if isinstance(items, dict):
            visit(items, (*path, "*"), seen)

    visit({"$ref": f"#/components/schemas/{schema_name}"}, (), frozenset())
    return tuple(dict.fromkeys(found))


@cache
def credential_paths(schema_name: str) -> tuple[tuple[tuple[str, ...], str], ...]:
    """Where credentials sit inside a schema: (path with "*" for array items, site schema), nested ones too."""
    sites = credential_sites()
    names = index().schemas.name_of
    return _schema_paths(schema_name, lambda node: names(node) if names(node) in sites else None)


@cache
def exclusion_paths(schema_name: str) -> tuple[tuple[tuple[str, ...], tuple[Exclusion, ...]], ...]:
    """Where the spec excludes values with ``not`` outside credentials (those the credential rules check)."""
    schemas = index().schemas
    return _schema_paths(schema_name, lambda node: exclusions(schemas.exclusions(node)) or None)


def _values_at(
    data: Any, path: tuple[str, ...], at: tuple[str | int, ...] = ()
) -> list[tuple[tuple[str | int, ...], Any]]:
    if not path:
        return [(at, data)]
    head, rest = path[0], path[1:]
    if head == "*":
        if not isinstance(data, list):
            return []
        return [hit for i, item in enumerate(data) for hit in _values_at(item, rest, (*at, i))]
    if isinstance(data, dict) and head in data:
        return _values_at(data[head], rest, (*at, head))
    return []


@cache
def _site_tags(site_name: str) -> tuple[str, dict[str, str]] | None:
    """For a union site: its tag property and tag → connection type (short name); None otherwise."""
    schemas = index().schemas
    union = schemas.union(schemas.named(site_name))
    if union is None:
        return None
    return union.prop, {tag: short for tag in union.mapping if (short := normalize_type(tag)) is not None}


def _rule_issues(schema_name: str, payload: Any) -> list[Issue]:
    """The credential rules at every place of the payload that holds credentials."""
    sites = credential_sites()
    table = tables()
    issues: list[Issue] = []
    for path, site_name in credential_paths(schema_name):
        ctype, where = sites[site_name]
        for at, value in _values_at(payload, path):
            short = ctype
            if short is None:
                tags = _site_tags(site_name)
                tag = value.get(tags[0]) if tags is not None and isinstance(value, dict) else None
                short = tags[1].get(tag) if tags is not None and isinstance(tag, str) else None
                if short is None:
                    continue  # an unknown tag: the model reports it
            creds = value
            for key in where:
                creds = creds.get(key) if isinstance(creds, dict) else None
            if creds is not None:
                issues.extend(inspect(table[short], creds, base=(*at, *where)))
    return issues


def _merge(model: list[Issue], rules: list[Issue]) -> list[Issue]:
    """Rule issues win over the model's generic ones at the same field."""
    rule_error_paths = {i.path for i in rules if i.severity == "error"}
    kept = [i for i in model if i.path not in rule_error_paths or i.code in ("missing", "extra_field")]
    return sorted([*rules, *kept], key=lambda i: (i.path, i.severity != "error", i.code))


def check_value(schema_name: str, payload: Any, strict: bool = False) -> tuple[Any, list[Issue]]:
    """Validate a payload against a named schema: (the typed value, or None when invalid; every issue)."""
    try:
        ta = adapter(schema_name)
    except KeyError:
        raise PayloadError(
            [Issue("", "unknown_schema", "no schema by this name in the spec (see schema_names())")], schema=schema_name
        ) from None
    payload = _prepare(payload, schema_name)
    value, model = _model_issues(ta, payload)
    rules = _rule_issues(schema_name, payload) if credential_paths(schema_name) else []
    for path, excluded in exclusion_paths(schema_name):  # `not` exclusions, which the models cannot hold
        for at, found in _values_at(payload, path):
            if isinstance(found, str):
                rules.extend(Issue(pointer(*at), ex.code, ex.message) for ex in excluded if ex.pattern.search(found))
    if not model and not rules:
        return value, []
    issues = _merge(model, rules)
    if strict:
        issues = [Issue(i.path, i.code, i.message, "error") for i in issues]
    return value, issues


def validate(schema_name: str, payload: Any, *, strict: bool = False) -> Any:
    """Validate a payload against a named schema of the spec and return the typed value.

    ``payload`` is parsed JSON (dict, list, str, ...) or JSON text as bytes. Credentials inside
    (an account connection, a credentials object) also pass the provider rules; warnings are
    ignored unless ``strict``. Raises ``PayloadError`` with one ``Issue`` per offending field;
    never another exception for bad input, and never with the value of a field in a message.
    """
    value, issues = check_value(schema_name, payload, strict)
    if any(i.severity == "error" for i in issues):
        raise PayloadError(issues, schema=schema_name)
    return value


def check_payload(schema_name: str, payload: Any, *, strict: bool = False) -> list[Issue]:
    """Every issue (errors and warnings) of a payload against a named schema; never raises."""
    try:
        return check_value(schema_name, payload, strict)[1]
    except PayloadError as exc:
        return list(exc.issues)


@dataclass
class CredentialReport:
    """The outcome of ``check_credentials``: errors, warnings and, when valid, the typed credentials."""

    connection_type: str
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    credentials: Any = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (issues only: the credentials are never included)."""
        return {
            "connection_type": self.connection_type,
            "valid": self.ok,
            "errors": [i.as_dict() for i in self.errors],
            "warnings": [i.as_dict() for i in self.warnings],
        }


def _unknown_type(connection_type: Any) -> Issue:
    allowed = ", ".join(sorted(tables()))
    what = "a string that names no connection type" if isinstance(connection_type, str) else "not a string"
    return Issue("", "unknown_type", f"unknown connection type ({what}); expected one of: {allowed}")


def check_credentials(connection_type: str, credentials: Any, *, strict: bool = False) -> CredentialReport:
    """Check credentials for a connection type (``twilio`` or ``account_connection_twilio``).

    Returns a report of errors and warnings and never raises for bad input. With ``strict``,
    warnings count as errors.
    """
    short = normalize_type(connection_type)
    if short is None:
        return CredentialReport("unknown", errors=[_unknown_type(connection_type)])
    try:
        value, issues = check_value(tables()[short].credentials_schema, credentials, strict)
    except PayloadError as exc:
        value, issues = None, list(exc.issues)
    report = CredentialReport(
        short,
        errors=[i for i in issues if i.severity == "error"],
        warnings=[i for i in issues if i.severity == "warning"],
        credentials=value if not any(i.severity == "error" for i in issues) else None,
    )
    if log.isEnabledFor(logging.DEBUG):
        log.debug(
            "check_credentials %s: %d error(s) %s, %d warning(s) %s",
            short,
            len(report.errors),
            [i.code for i in report.errors],
            len(report.warnings),
            [i.code for i in report.warnings],
        )
    return report


def validate_credentials(connection_type: str, credentials: Any, *, strict: bool = False) -> Any:
    """Validate credentials for a connection type and return the typed credentials model.

    The model's ``repr``/``str`` (and so logging) never show secret fields. Raises
    ``PayloadError`` when there is an error (or, with ``strict``, a warning).
    """
    report = check_credentials(connection_type, credentials, strict=strict)
    if not report.ok:
        raise PayloadError([*report.errors, *report.warnings], schema=f"{report.connection_type} credentials")
    return report.credentials


def dump(value: Any) -> Any:
    """Serialize a validated value back to JSON data, keeping exactly the fields that were set.

    Absent fields stay absent and explicit ``null`` stays ``null`` (the MISSING sentinel is
    never dumped). Secrets are included: this is for storing and sending, never for logging.
    """
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_unset=True, by_alias=True)
    if isinstance(value, list):
        return [dump(v) for v in value]
    if isinstance(value, dict):
        return {k: dump(v) for k, v in value.items()}
    return value


__all__ = [
    "CredentialReport",
    "PayloadError",
    "adapter",
    "check_credentials",
    "check_payload",
    "check_value",
    "dump",
    "parse_json",
    "schema_names",
    "validate",
    "validate_credentials",
]
