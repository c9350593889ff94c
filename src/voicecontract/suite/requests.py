"""Valid requests for any operation, derived from the spec: its examples, made real.

A request body starts as the operation's first example (the spec has one for every body). Then
what only a live target can supply is filled in:

* every id-carrying field names a resource the run created (of the kind the index says, and of a
  connection type whose ``x-usable-as`` allows the field's ``x-connection-role``);
* credentials come from the fixtures (or the recipes), for the connection type the body names;
* a field whose value lands in a unique response field (a number to link) and the item of a
  collection (a number for the steering pool) get a fresh number from the fixtures;
* a request that addresses a resource gets one the run created, of the union member its body names.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from voicecontract.spec import Operation, SpecIndex, ref_name
from voicecontract.suite.fixtures import Fixtures

Call = Callable[..., Any]  # (op, query, body, *, token=None, link=None) -> (status, answer json)


class PrerequisiteError(Exception):
    """A request could not be built because something it needs could not be made (the reason says what)."""


class RequestBuilder:
    """Builds valid requests and creates what they need, through ``call``."""

    def __init__(self, ix: SpecIndex, fixtures: Fixtures, call: Call) -> None:
        self.ix = ix
        self.schemas = ix.schemas
        self.fixtures = fixtures
        self.call = call
        self.harvested: dict[tuple[str, str | None], dict[str, str]] = {}  # (kind, token) -> tag-or-"" -> id
        self._examples: dict[str, list[Any]] | None = None

    # ----------------------------------------------------------------- bodies

    def example(self, op: Operation, tag: str | None = None) -> Any:
        """A copy of the operation's first request example (of the union member ``tag``, if given)."""
        union = self.schemas.union(op.body_node)
        for example in op.body_examples:
            if tag is None or union is None or (isinstance(example, dict) and example.get(union.prop) == tag):
                return copy.deepcopy(example)
        if tag is not None and union is not None:
            return {union.prop: tag}
        return {} if op.body_node is not None else None

    def body(self, op: Operation, tag: str | None = None, token: str | None = None) -> Any:
        """A valid body for the operation, with every reference, credential and number made real."""
        value = self.example(op, tag)
        if value is None:
            return None
        response = {"$ref": f"#/components/schemas/{op.resource}"} if op.resource else None
        return self.fixup(op.body_node, response, value, token)

    def fixup(self, node: Any, response: Any, value: Any, token: str | None) -> Any:
        """Replace placeholders in an example value by things that exist on the target."""
        if not isinstance(value, dict):
            return value
        member = self.schemas.member(node, value)
        union = self.schemas.union(node)
        tag = value.get(union.prop) if union is not None else None
        answered = self.schemas.member(response, value) if response is not None else None
        unique = self._unique_fields(answered)
        out = dict(value)
        for name, pnode in self.schemas.properties(member).items():
            if name not in out:
                continue
            counterpart = self.ix.counterpart(member, answered, name)
            if name == self.ix.credentials_field and isinstance(tag, str) and self.ix.connection_type(tag):
                out[name] = self.fixtures.credentials_for(tag)
                continue
            target = self.schemas.extension(pnode, "x-response-field", name)
            if target is not None and str(target) in unique:
                out[name] = self.number()
                continue
            out[name] = self.fixup_value(pnode, counterpart, out[name], token)
        return out

    def fixup_value(self, node: Any, response: Any, value: Any, token: str | None) -> Any:
        """One field of an example (see ``fixup``)."""
        element, is_array = self.ix.element(node)
        if is_array and isinstance(value, list):
            resp_element = self.ix.element(response)[0]
            return [self.fixup_value(element, resp_element, v, token) for v in value]
        kind, inline = self.ix.field_target(node, response)
        if isinstance(value, str) and kind is not None and any(self.ix.is_id(a) for a in self.schemas.options(element)):
            role = self.schemas.extension(node, "x-connection-role")
            return self.ensure(kind, role=str(role) if role else None, token=token)
        if isinstance(value, dict):
            if inline is not None:
                inner = {"$ref": f"#/components/schemas/{kind}"} if kind else None
                return self.fixup(inline, inner, value, token)
            objects = [a for a in self.schemas.options(element) if self.schemas.is_object(a)]
            if objects:
                return self.fixup(objects[0], self.ix.element(response)[0], value, token)
        return value

    def _unique_fields(self, response: Any) -> set[str]:
        return {
            name
            for name, node in self.schemas.properties(response).items()
            if isinstance(node, dict) and node.get("x-unique") is True
        }

    def number(self) -> str:
        """A number the target accepts to link or pool (fixtures), or a PrerequisiteError."""
        found = self.fixtures.fresh_number()
        if found is None:
            raise PrerequisiteError("the fixtures' `numbers` are used up; list more numbers the target accepts")
        return found

    # ----------------------------------------------------------------- resources the requests need

    def harvest(self, node: Any, answer: Any, token: str | None) -> None:
        """Remember the id of every resource and sub-resource an answer shows, by kind and union tag."""
        if isinstance(answer, list):
            items = self.schemas.items(node)
            for item in answer:
                self.harvest(items, item, token)
            return
        if not isinstance(answer, dict):
            return
        member = self.schemas.member(node, answer)
        if self.ix.is_subresource(node) and isinstance(answer.get("id"), str):
            kinds = {ref_name(node), ref_name(member)}
            union = self.schemas.union(node)
            tag = str(answer.get(union.prop, "")) if union is not None else ""
            for kind in kinds - {None}:
                self.harvested.setdefault((str(kind), token), {}).setdefault(tag, answer["id"])
                self.harvested[(str(kind), token)].setdefault("", answer["id"])
        for name, pnode in self.schemas.properties(member).items():
            if name in answer:
                for option in self.schemas.options(pnode):
                    if self.schemas.is_object(option) or self.schemas.items(option) is not None:
                        self.harvest(option, answer[name], token)

    def create(self, kind: str, tag: str | None = None, token: str | None = None) -> dict[str, Any]:
        """Create a resource of a kind (of the union member ``tag``) through its first create operation."""
        res = self.ix.resources.get(kind)
        creates = res.ops("create") if res else []
        if not creates:
            raise PrerequisiteError(f"the spec has no create operation for {kind}")
        op = creates[0]
        body = self.body(op, tag, token)
        status, answer = self.call(op, {}, body, token=token)
        if not 200 <= status < 300 or not isinstance(answer, dict):
            raise PrerequisiteError(f"{op.op_id} answered {status}, so what the next request needs does not exist")
        self.harvest({"$ref": f"#/components/schemas/{kind}"}, answer, token)
        return answer

    def ensure(self, kind: str, *, role: str | None = None, tag: str | None = None, token: str | None = None) -> str:
        """The id of a resource of the kind the run created (made on first use), usable for ``role``."""
        if role is not None and tag is None and kind == self.ix.connection_resource:
            usable = self.ix.types_usable_as(role)
            if not usable:
                raise PrerequisiteError(f"no connection type of the spec is usable as {role}")
            tag = usable[0].tag
        found = self.harvested.get((kind, token), {}).get(tag or "")
        if found is not None:
            return found
        if kind in self.ix.resources and self.ix.resources[kind].ops("create"):
            answer = self.create(kind, tag, token)
            return str(answer["id"])
        for op in self.ix.by_role("create"):  # a sub-resource: create something that holds one inline
            for ref in self.ix.body_references(op):
                if ref.kind != kind or ref.inline is None:
                    continue
                inline = {"$ref": f"#/components/schemas/{ref.inline}"}
                body = self.set_path(op, self.body(op, token=token), ref.path, self.inline_instance(inline, kind))
                if body is None:
                    continue
                status, answer = self.call(op, {}, body, token=token)
                if 200 <= status < 300:
                    self.harvest({"$ref": f"#/components/schemas/{op.resource}"}, answer, token)
                found = self.harvested.get((kind, token), {}).get(tag or "")
                if found is not None:
                    return found
        raise PrerequisiteError(f"no operation of the spec makes a {kind}")

    def other_type(self, role: str) -> str | None:
        """A connection type that is not usable as ``role`` (for the documented 409), if the spec has one."""
        return next((t.tag for t in self.ix.connection_types.values() if role not in t.usable_as), None)

    # ----------------------------------------------------------------- whole requests

    def addressed(self, op: Operation, token: str | None = None) -> dict[str, Any]:
        """A resource of the operation's kind to address, of the union member its example body names."""
        union = self.schemas.union(op.body_node)
        example = self.example(op)
        tag = example.get(union.prop) if union is not None and isinstance(example, dict) else None
        if op.key is not None and op.key.connection_role and tag is None:
            usable = self.ix.types_usable_as(op.key.connection_role)
            tag = usable[0].tag if usable else None
        return self.create(op.resource or "", tag, token)

    def request(self, op: Operation, token: str | None = None) -> tuple[dict[str, Any], Any, dict[str, Any] | None]:
        """(query, body, the addressed resource) of a valid request for any operation."""
        if op.role == "list" or op.key is None:
            return {}, self.body(op, token=token), None
        doc = self.addressed(op, token)
        res = self.ix.resource_of(op)
        query = {op.key.name: doc.get(res.key_field if res else "id")}
        return query, self.action_body(op, doc, token), doc

    def action_body(self, op: Operation, doc: dict[str, Any], token: str | None = None) -> Any:
        """A valid body for an operation on an existing resource ``doc``."""
        union = self.schemas.union(op.body_node)
        tag = doc.get(union.prop) if union is not None else None
        body = self.body(op, tag, token)
        if op.collection and isinstance(body, dict):
            item_field = self.collection_item_field(op)
            if item_field is not None:
                if op.role == "remove":
                    items = doc.get(op.collection) or []
                    if items:
                        body[item_field] = items[0]
                elif item_field in body:
                    body[item_field] = self.number()
        return body

    def collection_item_field(self, op: Operation) -> str | None:
        """The body field of an add/remove operation that carries the collection's item (same schema)."""
        item = None
        for member in self.schemas.object_members({"$ref": f"#/components/schemas/{op.resource}"}):
            node = self.schemas.properties(member).get(op.collection or "")
            if node is not None:
                item = ref_name(self.schemas.items(node))
                break
        for member in self.schemas.object_members(op.body_node):
            for name, pnode in self.schemas.properties(member).items():
                if item is not None and ref_name(pnode) == item:
                    return name
        return None

    def set_path(self, op: Operation, body: Any, path: tuple[str, ...], value: Any) -> Any:
        """A copy of ``body`` with ``value`` at ``path`` ("*" is the first item); parents filled from examples."""
        out = copy.deepcopy(body) if isinstance(body, dict) else {}
        cur: Any = out
        node = op.body_node
        response: Any = {"$ref": f"#/components/schemas/{op.resource}"} if op.resource else None
        for i, step in enumerate(path):
            last = i == len(path) - 1
            if step == "*":
                if not isinstance(cur, list):
                    return None
                if last:
                    cur[:] = [value]
                    return out
                if not cur:
                    return None
                cur = cur[0]
                continue
            if not isinstance(cur, dict):
                return None
            if last:
                cur[step] = value
                return out
            member = self.ix.schemas.member(node, cur)
            pnode = self.ix.schemas.properties(member).get(step)
            counterpart = self.ix.counterpart(member, self.ix.schemas.member(response, cur), step)
            kind, inline = self.ix.field_target(pnode, counterpart) if pnode is not None else (None, None)
            if path[i + 1] == "*":
                if not isinstance(cur.get(step), list):
                    cur[step] = []
                node, response = pnode, counterpart
                cur = cur[step]
                continue
            if not isinstance(cur.get(step), dict):
                if inline is None:
                    return None
                cur[step] = self.inline_instance(inline, kind)
            node = inline
            response = {"$ref": f"#/components/schemas/{kind}"} if kind else None
            cur = cur[step]
        return out

    def inline_instance(self, inline: Any, kind: str | None) -> Any:
        """A valid inline object: the example of the create that takes it, one the spec's examples show, or one
        drawn from its schema."""
        name = self.schemas.name_of(inline)
        creator = next((o for o in self.ix.by_role("create") if o.body is not None and o.body == name), None)
        if creator is not None:
            return self.body(creator)
        union = self.schemas.union(inline)
        names = list(union.mapping.values()) if union is not None else [name]
        response = {"$ref": f"#/components/schemas/{kind}"} if kind else None
        for candidate in names:
            for value in self.example_values().get(candidate or "", []):
                return self.fixup({"$ref": f"#/components/schemas/{candidate}"}, response, copy.deepcopy(value), None)
        from voicecontract.recipes import generated

        if names[0] is None:
            raise PrerequisiteError("an inline object without a named schema cannot be built")
        return self.fixup({"$ref": f"#/components/schemas/{names[0]}"}, response, generated(names[0]), None)

    def example_values(self) -> dict[str, list[Any]]:
        """Schema name → the values the spec's request examples show for it (walked along the schemas)."""
        if self._examples is None:
            found: dict[str, list[Any]] = {}
            for op in self.ix.operations.values():
                for example in op.body_examples:
                    self._collect(op.body_node, example, found, 0)
            self._examples = found
        return self._examples

    def _collect(self, node: Any, value: Any, found: dict[str, list[Any]], depth: int) -> None:
        if node is None or depth > 30:
            return
        node = self.schemas.member(node, value)
        name = self.schemas.name_of(node)
        if name is not None:
            found.setdefault(name, []).append(value)
        target = self.schemas.resolve(node)
        if not isinstance(target, dict):
            return
        alternatives = target.get("oneOf") or target.get("anyOf")
        if alternatives and self.schemas.union(target) is None:
            for alt in alternatives:
                if self._fits(alt, value):
                    self._collect(alt, value, found, depth + 1)
            return
        if isinstance(value, dict):
            props = self.schemas.properties(target)
            for key, sub in value.items():
                self._collect(props.get(key), sub, found, depth + 1)
        elif isinstance(value, list) and isinstance(target.get("items"), dict):
            for item in value:
                self._collect(target["items"], item, found, depth + 1)

    def _fits(self, node: Any, value: Any) -> bool:
        """Whether a value could be an instance of an alternative (by JSON type, and keys for objects)."""
        if isinstance(value, dict):
            if self.schemas.union(node) is not None:
                return True
            return self.schemas.is_object(node) and set(value) <= set(self.schemas.properties(node))
        if isinstance(value, list):
            return self.schemas.items(node) is not None
        return not self.schemas.is_object(node) and self.schemas.items(node) is None

    def minimal_body(self, op: Operation, doc: dict[str, Any]) -> Any:
        """The smallest valid body for an operation on ``doc`` (required fields only)."""
        if op.body_node is None:
            return None
        union = self.schemas.union(op.body_node)
        member = self.schemas.member(op.body_node, {union.prop: doc.get(union.prop)} if union else {})
        body: dict[str, Any] = {}
        item_field = self.collection_item_field(op) if op.collection else None
        example = self.example(op, doc.get(union.prop) if union else None)
        for name in sorted(self.schemas.required(member)):
            if union is not None and name == union.prop:
                body[name] = doc.get(union.prop)
            elif name == item_field:
                items = doc.get(op.collection or "") or []
                body[name] = items[0] if items else self.fixtures.unknown_number()
            elif isinstance(example, dict) and name in example:
                body[name] = example[name]
        return body
