"""The spec index: every API fact the code needs, derived once from an OpenAPI document.

(Over 400 lines because it is one class whose derivations read best in one place; the
request/response pairing lives in ``references``.)

Operations and their roles, the resources they act on and how each is read back, the
account-connection types and what each may be used for, and the id-carrying fields of every
request body all come from the document (its paths, methods, links and ``x-`` extensions; see
the spec's *Extensions* section). Validators, the reference server, the contract suite and the
recipes read them here; no hand table elsewhere repeats them.

``index()`` is the index of the packaged spec (cached); ``index_for(spec)`` of any document (the
suite runs older copies of the spec, see ``voicecontract run --spec``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from voicecontract.spec.load import packaged_spec
from voicecontract.spec.pointer import ref_name, split_pointer
from voicecontract.spec.references import Pairing, Reference
from voicecontract.spec.schema import NO_DEFAULT, Schemas, iter_operations

Role = Literal["list", "read", "create", "update", "delete", "add", "remove", "action"]
ROLES: tuple[str, ...] = ("list", "read", "create", "update", "delete", "add", "remove")
WRITE_ROLES = ("create", "update", "delete", "add", "remove")
# The paging convention (the docs' page object): one place names its fields.
PAGE_FIELDS = ("items", "page", "size", "has_more", "total")


@dataclass(frozen=True)
class Param:
    """A parameter as an operation declares it."""

    name: str
    location: str
    required: bool
    node: dict[str, Any]
    schema: str | None
    type: str
    connection_role: str | None = None


@dataclass(frozen=True)
class Link:
    """An OpenAPI link from one operation's answer to another operation."""

    name: str
    source: str
    target: str
    status: str
    parameters: dict[str, Any]
    request_body: Any = None
    has_body: bool = False

    @property
    def label(self) -> str:
        """``source -> Name -> target``."""
        return f"{self.source} -> {self.name} -> {self.target}"


@dataclass
class Operation:
    """One operation with everything the tools need about it."""

    op_id: str
    method: str
    path: str
    params: tuple[Param, ...]
    body: str | None
    body_node: dict[str, Any] | None
    body_required: bool
    body_examples: tuple[Any, ...]
    success: int
    response: str | None
    statuses: tuple[str, ...]
    raw: dict[str, Any]
    role: Role = "action"
    resource: str | None = None
    key: Param | None = None
    collection: str | None = None
    final_state: dict[str, Any] = field(default_factory=dict)
    links: tuple[Link, ...] = ()

    @property
    def label(self) -> str:
        """``METHOD /path``, as reports name an operation."""
        return f"{self.method} {self.path}"

    def param(self, name: str) -> Param | None:
        """A parameter by name."""
        return next((p for p in self.params if p.name == name), None)


@dataclass
class Resource:
    """A resource kind (the schema a read operation answers) and the operations on it."""

    name: str
    key_param: str | None = None
    key_field: str = "id"
    read: Operation | None = None
    listing: Operation | None = None
    writes: dict[str, list[Operation]] = field(default_factory=dict)
    unique: tuple[str, ...] = ()
    sortable: tuple[str, ...] = ()

    def ops(self, role: str) -> list[Operation]:
        """The resource's operations of one write role."""
        return self.writes.get(role, [])


@dataclass(frozen=True)
class ConnectionType:
    """One account-connection type: its schemas and what it may be used for."""

    tag: str
    short: str
    create: str
    update: str | None
    response: str | None
    credentials: str
    usable_as: frozenset[str]
    telephony_provider: str | None


