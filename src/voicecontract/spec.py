"""Loading the OpenAPI document: the hand-maintained file in spec/ or the packaged copy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

JSON = Any


class SpecLoadError(Exception):
    """The spec file is missing or is not a YAML/JSON mapping."""


def load_spec_file(path: str | Path) -> dict[str, Any]:
    """Read an OpenAPI document from a YAML or JSON file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecLoadError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecLoadError(f"{p}: cannot read ({exc.__class__.__name__}: {exc})") from None
    try:
        if p.suffix == ".json":
            data = json.loads(text)
        else:
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            data = yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader
    except (ValueError, yaml.YAMLError) as exc:
        raise SpecLoadError(f"{p}: not valid YAML/JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SpecLoadError(f"{p}: the document is not a mapping")
    return data


def repo_spec_path() -> Path | None:
    """Return spec/openapi.yaml of a source checkout, if this package runs from one."""
    candidate = Path(__file__).resolve().parents[2] / "spec" / "openapi.yaml"
    return candidate if candidate.is_file() else None


@lru_cache(maxsize=1)
def packaged_spec_bytes() -> bytes:
    """Return the packaged spec (generated/openapi.json) as bytes, as served at /openapi.json."""
    return (resources.files("voicecontract._generated") / "openapi.json").read_bytes()


@lru_cache(maxsize=1)
def packaged_spec() -> dict[str, Any]:
    """Return the packaged spec as a dict (shared; do not mutate)."""
    data = json.loads(packaged_spec_bytes())
    assert isinstance(data, dict)
    return data


def resolve(spec: dict[str, Any], node: JSON) -> JSON:
    """Follow local ``$ref`` chains until a node without ``$ref``."""
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
            return node
        seen.add(ref)
        node = pointer_get(spec, ref[1:])
    return node


def pointer_get(doc: JSON, pointer: str) -> JSON:
    """Return the value at a JSON pointer (RFC 6901); KeyError if it does not exist."""
    if pointer == "":
        return doc
    if not pointer.startswith("/"):
        raise KeyError(pointer)
    cur = doc
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(cur, dict):
            if token not in cur:
                raise KeyError(pointer)
            cur = cur[token]
        elif isinstance(cur, list):
            if not token.isdigit() or int(token) >= len(cur):
                raise KeyError(pointer)
            cur = cur[int(token)]
        else:
            raise KeyError(pointer)
    return cur


def escape_token(token: str | int) -> str:
    """Escape one JSON-pointer reference token."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    """Build a JSON pointer from reference tokens."""
    return "".join("/" + escape_token(t) for t in tokens)


HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def iter_operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield (path, method, operation) for every operation of the document."""
    paths = spec.get("paths")
    if not isinstance(paths, dict):
        return
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                yield path, method, op


def secret_property_names(spec: dict[str, Any], schema_name: str) -> set[str]:
    """Names of the properties of a component schema that are marked ``x-secret``."""
    schema = spec["components"]["schemas"][schema_name]
    out = set()
    for name, prop in (schema.get("properties") or {}).items():
        if is_secret_schema(spec, prop):
            out.add(name)
    return out


def is_secret_schema(spec: dict[str, Any], node: JSON) -> bool:
    """Whether a (possibly referenced) schema is marked ``x-secret: true``."""
    if not isinstance(node, dict):
        return False
    if node.get("x-secret") is True:
        return True
    target = resolve(spec, {"$ref": node["$ref"]}) if "$ref" in node else None
    return isinstance(target, dict) and target.get("x-secret") is True
