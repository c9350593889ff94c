"""The semantics of every operation, by role, for any resource of the spec. Inputs are already validated.

* **create** stores what was sent (``x-response-field`` renames, directives dropped); every id in
  the body must name a resource of the tenant (404) whose type allows the field's
  ``x-connection-role`` (409); every inline object is created as its own resource; a unique field
  that is taken is a 409; a unique key that was not sent is minted (``behaviours``).
* **update** applies exactly the fields sent: absent is unchanged, ``null`` clears, an inline
  object of a *change* schema (one no create uses, e.g. ``PromptUpdateParams``) changes the
  current sub-resource in place, any other inline object replaces it; a union's tag cannot change (409).
* **delete** removes the resource and answers its last state with ``x-final-state`` applied.
* **add** / **remove** change the ``x-collection`` array: add is idempotent and answers 429 at the
  array's ``maxItems``; remove of an absent item is a 404.
* **read** / **list** address by the key parameter; pages in a stable order with exact totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voicecontract.errors import Issue
from voicecontract.reference import behaviours
from voicecontract.reference.errors import ApiError, Where, conflict, not_found
from voicecontract.reference.store import Tx
from voicecontract.reference.views import Viewer, human, node_of
from voicecontract.spec import Operation, SpecIndex, pointer, ref_name

JSON = Any


@dataclass
class Ctx:
    """What an operation works with: the transaction, the caller's tenant and the spec index."""

    tx: Tx
    tenant: str
    ix: SpecIndex

    @property
    def view(self) -> Viewer:
        """A viewer for this transaction and tenant."""
        return Viewer(self.ix, self.tx, self.tenant)