class SpecIndex(Pairing):
    """Facts about the API, derived from one OpenAPI document."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.schemas = Schemas(spec)
        self.operations: dict[str, Operation] = {}
        for path, method, raw in iter_operations(spec):
            op = self._operation(path, method, raw)
            self.operations[op.op_id] = op
        self.by_label = {op.label: op for op in self.operations.values()}
        self.resources: dict[str, Resource] = {}
        self._assign_roles()
        self.id_schema = self._id_schema()
        self.connection_resource: str | None = None
        self.credentials_field: str | None = None
        self.connection_tag_field = "type"
        self.connection_types: dict[str, ConnectionType] = self._connection_types()
        self._references: dict[tuple[str | None, str | None], tuple[Reference, ...]] = {}
        self._creates: dict[str, tuple[str, ...]] | None = None

    # ----------------------------------------------------------------- operations

    def _param(self, raw: Any) -> Param | None:
        p = self.schemas.resolve(raw)
        if not isinstance(p, dict) or "name" not in p:
            return None
        node: dict[str, Any] = p["schema"] if isinstance(p.get("schema"), dict) else {}
        target = self.schemas.resolve(node)
        ptype = target.get("type", "string") if isinstance(target, dict) else "string"
        role = p.get("x-connection-role") or self.schemas.extension(node, "x-connection-role")
        return Param(
            str(p["name"]),
            str(p.get("in", "query")),
            bool(p.get("required")),
            node,
            ref_name(node),
            ptype if isinstance(ptype, str) else "string",
            str(role) if role else None,
        )

    def _operation(self, path: str, method: str, raw: dict[str, Any]) -> Operation:
        item = (self.spec.get("paths") or {}).get(path) or {}
        params = [self._param(p) for p in list(item.get("parameters") or []) + list(raw.get("parameters") or [])]
        body = self.schemas.resolve(raw.get("requestBody"))
        body_node = None
        examples: list[Any] = []
        if isinstance(body, dict):
            media = (body.get("content") or {}).get("application/json") or {}
            if isinstance(media.get("schema"), dict):
                body_node = media["schema"]
            if "example" in media:
                examples.append(media["example"])
            for ex in (media.get("examples") or {}).values():
                ex = self.schemas.resolve(ex)
                if isinstance(ex, dict) and "value" in ex:
                    examples.append(ex["value"])
        responses = raw.get("responses") or {}
        statuses = tuple(str(code) for code in responses)
        success = next((code for code in statuses if code.startswith("2")), "200")
        response = None
        links: list[Link] = []
        op_id = str(raw.get("operationId") or f"{method}_{path}")
        for status, resp in responses.items():
            resp = self.schemas.resolve(resp)
            if not isinstance(resp, dict):
                continue
            media = (resp.get("content") or {}).get("application/json") or {}
            if str(status) == success:
                response = ref_name(media.get("schema"))
            for name, link in (resp.get("links") or {}).items():
                link = self.schemas.resolve(link)
                if not isinstance(link, dict) or "operationId" not in link:
                    continue
                parameters = {str(k).rpartition(".")[2]: v for k, v in (link.get("parameters") or {}).items()}
                links.append(
                    Link(
                        str(name),
                        op_id,
                        str(link["operationId"]),
                        str(status),
                        parameters,
                        link.get("requestBody"),
                        "requestBody" in link,
                    )
                )
        return Operation(
            op_id,
            method.upper(),
            path,
            tuple(p for p in params if p is not None),
            ref_name(body_node),
            body_node,
            bool(isinstance(body, dict) and body.get("required")),
            tuple(examples),
            int(success) if success.isdigit() else 200,
            response,
            statuses,
            raw,
            links=tuple(links),
        )

    def _key_param(self, op: Operation) -> Param | None:
        required = [p for p in op.params if p.required and p.location in ("query", "path")]
        return required[0] if len(required) == 1 else None

    def _is_page(self, name: str | None) -> bool:
        if name is None:
            return False
        props = self.schemas.properties({"$ref": f"#/components/schemas/{name}"})
        return all(f in props for f in PAGE_FIELDS) and self.schemas.items(props["items"]) is not None

    def _derive_role(self, op: Operation) -> Role:
        explicit = op.raw.get("x-role")
        if isinstance(explicit, str) and explicit in ROLES:
            return explicit  # type: ignore[return-value]
        if op.method == "GET":
            return "list" if self._is_page(op.response) else "read"
        if op.key is None:
            return "create"
        if op.body_node is not None and op.response is not None:
            resource = {"$ref": f"#/components/schemas/{op.response}"}
            members = self.schemas.object_members(op.body_node)
            targets = [
                self.schemas.extension(node, "x-response-field", name)
                for m in members
                for name, node in self.schemas.properties(m).items()
            ]
            fields = {str(t) for t in targets if t is not None}  # directives (null) are not stored
            if members and fields and all(self.schemas.has_property(resource, f) for f in fields):
                return "update"
        return "action"

    def _assign_roles(self) -> None:
        for op in self.operations.values():
            op.key = self._key_param(op)
            op.role = self._derive_role(op)
            collection = op.raw.get("x-collection")
            op.collection = str(collection) if isinstance(collection, str) else None
            final = op.raw.get("x-final-state")
            op.final_state = dict(final) if isinstance(final, dict) else {}
            if op.role == "list":
                props = self.schemas.properties({"$ref": f"#/components/schemas/{op.response}"})
                op.resource = ref_name(self.schemas.items(props["items"]))
            else:
                op.resource = op.response
        for op in self.operations.values():
            if op.resource is None:
                continue
            res = self.resources.setdefault(op.resource, Resource(op.resource))
            if op.role == "read":
                res.read = op
                res.key_param = op.key.name if op.key else None
            elif op.role == "list":
                res.listing = op
                sort = next((p for p in op.params if p.type == "string" and not p.required), None)
                enum = self.schemas.resolve(sort.node).get("enum") if sort else None
                res.sortable = tuple(enum) if isinstance(enum, list) else ()
            else:
                res.writes.setdefault(op.role, []).append(op)
        for res in self.resources.values():
            res.key_field = self._key_field(res)
            node = {"$ref": f"#/components/schemas/{res.name}"}
            res.unique = tuple(
                name
                for member in self.schemas.object_members(node)
                for name, prop in self.schemas.properties(member).items()
                if prop.get("x-unique") is True
            )

    def _key_field(self, res: Resource) -> str:
        if res.read is None or res.key_param is None:
            return "id"
        for op in self.operations.values():
            for link in op.links:
                expr = link.parameters.get(res.key_param)
                if link.target == res.read.op_id and isinstance(expr, str) and expr.startswith("$response.body#/"):
                    tokens = split_pointer(expr[len("$response.body#") :])
                    if len(tokens) == 1:
                        return tokens[0]
        node = {"$ref": f"#/components/schemas/{res.name}"}
        return res.key_param if self.schemas.has_property(node, res.key_param) else "id"

    def read_back(self, op: Operation) -> tuple[Operation, str, str] | None:
        """How to read back what a write answered: (read operation, its key parameter, the answer's field)."""
        res = self.resources.get(op.resource or "")
        if res is None or res.read is None:
            return None
        for link in op.links:
            if link.target == res.read.op_id:
                for param, expr in link.parameters.items():
                    if isinstance(expr, str) and expr.startswith("$response.body#/"):
                        tokens = split_pointer(expr[len("$response.body#") :])
                        if len(tokens) == 1:
                            return res.read, param, tokens[0]
        if res.key_param is None:
            return None
        return res.read, res.key_param, res.key_field

    def by_role(self, role: str) -> list[Operation]:
        """Every operation of one role, in spec order."""
        return [op for op in self.operations.values() if op.role == role]

    def resource_of(self, op: Operation) -> Resource | None:
        """The resource an operation acts on."""
        return self.resources.get(op.resource or "")

    # ----------------------------------------------------------------- ids and connections

    def _id_schema(self) -> str | None:
        for res in self.resources.values():
            for member in self.schemas.object_members({"$ref": f"#/components/schemas/{res.name}"}):
                name = ref_name(self.schemas.properties(member).get("id"))
                if name:
                    return name
        return None

    def _connection_types(self) -> dict[str, ConnectionType]:
        """The typed-credentials resource: the one whose create body is a union with a per-type schema field."""
        for res in self.resources.values():
            for create in res.ops("create"):
                union = self.schemas.union(create.body_node)
                if union is None or len(union.mapping) < 2:
                    continue
                per_type = self._per_type_field(list(union.mapping.values()))
                if per_type is None:
                    continue
                self.connection_resource, self.credentials_field = res.name, per_type
                self.connection_tag_field = union.prop
                return self._types_of(res, union.mapping, per_type)
        return {}

    def _per_type_field(self, members: list[str]) -> str | None:
        """The object property every member has, with a different schema in each (``credentials``)."""
        props = [self.schemas.properties({"$ref": f"#/components/schemas/{m}"}) for m in members]
        for name in props[0]:
            refs = [ref_name(p.get(name)) for p in props]
            if all(refs) and len(set(refs)) == len(refs):
                if all(self.schemas.is_object(p[name]) for p in props):
                    return name
        return None

    def _types_of(self, res: Resource, mapping: dict[str, str], creds_field: str) -> dict[str, ConnectionType]:
        tags = list(mapping)
        prefix = ""
        for i in range(min(len(t) for t in tags)):  # the tags' common prefix, cut after an underscore
            if len({t[i] for t in tags}) > 1:
                break
            if tags[0][i] == "_":
                prefix = tags[0][: i + 1]
        updates = {}
        for op in res.ops("update"):
            union = self.schemas.union(op.body_node)
            if union is not None:
                updates.update(union.mapping)
        responses = self.schemas.union({"$ref": f"#/components/schemas/{res.name}"})
        out = {}
        for tag, member in mapping.items():
            node = self.schemas.named(member)
            creds = ref_name(self.schemas.properties(node).get(creds_field)) or ""
            usable = node.get("x-usable-as") or []
            provider = node.get("x-telephony-provider")
            out[tag] = ConnectionType(
                tag,
                tag[len(prefix) :] or tag,
                member,
                updates.get(tag),
                responses.mapping.get(tag) if responses else None,
                creds,
                frozenset(str(u) for u in usable) if isinstance(usable, list) else frozenset(),
                str(provider) if provider else None,
            )
        return out

    def connection_type(self, name: Any) -> ConnectionType | None:
        """A connection type by tag (``account_connection_twilio``) or short name (``twilio``)."""
        if not isinstance(name, str):
            return None
        found = self.connection_types.get(name)
        if found is not None:
            return found
        return next((t for t in self.connection_types.values() if t.short == name), None)

    def types_usable_as(self, role: str) -> list[ConnectionType]:
        """The connection types whose ``x-usable-as`` lists ``role``."""
        return [t for t in self.connection_types.values() if role in t.usable_as]

    # ----------------------------------------------------------------- defaults

    def defaults(self, node: Any) -> dict[str, Any]:
        """Property → default for an object schema (a union's member must be picked first)."""
        out = {}
        for name, prop in self.schemas.properties(node).items():
            value = self.schemas.default(prop)
            if value is not NO_DEFAULT:
                out[name] = value
        return out


_INDEXES: dict[int, tuple[dict[str, Any], SpecIndex]] = {}


def index_for(spec: dict[str, Any]) -> SpecIndex:
    """The index of a document (cached per document object; do not mutate the document afterwards)."""
    found = _INDEXES.get(id(spec))
    if found is not None and found[0] is spec:
        return found[1]
    built = SpecIndex(spec)
    if len(_INDEXES) > 16:
        _INDEXES.clear()
    _INDEXES[id(spec)] = (spec, built)
    return built


@lru_cache(maxsize=1)
def index() -> SpecIndex:
    """The index of the packaged spec."""
    return index_for(packaged_spec())
