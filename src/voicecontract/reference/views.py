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
        name = ref_name(member)
        creator = self.ix.create_counterpart(name) if name else None
        creator_props = self.schemas.properties(creator) if creator else {}
        out: dict[str, Any] = {}
        for prop, pnode in self.schemas.properties(member).items():
            derived = pnode.get("x-derived-from") if isinstance(pnode, dict) else None
            if isinstance(derived, str):
                out[prop] = self.derived(member, doc, derived)
            elif doc.get(prop) is not None:
                out[prop] = self.value(pnode, doc[prop], creator_props.get(prop))
            elif prop in doc and self.schemas.nullable(pnode):
                out[prop] = None
            else:
                default = self.schemas.default(pnode)
                if default is NO_DEFAULT and prop in creator_props:
                    default = self.schemas.default(creator_props[prop])
                if default is not NO_DEFAULT:
                    out[prop] = copy.deepcopy(default)
                elif self.schemas.nullable(pnode):
                    out[prop] = None
        return out

    def value(self, node: Any, value: Any, creator: Any) -> Any:
        """One stored value against its response schema node."""
        target = self.schemas.resolve(node)
        if isinstance(target, dict) and target.get("readOnly") is True:
            return mask(value, key_like=creator is not None and self.schemas.credential_kind(creator) == "key")
        items = self.schemas.items(node)
        if items is not None and isinstance(value, list):
            creator_items = self.schemas.items(creator) if creator is not None else None
            return [self.value(items, v, creator_items) for v in value]
        options = self.schemas.options(node)
        if isinstance(value, str):
            for option in options:
                kind = ref_name(option)
                if kind and self.ix.is_subresource(option):
                    stored = self.tx.get(kind, self.tenant, value)
                    if stored is not None:
                        return self.obj(option, stored)
            return value
        if isinstance(value, dict):
            objects = [o for o in options if self.schemas.is_object(o) and self.schemas.has_fields(o)]
            if objects:
                return self.obj(objects[0], value)
        return copy.deepcopy(value)

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
