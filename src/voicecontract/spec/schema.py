"""Reading schemas of one OpenAPI document: unions, nullability, defaults, secrets, and walking values.

``Schemas(spec)`` answers questions about schema nodes (a node is a schema object, possibly a
``$ref`` with sibling keywords such as ``description`` or ``x-…``). Every tool reads schemas
through it, so that "is this field secret?" or "which member of a union is this value?" has one
answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from voicecontract.spec.pointer import pointer, ref_name, resolve

JSON = Any
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
NO_DEFAULT = object()


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


def walk(node: JSON, path: str = "") -> Iterator[tuple[str, JSON]]:
    """Yield (pointer, node) for every node below ``node``, depth first."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, path + pointer(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, path + pointer(i))


SCHEMA_CHILD_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
SCHEMA_CHILD_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_CHILD_ONE = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames")


def iter_subschemas(schema: JSON, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (pointer, schema) for ``schema`` and every schema nested in it (not following $ref)."""
    if not isinstance(schema, dict):
        return
    yield path, schema
    for key in SCHEMA_CHILD_MAPS:
        children = schema.get(key)
        if isinstance(children, dict):
            for name, child in children.items():
                yield from iter_subschemas(child, path + pointer(key, name))
    for key in SCHEMA_CHILD_LISTS:
        children = schema.get(key)
        if isinstance(children, list):
            for i, child in enumerate(children):
                yield from iter_subschemas(child, path + pointer(key, i))
    for key in SCHEMA_CHILD_ONE:
        child = schema.get(key)
        if isinstance(child, dict):
            yield from iter_subschemas(child, path + pointer(key))


def _all_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _all_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _all_strings(v)


@dataclass(frozen=True)
class Union:
    """A discriminated union: the tag property and tag → member schema name."""

    prop: str
    mapping: dict[str, str]


class Schemas:
    """Questions about the schema nodes of one document."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.components: dict[str, Any] = (spec.get("components") or {}).get("schemas") or {}
        # Memos: the document is read-only once indexed, so answers about its nodes never change.
        self._refs: dict[str, JSON] = {}
        self._unions: dict[int, Union | None] = {}
        self._objects: dict[int, bool] = {}
        self._non_null: dict[int, list[JSON]] = {}

    # ----------------------------------------------------------------- structure

    def resolve(self, node: JSON) -> JSON:
        """The node a ``$ref`` chain ends at."""
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                found = self._refs.get(ref)
                if found is None:
                    found = self._refs[ref] = resolve(self.spec, {"$ref": ref})
                return found
        return node

    def named(self, name: str) -> dict[str, Any]:
        """A component schema by name (KeyError if there is none)."""
        found = self.components[name]
        assert isinstance(found, dict)
        return found

    def extension(self, node: JSON, key: str, default: Any = None) -> Any:
        """An ``x-`` key on the node itself or, failing that, on the schema it refers to."""
        if isinstance(node, dict) and key in node:
            return node[key]
        target = self.resolve(node)
        if isinstance(target, dict) and key in target:
            return target[key]
        return default

    def alternatives(self, node: JSON) -> list[JSON]:
        """The members of a ``oneOf``/``anyOf`` (unresolved, so their names stay visible), else the node."""
        target = self.resolve(node)
        if isinstance(target, dict):
            for key in ("oneOf", "anyOf"):
                if isinstance(target.get(key), list):
                    return list(target[key])
        return [node]

    def is_null(self, node: JSON) -> bool:
        """Whether the node is ``{type: 'null'}``."""
        target = self.resolve(node)
        return isinstance(target, dict) and target.get("type") == "null"

    def non_null(self, node: JSON) -> list[JSON]:
        """The alternatives of a node that are not ``null``."""
        target = self.resolve(node)
        if target is not node and isinstance(target, dict):
            found = self._non_null.get(id(target))
            if found is None:
                found = self._non_null[id(target)] = [alt for alt in self.alternatives(node) if not self.is_null(alt)]
            return list(found)
        return [alt for alt in self.alternatives(node) if not self.is_null(alt)]

    def options(self, node: JSON) -> list[JSON]:
        """The non-null things a node may be, a discriminated union counting as one thing."""
        if self.union(node) is not None:
            return [node]
        return self.non_null(node)

    def nullable(self, node: JSON) -> bool:
        """Whether ``null`` is a valid value."""
        target = self.resolve(node)
        if not isinstance(target, dict):
            return False
        t = target.get("type")
        if t == "null" or (isinstance(t, list) and "null" in t):
            return True
        return any(self.nullable(m) for m in target.get("oneOf", []) + target.get("anyOf", []))

    def union(self, node: JSON) -> Union | None:
        """The discriminated union a node is (directly or by reference), or None."""
        target = self.resolve(node)
        key = id(target)
        if key in self._unions:
            return self._unions[key]
        disc = target.get("discriminator") if isinstance(target, dict) else None
        found = None
        if isinstance(disc, dict) and isinstance(disc.get("mapping"), dict):
            mapping = {tag: str(ref).rsplit("/", 1)[-1] for tag, ref in disc["mapping"].items()}
            found = Union(str(disc.get("propertyName", "type")), mapping)
        if target is not node:  # a component schema (reached by $ref): lives as long as the document
            self._unions[key] = found
        return found

    def member(self, node: JSON, value: Any) -> JSON:
        """For a discriminated union and a value carrying a known tag, the member's node; else the node."""
        union = self.union(node)
        if union is not None and isinstance(value, dict):
            tag = value.get(union.prop)
            if isinstance(tag, str) and tag in union.mapping:
                return {"$ref": f"#/components/schemas/{union.mapping[tag]}"}
        return node

    def properties(self, node: JSON) -> dict[str, Any]:
        """The properties of an object schema (empty for anything else)."""
        target = self.resolve(node)
        props = target.get("properties") if isinstance(target, dict) else None
        return props if isinstance(props, dict) else {}

    def required(self, node: JSON) -> set[str]:
        """The required properties of an object schema."""
        target = self.resolve(node)
        req = target.get("required") if isinstance(target, dict) else None
        return set(req) if isinstance(req, list) else set()

    def items(self, node: JSON) -> JSON | None:
        """The items schema of an array schema, or None."""
        target = self.resolve(node)
        if isinstance(target, dict) and target.get("type") == "array" and isinstance(target.get("items"), dict):
            return target["items"]
        return None

    def is_object(self, node: JSON) -> bool:
        """An object schema, or a union whose members are all object schemas."""
        target = self.resolve(node)
        if not isinstance(target, dict):
            return False
        found = self._objects.get(id(target)) if target is not node else None
        if found is None:
            members = target.get("oneOf") or target.get("anyOf") or []
            found = target.get("type") == "object" or (bool(members) and all(self.is_object(m) for m in members))
            if target is not node:  # a component schema: safe to remember by identity
                self._objects[id(target)] = found
        return found

    def object_members(self, node: JSON) -> list[JSON]:
        """The object schemas a node may be: its union members, or itself."""
        union = self.union(node)
        if union is not None:
            return [{"$ref": f"#/components/schemas/{name}"} for name in union.mapping.values()]
        return [node] if self.is_object(node) else []

    def has_fields(self, node: JSON) -> bool:
        """Whether an object schema (or a member of a union) declares properties; a free-form map does not."""
        return any(self.properties(m) for m in self.object_members(node))

    def has_property(self, node: JSON, name: str) -> bool:
        """Whether an object schema (every member of a union) declares ``name``."""
        members = self.object_members(node)
        return bool(members) and all(name in self.properties(m) for m in members)

    def default(self, node: JSON) -> Any:
        """The ``default`` of a node (on the node or the schema it refers to), or NO_DEFAULT."""
        if isinstance(node, dict) and "default" in node:
            return node["default"]
        target = self.resolve(node)
        if isinstance(target, dict) and "default" in target:
            return target["default"]
        return NO_DEFAULT

    # ----------------------------------------------------------------- secrets

    def is_secret(self, node: JSON) -> bool:
        """Whether a node is marked ``x-secret: true`` (directly or through its reference)."""
        return self.extension(node, "x-secret") is True

    def secret_values(self, node: JSON, value: Any, _depth: int = 0) -> Iterator[str]:
        """The string values of ``value`` that sit at ``x-secret`` fields of ``node``."""
        if _depth > 40:
            return
        if self.is_secret(node):
            if isinstance(value, str):
                yield value
            return
        node = self.member(node, value)
        target = self.resolve(node)
        if not isinstance(target, dict):
            return
        if self.union(target) is None:
            for alt in target.get("oneOf", []) + target.get("anyOf", []):
                yield from self.secret_values(alt, value, _depth + 1)
        if isinstance(value, dict):
            for name, sub in self.properties(target).items():
                if name in value:
                    yield from self.secret_values(sub, value[name], _depth + 1)
        elif isinstance(value, list) and isinstance(target.get("items"), dict):
            for item in value:
                yield from self.secret_values(target["items"], item, _depth + 1)

    def shapes(self, node: JSON, value: Any = None, _depth: int = 0) -> list[dict[str, Any]]:
        """Every concrete schema a node may be, through references and nested oneOf/anyOf (unions: by tag)."""
        node = self.member(node, value)
        target = self.resolve(node)
        if not isinstance(target, dict) or _depth > 10:
            return []
        out = [target]
        for alt in target.get("oneOf", []) + target.get("anyOf", []):
            out.extend(self.shapes(alt, value, _depth + 1))
        return out

    def object_for(self, node: JSON, value: dict[str, Any]) -> dict[str, Any] | None:
        """The object schema a dict value is an instance of (the one declaring most of its keys)."""
        objects = [s for s in self.shapes(node, value) if s.get("type") == "object" or "properties" in s]
        if not objects:
            return None
        return max(objects, key=lambda s: len(set(value) & set(s.get("properties") or {})))

    def public_strings(self, node: JSON, value: Any, _depth: int = 0) -> Iterator[str]:
        """The string values of ``value`` that are not at ``x-secret`` fields of ``node``."""
        if _depth > 40 or self.is_secret(node):
            return
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            obj = self.object_for(node, value)
            if obj is None:
                return
            props = obj.get("properties") or {}
            extra = obj.get("additionalProperties")
            for name, sub in value.items():
                if name in props:
                    yield from self.public_strings(props[name], sub, _depth + 1)
                elif isinstance(extra, dict) and not self.is_secret(extra):
                    yield from _all_strings(sub)
        elif isinstance(value, list):
            items = next((s["items"] for s in self.shapes(node) if isinstance(s.get("items"), dict)), None)
            if items is not None:
                for item in value:
                    yield from self.public_strings(items, item, _depth + 1)

    def exclusions(self, node: JSON) -> list[tuple[str, str, str]]:
        """The values a string schema excludes with ``not``: (``x-code``, description, pattern) each.

        Read from the node and from what it references; a ``not`` may hold one pattern or, through a
        ``$ref``, an ``anyOf`` of them. A pattern without an ``x-code`` is reported as ``excluded``.
        """
        out: list[tuple[str, str, str]] = []
        for holder in (node, self.resolve(node)):
            excluded = holder.get("not") if isinstance(holder, dict) else None
            if excluded is None:
                continue
            target = self.resolve(excluded)
            alternatives = target.get("anyOf") or [target] if isinstance(target, dict) else []
            for alt in alternatives:
                if isinstance(alt, dict) and isinstance(alt.get("pattern"), str):
                    entry = (str(alt.get("x-code", "excluded")), str(alt.get("description", "")), alt["pattern"])
                    if entry not in out:
                        out.append(entry)
        return out

    def credential_kind(self, node: JSON) -> str:
        """``x-credential-kind`` of a credential field's schema: key, opaque, url, pem, or other."""
        kind = self.extension(node, "x-credential-kind", "other")
        return str(kind)

    def name_of(self, node: JSON) -> str | None:
        """The component name of a ``$ref`` node."""
        return ref_name(node)
