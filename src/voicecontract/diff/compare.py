"""The structural walk of ``voicecontract diff``: two OpenAPI documents, operation by operation.

Operations are matched by method and path; parameters by name and location; answers by status;
schemas recursively, following ``$ref`` in each document (each pair of referenced schemas is
compared once per direction). What a difference means depends on the direction: a field that
disappears from a request breaks clients that send it (objects are closed), one that disappears
from an answer breaks clients that read it. API semantics the walk knows:

* **absent vs null**: ``null`` accepted or answered is a type of its own (``type: [.., 'null']``,
  a ``{type: 'null'}`` option, or 3.0's ``nullable``); gaining or losing it is a type change;
* **discriminated unions** (connection types, voices, actions) are matched by tag, not position;
* **masked secrets**: an answer field that was a masked hint (``readOnly``) and no longer is,
  or a request field that loses its secret marking, is reported as such.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from voicecontract.diff.rules import Change
from voicecontract.errors import json_type
from voicecontract.spec import iter_operations, pointer, resolve

JSON = Any
REQUEST, RESPONSE = "request", "response"
TIGHTER = {"maxLength": -1, "maxItems": -1, "maximum": -1, "minLength": 1, "minItems": 1, "minimum": 1}


def _types(doc: JSON, node: JSON) -> set[str] | None:
    """The JSON types a schema allows (None: any), ``null`` included when it is nullable."""
    node = resolve(doc, node)
    if not isinstance(node, dict):
        return None
    options = _options(doc, node)
    if options:
        found: set[str] = set()
        for option in options:
            t = _types(doc, option)
            if t is None:
                return None
            found |= t
        return found
    if "const" in node:
        return {json_type(node["const"])}
    if "enum" in node and "type" not in node:
        return {json_type(v) for v in node["enum"]}
    t = node.get("type")
    if t is None:
        return {"object"} if "properties" in node else None
    out = set(t) if isinstance(t, list) else {t}
    if node.get("nullable") is True:
        out.add("null")
    return out


def _absent_marker(doc: JSON, node: JSON) -> bool:
    """Whether an option is a generator's "not set" sentinel, an empty closed object named ``Undefined``.

    SDK-generated specs (the 2024 one among them) spell "this field may be absent" in updates as
    ``anyOf: [T, Undefined]``; absent is what the field's optionality already says, so the walk
    drops the option instead of reading it as "may be an object".
    """
    target = resolve(doc, node)
    named = (_ref_of(node) or "").rsplit("/", 1)[-1] == "Undefined" or (
        isinstance(target, dict) and target.get("title") == "Undefined"
    )
    return named and isinstance(target, dict) and not target.get("properties") and target.get(
        "additionalProperties"
    ) is False


def _options(doc: JSON, node: JSON) -> list[JSON] | None:
    """A union's options, without "not set" sentinels (None: not a union)."""
    options = node.get("oneOf") or node.get("anyOf") if isinstance(node, dict) else None
    return [o for o in options if not _absent_marker(doc, o)] if options else None


def _ref_of(node: JSON) -> str | None:
    return node.get("$ref") if isinstance(node, dict) and isinstance(node.get("$ref"), str) else None


