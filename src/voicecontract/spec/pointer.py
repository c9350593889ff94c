"""JSON pointers (RFC 6901) and local ``$ref`` resolution."""

from __future__ import annotations

from typing import Any

JSON = Any


def escape_token(token: str | int) -> str:
    """Escape one JSON-pointer reference token."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    """Build a JSON pointer from reference tokens."""
    return "".join("/" + escape_token(t) for t in tokens)


def split_pointer(ptr: str) -> list[str]:
    """The unescaped reference tokens of a JSON pointer ('' has none)."""
    if ptr == "":
        return []
    if not ptr.startswith("/"):
        raise KeyError(ptr)
    return [raw.replace("~1", "/").replace("~0", "~") for raw in ptr[1:].split("/")]


def pointer_get(doc: JSON, ptr: str) -> JSON:
    """Return the value at a JSON pointer; KeyError if it does not exist."""
    cur = doc
    for token in split_pointer(ptr):
        if isinstance(cur, dict):
            if token not in cur:
                raise KeyError(ptr)
            cur = cur[token]
        elif isinstance(cur, list):
            if not token.isdigit() or int(token) >= len(cur):
                raise KeyError(ptr)
            cur = cur[int(token)]
        else:
            raise KeyError(ptr)
    return cur


def resolve(spec: dict[str, Any], node: JSON) -> JSON:
    """Follow local ``$ref`` chains until a node without ``$ref``."""
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
            return node
        seen.add(ref)
        try:
            node = pointer_get(spec, ref[1:])
        except KeyError:
            return node
    return node


def ref_name(node: JSON) -> str | None:
    """The component name a node's ``$ref`` names (``#/components/schemas/Id`` → ``Id``), or None."""
    if isinstance(node, dict) and isinstance(node.get("$ref"), str):
        return str(node["$ref"]).rsplit("/", 1)[-1]
    return None
