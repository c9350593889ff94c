"""The lint engine: rule codes, the rule registry, how a finding is built and rendered, and walking helpers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from voicecontract.errors import Issue
from voicecontract.spec import iter_operations, pointer, resolve

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
    "VC304": ("response-complete", "a response property is neither required nor documented as 'omitted when …'"),
    "VC401": ("unused-component", "a component is not reachable from any operation"),
    "VC501": ("secret-unmarked", "a secret field lacks writeOnly, format: password or x-secret"),
    "VC502": ("secret-in-response", "a response schema contains a secret (writeOnly/x-secret) field"),
    "VC601": ("link-operation", "a link names an operation that does not exist"),
    "VC602": ("link-parameter", "a link sets a parameter or body the target operation does not take"),
    "VC603": ("link-expression", "a link expression points at a field the response does not have"),
    "VC701": ("operation-role", "an operation's role cannot be derived, or its x-role is not a known role"),
    "VC702": ("extension-value", "an x- extension names something the document does not have"),
    "VC703": ("reference-kind", "an id field of a request names no resource the index can tell"),
    "VC704": ("role-union", "an inline connection union's types differ from the types x-usable-as its role"),
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


# --------------------------------------------------------------------------- what the spec asks beyond shapes


def unexpressible_checks(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(check name, JSON pointer) of every ``x-unexpressible-check`` in the document's schemas."""
    from voicecontract.spec import iter_subschemas

    found = []
    for name, schema in ((spec.get("components") or {}).get("schemas") or {}).items():
        for path, sub in iter_subschemas(schema, pointer("components", "schemas", name)):
            check = sub.get("x-unexpressible-check")
            if isinstance(check, str):
                found.append((check, path))
    return found


def value_exclusions(spec: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(x-code, JSON pointer, message) of every value class a schema excludes with ``not`` (each once)."""
    from voicecontract.spec import iter_subschemas

    found = []
    for name, schema in ((spec.get("components") or {}).get("schemas") or {}).items():
        for path, sub in iter_subschemas(schema, pointer("components", "schemas", name)):
            excluded = sub.get("not")
            if not isinstance(excluded, dict):
                continue
            ref = excluded.get("$ref")
            base = ref[1:] if isinstance(ref, str) and ref.startswith("#/") else path + "/not"
            target = resolve(spec, excluded)
            if not isinstance(target, dict):
                continue
            alternatives = [(f"{base}/anyOf/{i}", a) for i, a in enumerate(target.get("anyOf") or [])] or [
                (base, target)
            ]
            for at, alt in alternatives:
                entry = (str(alt.get("x-code", "")), at, str(alt.get("description", "")))
                if isinstance(alt, dict) and "x-code" in alt and entry not in found:
                    found.append(entry)
    return found


OURS = re.compile(r"\*\*Ours(?::\*\*|\*\*[,:]?)\s*")


def deviations(spec: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Every decision the spec marks **Ours:** where it departs from the docs: (text, pointers), in order.

    The text is the marked paragraph from the marker on; the same decision written at several places
    (a request schema and its response twin) is one entry with all of its pointers.
    """
    from voicecontract.spec import walk

    found: dict[str, list[str]] = {}
    for at, node in walk(spec):
        text = node.get("description") if isinstance(node, dict) else None
        if not isinstance(text, str):
            continue
        for paragraph in re.split(r"\n\s*\n|\n\s*[*-] ", text):  # paragraphs and list items
            marker = OURS.search(paragraph)
            if marker and not paragraph[: marker.start()].rstrip().endswith("marked"):  # not the convention itself
                decision = " ".join(paragraph[marker.end() :].split())
                found.setdefault(decision, []).append(at + "/description")
    return list(found.items())


def subject(at: str) -> str:
    """What a JSON pointer into the spec names, for people: ``PhoneNumber.label``, ``POST /v1/numbers/buy``."""
    from voicecontract.spec import split_pointer

    tokens = [t for t in split_pointer(at) if t != "description"]
    if tokens[:1] == ["paths"] and len(tokens) >= 3:
        return f"{tokens[2].upper()} {tokens[1]}"
    if tokens[:2] == ["components", "schemas"] and len(tokens) >= 3:
        props = [tokens[i + 1] for i, t in enumerate(tokens[:-1]) if t == "properties"]
        return ".".join([tokens[2], *props])
    if tokens[:1] == ["components"] and len(tokens) >= 3:
        return f"{tokens[1][:-1]} {tokens[2]}"
    return "the whole API" if tokens[:1] == ["info"] else "/".join(tokens)


def deviations_markdown(spec: dict[str, Any]) -> str:
    """The README's "Where we differ from the docs" table (``voicecontract lint --deviations``)."""
    rows = ["| what | our decision | where (JSON pointer into the spec) |", "|---|---|---|"]
    for text, places in deviations(spec):
        what = ", ".join(dict.fromkeys(subject(p) for p in places[:3])) + (" …" if len(places) > 3 else "")
        where = f"`{places[0]}`" + (f" (+{len(places) - 1})" if len(places) > 1 else "")
        rows.append(f"| {what} | {text.replace('|', chr(92) + '|')} | {where} |")
    return "\n".join(rows) + "\n"

