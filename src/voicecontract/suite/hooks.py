"""schemathesis hooks that make generated data satisfy the spec's one unexpressible rule.

The spec marks a field whose server-side rule JSON Schema cannot express with
``x-unexpressible-check`` (today only ``pem-private-key``: a Google service-account key must
parse). Random strings matching the field's pattern would be rejected with a 400, which
schemathesis' positive-data check would report although the spec allows the request. This hook,
named in ``schemathesis.toml`` (and loaded by ``voicecontract run``), makes such fields draw from
real keys generated at run time; every other field is generated from the spec untouched.
"""

from __future__ import annotations

from typing import Any

import schemathesis

GENERATORS = {"pem-private-key": lambda: [_pem(0), _pem(1)]}  # one per UNEXPRESSIBLE_CHECKS (a test holds it)


def _pem(slot: int) -> str:
    from voicecontract.recipes import rsa_private_key_pem

    return rsa_private_key_pem(slot)


def apply_unexpressible(raw_schema: dict[str, Any]) -> list[str]:
    """Make ``x-unexpressible-check`` fields draw valid values; return the schema names touched.

    Each such schema gets an ``enum`` of valid values, and every example value of a property
    that refers to it (the spec's examples hold placeholders, never real keys) is replaced by one.
    """
    touched: dict[str, list[str]] = {}
    schemas = raw_schema.get("components", {}).get("schemas", {}) or {}
    for name, schema in schemas.items():
        check = schema.get("x-unexpressible-check") if isinstance(schema, dict) else None
        if check in GENERATORS:
            schema["enum"] = touched[name] = GENERATORS[check]()
    if not touched:
        return []
    refs = {f"#/components/schemas/{name}": values for name, values in touched.items()}
    fields: dict[str, str] = {}  # property name -> a valid value
    for node in _walk(raw_schema):
        for prop, sub in (node.get("properties") or {}).items() if isinstance(node.get("properties"), dict) else []:
            if isinstance(sub, dict) and sub.get("$ref") in refs:
                fields[prop] = refs[sub["$ref"]][0]
    for node in _walk(raw_schema):
        for key in ("example", "examples", "value"):
            if key in node:
                node[key] = _replace(node[key], fields)
    return sorted(touched)


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _replace(value: Any, fields: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: fields[k] if k in fields and isinstance(v, str) else _replace(v, fields) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, fields) for v in value]
    return value


@schemathesis.hook
def before_load_schema(context: Any, raw_schema: dict[str, Any]) -> None:
    """Valid values for fields whose rule the spec can only name (see the module docstring)."""
    apply_unexpressible(raw_schema)
