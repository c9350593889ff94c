"""How stored documents are shown: defaults completed from the spec, secrets masked, references expanded."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from voicecontract.credentials import tables
from voicecontract.spec import packaged_spec, resolve

MASK = "****"
HINT_MIN_LENGTH = 20


def mask(value: Any, *, key_like: bool) -> str:
    """The masked hint of a secret: ``****`` plus the last four characters of a long key."""
    if key_like and isinstance(value, str) and len(value) >= HINT_MIN_LENGTH and value[-4:].isprintable():
        return MASK + value[-4:]
    return MASK


def _nullable(node: Any) -> bool:
    spec = packaged_spec()
    node = resolve(spec, node)
    if not isinstance(node, dict):
        return False
    t = node.get("type")
    if t == "null" or (isinstance(t, list) and "null" in t):
        return True
    return any(_nullable(m) for m in node.get("oneOf", []) + node.get("anyOf", []))


@cache
def _fill(schema_name: str) -> tuple[tuple[str, bool, Any], ...]:
    """(property, has_default_or_null, value) for every property a response may complete."""
    schema = packaged_spec()["components"]["schemas"][schema_name]
    out = []
    for name, prop in schema.get("properties", {}).items():
        if "default" in prop:
            out.append((name, True, prop["default"]))
        elif _nullable(prop):
            out.append((name, True, None))
    return tuple(out)


def _member(schema_name: str, doc: dict[str, Any]) -> str:
    schema = packaged_spec()["components"]["schemas"][schema_name]
    mapping = schema.get("discriminator", {}).get("mapping")
    if mapping:
        return str(mapping[doc["type"]].rsplit("/", 1)[-1])
    return schema_name


def complete(schema_name: str, doc: dict[str, Any]) -> dict[str, Any]:
    """Add every absent property that has a default (its default) or is nullable (``null``)."""
    name = _member(schema_name, doc)
    out = dict(doc)
    for prop, _, value in _fill(name):
        if prop not in out:
            out[prop] = copy.deepcopy(value)
    return out


def mask_credentials(connection_type: str, credentials: dict[str, Any]) -> dict[str, Any]:
    """Credentials as responses show them: every x-secret field replaced by its hint."""
    short = connection_type.removeprefix("account_connection_")
    out = copy.deepcopy(credentials)
    for path, fk in tables()[short].fields.items():
        if not fk.secret:
            continue
        parent: Any = out
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and path[-1] in parent:
            parent[path[-1]] = mask(parent[path[-1]], key_like=fk.kind == "key")
    return out
