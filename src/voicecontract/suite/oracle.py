"""What a write must answer, derived from the spec: the request schema and the response schema, walked together.

* a field that was sent lands in the answer under the same name (or its ``x-response-field``);
* a secret comes back as its masked hint (``****``, plus the last four characters of a key of 20
  characters or more), never as itself;
* an id sent for a sub-resource comes back as that id, or as the object with that id; an inline
  object comes back as an id, or as an object carrying what was sent;
* ``null`` comes back as ``null``, or as the field's default where ``null`` is not a value it shows;
* on a create, a field that was not sent shows its default (the creating schema's);
* on an update, a field that was not sent is unchanged; an inline object of a *change* schema (one
  no create uses) changes the sub-resource in place, so its own unsent fields are unchanged too.

Each mismatch is a JSON pointer into the answer and a sentence that names no value.
"""

from __future__ import annotations

from typing import Any

from voicecontract.spec import SpecIndex, pointer, split_pointer
from voicecontract.spec.schema import NO_DEFAULT

MASK = "****"
HINT_MIN_LENGTH = 20
Mismatch = tuple[str, str]  # (pointer into the answer, what is wrong)


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values: 1 == 1.0, but true is not 1 and "1" is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    """The first place two JSON values differ, as a JSON pointer (values are not shown)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return path + pointer(key)
            found = first_difference(a[key], b[key], path + pointer(key))
            if found is not None:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return path or "/"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, path + pointer(i))
            if found is not None:
                return found
        return None
    return None if json_equal(a, b) else (path or "/")


def valid_hint(secret: str, hint: Any, *, key_like: bool) -> bool:
    """Whether ``hint`` is a masked hint the spec allows for ``secret``."""
    if not isinstance(hint, str) or not hint.startswith(MASK):
        return False
    shown = hint[len(MASK) :]
    if shown == "":
        return True
    return key_like and len(secret) >= HINT_MIN_LENGTH and shown == secret[-4:]


class Oracle:
    """Compares what a write sent with what it answered."""

    def __init__(self, ix: SpecIndex) -> None:
        self.ix = ix
        self.schemas = ix.schemas

    def compare(
        self, request: Any, response: Any, sent: Any, got: Any, *, mode: str, before: Any = None, path: str = ""
    ) -> list[Mismatch]:
        """Mismatches between a sent object and the answered one (``mode``: create, update or change)."""
        if not isinstance(sent, dict) or not isinstance(got, dict):
            return []
        member = self.schemas.member(request, sent)
        union = self.schemas.union(request)
        if union is not None and union.prop in sent and sent.get(union.prop) != got.get(union.prop):
            return [(path + pointer(union.prop), f"`{union.prop}` is not what was sent")]
        answered = self.schemas.member(response, got) if response is not None else None
        props = self.schemas.properties(member)
        out: list[Mismatch] = []
        sent_targets: set[str] = set()
        for name, value in sent.items():
            node = props.get(name)
            if node is None:
                continue
            target = self.schemas.extension(node, "x-response-field", name)
            if target is None:
                continue  # a directive, not shown
            target = str(target)
            sent_targets.add(target)
            where = path + pointer(target)
            counterpart = self.ix.counterpart(member, answered, name)
            if counterpart is None:
                continue  # the response schema does not show it
            if target not in got:
                out.append((where, f"`{target}` was sent but is missing from the answer"))
                continue
            previous = before.get(target) if isinstance(before, dict) else None
            out.extend(self.value(node, counterpart, value, got[target], where, mode, previous))
        if mode == "create" and answered is not None:
            for name, node in self.schemas.properties(answered).items():
                default = self.schemas.default(node)
                if name in sent_targets or name in got or default is NO_DEFAULT:
                    continue  # response-only fields with a default (`active`, a `label` nobody sent) must be shown
                out.append((path + pointer(name), f"`{name}` has a default, so the answer must show it"))
        if mode == "create":
            for name, node in props.items():
                if name in sent:
                    continue
                default = self.schemas.default(node)
                target = self.schemas.extension(node, "x-response-field", name)
                if default is NO_DEFAULT or target is None or self.ix.counterpart(member, answered, name) is None:
                    continue
                if str(target) not in got:
                    out.append((path + pointer(str(target)), f"`{target}` was not sent, so it must show its default"))
                elif not json_equal(got[str(target)], default):
                    out.append((path + pointer(str(target)), f"`{target}` was not sent but does not show its default"))
        elif isinstance(before, dict):
            derived = self._derived_sources(answered)
            for key, old in before.items():
                if key in sent_targets or derived.get(key, "") in sent_targets:
                    continue
                where = path + pointer(key)
                if key not in got:
                    out.append((where, f"`{key}` was not sent but disappeared (absent fields must stay unchanged)"))
                elif not json_equal(old, got[key]):
                    inner = first_difference(old, got[key], where)
                    out.append(
                        (inner or where, f"`{key}` was not sent but changed (absent fields must stay unchanged)")
                    )
        return out

    def _derived_sources(self, response: Any) -> dict[str, str]:
        """Response field → the field it is derived from (``x-derived-from``)."""
        out = {}
        for name, node in self.schemas.properties(response).items():
            derived = node.get("x-derived-from") if isinstance(node, dict) else None
            if isinstance(derived, str) and split_pointer(derived):
                out[name] = split_pointer(derived)[0]
        return out

    def value(
        self, node: Any, response: Any, sent: Any, got: Any, where: str, mode: str, before: Any
    ) -> list[Mismatch]:
        """Mismatches for one sent value."""
        if self.schemas.is_secret(node) and isinstance(sent, str):
            if not valid_hint(sent, got, key_like=self.schemas.credential_kind(node) == "key"):
                return [
                    (
                        where,
                        "a secret must come back as its masked hint (`****`, or `****` and its last four characters)",
                    )
                ]
            return []
        if sent is None:
            if got is None:
                return []
            default = self.schemas.default(response)
            if not self.schemas.nullable(response) and default is not NO_DEFAULT and json_equal(got, default):
                return []
            return [(where, "`null` was sent to clear it, but the answer still has a value")]
        element, is_array = self.ix.element(node)
        if is_array and isinstance(sent, list):
            if not isinstance(got, list) or len(got) != len(sent):
                return [(where, f"{len(sent)} items were sent, the answer does not hold as many")]
            resp_element = self.ix.element(response)[0]
            out: list[Mismatch] = []
            for i, (s, g) in enumerate(zip(sent, got, strict=True)):
                out.extend(self.value(element, resp_element, s, g, where + pointer(i), "create", None))
            return out
        kind, inline = self.ix.field_target(node, response)
        is_ref = kind is not None and any(self.ix.is_id(a) for a in self.schemas.options(element))
        if isinstance(sent, str) and is_ref:
            shown = got.get("id") if isinstance(got, dict) else got
            return [] if shown == sent else [(where, "the id that was sent is not the one answered")]
        if isinstance(sent, dict):
            if inline is not None and isinstance(got, str):
                return [] if got else [(where, "an inline object was sent; the answer must name what was created")]
            objects = [
                a
                for a in self.schemas.options(self.ix.element(response)[0])
                if self.schemas.is_object(a) and self.schemas.has_fields(a)
            ]
            if not isinstance(got, dict):
                return [(where, "an object was sent; the answer does not show one")]
            request = inline if inline is not None else node
            if objects:
                change = mode == "update" and inline is not None and self.ix.is_change_schema(kind, inline)
                return self.compare(
                    request,
                    objects[0],
                    sent,
                    got,
                    mode="update" if change else "create",
                    before=before if change else None,
                    path=where,
                )
            return [] if json_equal(sent, got) else [(first_difference(sent, got, where) or where, "not what was sent")]
        if not json_equal(sent, got):
            return [(where, "the answer does not hold the value that was sent")]
        return []
