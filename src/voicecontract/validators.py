"""Importable payload validators: ``validate`` for any schema of the spec.

Every check rests on the generated models (the spec's JSON Schema rules) plus, for credentials,
the one table of per-provider rules in ``voicecontract.credentials``.
"""

from __future__ import annotations

import json
import math
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from voicecontract.errors import Issue, PayloadError, issues_from_validation_error

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
    return TypeAdapter(getattr(models, schema_name))


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


def validate(schema_name: str, payload: Any) -> Any:
    """Validate a payload against a named schema of the spec and return the typed value.

    ``payload`` is parsed JSON (dict, list, ...) or JSON text (str/bytes). Raises
    ``PayloadError`` with one ``Issue`` per offending field; never any other exception for bad
    input, and never with the value of a field in a message.
    """
    try:
        ta = adapter(schema_name)
    except KeyError:
        raise PayloadError(
            [Issue("", "unknown_schema", f"no schema named {schema_name!r} in the spec")], schema=schema_name
        ) from None
    if isinstance(payload, str | bytes | bytearray):
        payload = parse_json(bytes(payload) if isinstance(payload, bytearray) else payload)
    bad = _non_finite(payload)
    if bad is not None:
        from voicecontract.spec import pointer

        raise PayloadError([Issue(pointer(*bad), "type", "NaN and Infinity are not JSON numbers")], schema=schema_name)
    try:
        return ta.validate_python(payload)
    except ValidationError as exc:
        raise PayloadError(issues_from_validation_error(exc, payload), schema=schema_name) from None
    except RecursionError:
        raise PayloadError([Issue("", "invalid", "nested too deeply")], schema=schema_name) from None


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


__all__ = ["PayloadError", "adapter", "dump", "parse_json", "schema_names", "validate"]
