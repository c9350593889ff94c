"""The documented errors the links phase provokes, and the isolation of id fields inside bodies.

Each expected answer is derived from the spec: 401 (an unknown token), 400 (an invalid key
parameter, an unexpected field in a closed body, a number below its minimum), 404 (an unknown
key, an unknown id at every id-carrying body field), 409 (a connection type the field's
``x-connection-role`` does not allow, a unique value already taken, a changed union tag) and
429 (an ``x-collection`` filled to ``maxItems``). Only statuses the operation documents are tried.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from voicecontract.spec import Operation
from voicecontract.suite.requests import PrerequisiteError

if TYPE_CHECKING:
    from voicecontract.suite.links import LinksPhase

BAD_TOKEN = "vc-suite-unknown-token"  # noqa: S105 - a token that names no tenant, by design
LINKS = "links"


class Provoke:
    """Steps 4 and 5 of the links phase."""

    def __init__(self, phase: LinksPhase) -> None:
        self.phase = phase
        self.run = phase.run
        self.ix = phase.ix
        self.expected: list[tuple[str, int, int]] = []

    # ----------------------------------------------------------------- 4. documented errors

    def expect(self, what: str, status: int, op: Operation, query: dict[str, Any], body: Any, **kw: Any) -> None:
        """Send a request the spec says must fail with ``status`` (only where the spec documents it)."""
        if str(status) not in op.statuses:
            return
        got, _ = self.phase.call(op, query, body, what=what, **kw)
        self.expected.append((what, status, got))
        if got != status:
            kwargs: dict[str, Any] = {"query": {k: v for k, v in query.items() if v is not None}}
            if body is not None:
                kwargs["body"] = body
            case = self.phase.schema[op.path][op.method].Case(**kwargs)
            self.run.fail_case(
                case,
                "documented_errors",
                f"{what}: expected {status}, got {got}",
                "the spec documents this answer for this request",
                LINKS,
                status=got,
            )

    def cannot(self, op: Operation, what: str, reason: str) -> None:
        """A documented error that could not even be attempted."""
        self.run.fail(op.label, "documented_errors", f"{what}: could not be provoked", detail=reason, phase=LINKS)

    def documented_errors(self) -> None:
        """Step 4: provoke each documented error the spec lets us derive, once each."""
        for op in self.ix.operations.values():
            try:
                query, body, doc = self.phase.builder.request(op)
            except PrerequisiteError as exc:
                self.cannot(op, f"errors of {op.op_id}", str(exc))
                continue
            self.expect(
                f"{op.op_id} with an unknown token",
                401,
                op,
                query,
                body,
                headers={"Authorization": f"Bearer {BAD_TOKEN}"},
            )
            self._bad_requests(op, query, body)
            if op.key is not None:
                self.expect(
                    f"{op.op_id} on an unknown {op.key.name}",
                    404,
                    op,
                    {**query, op.key.name: self.unknown(op.key.schema)},
                    body,
                )
            self._unknown_references(op, query, body)
            try:
                self._conflicts(op, query, body, doc)
                self._full_collection(op)
            except PrerequisiteError as exc:
                self.cannot(op, f"409/429 of {op.op_id}", str(exc))

    def unknown(self, schema: str | None) -> str:
        """A valid value that names nothing on the target."""
        if schema == self.ix.schemas.name_of(self._number_node()):
            return self.run.fixtures.unknown_number()
        return f"vc-unknown-{self.run.seed:x}"

    def _number_node(self) -> Any:
        for res in self.ix.resources.values():
            if res.key_field != "id":
                for member in self.ix.schemas.object_members({"$ref": f"#/components/schemas/{res.name}"}):
                    node = self.ix.schemas.properties(member).get(res.key_field)
                    if node is not None:
                        return node
        return None

    def _bad_requests(self, op: Operation, query: dict[str, Any], body: Any) -> None:
        if op.key is not None:
            self.expect(f"{op.op_id} with an invalid {op.key.name}", 400, op, {**query, op.key.name: ""}, body)
        elif isinstance(body, dict) and all(
            self.ix.schemas.resolve(m).get("additionalProperties") is False
            for m in self.ix.schemas.object_members(op.body_node)
        ):
            self.expect(f"{op.op_id} with an unexpected field", 400, op, query, {**body, "zz_unknown_field": 1})
        else:
            numeric = next((p for p in op.params if p.type == "integer"), None)
            if numeric is not None:
                minimum = self.ix.schemas.resolve(numeric.node).get("minimum")
                if isinstance(minimum, int):
                    self.expect(
                        f"{op.op_id} with {numeric.name} below its minimum", 400, op, {numeric.name: minimum - 1}, body
                    )

    def _unknown_references(self, op: Operation, query: dict[str, Any], body: Any) -> None:
        for ref in self.ix.body_references(op):
            changed = self.phase.builder.set_path(op, body, ref.path, self.unknown(self.ix.id_schema))
            if changed is not None:
                where = "/".join(ref.path)
                self.expect(f"{op.op_id} whose {where} names nothing", 404, op, query, changed)

    def _conflicts(self, op: Operation, query: dict[str, Any], body: Any, doc: dict[str, Any] | None) -> None:
        if "409" not in op.statuses:
            return
        for ref in self.ix.body_references(op):
            if ref.connection_role:
                other = self.phase.builder.other_type(ref.connection_role)
                if other is not None:
                    wrong = self.phase.builder.ensure(ref.kind or "", tag=other)
                    changed = self.phase.builder.set_path(op, body, ref.path, wrong)
                    if changed is not None:
                        self.expect(
                            f"{op.op_id} with a connection not usable as {ref.connection_role} at {'/'.join(ref.path)}",
                            409,
                            op,
                            query,
                            changed,
                        )
        if op.key is not None and op.key.connection_role:
            other = self.phase.builder.other_type(op.key.connection_role)
            if other is not None:
                wrong_doc = self.phase.builder.create(op.resource or "", other)
                self.expect(
                    f"{op.op_id} on a connection not usable as {op.key.connection_role}",
                    409,
                    op,
                    {op.key.name: wrong_doc.get("id")},
                    self.phase.builder.action_body(op, wrong_doc),
                )
        res = self.ix.resource_of(op)
        if op.role == "create" and res is not None and isinstance(body, dict):
            for member in self.ix.schemas.object_members(op.body_node):
                for name, node in self.ix.schemas.properties(member).items():
                    target = self.ix.schemas.extension(node, "x-response-field", name)
                    if target in res.unique:
                        taken = self.phase.builder.create(res.name).get(str(target))
                        self.expect(f"{op.op_id} with a {target} already taken", 409, op, query, {**body, name: taken})
        union = self.ix.schemas.union(op.body_node)
        if op.role == "update" and union is not None and doc is not None and isinstance(body, dict):
            other_tag = next((t for t in union.mapping if t != doc.get(union.prop)), None)
            if other_tag is not None:
                self.expect(f"{op.op_id} changing {union.prop}", 409, op, query, {union.prop: other_tag})

    def _full_collection(self, op: Operation) -> None:
        if op.role != "add" or "429" not in op.statuses or not op.collection:
            return
        if not self.run.fixtures.fill_collections:
            self.run.note(f"the 429 of {op.op_id} was not provoked (fixtures: fill_collections is false)")
            return
        doc = self.phase.builder.addressed(op)
        if op.key is None:
            return
        query = {op.key.name: doc.get("id")}
        node = next(
            (
                self.ix.schemas.properties(m).get(op.collection)
                for m in self.ix.schemas.object_members({"$ref": f"#/components/schemas/{op.resource}"})
            ),
            None,
        )
        limit = self.ix.schemas.resolve(node).get("maxItems") if node is not None else None
        if not isinstance(limit, int):
            return
        for _ in range(limit + 1):
            if len(doc.get(op.collection) or []) >= limit:
                break
            status, answer = self.phase.call(
                op, query, self.phase.builder.action_body(op, doc), what="filling the collection"
            )
            if not 200 <= status < 300 or not isinstance(answer, dict):
                self.cannot(op, f"{op.op_id} on a full {op.collection}", f"adding an item answered {status}")
                return
            doc = answer
        self.expect(f"{op.op_id} on a full {op.collection}", 429, op, query, self.phase.builder.action_body(op, doc))

    # ----------------------------------------------------------------- 5. isolation in bodies

    def isolation_in_bodies(self) -> None:
        """Step 5: every id-carrying body field with another tenant's id must be a 404."""
        second = self.run.target.second_token
        if not second:
            return
        for op in self.ix.operations.values():
            refs = self.ix.body_references(op)
            if not refs or "404" not in op.statuses:
                continue
            try:
                query, body, _ = self.phase.builder.request(op)
                for ref in refs:
                    other = self.phase.builder.ensure(ref.kind or "", role=ref.connection_role, token=second)
                    changed = self.phase.builder.set_path(op, body, ref.path, other)
                    if changed is None:
                        continue
                    status, _ = self.phase.call(op, query, changed, what=f"another tenant's id at {'/'.join(ref.path)}")
                    if status != 404:
                        kwargs: dict[str, Any] = {"query": query, "body": changed}
                        case = self.phase.schema[op.path][op.method].Case(**kwargs)
                        self.run.fail_case(
                            case,
                            "tenant_isolation",
                            f"another tenant's id at /body/{'/'.join(ref.path)} answered {status}",
                            "an id of another tenant must be a 404, like an unknown one",
                            LINKS,
                            "/body/" + "/".join(ref.path),
                        )
            except PrerequisiteError as exc:
                self.run.fail(
                    op.label,
                    "tenant_isolation",
                    f"body references of {op.op_id} could not be tried",
                    detail=str(exc),
                    phase=LINKS,
                )
