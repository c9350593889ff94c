"""Rules about schemas: descriptions, examples, reachability and secrets (VC2xx-VC5xx)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from voicecontract.errors import Issue
from voicecontract.lint.core import JSON, issue, iter_operation_schemas, rule
from voicecontract.spec import iter_operations, iter_subschemas, pointer, pointer_get, resolve, walk


@rule
def check_descriptions(spec: dict[str, Any]) -> Iterator[Issue]:
    """VC301-VC303: every component schema, property and parameter has a description."""
    for name, schema in ((spec.get("components") or {}).get("schemas") or {}).items():
        if isinstance(schema, dict) and not str(schema.get("description") or "").strip():
            yield issue("VC301", pointer("components", "schemas", name), f"schema {name} has no description")
    seen: set[str] = set()
    for base, schema in iter_operation_schemas(spec):
        for path, sub in iter_subschemas(schema, base):
            props = sub.get("properties")
            if not isinstance(props, dict):
                continue
            for prop_name, prop in props.items():
                where = path + pointer("properties", prop_name)
                if where in seen:
                    continue
                seen.add(where)
                if isinstance(prop, dict) and not str(prop.get("description") or "").strip():
                    yield issue("VC302", where, f"property {prop_name!r} has no description")
    for path, method, op in iter_operations(spec):
        for i, raw in enumerate(op.get("parameters") or []):
            if isinstance(raw, dict) and "$ref" not in raw and not str(raw.get("description") or "").strip():
                yield issue(
                    "VC303",
                    pointer("paths", path, method, "parameters", i),
                    f"parameter {raw.get('name')!r} has no description",
                )
    for name, param in ((spec.get("components") or {}).get("parameters") or {}).items():
        if isinstance(param, dict) and not str(param.get("description") or "").strip():
            yield issue("VC303", pointer("components", "parameters", name), f"parameter {name} has no description")


# --------------------------------------------------------------------------- rules: examples


def example_sites(spec: dict[str, Any]) -> Iterator[tuple[str, str, JSON]]:
    """Yield (example pointer, schema pointer, example value) for every example in the document."""

    def media_sites(base: str, content: JSON) -> Iterator[tuple[str, str, JSON]]:
        for mt, media in (content or {}).items() if isinstance(content, dict) else []:
            if not isinstance(media, dict) or "schema" not in media:
                continue
            schema_at = base + pointer(mt, "schema")
            if "example" in media:
                yield base + pointer(mt, "example"), schema_at, media["example"]
            for ex_name, ex in (media.get("examples") or {}).items():
                ex = resolve(spec, ex)
                if isinstance(ex, dict) and "value" in ex:
                    yield base + pointer(mt, "examples", ex_name, "value"), schema_at, ex["value"]

    def param_sites(base: str, param: JSON) -> Iterator[tuple[str, str, JSON]]:
        if not isinstance(param, dict) or "schema" not in param:
            return
        if "example" in param:
            yield base + "/example", base + "/schema", param["example"]
        for ex_name, ex in (param.get("examples") or {}).items():
            ex = resolve(spec, ex)
            if isinstance(ex, dict) and "value" in ex:
                yield base + pointer("examples", ex_name, "value"), base + "/schema", ex["value"]

    for path, method, op in iter_operations(spec):
        at = pointer("paths", path, method)
        for i, param in enumerate(op.get("parameters") or []):
            yield from param_sites(at + pointer("parameters", i), param)
        body = op.get("requestBody")
        if isinstance(body, dict):
            yield from media_sites(at + "/requestBody/content", body.get("content"))
        for status, resp in (op.get("responses") or {}).items():
            if isinstance(resp, dict):
                yield from media_sites(at + pointer("responses", status, "content"), resp.get("content"))
    comps = spec.get("components") or {}
    for name, param in (comps.get("parameters") or {}).items():
        yield from param_sites(pointer("components", "parameters", name), param)
    for name, resp in (comps.get("responses") or {}).items():
        if isinstance(resp, dict):
            yield from media_sites(pointer("components", "responses", name, "content"), resp.get("content"))
    for base, schema in iter_operation_schemas(spec):
        for path, sub in iter_subschemas(schema, base):
            if "example" in sub:
                yield path + "/example", path, sub["example"]
            if isinstance(sub.get("examples"), list):
                for i, value in enumerate(sub["examples"]):
                    yield path + pointer("examples", i), path, value


def schema_validator_factory(spec: dict[str, Any]) -> Callable[[str], Any]:
    """Return ``make(schema_pointer)`` building a Draft 2020-12 validator for a schema in ``spec``."""
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    uri = "urn:voicecontract:spec"
    registry: Registry[Any] = Registry().with_resource(
        uri, Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    checker = FormatChecker()

    def make(schema_pointer: str) -> Any:
        return Draft202012Validator({"$ref": f"{uri}#{schema_pointer}"}, registry=registry, format_checker=checker)

    return make


@rule
def check_examples(spec: dict[str, Any]) -> Iterator[Issue]:
    """VC201/VC202: every example validates, and every operation with a body has one."""
    make = schema_validator_factory(spec)
    seen: set[str] = set()
    for ex_at, schema_at, value in example_sites(spec):
        if ex_at in seen:
            continue
        seen.add(ex_at)
        try:
            errors = sorted(make(schema_at).iter_errors(value), key=lambda e: list(e.absolute_path))
        except Exception as exc:  # an unresolvable $ref or a broken pattern
            yield issue("VC201", ex_at, f"cannot validate the example: {exc.__class__.__name__}: {exc}")
            continue
        for err in errors[:5]:
            inner = pointer(*err.absolute_path)
            yield issue("VC201", ex_at + inner, f"example does not match {schema_at}: {err.message[:300]}")
    for path, method, op in iter_operations(spec):
        body = resolve(spec, op.get("requestBody"))
        if not isinstance(body, dict):
            continue
        for mt, media in (body.get("content") or {}).items():
            if isinstance(media, dict) and "example" not in media and not media.get("examples"):
                yield issue(
                    "VC202",
                    pointer("paths", path, method, "requestBody", "content", mt),
                    f"{method.upper()} {path} has no request example",
                )


# --------------------------------------------------------------------------- rules: components


def _refs_in(node: JSON) -> Iterator[str]:
    for _, sub in walk(node):
        if isinstance(sub, dict) and isinstance(sub.get("$ref"), str):
            yield sub["$ref"]


def _reachable(spec: dict[str, Any], refs: list[str]) -> set[str]:
    """Every component ``$ref`` reachable from ``refs``, following references transitively."""
    reached: set[str] = set()
    todo = list(refs)
    while todo:
        ref = todo.pop()
        if ref in reached or not ref.startswith("#/components/"):
            continue
        reached.add(ref)
        try:
            todo.extend(_refs_in(pointer_get(spec, ref[1:])))
        except KeyError:
            continue
    return reached


@rule
def check_unused_components(spec: dict[str, Any]) -> Iterator[Issue]:
    """VC401: every component is reachable from an operation (or the security requirements)."""
    comps = spec.get("components") or {}
    reached = _reachable(spec, list(_refs_in(spec.get("paths") or {})) + list(_refs_in(spec.get("webhooks") or {})))
    used_schemes: set[str] = set()
    for req in list(spec.get("security") or []) + [
        r for _, _, op in iter_operations(spec) for r in (op.get("security") or [])
    ]:
        if isinstance(req, dict):
            used_schemes.update(req)
    for kind, members in comps.items():
        if not isinstance(members, dict):
            continue
        for name in members:
            ref = "#" + pointer("components", kind, name)
            if kind == "securitySchemes":
                if name not in used_schemes:
                    yield issue("VC401", ref[1:], f"security scheme {name} is never required")
            elif ref not in reached:
                yield issue("VC401", ref[1:], f"component {kind}/{name} is not used by any operation")


# --------------------------------------------------------------------------- rules: secrets

SECRET_NAME = re.compile(
    r"(?:^|_)(?:api_key|key|auth_token|token|secret|client_secret|password|private_key|signature_secret)$"
)
SECRET_MARKERS = ("writeOnly", "format", "x-secret")


def _markers(spec: dict[str, Any], prop: JSON) -> dict[str, bool]:
    """Which of the three secret markers a property carries, directly or through its $ref."""
    nodes = [prop]
    target = resolve(spec, prop)
    if target is not prop:
        nodes.append(target)
    found = {"writeOnly": False, "format": False, "x-secret": False}
    for node in nodes:
        if not isinstance(node, dict):
            continue
        found["writeOnly"] |= node.get("writeOnly") is True
        found["format"] |= node.get("format") == "password"
        found["x-secret"] |= node.get("x-secret") is True
    return found


def _is_masked(spec: dict[str, Any], prop: JSON) -> bool:
    target = resolve(spec, prop)
    return isinstance(target, dict) and target.get("readOnly") is True


def _response_schema_refs(spec: dict[str, Any]) -> set[str]:
    """Every component schema reachable from a response."""
    todo: list[str] = []
    for _, _, op in iter_operations(spec):
        for resp in (op.get("responses") or {}).values():
            todo.extend(_refs_in(resolve(spec, resp)))
    return _reachable(spec, todo)


@rule
def check_secrets(spec: dict[str, Any]) -> Iterator[Issue]:
    """VC501/VC502: secret fields carry all three markers and never appear in a response."""
    for base, schema in iter_operation_schemas(spec):
        for path, sub in iter_subschemas(schema, base):
            for name, prop in (sub.get("properties") or {}).items() if isinstance(sub.get("properties"), dict) else []:
                where = path + pointer("properties", name)
                marks = _markers(spec, prop)
                if any(marks.values()) and not all(marks.values()):
                    missing = [m if m != "format" else "format: password" for m, v in marks.items() if not v]
                    yield issue("VC501", where, f"{name!r} is marked secret only in part; missing {', '.join(missing)}")
                elif (
                    not any(marks.values())
                    and SECRET_NAME.search(name)
                    and "public" not in name
                    and not _is_masked(spec, prop)
                ):
                    yield issue(
                        "VC501",
                        where,
                        f"{name!r} looks like a secret but is not marked (writeOnly, format: password, x-secret)",
                    )
    response_refs = _response_schema_refs(spec)
    for ref in sorted(response_refs):
        if not ref.startswith("#/components/schemas/"):
            continue
        schema = pointer_get(spec, ref[1:])
        for path, sub in iter_subschemas(schema, ref[1:]):
            for name, prop in (sub.get("properties") or {}).items() if isinstance(sub.get("properties"), dict) else []:
                if _markers(spec, prop)["x-secret"] or _markers(spec, prop)["writeOnly"]:
                    yield issue(
                        "VC502",
                        path + pointer("properties", name),
                        f"{name!r} is a secret but {ref.rsplit('/', 1)[-1]} is used in a response",
                    )


# --------------------------------------------------------------------------- rules: complete responses

OMITTED = re.compile(r"\bomitted when\b", re.IGNORECASE)


@rule
def check_complete_responses(spec: dict[str, Any]) -> Iterator[Issue]:
    """VC304: a response property is required, or its description says when it is omitted."""
    for ref in sorted(_response_schema_refs(spec)):
        if not ref.startswith("#/components/schemas/"):
            continue
        schema = pointer_get(spec, ref[1:])
        for path, sub in iter_subschemas(schema, ref[1:]):
            props = sub.get("properties")
            if not isinstance(props, dict):
                continue
            required = set(sub.get("required") or [])
            for name, prop in props.items():
                text = prop.get("description", "") if isinstance(prop, dict) else ""
                if name not in required and not OMITTED.search(str(text)):
                    yield issue(
                        "VC304",
                        path + pointer("properties", name),
                        f"{name!r} is in a response but neither required nor documented as 'omitted when …'",
                    )
