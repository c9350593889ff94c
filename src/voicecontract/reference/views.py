"""How stored documents are shown: the response schema, walked.

A stored document holds what was sent (references as ids). Its view follows the response schema
of its kind, property by property, in the spec's order:

* a sub-resource stored as an id is expanded when the response schema shows the object;
* an absent field takes its default (the response schema's, else the creating schema's), or
  ``null`` where it is nullable; a stored ``null`` where ``null`` is not allowed shows the default;
* ``x-derived-from`` fields are computed (``/inbound_agent/name``: the name of that agent);
* a field whose response schema is ``readOnly`` (the masked hint) shows ``****``, plus the
  secret's last four characters when the creating schema says it is a key of 20 characters or more.

This is the one place where defaults are applied.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from voicecontract.reference.store import Tx
from voicecontract.spec import SpecIndex, ref_name, split_pointer
from voicecontract.spec.schema import NO_DEFAULT

MASK = "****"
HINT_MIN_LENGTH = 20


def mask(value: Any, *, key_like: bool) -> str:
    """The masked hint of a secret: ``****`` plus the last four characters of a long key."""
    if key_like and isinstance(value, str) and len(value) >= HINT_MIN_LENGTH and value[-4:].isprintable():
        return MASK + value[-4:]
    return MASK


def human(kind: str) -> str:
    """``AccountConnection`` → ``Account connection`` (for messages)."""
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z]|$)|[A-Z]?[a-z0-9]+", kind) or [kind]
    text = " ".join(words).lower()
    return text[:1].upper() + text[1:]


def node_of(name: str) -> dict[str, Any]:
    """A ``$ref`` node for a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


class Viewer:
    """Renders stored documents as the response schemas show them."""

    def __init__(self, ix: SpecIndex, tx: Tx, tenant: str) -> None:
        self.ix = ix
        self.schemas = ix.schemas
        self.tx = tx
        self.tenant = tenant

    def resource(self, kind: str, doc: dict[str, Any]) -> dict[str, Any]:
        """The view of a stored resource of a kind (a response schema name)."""
        return self.obj(node_of(kind), doc)

    def obj(self, node: Any, doc: dict[str, Any]) -> dict[str, Any]:
        """The view of a stored object against an object schema (a union's member is picked by its tag)."""
        member = self.schemas.member(node, doc)
        out: dict[str, Any] = {}
        for prop, pnode, derived, nullable, default, creator in self._plan(member):
            if derived is not None:
                out[prop] = self.derived(member, doc, derived)
            elif doc.get(prop) is not None:
                out[prop] = self.value(pnode, doc[prop], creator)
            elif prop in doc and nullable:
                out[prop] = None
            elif default is not NO_DEFAULT:
                out[prop] = copy.deepcopy(default)
            elif nullable:
                out[prop] = None
        return out

    def _plan(self, member: Any) -> list[tuple[str, Any, str | None, bool, Any, Any]]:
        """Per property of a response schema, what ``obj`` needs, worked out once per schema and spec.

        (name, node, x-derived-from, nullable, default (the response's, else the creating schema's),
        the creating schema's node). Read from the spec on first use; the same for every request.
        """
        plans: dict[int, Any] = self.ix.__dict__.setdefault("_view_plans", {})
        key = id(self.schemas.resolve(member))
        plan = plans.get(key)
        if plan is None:
            name = ref_name(member)
            creator = self.ix.create_counterpart(name) if name else None
            creator_props = self.schemas.properties(creator) if creator else {}
            plan = []
            for prop, pnode in self.schemas.properties(member).items():
                derived = pnode.get("x-derived-from") if isinstance(pnode, dict) else None
                default = self.schemas.default(pnode)
                if default is NO_DEFAULT and prop in creator_props:
                    default = self.schemas.default(creator_props[prop])
                plan.append((prop, pnode, derived if isinstance(derived, str) else None,
                             self.schemas.nullable(pnode), default, creator_props.get(prop)))
            plans[key] = plan
        return plan

    def value(self, node: Any, value: Any, creator: Any) -> Any:
        """One stored value against its response schema node."""
        masked, key_like, items, creator_items, subresources, shape = self._value_plan(node, creator)
        if masked:
            return mask(value, key_like=key_like)
        if items is not None and isinstance(value, list):
            return [self.value(items, v, creator_items) for v in value]
        if isinstance(value, str):
            for kind, option in subresources:
                stored = self.tx.get(kind, self.tenant, value)
                if stored is not None:
                    return self.obj(option, stored)
            return value
        if isinstance(value, dict) and shape is not None:
            return self.obj(shape, value)
        return copy.deepcopy(value)

    def _value_plan(self, node: Any, creator: Any) -> tuple[bool, bool, Any, Any, list[tuple[str, Any]], Any]:
        """What ``value`` needs about a response node (and the creating node), worked out once.

        (a masked hint?, of a key?, the items schema, the creator's items schema, the sub-resource
        options a string may name (kind, node), the object option a dict is shown as).
        """
        plans: dict[tuple[int, int], Any] = self.ix.__dict__.setdefault("_value_plans", {})
        key = (id(node), id(creator))
        plan = plans.get(key)
        if plan is None:
            target = self.schemas.resolve(node)
            masked = isinstance(target, dict) and target.get("readOnly") is True
            key_like = creator is not None and self.schemas.credential_kind(creator) == "key"
            items = self.schemas.items(node)
            creator_items = self.schemas.items(creator) if creator is not None and items is not None else None
            options = self.schemas.options(node)
            subresources = [(str(ref_name(o)), o) for o in options if ref_name(o) and self.ix.is_subresource(o)]
            shapes = [o for o in options if self.schemas.is_object(o) and self.schemas.has_fields(o)]
            plan = (masked, key_like, items, creator_items, subresources, shapes[0] if shapes else None)
            # node and creator are nodes of the spec, alive as long as the index: their ids stay theirs
            plans[key] = (plan, node, creator)
        else:
            plan = plan[0]
        return plan

    def derived(self, member: Any, doc: dict[str, Any], ptr: str) -> Any:
        """An ``x-derived-from`` value: follow the reference named by the pointer's first token."""
        tokens = split_pointer(ptr)
        if not tokens or not isinstance(doc.get(tokens[0]), str):
            return None
        source = tokens[0]
        creator = self.ix.create_counterpart(ref_name(member) or "")
        node = self.schemas.properties(creator).get(source) if creator else None
        response = self.schemas.properties(member).get(source)
        kind, _ = self.ix.field_target(node, response) if node is not None else (None, None)
        if kind is None:
            return None
        cur: Any = self.tx.get(kind, self.tenant, doc[source])
        for token in tokens[1:]:
            cur = cur.get(token) if isinstance(cur, dict) else None
        return cur
