"""Spec checks: openapi-spec-validator plus voicecontract's own rules, each with a stable code.

Every finding names the JSON pointer of the offending node. The rules are small functions
registered in ``RULES``; ``lint_spec`` runs them all.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from typing import Any

from voicecontract.errors import Issue
from voicecontract.spec import iter_operations, iter_subschemas, pointer, pointer_get, resolve, walk

JSON = Any


# code -> (name, one-line description); the README's table is generated from this.
RULE_CODES: dict[str, tuple[str, str]] = {
    "VC001": ("spec-invalid", "openapi-spec-validator rejects the document"),
    "VC002": ("openapi-version", "the document is not OpenAPI 3.1"),
    "VC101": ("operation-id", "an operation has no operationId, or two share one"),
    "VC102": ("operation-summary", "an operation has no summary"),
    "VC103": ("operation-tags", "an operation has no tags, or a tag that is not declared"),
    "VC104": ("operation-security", "an operation has no bearer security requirement, or names an unknown scheme"),
    "VC105": ("success-response", "an operation documents no success code (GET 200, POST 201)"),
    "VC106": ("response-400", "an operation that takes input documents no 400"),
    "VC107": ("response-401", "an operation documents no 401"),
    "VC108": ("response-404", "an operation that addresses a resource documents no 404"),
    "VC109": ("operation-description", "an operation has no description"),
    "VC201": ("example-invalid", "an example does not validate against its schema (JSON Schema 2020-12)"),
    "VC202": ("example-missing", "an operation that takes a body has no request example"),
    "VC301": ("schema-description", "a component schema has no description"),
    "VC302": ("property-description", "a property has no description"),
    "VC303": ("parameter-description", "a parameter has no description"),
    "VC401": ("unused-component", "a component is not reachable from any operation"),
    "VC501": ("secret-unmarked", "a secret field lacks writeOnly, format: password or x-secret"),
    "VC502": ("secret-in-response", "a response schema contains a secret (writeOnly/x-secret) field"),
    "VC601": ("link-operation", "a link names an operation that does not exist"),
    "VC602": ("link-parameter", "a link sets a parameter or body the target operation does not take"),
    "VC603": ("link-expression", "a link expression points at a field the response does not have"),
    "VC701": ("operation-role", "an operation's role cannot be derived, or its x-role is not a known role"),
    "VC702": ("extension-value", "an x- extension names something the document does not have"),
    "VC703": ("reference-kind", "an id field of a request names no resource the index can tell"),
}

Rule = Callable[[dict[str, Any]], Iterator[Issue]]
RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    """Register a lint rule."""
    RULES.append(fn)
    return fn


def issue(code: str, path: str, message: str) -> Issue:
    """Build a finding for rule ``code``."""
    assert code in RULE_CODES, code
    return Issue(path, code, message)


def render(found: Issue, label: str = "") -> str:
    """A finding as one line for humans: ``label:path: message [VC107 response-401]``."""
    name = RULE_CODES.get(found.code, ("",))[0]
    return f"{label}{found.path or '/'}: {found.message} [{found.code} {name}]".replace(" ]", "]")


# --------------------------------------------------------------------------- walking helpers


def iter_operation_schemas(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (pointer, schema) for every schema placed directly in paths and components."""
    for path, method, op in iter_operations(spec):
        base = pointer("paths", path, method)
        for i, param in enumerate(op.get("parameters") or []):
            if isinstance(param, dict) and isinstance(param.get("schema"), dict):
                yield base + pointer("parameters", i, "schema"), param["schema"]
        body = op.get("requestBody")
        if isinstance(body, dict):
            for mt, media in (body.get("content") or {}).items():
                if isinstance(media, dict) and isinstance(media.get("schema"), dict):
                    yield base + pointer("requestBody", "content", mt, "schema"), media["schema"]
        for status, resp in (op.get("responses") or {}).items():
            if isinstance(resp, dict):
                for mt, media in (resp.get("content") or {}).items():
                    if isinstance(media, dict) and isinstance(media.get("schema"), dict):
                        yield base + pointer("responses", status, "content", mt, "schema"), media["schema"]
    for name, schema in ((spec.get("components") or {}).get("schemas") or {}).items():
        yield pointer("components", "schemas", name), schema
    for name, param in ((spec.get("components") or {}).get("parameters") or {}).items():
        if isinstance(param, dict) and isinstance(param.get("schema"), dict):
            yield pointer("components", "parameters", name, "schema"), param["schema"]
    for name, resp in ((spec.get("components") or {}).get("responses") or {}).items():
        if isinstance(resp, dict):
            for mt, media in (resp.get("content") or {}).items():
                if isinstance(media, dict) and isinstance(media.get("schema"), dict):
                    yield pointer("components", "responses", name, "content", mt, "schema"), media["schema"]


