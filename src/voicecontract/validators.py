"""Importable payload validators: ``validate`` for any schema of the spec.

Every check rests on the generated models (the spec's JSON Schema rules) plus, for credentials,
the one table of per-provider rules in ``voicecontract.credentials``.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any

from pydantic import BeforeValidator, TypeAdapter, ValidationError

from voicecontract._base import WHOLE_FLOAT_LIMIT, annotation_is_int
from voicecontract.credentials import normalize_type, rule_issues, tables
from voicecontract.errors import Issue, PayloadError, issues_from_validation_error

log = logging.getLogger("voicecontract.validators")

MAX_JSON_BYTES = 4 * 1024 * 1024


@cache
def schema_names() -> tuple[str, ...]:
    """Names of every component schema of the spec, in spec order."""
    from voicecontract.spec import packaged_spec

    return tuple(packaged_spec()["components"]["schemas"])


@cache
def adapter(schema_name: str) -> TypeAdapter[Any]:
    """The pydantic TypeAdapter validating one component schema (cached)."""
    from voicecontract._generated import models

    if schema_name not in schema_names():
        raise KeyError(schema_name)
    target = getattr(models, schema_name)
    if annotation_is_int(target):
        # A named integer schema (e.g. PageSize) is a type alias, not a model: read 2.0 as 2 here, as
        # SpecModel does for integer fields, because JSON Schema does.
        wrapped: Any = Annotated[target, BeforeValidator(_whole_float)]
        return TypeAdapter(wrapped)
    return TypeAdapter(target)


def _whole_float(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) <= WHOLE_FLOAT_LIMIT:
        return int(value)
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(raw: str | bytes) -> Any:
    """Parse JSON text strictly: UTF-8 only, no NaN/Infinity, bounded size and depth."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_JSON_BYTES:
            raise PayloadError([Issue("", "too_large", f"the document is larger than {MAX_JSON_BYTES} bytes")])
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PayloadError([Issue("", "invalid_json", f"not UTF-8 (byte {exc.start})")]) from None
    if len(raw) > MAX_JSON_BYTES:
        raise PayloadError([Issue("", "too_large", f"the document is larger than {MAX_JSON_BYTES} bytes")])
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except RecursionError:
        raise PayloadError([Issue("", "invalid_json", "nested too deeply")]) from None
    except ValueError as exc:
        # json's messages name a position, never a value
        raise PayloadError([Issue("", "invalid_json", f"not valid JSON: {str(exc).split(':')[0]}")]) from None


def _non_finite(value: Any, path: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, path)]
    while stack:
        cur, at = stack.pop()
        if isinstance(cur, float) and not math.isfinite(cur):
            return at
        if isinstance(cur, dict):
            stack.extend((v, (*at, k)) for k, v in cur.items())
        elif isinstance(cur, list):
            stack.extend((v, (*at, i)) for i, v in enumerate(cur))
    return None


def _prepare(payload: Any, schema_name: str) -> Any:
    if isinstance(payload, bytes | bytearray):
        # JSON text; parse_json rejects NaN/Infinity itself. (A str is a JSON string value.)
        return parse_json(bytes(payload))
    bad = _non_finite(payload)
    if bad is not None:
        from voicecontract.spec import pointer

        raise PayloadError([Issue(pointer(*bad), "type", "NaN and Infinity are not JSON numbers")], schema=schema_name)
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
    from voicecontract.spec import packaged_spec

    spec = packaged_spec()["components"]["schemas"]
    sites: dict[str, tuple[str | None, tuple[str, ...]]] = {}
    for short, table in tables().items():
        sites[table.credentials_schema] = (short, ())
    for union in ("AccountConnectionParams", "AccountConnectionUpdateParams"):
        sites[union] = (None, ("credentials",))
        for tag, ref in spec[union]["discriminator"]["mapping"].items():
            sites[ref.rsplit("/", 1)[-1]] = (tag.removeprefix("account_connection_"), ("credentials",))
    return sites


def _rule_issues(schema_name: str, payload: Any) -> list[Issue]:
    site = credential_sites().get(schema_name)
    if site is None:
        return []
    ctype, where = site
    if ctype is None:
        ctype = normalize_type(payload.get("type")) if isinstance(payload, dict) else None
        if ctype is None:
            return []
    creds = payload
    for key in where:
        creds = creds.get(key) if isinstance(creds, dict) else None
    if creds is None or tables()[ctype].fast_ok(creds):
        return []
    return rule_issues(ctype, creds, base=where)


def _merge(model: list[Issue], rules: list[Issue]) -> list[Issue]:
    """Rule issues win over the model's generic ones at the same field."""
    rule_error_paths = {i.path for i in rules if i.severity == "error"}
    kept = [i for i in model if i.path not in rule_error_paths or i.code in ("missing", "extra_field")]
    return sorted([*rules, *kept], key=lambda i: (i.path, i.severity != "error", i.code))


def _check(schema_name: str, payload: Any, strict: bool) -> tuple[Any, list[Issue]]:
    try:
        ta = adapter(schema_name)
    except KeyError:
        raise PayloadError(
            [Issue("", "unknown_schema", f"no schema named {schema_name!r} in the spec")], schema=schema_name
        ) from None
    payload = _prepare(payload, schema_name)
    value, model = _model_issues(ta, payload)
    rules = _rule_issues(schema_name, payload) if schema_name in credential_sites() else []
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
    value, issues = _check(schema_name, payload, strict)
    if any(i.severity == "error" for i in issues):
        raise PayloadError(issues, schema=schema_name)
    return value


def check_payload(schema_name: str, payload: Any, *, strict: bool = False) -> list[Issue]:
    """Every issue (errors and warnings) of a payload against a named schema; never raises."""
    try:
        return _check(schema_name, payload, strict)[1]
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
    shown = repr(connection_type)[:60] if isinstance(connection_type, str) else type(connection_type).__name__
    return Issue("", "unknown_type", f"unknown connection type {shown}; expected one of: {allowed}")


def check_credentials(connection_type: str, credentials: Any, *, strict: bool = False) -> CredentialReport:
    """Check credentials for a connection type (``twilio`` or ``account_connection_twilio``).

    Returns a report of errors and warnings and never raises for bad input. With ``strict``,
    warnings count as errors.
    """
    short = normalize_type(connection_type)
    if short is None:
        return CredentialReport(str(connection_type)[:60], errors=[_unknown_type(connection_type)])
    table = tables()[short]
    if table.fast_ok(credentials):  # every field has its expected shape: no rule can fire (proven by tests)
        try:
            return CredentialReport(short, credentials=table.model.model_validate(credentials))
        except ValidationError:
            pass  # never expected; the full path below reports it properly
    try:
        value, issues = _check(tables()[short].credentials_schema, credentials, strict)
    except PayloadError as exc:
        value, issues = None, list(exc.issues)
    report = CredentialReport(
        short,
        errors=[i for i in issues if i.severity == "error"],
        warnings=[i for i in issues if i.severity == "warning"],
        credentials=None,
    )
    if report.ok:
        report.credentials = value
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
    "dump",
    "parse_json",
    "schema_names",
    "validate",
    "validate_credentials",
]
