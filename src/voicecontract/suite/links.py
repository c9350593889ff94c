"""voicecontract's links phase: every OpenAPI link followed, every documented error provoked, all derived.

schemathesis' stateful phase follows links with generated data, which rarely makes a usable chain
here (a random connection type cannot link a number). This phase builds realistic requests from
the spec's examples and the fixtures (``voicecontract.suite.requests``) and, with every check on
every answer:

1. follows each link of the spec once (its source answers 2xx, then its target must too);
2. applies each example of each update operation in turn to one resource (partial updates);
3. walks every list to its last page (bounded) and checks totals, ``has_more`` and uniqueness;
4. provokes every documented error the spec lets it derive: 401 (unknown token), 400 (an invalid
   parameter or an unexpected field), 404 (an unknown key or body reference), 409 (a connection
   type the field's ``x-connection-role`` does not allow, a unique value already taken, a changed
   union tag), 429 (an ``x-collection`` filled to its ``maxItems``, when the fixtures allow it);
5. with a second token, sends every id-carrying body field with the other tenant's id (404);
6. cleans up: deletes what the run created where the spec has a delete, and reports the rest.

A step that cannot be taken (a prerequisite failed, the fixtures ran out) is a failure that says why.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from typing import Any

from voicecontract.spec import Operation, pointer_get
from voicecontract.spec.index import Link
from voicecontract.suite.checks import walk_pages
from voicecontract.suite.context import RunContext
from voicecontract.suite.requests import PrerequisiteError, RequestBuilder
from voicecontract.suite.result import LinkOutcome
from voicecontract.suite.target import TransportError

RunChecks = Callable[[Any, Any], list[tuple[str, str, str, str]]]  # (case, response) -> (check, title, detail, path)
BAD_TOKEN = "vc-suite-unknown-token"  # noqa: S105 - a token that names no tenant, by design
LINKS = "links"


class StepFailedError(Exception):
    """A request of the phase got no answer; the transport failure is already recorded."""


class LinksPhase:
    """Walks the spec's links and documented errors against the schemathesis schema of the run."""

    def __init__(self, run: RunContext, schema: Any, run_checks: RunChecks) -> None:
        self.run = run
        self.ix = run.ix
        self.schema = schema
        self.run_checks = run_checks
        self.builder = RequestBuilder(run.ix, run.fixtures, self.call)
        self.links: dict[str, LinkOutcome] = {}
        self.expected: list[tuple[str, int, int]] = []
        self.left_behind: dict[str, int] = {}

    # ----------------------------------------------------------------- one request

    def call(
        self,
        op: Operation,
        query: dict[str, Any],
        body: Any,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        what: str | None = None,
    ) -> tuple[int, Any]:
        """Send one request through schemathesis, run every enabled check on the answer, return (status, JSON)."""
        kwargs: dict[str, Any] = {"query": {k: v for k, v in query.items() if v is not None}}
        if body is not None:
            kwargs["body"] = body
        case = self.schema[op.path][op.method].Case(**kwargs)
        use = headers or {"Authorization": f"Bearer {token or self.run.target.token}"}
        case.headers = {**(case.headers or {}), **use}
        self.run.learn_secrets(op.body_node, body)
        try:
            response = case.call(headers=use, timeout=self.run.options.request_timeout)
        except Exception as exc:  # requests' transport errors, timeouts, malformed answers
            self.run.fail_case(
                case,
                "transport",
                f"no valid HTTP answer to {op.label}" + (f" ({what})" if what else ""),
                f"{exc.__class__.__name__}: {exc}",
                LINKS,
            )
            raise StepFailedError(op.label) from None
        status = int(response.status_code)
        self.run.count(op.label, status)
        for check, title, detail, path in self.run_checks(case, response):
            self.run.fail_case(case, check, title, detail, LINKS, path)
        try:
            answer = response.json()
        except Exception:
            answer = None
        if 200 <= status < 300 and op.role == "create" and isinstance(answer, dict):
            res = self.ix.resource_of(op)
            if res is not None:
                self.builder.harvest({"$ref": f"#/components/schemas/{res.name}"}, answer, token)
        return status, answer

    # ----------------------------------------------------------------- the phase

    def execute(self) -> dict[str, LinkOutcome]:
        """Run every part of the phase; return the links and how each went."""
        steps: list[tuple[str, Callable[[], None]]] = [
            ("links", self.follow_links),
            ("updates", self.partial_updates),
            ("pages", self.walk_lists),
            ("errors", self.documented_errors),
            ("isolation", self.isolation_in_bodies),
        ]
        for name, step in steps:
            try:
                step()
            except StepFailedError:
                self.run.say(f"  {name:<9} stopped: the target did not answer")
        provoked = sum(1 for _, e, g in self.expected if e == g)
        self.run.say(f"  errors    {provoked}/{len(self.expected)} documented error answers provoked as specified")
        if self.run.fixtures.cleanup:
            self.cleanup()
        return self.links

    # ----------------------------------------------------------------- 1. links

    def _role_for_source(self, link: Link) -> str | None:
        """The connection role a link's target needs of the resource the source creates."""
        target = self.ix.operations.get(link.target)
        if target is None:
            return None
        for name, expr in link.parameters.items():
            param = target.param(name)
            if param is not None and param.connection_role and expr == "$response.body#/id":
                return param.connection_role
        if isinstance(link.request_body, dict):
            for member in self.ix.schemas.object_members(target.body_node):
                for name, expr in link.request_body.items():
                    node = self.ix.schemas.properties(member).get(name)
                    role = self.ix.schemas.extension(node, "x-connection-role") if node is not None else None
                    if role and expr == "$response.body#/id":
                        return str(role)
        return None

    def follow(self, link: Link) -> LinkOutcome:
        """Follow one link: the source with a valid request, then the target with the link's values."""
        source, target = self.ix.operations[link.source], self.ix.operations[link.target]
        role = self._role_for_source(link)
        if source.role == "create" and role is not None:
            tag = next(iter(t.tag for t in self.ix.types_usable_as(role)), None)
            query: dict[str, Any] = {}
            body = self.builder.body(source, tag)
        else:
            query, body, _ = self.builder.request(source)
        status, answer = self.call(source, query, body, what=link.label)
        if not 200 <= status < 300:
            return LinkOutcome(False, f"{source.op_id} answered {status}, so the link has nothing to follow")
        values = {name: self.evaluate(expr, answer) for name, expr in link.parameters.items()}
        if any(v is None for v in values.values()):
            return LinkOutcome(False, f"the answer of {source.op_id} lacks a value the link reads")
        if target.role == "create":
            t_body = self.builder.body(target)
        elif target.body_node is not None and isinstance(answer, dict):
            t_body = self.builder.action_body(target, answer)
        else:
            t_body = None
        if link.has_body:
            extra = self.evaluate(link.request_body, answer)
            t_body = {**(t_body or {}), **extra} if isinstance(extra, dict) else extra
        status, _ = self.call(target, values, t_body, what=link.label)
        if not 200 <= status < 300:
            return LinkOutcome(False, f"{target.op_id} answered {status} to the values the link gave it")
        return LinkOutcome(True)

    def evaluate(self, expr: Any, answer: Any) -> Any:
        """A link's runtime expression (``$response.body#/…``) on an answer; other values as they are."""
        if isinstance(expr, str) and expr.startswith("$response.body#"):
            try:
                return pointer_get(answer, expr[len("$response.body#") :])
            except KeyError:
                return None
        if isinstance(expr, dict):
            return {k: self.evaluate(v, answer) for k, v in expr.items()}
        return expr

    def follow_links(self) -> None:
        """Step 1: every link of the spec, once; one not followed is a failure with the reason."""
        for op in self.ix.operations.values():
            for link in op.links:
                try:
                    outcome = self.follow(link)
                except PrerequisiteError as exc:
                    outcome = LinkOutcome(False, str(exc))
                except StepFailedError:
                    outcome = LinkOutcome(False, "the target gave no valid HTTP answer")
                self.links[link.label] = outcome
                self.run.say(f"  links     {link.label:<75} {'followed' if outcome.followed else 'NOT followed'}")
                if not outcome.followed:
                    self.run.fail(
                        LINKS, "links", f"link not followed: {link.label}", detail=outcome.reason, phase=LINKS
                    )

    # ----------------------------------------------------------------- 2. partial updates

    def partial_updates(self) -> None:
        """Step 2: each example of each update operation, in turn, on one resource (absent fields must stay)."""
        for op in self.ix.by_role("update"):
            try:
                query, _, doc = self.builder.request(op)
                for example in op.body_examples:
                    body = self.builder.fixup(
                        op.body_node, {"$ref": f"#/components/schemas/{op.resource}"}, copy.deepcopy(example), None
                    )
                    union = self.ix.schemas.union(op.body_node)
                    if union is not None and doc is not None and body.get(union.prop) != doc.get(union.prop):
                        continue  # an example for another member of the union
                    self.call(op, query, body, what="partial update")
            except PrerequisiteError as exc:
                self.run.fail(
                    op.label,
                    "write_applied",
                    f"partial updates of {op.op_id} could not be tried",
                    detail=str(exc),
                    phase=LINKS,
                )

    # ----------------------------------------------------------------- 3. pages

    def fetcher(self, op: Operation) -> Callable[[dict[str, Any]], tuple[int, Any]]:
        """Fetch pages of a list through the phase's calls, so every check judges every page."""

        def fetch(query: dict[str, Any]) -> tuple[int, Any]:
            return self.call(op, query, None, what="walking pages")

        return fetch

    def walk_lists(self) -> None:
        """Step 3: every list walked to its last page: totals, has_more, counts and uniqueness agree."""
        for op in self.ix.by_role("list"):
            _, problems = walk_pages(self.run, op, self.fetcher(op))
            for problem in problems[:3]:
                self.run.fail(
                    op.label, "page_consistency", problem, phase=LINKS, request=(op.method, op.path, {"size": 1}, None)
                )

    # ----------------------------------------------------------------- 4. documented errors

    def expect(self, what: str, status: int, op: Operation, query: dict[str, Any], body: Any, **kw: Any) -> None:
        """Send a request the spec says must fail with ``status`` (only where the spec documents it)."""
        if str(status) not in op.statuses:
            return
        got, _ = self.call(op, query, body, what=what, **kw)
        self.expected.append((what, status, got))
        if got != status:
            kwargs: dict[str, Any] = {"query": {k: v for k, v in query.items() if v is not None}}
            if body is not None:
                kwargs["body"] = body
            case = self.schema[op.path][op.method].Case(**kwargs)
            self.run.fail_case(
                case,
                "documented_errors",
                f"{what}: expected {status}, got {got}",
                "the spec documents this answer for this request",
                LINKS,
            )

    def cannot(self, op: Operation, what: str, reason: str) -> None:
        """A documented error that could not even be attempted."""
        self.run.fail(op.label, "documented_errors", f"{what}: could not be provoked", detail=reason, phase=LINKS)

    def documented_errors(self) -> None:
        """Step 4: provoke each documented error the spec lets us derive, once each."""
        for op in self.ix.operations.values():
            try:
                query, body, doc = self.builder.request(op)
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
            changed = self.builder.set_path(op, body, ref.path, self.unknown(self.ix.id_schema))
            if changed is not None:
                where = "/".join(ref.path)
                self.expect(f"{op.op_id} whose {where} names nothing", 404, op, query, changed)

    def _conflicts(self, op: Operation, query: dict[str, Any], body: Any, doc: dict[str, Any] | None) -> None:
        if "409" not in op.statuses:
            return
        for ref in self.ix.body_references(op):
            if ref.connection_role:
                other = self.builder.other_type(ref.connection_role)
                if other is not None:
                    wrong = self.builder.ensure(ref.kind or "", tag=other)
                    changed = self.builder.set_path(op, body, ref.path, wrong)
                    if changed is not None:
                        self.expect(
                            f"{op.op_id} with a connection not usable as {ref.connection_role} at {'/'.join(ref.path)}",
                            409,
                            op,
                            query,
                            changed,
                        )
        if op.key is not None and op.key.connection_role:
            other = self.builder.other_type(op.key.connection_role)
            if other is not None:
                wrong_doc = self.builder.create(op.resource or "", other)
                self.expect(
                    f"{op.op_id} on a connection not usable as {op.key.connection_role}",
                    409,
                    op,
                    {op.key.name: wrong_doc.get("id")},
                    self.builder.action_body(op, wrong_doc),
                )
        res = self.ix.resource_of(op)
        if op.role == "create" and res is not None and isinstance(body, dict):
            for member in self.ix.schemas.object_members(op.body_node):
                for name, node in self.ix.schemas.properties(member).items():
                    target = self.ix.schemas.extension(node, "x-response-field", name)
                    if target in res.unique:
                        taken = self.builder.create(res.name).get(str(target))
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
        doc = self.builder.addressed(op)
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
            status, answer = self.call(op, query, self.builder.action_body(op, doc), what="filling the collection")
            if not 200 <= status < 300 or not isinstance(answer, dict):
                self.cannot(op, f"{op.op_id} on a full {op.collection}", f"adding an item answered {status}")
                return
            doc = answer
        self.expect(f"{op.op_id} on a full {op.collection}", 429, op, query, self.builder.action_body(op, doc))

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
                query, body, _ = self.builder.request(op)
                for ref in refs:
                    other = self.builder.ensure(ref.kind or "", role=ref.connection_role, token=second)
                    changed = self.builder.set_path(op, body, ref.path, other)
                    if changed is None:
                        continue
                    status, _ = self.call(op, query, changed, what=f"another tenant's id at {'/'.join(ref.path)}")
                    if status != 404:
                        kwargs: dict[str, Any] = {"query": query, "body": changed}
                        case = self.schema[op.path][op.method].Case(**kwargs)
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

    # ----------------------------------------------------------------- 6. cleanup

    def cleanup(self) -> None:
        """Delete what the run created where the spec has a delete; count what is left behind."""
        left: Counter[str] = Counter()
        with self.run.lock:
            created = list(self.run.created)
        deleted = 0
        for item in created:
            res = self.ix.resources.get(item.kind)
            deletes = res.ops("delete") if res else []
            if not deletes or deletes[0].key is None:
                left[item.kind] += 1
                continue
            op, key = deletes[0], deletes[0].key.name
            try:
                answer = self.run.target.request(op.method, op.path, params={key: item.key}, token=item.token)
            except TransportError:
                left[item.kind] += 1
                continue
            if 200 <= answer.status < 300:
                deleted += 1
            elif answer.status != 404:  # 404: gone already (a test cancelled it)
                left[item.kind] += 1
        self.left_behind = dict(left)
        if deleted or left:
            rest = ", ".join(f"{n} × {k}" for k, n in sorted(left.items())) or "nothing"
            self.run.say(f"  cleanup   deleted {deleted}; left behind: {rest}")