class Engine:
    """Carries out operations by their role."""

    def __init__(self, ix: SpecIndex) -> None:
        self.ix = ix
        self.schemas = ix.schemas
        self.sortable = sorted({f for r in ix.resources.values() for f in r.sortable})

    def handle(self, op: Operation, ctx: Ctx, query: dict[str, Any], sent: Any) -> dict[str, Any]:
        """Carry out one validated request and return the response document."""
        handler = getattr(self, f"do_{op.role}", None)
        if handler is None:
            raise ApiError(501, f"{op.label} has no role the reference server knows.")
        result: dict[str, Any] = handler(op, ctx, query, sent)
        return result

    # ----------------------------------------------------------------- reading

    def find(self, op: Operation, ctx: Ctx, query: dict[str, Any]) -> dict[str, Any]:
        """The tenant's resource the key parameter addresses, or a 404 naming the parameter."""
        res = self.ix.resource_of(op)
        assert res is not None and op.key is not None
        value = query[op.key.name]
        if res.key_field in res.unique:
            found = ctx.tx.find_unique(res.name, value)
            doc = found[1] if found is not None and found[0] == ctx.tenant else None
        else:
            doc = ctx.tx.get(res.name, ctx.tenant, value)
        if doc is None:
            raise not_found(human(res.name), ("query", op.key.name))
        return doc

    def do_read(self, op: Operation, ctx: Ctx, query: dict[str, Any], sent: Any) -> dict[str, Any]:
        """Answer one resource."""
        return ctx.view.resource(op.resource or "", self.find(op, ctx, query))

    def do_list(self, op: Operation, ctx: Ctx, query: dict[str, Any], sent: Any) -> dict[str, Any]:
        """Answer one page, in a stable order, with the exact total."""
        params = {p.name: p for p in op.params}
        page = query.get("page", self._default(params.get("page"), 1))
        size = query.get("size", self._default(params.get("size"), 10))
        sort = next((query[p.name] for p in op.params if p.type == "string" and p.name in query), None)
        desc = next((bool(query[p.name]) for p in op.params if p.type == "boolean" and p.name in query), False)
        kind = op.resource or ""
        result = ctx.tx.page(kind, ctx.tenant, page=page, size=size, sort=sort, desc=desc)
        view = ctx.view
        return {
            "items": [view.resource(kind, d) for d in result.items],
            "page": page,
            "size": size,
            "has_more": page * size < result.total,
            "total": result.total,
            "total_is_estimated": False,
        }

    def _default(self, param: Any, fallback: int) -> int:
        value = self.schemas.default(param.node) if param is not None else fallback
        return value if isinstance(value, int) else fallback

    # ----------------------------------------------------------------- input

    def store_object(self, ctx: Ctx, node: Any, response: Any, data: dict[str, Any], where: Where) -> dict[str, Any]:
        """A request object as it is stored: renamed fields, references resolved, inline objects created."""
        member = self.schemas.member(node, data)
        props = self.schemas.properties(member)
        out: dict[str, Any] = {}
        for name, value in data.items():
            pnode = props.get(name)
            if pnode is None:
                continue
            target = self.schemas.extension(pnode, "x-response-field", name)
            if target is None:
                continue  # a directive (e.g. an area code), not stored
            counterpart = self.ix.counterpart(member, self.schemas.member(response, data), name)
            out[str(target)] = self.store_value(ctx, pnode, counterpart, value, (*where, name))
        return out

    def store_value(self, ctx: Ctx, node: Any, response: Any, value: Any, where: Where) -> Any:
        """One request value as it is stored (see ``store_object``)."""
        if value is None:
            return None
        element, is_array = self.ix.element(node)
        if is_array and isinstance(value, list):
            resp_element = self.ix.element(response)[0]
            return [self.store_value(ctx, element, resp_element, v, (*where, i)) for i, v in enumerate(value)]
        kind, inline = self.ix.field_target(node, response)
        if isinstance(value, str) and kind is not None and any(self.ix.is_id(a) for a in self.schemas.options(element)):
            role = self.schemas.extension(node, "x-connection-role")
            self.check_reference(ctx, kind, value, where, str(role) if role else None)
            return value
        if isinstance(value, dict) and inline is not None and self.schemas.has_fields(inline):
            if kind is not None:
                return self.create_sub(ctx, kind, inline, value, where)
            objects = [
                a
                for a in self.schemas.options(self.ix.element(response)[0] if response else None)
                if self.schemas.is_object(a)
            ]
            return self.store_object(ctx, inline, objects[0] if objects else None, value, where)
        return value

    def check_reference(self, ctx: Ctx, kind: str, value: str, where: Where, role: str | None) -> dict[str, Any]:
        """The referenced resource of the tenant (404), of a type the connection role allows (409)."""
        stored = ctx.tx.get(kind, ctx.tenant, value)
        if stored is None:
            raise not_found(human(kind), where)
        if role:
            tag = stored.get(self.ix.connection_tag_field)
            allowed = [t.tag for t in self.ix.types_usable_as(role)]
            if tag not in allowed:
                raise conflict(f"A {tag} connection cannot be used as {role}.", "connection_type", where)
        return stored

    def create_sub(self, ctx: Ctx, kind: str, inline: Any, data: dict[str, Any], where: Where) -> str:
        """Create an inline object as a resource of its own kind and return its id."""
        doc = self.store_object(ctx, inline, node_of(kind), data, where)
        stored = ctx.tx.insert(kind, ctx.tenant, {"user_id": ctx.tenant, **doc})
        return str(stored["id"])

    # ----------------------------------------------------------------- writing

    def do_create(self, op: Operation, ctx: Ctx, query: dict[str, Any], sent: Any) -> dict[str, Any]:
        """Create a resource from the body."""
        res = self.ix.resource_of(op)
        assert res is not None
        body = sent if isinstance(sent, dict) else {}
        doc = self.store_object(ctx, op.body_node, node_of(res.name), body, ("body",))
        behaviours.carrier(self.ix, ctx.tx, ctx.tenant, res.name, op.body_node, doc, body)
        if res.key_field != "id" and doc.get(res.key_field) is None:
            schema = ref_name(self.schemas.properties(node_of(res.name)).get(res.key_field))
            doc[res.key_field] = behaviours.mint(ctx.tx, res.name, schema, body)
        unique = self._unique(ctx, res.name, doc, op)
        stored = ctx.tx.insert(res.name, ctx.tenant, {"user_id": ctx.tenant, **doc}, unique_key=unique)
        return ctx.view.resource(res.name, stored)

    def _unique(self, ctx: Ctx, kind: str, doc: dict[str, Any], op: Operation) -> str | None:
        res = self.ix.resources[kind]
        for name in res.unique:
            value = doc.get(name)
            if isinstance(value, str):
                if ctx.tx.find_unique(kind, value) is not None:
                    field = self._request_field(op, name)
                    raise conflict(f"This {name} is already on the service.", "conflict", ("body", field))
                return value
        return None

    def _request_field(self, op: Operation, response_field: str) -> str:
        for member in self.schemas.object_members(op.body_node):
            for name, node in self.schemas.properties(member).items():
                if self.schemas.extension(node, "x-response-field", name) == response_field:
                    return name
        return response_field

    def do_update(self, op: Operation, ctx: Ctx, query: dict[str, Any], sent: Any) -> dict[str, Any]:
        """Apply exactly the fields sent."""
        res = self.ix.resource_of(op)
        assert res is not None
        doc = self.find(op, ctx, query)
        changes = sent if isinstance(sent, dict) else {}
        union = self.schemas.union(op.body_node)
        if union is not None and changes.get(union.prop) != doc.get(union.prop):
            raise conflict(
                f"This is a {doc.get(union.prop)} {human(res.name).lower()}; its {union.prop} cannot change.",
                "type_change",
                ("body", union.prop),
            )
        member = self.schemas.member(op.body_node, changes)
        response = self.schemas.member(node_of(res.name), doc)
        for name, value in changes.items():
            pnode = self.schemas.properties(member).get(name)
            target = self.schemas.extension(pnode, "x-response-field", name) if pnode is not None else None
            if target is None:
                continue
            counterpart = self.ix.counterpart(member, response, name)
            kind, inline = self.ix.field_target(pnode, counterpart)
            current = doc.get(str(target))
            if (
                isinstance(value, dict)
                and kind is not None
                and isinstance(current, str)
                and self.ix.is_change_schema(kind, inline)
            ):
                self._change_sub(ctx, kind, inline, current, value, ("body", name))
                continue
            doc[str(target)] = self.store_value(ctx, pnode, counterpart, value, ("body", name))
        ctx.tx.update(res.name, ctx.tenant, doc)
        return ctx.view.resource(res.name, doc)

    def _change_sub(self, ctx: Ctx, kind: str, inline: Any, sub_id: str, changes: dict[str, Any], where: Where) -> None:
        sub = ctx.tx.get(kind, ctx.tenant, sub_id)
        if sub is None:  # cannot happen: sub-resources are never deleted
            raise ApiError(500, f"dangling {kind} reference")
        sub.update(self.store_object(ctx, inline, node_of(kind), changes, where))
        ctx.tx.update(kind, ctx.tenant, sub)

    def do_delete(self, op: Operation, ctx: Ctx, query: dict[str, Any], sent: Any) -> dict[str, Any]:
        """Remove the resource; answer its last state with x-final-state applied."""
        doc = self.find(op, ctx, query)
        ctx.tx.delete(op.resource or "", ctx.tenant, doc["id"])
        return ctx.view.resource(op.resource or "", {**doc, **op.final_state})

    def _collection(
        self, op: Operation, ctx: Ctx, query: dict[str, Any], sent: Any
    ) -> tuple[dict[str, Any], list[Any], Any, str | None]:
        doc = self.find(op, ctx, query)
        if op.key is not None and op.key.connection_role:
            self.check_reference(ctx, op.resource or "", doc["id"], ("query", op.key.name), op.key.connection_role)
        field = op.collection or ""
        items = list(doc.get(field) or [])
        node = self.schemas.properties(self.schemas.member(node_of(op.resource or ""), doc)).get(field)
        item_schema = ref_name(self.schemas.items(node)) if node is not None else None
        body = sent if isinstance(sent, dict) else {}
        name = next(
            (
                n
                for m in self.schemas.object_members(op.body_node)
                for n, p in self.schemas.properties(m).items()
                if ref_name(p) == item_schema
            ),
            None,
        )
        return doc, items, body.get(name) if name else None, name

    def do_add(self, op: Operation, ctx: Ctx, query: dict[str, Any], sent: Any) -> dict[str, Any]:
        """Add an item to the collection (idempotent); 429 when it is full."""
        doc, items, value, name = self._collection(op, ctx, query, sent)
        if value is not None and value in items:
            return ctx.view.resource(op.resource or "", doc)
        node = self.schemas.properties(self.schemas.member(node_of(op.resource or ""), doc)).get(op.collection or "")
        limit = self.schemas.resolve(node).get("maxItems") if node is not None else None
        if isinstance(limit, int) and len(items) >= limit:
            status = 429 if "429" in op.statuses else 409
            where = (
                pointer("body", name) if value is not None and name else pointer("query", op.key.name if op.key else "")
            )
            raise ApiError(
                status,
                f"The {op.collection} is full.",
                [Issue(where, f"{op.collection}_full", f"the {op.collection} already holds {limit} items")],
            )
        if value is None:
            value = behaviours.mint(ctx.tx, op.resource or "", ref_name(self.schemas.items(node)), sent or {})
            while value in items:
                value = behaviours.mint(ctx.tx, op.resource or "", ref_name(self.schemas.items(node)), sent or {})
        doc[op.collection or ""] = [*items, value]
        ctx.tx.update(op.resource or "", ctx.tenant, doc)
        return ctx.view.resource(op.resource or "", doc)

    def do_remove(self, op: Operation, ctx: Ctx, query: dict[str, Any], sent: Any) -> dict[str, Any]:
        """Remove an item from the collection; 404 when it is not there."""
        doc, items, value, name = self._collection(op, ctx, query, sent)
        if value not in items:
            raise ApiError(
                404,
                f"The item is not in the {op.collection}.",
                [Issue(pointer("body", name or ""), "not_found", f"this value is not in the {op.collection}")],
            )
        doc[op.collection or ""] = [v for v in items if v != value]
        ctx.tx.update(op.resource or "", ctx.tenant, doc)
        return ctx.view.resource(op.resource or "", doc)
