"""voicecontract's links phase: every OpenAPI link followed, every documented error provoked, all derived.

schemathesis' stateful phase follows links with generated data, which rarely makes a usable chain
here (a random connection type cannot link a number). This phase builds realistic requests from
the spec's examples and the fixtures (``voicecontract.suite.requests``) and, with every check on
every answer:

1. follows each link of the spec once (its source answers 2xx, then its target must too);
2. applies each example of each update operation in turn to one resource (partial updates), and
   creates once more with every secret field the schema lets be shorter than the masked hint's
   window set to such a value (so ``no_secret_echo`` sees a short secret whatever the draws);
3. walks every list to its last page (bounded) and checks totals, ``has_more`` and uniqueness;
4. provokes every documented error the spec lets it derive (``voicecontract.suite.provoke``);
5. with a second token, sends every id-carrying body field with the other tenant's id (404);
6. (after every phase) the clean-up deletes what the run created where the spec has a delete.

A step that cannot be taken (a prerequisite failed, the fixtures ran out) is a failure that says why.
"""

from __future__ import annotations

import copy
import re
import secrets
from collections import Counter
from collections.abc import Callable
from typing import Any

from voicecontract.spec import Operation, pointer_get
from voicecontract.spec.index import Link
from voicecontract.suite.checks import walk_pages
from voicecontract.suite.checks.secrets import WINDOW
from voicecontract.suite.context import RunContext
from voicecontract.suite.provoke import LINKS, Provoke
from voicecontract.suite.requests import PrerequisiteError, RequestBuilder
from voicecontract.suite.result import LinkOutcome
from voicecontract.suite.target import TransportError

RunChecks = Callable[[Any, Any], list[tuple[str, str, str, str]]]  # (case, response) -> (check, title, detail, path)


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
        self.provoke = Provoke(self)
        self.left_behind: dict[str, int] = {}
        self.deleted = 0

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
        if self.run.target.unresponsive(op.label):
            raise StepFailedError(op.label)  # timed out twice already: its transport failure is recorded
        try:
            response = case.call(headers=use, timeout=self.run.options.request_timeout)
        except Exception as exc:  # requests' transport errors, timeouts, malformed answers
            if "timeout" in exc.__class__.__name__.lower() or "timed out" in str(exc).lower():
                self.run.target.timed_out(op.label)
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
            self.run.fail_case(case, check, title, detail, LINKS, path, status)
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
            ("secrets", self.short_secrets),
            ("pages", self.walk_lists),
            ("errors", self.provoke.documented_errors),
            ("isolation", self.provoke.isolation_in_bodies),
        ]
        for name, step in steps:
            try:
                step()
            except StepFailedError:
                self.run.say(f"  {name:<9} stopped: the target did not answer")
        expected = self.provoke.expected
        provoked = sum(1 for _, e, g in expected if e == g)
        self.run.say(f"  errors    {provoked}/{len(expected)} documented error answers provoked as specified")
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

    # ----------------------------------------------------------------- 2b. short secrets

    def short_secrets(self) -> None:
        """Per create operation and union member: each secret field that may be short is sent short, once.

        A masked hint shows a few characters; a secret shorter than ``no_secret_echo``'s window is the
        case where "show the last four" shows it whole, and generated data reaches it only by chance.
        The short value is random hex that the field's own ``minLength``, ``maxLength`` and
        ``pattern`` allow (fields they do not let be short are skipped); a target may still refuse it
        (provider rules), which is fine: only what it accepts must not come back.
        """
        for op in self.ix.by_role("create"):
            union = self.ix.schemas.union(op.body_node)
            tags: list[str | None] = list(union.mapping) if union is not None else [None]
            for tag in tags:
                try:
                    body = self.builder.body(op, tag)
                except PrerequisiteError:
                    continue
                for path, short in self._short_secret_sites(op.body_node, body, ()):
                    changed = self.builder.set_path(op, body, path, short)
                    if changed is not None:
                        self.call(op, {}, changed, what="a secret shorter than a masked hint")

    def _short_secret_sites(self, node: Any, value: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
        """(path, short value) for every secret string of ``value`` whose schema allows a short one."""
        if self.ix.schemas.is_secret(node):
            short = _short_value(self.ix.schemas.resolve(node))
            return [(path, short)] if isinstance(value, str) and short is not None else []
        if not isinstance(value, dict):
            return []
        member = self.ix.schemas.resolve(self.ix.schemas.member(node, value))
        sites: list[tuple[tuple[str, ...], str]] = []
        for name, sub in self.ix.schemas.properties(member).items():
            if name in value:
                sites += self._short_secret_sites(sub, value[name], (*path, name))
        return sites

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

    # ----------------------------------------------------------------- 6. cleanup

    def cleanup(self, *, earlier: tuple[int, dict[str, int]] = (0, {}), announce: bool = True) -> None:
        """Delete what the run created where the spec has a delete; count what is left behind.

        ``earlier``: what worker processes deleted and left, added to the totals (and to what is said).
        """
        left: Counter[str] = Counter(earlier[1])
        with self.run.lock:
            created = list(self.run.created)
        deleted = earlier[0]
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
        self.deleted = deleted
        if announce and (deleted or left):
            rest = ", ".join(f"{n} × {k}" for k, n in sorted(left.items())) or "nothing"
            self.run.say(f"  cleanup   deleted {deleted}; left behind: {rest}")


SHORT_SECRET = WINDOW - 2  # characters: fewer than no_secret_echo's window, so a masked hint could show it all


def _short_value(schema: Any) -> str | None:
    """A random hex string of SHORT_SECRET characters that a string schema allows, or None."""
    if not isinstance(schema, dict) or schema.get("type", "string") != "string":
        return None
    if int(schema.get("minLength", 0)) > SHORT_SECRET or int(schema.get("maxLength", SHORT_SECRET)) < SHORT_SECRET:
        return None
    value = secrets.token_hex(SHORT_SECRET // 2)
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            if re.search(pattern, value) is None:
                return None
        except re.error:
            return None
    return value