class Differ:
    """Compares an old and a new OpenAPI document; ``changes()`` yields every difference."""

    def __init__(self, old: JSON, new: JSON, path_prefixes: tuple[str, ...] = ()) -> None:
        self.old = old
        self.new = new
        self.prefixes = path_prefixes
        self._seen: set[tuple[str | None, str | None, str]] = set()

    # ----------------------------------------------------------------- operations

    def _operations(self, doc: JSON) -> dict[str, tuple[str, dict[str, Any]]]:
        out = {}
        for path, method, op in iter_operations(doc):
            if self.prefixes and not path.startswith(self.prefixes):
                continue
            out[f"{method.upper()} {path}"] = (pointer("paths", path, method), op)
        return out

    def changes(self) -> list[Change]:
        """Every difference, operations in the new document's order, each change once."""
        old_ops, new_ops = self._operations(self.old), self._operations(self.new)
        out: list[Change] = []
        for label, (at, _) in old_ops.items():
            if label not in new_ops:
                out.append(Change("operation-removed", label, f"{label} is gone", at, None))
        for label, (at, op) in new_ops.items():
            if label not in old_ops:
                out.append(Change("operation-added", label, f"{label} is new", None, at))
                continue
            old_at, old_op = old_ops[label]
            out.extend(self._operation(label, old_at, old_op, at, op))
        return list(dict.fromkeys(out))

    def _params(self, doc: JSON, op: dict[str, Any], base: str) -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
        out = {}
        for i, raw in enumerate(op.get("parameters") or []):
            param = resolve(doc, raw)
            if isinstance(param, dict) and "name" in param:
                where = _ref_of(raw)
                out[(param.get("in", "query"), param["name"])] = (
                    where[1:] if where else base + pointer("parameters", i),
                    param,
                )
        return out

    def _operation(self, label: str, old_at: str, old_op: JSON, new_at: str, new_op: JSON) -> Iterator[Change]:
        old_params, new_params = self._params(self.old, old_op, old_at), self._params(self.new, new_op, new_at)
        for key, (o_at, o) in old_params.items():
            if key not in new_params:
                yield Change("parameter-removed", label, f"{key[0]} parameter {key[1]!r} is gone", o_at, None)
                continue
            n_at, n = new_params[key]
            if bool(o.get("required")) != bool(n.get("required")):
                code = "parameter-became-required" if n.get("required") else "parameter-became-optional"
                yield Change(code, label, f"{key[0]} parameter {key[1]!r}", o_at, n_at)
            if "schema" in o and "schema" in n:
                yield from self.schema(
                    label, o["schema"], n["schema"], o_at + "/schema", n_at + "/schema", REQUEST, key[1]
                )
        for key, (n_at, n) in new_params.items():
            if key not in old_params:
                code = "parameter-added-required" if n.get("required") else "parameter-added-optional"
                yield Change(code, label, f"{key[0]} parameter {key[1]!r} is new", None, n_at)
        yield from self._body(label, old_op, new_op, old_at, new_at)
        yield from self._responses(label, old_op, new_op, old_at, new_at)

    def _body(self, label: str, old_op: JSON, new_op: JSON, old_at: str, new_at: str) -> Iterator[Change]:
        old_body = resolve(self.old, old_op.get("requestBody")) if old_op.get("requestBody") else None
        new_body = resolve(self.new, new_op.get("requestBody")) if new_op.get("requestBody") else None
        if old_body is None or new_body is None:
            if old_body is not None:
                yield Change("request-body-removed", label, "the request body is gone", old_at + "/requestBody", None)
            elif new_body is not None and new_body.get("required"):
                yield Change("request-body-became-required", label, "a request body is now required", None,
                             new_at + "/requestBody")
            return
        if new_body.get("required") and not old_body.get("required"):
            yield Change("request-body-became-required", label, "the request body is now required",
                         old_at + "/requestBody", new_at + "/requestBody")
        yield from self._content(label, old_body, new_body, old_at + "/requestBody", new_at + "/requestBody", REQUEST)

    def _content(self, label: str, old: JSON, new: JSON, old_at: str, new_at: str, direction: str) -> Iterator[Change]:
        old_media, new_media = old.get("content") or {}, new.get("content") or {}
        for media, o in old_media.items():
            o_at = old_at + pointer("content", media)
            if media not in new_media:
                yield Change("media-type-removed", label, f"{media} is no longer {direction} content", o_at, None)
                continue
            n_at = new_at + pointer("content", media)
            n = new_media[media]
            if isinstance(o, dict) and isinstance(n, dict) and "schema" in o and "schema" in n:
                yield from self.schema(label, o["schema"], n["schema"], o_at + "/schema", n_at + "/schema", direction)

    def _responses(self, label: str, old_op: JSON, new_op: JSON, old_at: str, new_at: str) -> Iterator[Change]:
        old_r = {str(k): v for k, v in (old_op.get("responses") or {}).items()}
        new_r = {str(k): v for k, v in (new_op.get("responses") or {}).items()}
        old_ok = [s for s in old_r if s.startswith("2")]
        new_ok = [s for s in new_r if s.startswith("2")]
        if len(old_ok) == 1 and len(new_ok) == 1 and old_ok != new_ok:
            # one success answer on each side under another code: the same answer, compared as such
            o_status, n_status = old_ok[0], new_ok[0]
            o_at, n_at = old_at + pointer("responses", o_status), new_at + pointer("responses", n_status)
            yield Change("response-success-status-changed", f"{label} {n_status}",
                         f"success is {n_status}, not {o_status}", o_at, n_at)
            o, n = resolve(self.old, old_r.pop(o_status)), resolve(self.new, new_r.pop(n_status))
            if isinstance(o, dict) and isinstance(n, dict):
                yield from self._content(f"{label} {n_status}", o, n, o_at, n_at, RESPONSE)
        for status, raw in old_r.items():
            o_at = old_at + pointer("responses", status)
            if str(status) not in {str(s) for s in new_r}:
                yield Change("response-status-removed", f"{label} {status}", f"status {status} is no longer answered",
                             o_at, None)
                continue
            n_raw = next(v for s, v in new_r.items() if str(s) == str(status))
            o, n = resolve(self.old, raw), resolve(self.new, n_raw)
            if isinstance(o, dict) and isinstance(n, dict):
                yield from self._content(f"{label} {status}", o, n, o_at, new_at + pointer("responses", status),
                                         RESPONSE)
        for status in new_r:
            if str(status) not in {str(s) for s in old_r}:
                yield Change("response-status-added", f"{label} {status}", f"status {status} is newly documented",
                             None, new_at + pointer("responses", status))

    # ----------------------------------------------------------------- schemas

    def schema(
        self, label: str, old: JSON, new: JSON, old_at: str, new_at: str, direction: str, name: str = ""
    ) -> Iterator[Change]:
        """Compare two schemas in a direction (``request`` or ``response``)."""
        o_ref, n_ref = _ref_of(old), _ref_of(new)
        if o_ref or n_ref:
            key = (o_ref, n_ref, direction)
            if key in self._seen and o_ref and n_ref:
                return
            self._seen.add(key)
        old_at = o_ref[1:] if o_ref else old_at
        new_at = n_ref[1:] if n_ref else new_at
        o, n = resolve(self.old, old), resolve(self.new, new)
        if not isinstance(o, dict) or not isinstance(n, dict):
            return
        what = f"`{name}`" if name else "a value"
        yield from self._types(label, o, n, old_at, new_at, direction, what)
        if o.get("oneOf") or o.get("anyOf") or n.get("oneOf") or n.get("anyOf"):
            # a union on either side: its forms are paired and compared (never its members' fields with
            # the union's, which has none)
            yield from self._options(label, o, n, old_at, new_at, direction, what)
            return
        yield from self._enum(label, o, n, old_at, new_at, direction, what)
        yield from self._constraints(label, o, n, old_at, new_at, direction, what)
        yield from self._secrets(label, o, n, old_at, new_at, direction, what)
        if direction == REQUEST and "default" in o and "default" in n and o["default"] != n["default"]:
            yield Change("request-default-changed", label, f"{what}: the default changed", old_at, new_at)
        yield from self._object(label, o, n, old_at, new_at, direction)
        o_items, n_items = o.get("items"), n.get("items")
        if isinstance(o_items, dict) and isinstance(n_items, dict):
            yield from self.schema(label, o_items, n_items, old_at + "/items", new_at + "/items", direction, name)

    def _types(self, label: str, o: JSON, n: JSON, old_at: str, new_at: str, d: str, what: str) -> Iterator[Change]:
        ot, nt = _types(self.old, o), _types(self.new, n)
        if ot is None or nt is None or ot == nt:
            if ot is not None and nt is None:  # anything goes now
                yield Change(f"{d}-type-widened", label, f"{what} may now be of any type", old_at, new_at)
            return
        gained, lost = sorted(nt - ot), sorted(ot - nt)
        if gained:
            yield Change(f"{d}-type-widened", label, f"{what} may now be {', '.join(gained)}", old_at, new_at)
        if lost:
            yield Change(f"{d}-type-narrowed", label, f"{what} may no longer be {', '.join(lost)}", old_at, new_at)

    def _enum(self, label: str, o: JSON, n: JSON, old_at: str, new_at: str, d: str, what: str) -> Iterator[Change]:
        oe: list[Any] | None = list(o["enum"]) if "enum" in o else ([o["const"]] if "const" in o else None)
        ne: list[Any] | None = list(n["enum"]) if "enum" in n else ([n["const"]] if "const" in n else None)
        if oe is None and ne is None:
            return
        if ne is None:
            yield Change(f"{d}-constraint-loosened", label, f"{what} is no longer limited to listed values",
                         old_at, new_at)
            return
        if oe is None:
            yield Change(f"{d}-constraint-tightened", label, f"{what} is now limited to listed values", old_at, new_at)
            return
        for v in [v for v in oe if v not in ne]:
            yield Change(f"{d}-enum-value-removed", label, f"{what}: {v!r} is gone", old_at, new_at)
        for v in [v for v in ne if v not in oe]:
            yield Change(f"{d}-enum-value-added", label, f"{what}: {v!r} is new", old_at, new_at)

    def _constraints(
        self, label: str, o: JSON, n: JSON, old_at: str, new_at: str, d: str, what: str
    ) -> Iterator[Change]:
        for key, sign in TIGHTER.items():
            ov, nv = o.get(key), n.get(key)
            if ov == nv or isinstance(ov, bool) or isinstance(nv, bool):
                continue
            if ov is None or nv is None:
                tighter = ov is None  # a bound appeared
            else:
                tighter = (nv - ov) * sign > 0
            verb = "tightened" if tighter else "loosened"
            yield Change(f"{d}-constraint-{verb}", label, f"{what}: {key} {ov} → {nv}", old_at, new_at)
        if o.get("pattern") != n.get("pattern") and (o.get("pattern") or n.get("pattern")):
            verb = "loosened" if n.get("pattern") is None else "tightened"
            # Two regular expressions cannot be compared in general: a changed pattern is taken as stricter.
            yield Change(f"{d}-constraint-{verb}", label, f"{what}: the pattern changed", old_at, new_at)

    def _secrets(self, label: str, o: JSON, n: JSON, old_at: str, new_at: str, d: str, what: str) -> Iterator[Change]:
        if d == RESPONSE and o.get("readOnly") is True and n.get("readOnly") is not True and "string" in (
            _types(self.new, n) or {"string"}
        ):
            yield Change("response-secret-unmasked", label, f"{what} was a masked hint and no longer is", old_at,
                         new_at)
        secret_old = o.get("x-secret") is True or o.get("format") == "password" or o.get("writeOnly") is True
        secret_new = n.get("x-secret") is True or n.get("format") == "password" or n.get("writeOnly") is True
        if d == REQUEST and secret_old and not secret_new:
            yield Change("request-secret-unmarked", label, f"{what} is no longer marked secret", old_at, new_at)

    def _options(self, label: str, o: JSON, n: JSON, old_at: str, new_at: str, d: str, what: str) -> Iterator[Change]:
        o_opts, n_opts = _options(self.old, o), _options(self.new, n)
        if not o_opts and not n_opts:
            return
        o_tags = (o.get("discriminator") or {}).get("mapping")
        n_tags = (n.get("discriminator") or {}).get("mapping")
        if o_tags and n_tags:  # a discriminated union: members by tag
            for tag, ref in o_tags.items():
                if tag not in n_tags:
                    yield Change(f"{d}-option-removed", label, f"{what}: the {tag!r} member is gone", old_at, new_at)
                else:
                    yield from self.schema(label, {"$ref": ref}, {"$ref": n_tags[tag]}, ref[1:], n_tags[tag][1:], d)
            for tag in n_tags:
                if tag not in o_tags:
                    yield Change(f"{d}-option-added", label, f"{what}: the {tag!r} member is new", old_at, new_at)
            return
        olist = [x for x in (o_opts or [o]) if _types(self.old, x) != {"null"}]
        nlist = [x for x in (n_opts or [n]) if _types(self.new, x) != {"null"}]
        single = len(olist) == 1 and len(nlist) == 1 and bool(o_opts or n_opts)
        if single and self._match(olist[0], nlist, set()) is not None:
            # one form besides null on each side, of the same kind: compare it (a changed null is a type change)
            if olist[0] is not o or nlist[0] is not n:
                yield from self.schema(label, olist[0], nlist[0], old_at, new_at, d, what.strip("`"))
            return
        matched: set[int] = set()
        for i, option in enumerate(olist):
            j = self._match(option, nlist, matched)
            if j is None:
                yield Change(f"{d}-option-removed", label, f"{what}: a form ({self._kind(self.old, option)}) is gone",
                             f"{old_at}/oneOf/{i}", new_at)
                continue
            matched.add(j)
            yield from self.schema(label, option, nlist[j], f"{old_at}/oneOf/{i}", f"{new_at}/oneOf/{j}", d)
        for j, option in enumerate(nlist):
            if j not in matched:
                yield Change(f"{d}-option-added", label, f"{what}: a new form ({self._kind(self.new, option)})",
                             old_at, f"{new_at}/oneOf/{j}")

    def _kind(self, doc: JSON, node: JSON) -> str:
        ref = _ref_of(node)
        if ref:
            return ref.rsplit("/", 1)[1]
        return "/".join(sorted(_types(doc, node) or {"any"}))

    def _match(self, option: JSON, candidates: list[JSON], taken: set[int]) -> int | None:
        ref = _ref_of(option)
        for j, c in enumerate(candidates):  # the same component name first, then the same JSON types
            if j not in taken and ref and _ref_of(c) == ref:
                return j
        kinds = _types(self.old, option)
        for j, c in enumerate(candidates):
            if j not in taken and _types(self.new, c) == kinds:
                return j
        return None

    def _object(self, label: str, o: JSON, n: JSON, old_at: str, new_at: str, d: str) -> Iterator[Change]:
        o_props, n_props = o.get("properties") or {}, n.get("properties") or {}
        if not o_props and not n_props:
            return
        o_req, n_req = set(o.get("required") or []), set(n.get("required") or [])
        for name, sub in o_props.items():
            o_at = old_at + pointer("properties", name)
            if name not in n_props:
                yield Change(f"{d}-property-removed", label, f"`{name}` is gone", o_at, None)
                continue
            n_at = new_at + pointer("properties", name)
            if (name in o_req) != (name in n_req):
                yield Change(f"{d}-property-became-{'required' if name in n_req else 'optional'}", label,
                             f"`{name}`", o_at, n_at)
            yield from self.schema(label, sub, n_props[name], o_at, n_at, d, name)
        for name in n_props:
            if name not in o_props:
                n_at = new_at + pointer("properties", name)
                if d == REQUEST:
                    code = "request-property-added-required" if name in n_req else "request-property-added-optional"
                else:
                    code = "response-property-added"
                yield Change(code, label, f"`{name}` is new", None, n_at)
        if d == REQUEST and o.get("additionalProperties", True) is not False and n.get("additionalProperties") is False:
            yield Change("request-closed", label, "unlisted fields are now rejected", old_at, new_at)
