"""Request bodies against responses: id-carrying fields, where each request field lands, and pairing.

``Pairing`` is the part of the spec index that reads request and response schemas together:
which resource an id (or an inline object) in a body names, where a request field shows up in
the answer (``x-response-field``), which request schema creates a response schema (for defaults
and masking), and whether an inline object in an update changes a sub-resource in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from voicecontract.spec.pointer import ref_name
from voicecontract.spec.schema import Schemas

if TYPE_CHECKING:
    from voicecontract.spec.index import Operation, Resource


@dataclass(frozen=True)
class Reference:
    """An id-carrying field of a request body: where, what it names, and what may stand in its place."""

    path: tuple[str, ...]  # from the body's root; "*" for the items of an array
    kind: str | None  # the schema of the resource it names
    inline: str | None  # the schema of an inline object that is created instead
    nullable: bool
    connection_role: str | None


class Pairing:
    """Request and response schemas read together (mixed into ``SpecIndex``)."""

    schemas: Schemas
    operations: dict[str, Operation]
    resources: dict[str, Resource]
    connection_resource: str | None
    id_schema: str | None
    _references: dict[tuple[str | None, str | None], tuple[Reference, ...]]
    _creates: dict[str, tuple[str, ...]] | None

    def is_id(self, node: Any) -> bool:
        """Whether a schema node is the API's id schema."""
        return self.id_schema is not None and ref_name(node) == self.id_schema

    def is_subresource(self, node: Any) -> bool:
        """Whether a schema (every member of a union) is a stored thing with its own id."""
        members = self.schemas.object_members(node)
        return bool(members) and all(self.is_id(self.schemas.properties(m).get("id")) for m in members)

    def create_resource_of(self, schema: str | None) -> str | None:
        """The resource a create operation makes from a body of this schema, if any."""
        for op in self.operations.values():
            if op.role != "create":
                continue
            if op.body is not None and op.body == schema:
                return op.resource
        return None

    def counterpart(self, request: Any, response: Any, name: str) -> Any:
        """The response node where a request property ``name`` (of an object at ``request``) lands, or None."""
        props = self.schemas.properties(request)
        node = props.get(name)
        target = self.schemas.extension(node, "x-response-field", name) if node is not None else name
        if target is None or response is None:
            return None
        for member in self.schemas.object_members(response) or [response]:
            found = self.schemas.properties(member).get(str(target))
            if found is not None:
                return found
        return None

    def references(self, request: Any, response: Any = None) -> tuple[Reference, ...]:
        """Every id-carrying field of a request schema (by node), inline objects included."""
        key = (ref_name(request), ref_name(response))
        if key[0] is not None and key in self._references:
            return self._references[key]
        out: list[Reference] = []
        if key[0] is not None:
            self._references[key] = ()  # a recursive schema stops here
        for member in self.schemas.object_members(request):
            resp_member = self.schemas.member(response, {}) if response is not None else None
            tag_union = self.schemas.union(request)
            if tag_union is not None and response is not None:
                tag = next((t for t, n in tag_union.mapping.items() if ref_name(member) == n), None)
                resp_member = self.schemas.member(response, {tag_union.prop: tag})
            for name, node in self.schemas.properties(member).items():
                out.extend(self._field_references((name,), node, self.counterpart(member, resp_member, name)))
        found = tuple(dict.fromkeys(out))
        if key[0] is not None:
            self._references[key] = found
        return found

    def element(self, node: Any) -> tuple[Any, bool]:
        """(the items schema, True) for an array schema, else (the node, False)."""
        items = self.schemas.items(node) if node is not None else None
        return (items, True) if items is not None else (node, False)

    def field_target(self, node: Any, response: Any) -> tuple[str | None, Any]:
        """For a request field: (the resource schema an id or inline object there names, the inline schema).

        From ``x-references``, ``x-connection-role`` (the connection resource), the response
        counterpart (a sub-resource schema), or the resource a create operation makes from the
        inline schema. (None, None) for a field that carries no reference.
        """
        element, _ = self.element(node)
        resp_element, _ = self.element(response)
        alts = self.schemas.options(element)
        inlines = [a for a in alts if self.schemas.is_object(a)]
        resp_objects = [
            a for a in (self.schemas.options(resp_element) if resp_element else []) if self.is_subresource(a)
        ]
        kind = self.schemas.extension(node, "x-references")
        if kind is None and self.schemas.extension(node, "x-connection-role"):
            kind = self.connection_resource
        if kind is None and resp_objects:
            kind = ref_name(resp_objects[0])
        if kind is None and inlines:
            kind = self.create_resource_of(ref_name(inlines[0]))
        return (str(kind) if kind else None), (inlines[0] if inlines else None)

    def _field_references(self, path: tuple[str, ...], node: Any, response: Any) -> list[Reference]:
        element, is_array = self.element(node)
        if is_array:
            path = (*path, "*")
        kind, inline = self.field_target(node, response)
        out: list[Reference] = []
        if any(self.is_id(a) for a in self.schemas.options(element)):
            role = self.schemas.extension(node, "x-connection-role")
            out.append(Reference(path, kind, ref_name(inline), self.schemas.nullable(element), role and str(role)))
        for alt in self.schemas.options(element):
            if not self.schemas.is_object(alt):
                continue
            inner = {"$ref": f"#/components/schemas/{kind}"} if kind else self.element(response)[0]
            for ref in self.references(alt, inner):
                out.append(Reference((*path, *ref.path), ref.kind, ref.inline, ref.nullable, ref.connection_role))
        return out

    # ----------------------------------------------------------------- request schemas of response schemas

    @property
    def create_schemas(self) -> dict[str, tuple[str, ...]]:
        """Response schema name → the request schemas that create such a thing (members paired by tag)."""
        if self._creates is None:
            pairs: dict[str, list[str]] = {}
            for op in self.operations.values():
                if op.role == "create" and op.body_node is not None and op.resource:
                    self._pair(op.body_node, {"$ref": f"#/components/schemas/{op.resource}"}, pairs)
            self._creates = {k: tuple(v) for k, v in pairs.items()}
        return self._creates

    def _pair(self, request: Any, response: Any, pairs: dict[str, list[str]]) -> None:
        req_union, resp_union = self.schemas.union(request), self.schemas.union(response)
        if req_union is not None and resp_union is not None:
            for tag, member in req_union.mapping.items():
                if tag in resp_union.mapping:
                    self._pair(
                        {"$ref": f"#/components/schemas/{member}"},
                        {"$ref": f"#/components/schemas/{resp_union.mapping[tag]}"},
                        pairs,
                    )
            return
        req_name, resp_name = ref_name(request), ref_name(response)
        if req_name and resp_name:
            if req_name in pairs.setdefault(resp_name, []):
                return
            pairs[resp_name].append(req_name)
        for name in self.schemas.properties(request):
            counterpart = self.counterpart(request, response, name)
            node = self.schemas.properties(request)[name]
            kind, inline = self.field_target(node, counterpart)
            if inline is None:
                continue
            if kind is not None:
                self._pair(inline, {"$ref": f"#/components/schemas/{kind}"}, pairs)
            else:
                objects = [a for a in self.schemas.options(self.element(counterpart)[0]) if self.schemas.is_object(a)]
                if objects:
                    self._pair(inline, objects[0], pairs)

    def is_change_schema(self, kind: str | None, inline: Any) -> bool:
        """Whether an inline object in an update changes a sub-resource in place (no create uses its schema)."""
        name = ref_name(inline)
        if name is None or kind is None or self.schemas.union(inline) is not None:
            return False
        creators = set(self.create_schemas.get(kind, ()))
        for member in self.schemas.object_members({"$ref": f"#/components/schemas/{kind}"}):
            creators |= set(self.create_schemas.get(ref_name(member) or "", ()))
        return name not in creators

    def create_counterpart(self, response_member: str) -> dict[str, Any] | None:
        """The first request schema that creates this response schema (or union member), as a node."""
        found = self.create_schemas.get(response_member)
        return {"$ref": f"#/components/schemas/{found[0]}"} if found else None

    def body_references(self, op: Operation) -> tuple[Reference, ...]:
        """The id-carrying fields of an operation's request body."""
        if op.body_node is None:
            return ()
        response = {"$ref": f"#/components/schemas/{op.resource}"} if op.resource else None
        return self.references(op.body_node, response)