def effective_parameters(spec: dict[str, Any], path: str, op: dict[str, Any]) -> list[dict[str, Any]]:
    """The operation's parameters, path-level ones included, with $refs resolved."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    item = (spec.get("paths") or {}).get(path) or {}
    for raw in list(item.get("parameters") or []) + list(op.get("parameters") or []):
        param = resolve(spec, raw)
        if isinstance(param, dict) and "name" in param and "in" in param:
            out[(param["in"], param["name"])] = param
    return list(out.values())


def has_body(spec: dict[str, Any], op: dict[str, Any]) -> bool:
    """Whether the operation takes a request body."""
    return isinstance(resolve(spec, op.get("requestBody")), dict)


# --------------------------------------------------------------------------- rules: document


@rule
def check_validator(spec: dict[str, Any]) -> Iterator[Issue]:
    """VC001/VC002: the document is valid OpenAPI 3.1 per openapi-spec-validator."""
    version = spec.get("openapi")
    if not (isinstance(version, str) and version.startswith("3.1.")):
        yield issue("VC002", "/openapi", f"expected an OpenAPI 3.1.x document, found {version!r}")
        return
    from openapi_spec_validator import OpenAPIV31SpecValidator

    validator = OpenAPIV31SpecValidator(copy.deepcopy(spec))
    for error in validator.iter_errors():
        where = pointer(*error.absolute_path) if getattr(error, "absolute_path", None) else ""
        yield issue("VC001", where, f"openapi-spec-validator: {error.message}")


# --------------------------------------------------------------------------- rules: operations


@rule
def check_operations(spec: dict[str, Any]) -> Iterator[Issue]:
    """VC101-VC109: every operation is fully documented."""
    seen_ids: dict[str, str] = {}
    declared_tags = {t.get("name") for t in spec.get("tags") or [] if isinstance(t, dict)}
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    for path, method, op in iter_operations(spec):
        at = pointer("paths", path, method)
        op_id = op.get("operationId")
        if not isinstance(op_id, str) or not op_id:
            yield issue("VC101", at, f"{method.upper()} {path} has no operationId")
        elif op_id in seen_ids:
            yield issue("VC101", at + "/operationId", f"operationId {op_id!r} is also used by {seen_ids[op_id]}")
        else:
            seen_ids[op_id] = f"{method.upper()} {path}"
        if not str(op.get("summary") or "").strip():
            yield issue("VC102", at, f"{method.upper()} {path} has no summary")
        if not str(op.get("description") or "").strip():
            yield issue("VC109", at, f"{method.upper()} {path} has no description")
        tags = op.get("tags")
        if not isinstance(tags, list) or not tags:
            yield issue("VC103", at, f"{method.upper()} {path} has no tags")
        else:
            for i, tag in enumerate(tags):
                if tag not in declared_tags:
                    yield issue("VC103", at + pointer("tags", i), f"tag {tag!r} is not declared in the top-level tags")
        security = op.get("security", spec.get("security"))
        usable = (
            [req for req in security or [] if isinstance(req, dict) and req and all(name in schemes for name in req)]
            if isinstance(security, list)
            else []
        )
        if not usable:
            yield issue("VC104", at, f"{method.upper()} {path} has no security requirement naming a declared scheme")
        for i, req in enumerate(security or [] if isinstance(security, list) else []):
            for name in req if isinstance(req, dict) else []:
                if name not in schemes:
                    yield issue("VC104", at + pointer("security", i), f"security scheme {name!r} is not declared")
        responses = op.get("responses") or {}
        codes = {str(c) for c in responses}
        expected = "200" if method == "get" else "201" if method == "post" else None
        if expected and expected not in codes:
            yield issue(
                "VC105", at + "/responses", f"{method.upper()} must document {expected} (GET → 200, POST → 201)"
            )
        elif not any(c.startswith("2") for c in codes):
            yield issue("VC105", at + "/responses", "no 2xx response is documented")
        params = effective_parameters(spec, path, op)
        if (params or has_body(spec, op)) and "400" not in codes:
            yield issue("VC106", at + "/responses", f"{method.upper()} {path} takes input but documents no 400")
        if "401" not in codes:
            yield issue("VC107", at + "/responses", f"{method.upper()} {path} documents no 401")
        addresses = [p["name"] for p in params if p.get("required") and p.get("in") in ("path", "query")]
        if addresses and "404" not in codes:
            yield issue(
                "VC108",
                at + "/responses",
                f"{method.upper()} {path} addresses a resource by {', '.join(addresses)} but documents no 404",
            )


# --------------------------------------------------------------------------- rules: descriptions


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


def _example_sites(spec: dict[str, Any]) -> Iterator[tuple[str, str, JSON]]:
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
    for ex_at, schema_at, value in _example_sites(spec):
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


# --------------------------------------------------------------------------- rules: links

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


# --------------------------------------------------------------------------- entry point


def lint_spec(spec: dict[str, Any], *, with_validator: bool = True) -> list[Issue]:
    """Run every rule over an OpenAPI document and return the findings, sorted.

    ``with_validator=False`` skips openapi-spec-validator (the slow part, ~1.5 s), for callers
    that only need voicecontract's own rules.
    """
    found: list[Issue] = []
    for fn in RULES:
        if fn is check_validator and not with_validator:
            continue
        try:
            found.extend(fn(spec))
        except Exception:  # a rule tripped over a malformed document
            if not any(i.code in ("VC001", "VC002") for i in found):
                raise
    return sorted(set(found), key=lambda i: (i.path, i.code, i.message))


__all__ = ["RULE_CODES", "Issue", "lint_spec"]
