"""Rules about links and the x- extensions (VC6xx, VC7xx)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from voicecontract.credentials.providers import UNEXPRESSIBLE_CHECKS
from voicecontract.errors import Issue
from voicecontract.lint.core import JSON, effective_parameters, has_body, issue, iter_operation_schemas, rule
from voicecontract.spec import iter_operations, iter_subschemas, pointer, resolve, walk

EXPRESSION = re.compile(r"^\$response\.body#(?P<ptr>(/[^/]*)*)$|^\$request\.(query|path|header|body)")


def _schema_has_pointer(spec: dict[str, Any], schema: JSON, ptr: str) -> bool:
    """Whether some value valid against ``schema`` can have a node at ``ptr``."""
    if ptr in ("", "/"):
        return True
    head, _, rest = ptr[1:].partition("/")
    head = head.replace("~1", "/").replace("~0", "~")
    rest = "/" + rest if rest else ""
    node = resolve(spec, schema)
    if not isinstance(node, dict):
        return False
    for key in ("oneOf", "anyOf", "allOf"):
        if isinstance(node.get(key), list) and any(_schema_has_pointer(spec, s, ptr) for s in node[key]):
            return True
    props = node.get("properties")
    if isinstance(props, dict) and head in props:
        return _schema_has_pointer(spec, props[head], rest)
    if head.isdigit() and isinstance(node.get("items"), dict):
        return _schema_has_pointer(spec, node["items"], rest)
    return False


@rule
def check_links(spec: dict[str, Any]) -> Iterator[Issue]:
    """VC601-VC603: links name existing operations, parameters and response fields."""
    by_id = {op.get("operationId"): (path, method, op) for path, method, op in iter_operations(spec)}
    for path, method, op in iter_operations(spec):
        for status, raw_resp in (op.get("responses") or {}).items():
            resp = resolve(spec, raw_resp)
            if not isinstance(resp, dict):
                continue
            body_schema = None
            for media in (resp.get("content") or {}).values():
                if isinstance(media, dict) and "schema" in media:
                    body_schema = media["schema"]
            for name, raw_link in (resp.get("links") or {}).items():
                link = resolve(spec, raw_link)
                at = pointer("paths", path, method, "responses", status, "links", name)
                if not isinstance(link, dict):
                    continue
                target = by_id.get(link.get("operationId"))
                if target is None:
                    yield issue(
                        "VC601",
                        at + "/operationId",
                        f"link {name} names operation {link.get('operationId')!r}, which does not exist",
                    )
                    continue
                t_path, _t_method, t_op = target
                t_params = {(p["in"], p["name"]) for p in effective_parameters(spec, t_path, t_op)}
                for key, expr in (link.get("parameters") or {}).items():
                    loc, _, pname = key.rpartition(".")
                    ok = any(n == pname and (not loc or loc == i) for i, n in t_params)
                    if not ok:
                        yield issue(
                            "VC602",
                            at + pointer("parameters", key),
                            f"link {name} sets {key!r}, which {link['operationId']} does not take",
                        )
                    yield from _check_expression(spec, at + pointer("parameters", key), name, expr, body_schema)
                if "requestBody" in link:
                    if not has_body(spec, t_op):
                        yield issue(
                            "VC602",
                            at + "/requestBody",
                            f"link {name} sets a request body, but {link['operationId']} takes none",
                        )
                    else:
                        for sub_at, value in walk(link["requestBody"], at + "/requestBody"):
                            if isinstance(value, str) and value.startswith("$"):
                                yield from _check_expression(spec, sub_at, name, value, body_schema)


def _check_expression(spec: dict[str, Any], at: str, name: str, expr: JSON, body_schema: JSON) -> Iterator[Issue]:
    if not isinstance(expr, str) or not expr.startswith("$"):
        return
    m = EXPRESSION.match(expr)
    if not m:
        yield issue("VC603", at, f"link {name}: {expr!r} is not a runtime expression voicecontract understands")
        return
    ptr = m.group("ptr")
    if ptr is not None and body_schema is not None and not _schema_has_pointer(spec, body_schema, ptr):
        yield issue("VC603", at, f"link {name}: {expr!r} points at a field the response schema does not have")


# --------------------------------------------------------------------------- rules: extensions


CREDENTIAL_KINDS = {"key", "opaque", "url", "pem"}


@rule
def check_roles(spec: dict[str, Any]) -> Iterator[Issue]:
    """VC701: every operation has a role (derived, or a known ``x-role``)."""
    from voicecontract.spec.index import ROLES, SpecIndex

    ix = SpecIndex(spec)
    for op in ix.operations.values():
        at = pointer("paths", op.path, op.method.lower())
        explicit = op.raw.get("x-role")
        if explicit is not None and explicit not in ROLES:
            yield issue("VC701", at + "/x-role", f"x-role {explicit!r} is not one of {', '.join(ROLES)}")
        elif op.role == "action":
            yield issue("VC701", at, f"{op.label}: the role cannot be derived from the shape; add x-role")


def _ext_issues(spec: dict[str, Any]) -> Iterator[Issue]:
    from voicecontract.spec.index import SpecIndex

    ix = SpecIndex(spec)
    roles = {r for t in ix.connection_types.values() for r in t.usable_as}
    names = set(ix.schemas.components)
    for base, schema in iter_operation_schemas(spec):
        for path, sub in iter_subschemas(schema, base):
            kind = sub.get("x-credential-kind")
            if kind is not None and kind not in CREDENTIAL_KINDS:
                yield issue(
                    "VC702",
                    path + "/x-credential-kind",
                    f"x-credential-kind {kind!r}: use one of key, opaque, url, pem",
                )
            role = sub.get("x-connection-role")
            if role is not None and role not in roles:
                yield issue("VC702", path + "/x-connection-role", f"no connection type is x-usable-as {role!r}")
            ref = sub.get("x-references")
            if ref is not None and ref not in names:
                yield issue("VC702", path + "/x-references", f"x-references names no component schema ({ref!r})")
            check = sub.get("x-unexpressible-check")
            if check is not None and check not in UNEXPRESSIBLE_CHECKS:
                yield issue(
                    "VC702",
                    path + "/x-unexpressible-check",
                    f"x-unexpressible-check {check!r} is not a check voicecontract implements "
                    f"({', '.join(sorted(UNEXPRESSIBLE_CHECKS))})",
                )
            usable = sub.get("x-usable-as")
            if usable is not None and not (isinstance(usable, list) and all(isinstance(u, str) for u in usable)):
                yield issue("VC702", path + "/x-usable-as", "x-usable-as is a list of uses, e.g. [telephony]")
    for path, method, _ in iter_operations(spec):
        at = pointer("paths", path, method)
        op = ix.by_label.get(f"{method.upper()} {path}")
        if op is None or op.resource is None:
            continue
        resource = {"$ref": f"#/components/schemas/{op.resource}"}
        members = ix.schemas.object_members(resource)
        fields = {name for m in members for name in ix.schemas.properties(m)}
        if op.collection is not None:
            node = next((ix.schemas.properties(m).get(op.collection) for m in members), None)
            if node is None or ix.schemas.items(node) is None:
                yield issue("VC702", at + "/x-collection", f"{op.resource} has no array field {op.collection!r}")
        for name in op.final_state:
            if name not in fields:
                yield issue("VC702", at + "/x-final-state", f"{op.resource} has no field {name!r}")
        for member in ix.schemas.object_members(op.body_node):
            for name, node in ix.schemas.properties(member).items():
                target = node.get("x-response-field", name) if isinstance(node, dict) else name
                if (
                    isinstance(node, dict)
                    and "x-response-field" in node
                    and target is not None
                    and target not in fields
                ):
                    yield issue(
                        "VC702",
                        at + "/requestBody",
                        f"{name}: x-response-field {target!r} is not a field of {op.resource}",
                    )
        for member in members:
            for name, node in ix.schemas.properties(member).items():
                derived = node.get("x-derived-from") if isinstance(node, dict) else None
                if isinstance(derived, str) and derived.split("/")[1:2] and derived.split("/")[1] not in fields:
                    yield issue(
                        "VC702",
                        pointer("components", "schemas", ix.schemas.name_of(member) or "", "properties", name),
                        f"x-derived-from {derived!r} starts at a field {op.resource} does not have",
                    )
        for ref in ix.body_references(op):
            if ref.kind is None:
                yield issue(
                    "VC703",
                    at + "/requestBody",
                    f"{op.label}: /{'/'.join(ref.path)} carries an id, but of what? add x-references",
                )


@rule
def check_extensions(spec: dict[str, Any]) -> Iterator[Issue]:
    """VC702/VC703: every x- extension names what exists, and every id field's resource is known."""
    yield from _ext_issues(spec)


@rule
def check_role_unions(spec: dict[str, Any]) -> Iterator[Issue]:
    """VC704: a union of connection types marked ``x-connection-role`` lists exactly the types usable so."""
    from voicecontract.spec.index import SpecIndex

    ix = SpecIndex(spec)
    for name, schema in ix.schemas.components.items():
        role = schema.get("x-connection-role") if isinstance(schema, dict) else None
        union = ix.schemas.union(schema) if role is not None else None
        if union is None:
            continue
        want = {t.tag: t.create for t in ix.types_usable_as(str(role))}
        have = dict(union.mapping)
        if have != want:
            missing = sorted(set(want) - set(have))
            extra = sorted(set(have) - set(want))
            wrong = sorted(t for t in set(have) & set(want) if have[t] != want[t])
            yield issue(
                "VC704",
                pointer("components", "schemas", name),
                f"x-connection-role {role}: missing {missing or 'nothing'}, not usable so {extra or 'nothing'}"
                + (f", mapped to another schema {wrong}" if wrong else ""),
            )
