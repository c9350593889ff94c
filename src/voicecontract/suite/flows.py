"""voicecontract's links phase: every OpenAPI link of the spec, followed with realistic data.

schemathesis' stateful phase follows links with generated data, which rarely makes a usable
chain here (15 of 16 generated connections are not telephony connections, so linking a number
with one is a 409). This phase walks each link once with data built from the recipes: it calls
the link's source operation, evaluates the link's runtime expressions on the answer, calls the
target, and runs every enabled check on both answers. It reaches every operation.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from voicecontract.recipes import credentials
from voicecontract.spec import iter_operations, pointer_get

Body = Any
Request = tuple[dict[str, Any], Body]  # query, body


@dataclass
class Step:
    """One request of a flow and what came of it."""

    op_id: str
    link: str | None
    case: Any
    response: Any
    failures: list[tuple[str, str]] = field(default_factory=list)  # (check name, message)


@dataclass
class FlowsResult:
    """Links followed, operations reached, documented errors provoked, and the steps taken."""

    links: dict[str, bool] = field(default_factory=dict)  # "source -> Link -> target": followed successfully
    steps: list[Step] = field(default_factory=list)
    errors: list[tuple[str, int, int]] = field(default_factory=list)  # (what, expected, got)


class Flows:
    """Walks the spec's links against the schemathesis schema (so the same transport and checks apply)."""

    def __init__(
        self,
        schema: Any,
        spec: dict[str, Any],
        headers: dict[str, str],
        run_checks: Callable[[Any, Any], list[tuple[str, str]]],
        seed: int,
        canary: str = "",
    ) -> None:
        self.schema = schema
        self.spec = spec
        self.headers = headers
        self.run_checks = run_checks
        self.rng = random.Random(seed)  # noqa: S311 - test data
        self.canary = canary
        self.ops = {op["operationId"]: (path, method, op) for path, method, op in iter_operations(spec)}
        self.result = FlowsResult()

    # ----------------------------------------------------------------- requests with realistic data

    def _number(self) -> str:
        return f"+1{self.rng.randint(200, 999)}{self.rng.randint(2, 9)}{self.rng.randint(0, 999999):06d}"

    def _connection(self) -> dict[str, Any]:
        return {
            "type": "account_connection_twilio",
            "credentials": credentials("twilio", seed=self.rng.randint(0, 10**6), canary=self.canary),
            "label": "voicecontract flows",
            "steering_pool": [self._number()],
        }

    def _agent(self) -> dict[str, Any]:
        return {
            "name": "voicecontract flows",
            "prompt": {"content": "You answer the phone.", "prompt_template": {"required_context_keys": ["name"]}},
            "voice": {"type": "voice_azure", "voice_name": "en-US-JennyNeural"},
            "actions": [{"type": "action_end_conversation"}],
            "webhook": {"subscriptions": ["event_phone_call_ended"], "url": "https://hooks.example.com/vc"},
        }

    def request_for(self, op_id: str) -> Request:
        """A valid request for an operation, creating what it needs first."""
        if op_id == "create_account_connection":
            return {}, self._connection()
        if op_id == "create_agent":
            return {}, self._agent()
        if op_id == "buy_number":
            return {}, {"area_code": "415"}
        if op_id == "link_number":
            conn = self.call("create_account_connection", *self.request_for("create_account_connection"))
            return {}, {"phone_number": self._number(), "telephony_account_connection": self._json(conn)["id"]}
        if op_id in ("get_number", "update_number", "cancel_number"):
            number = self._json(self.call("buy_number", *self.request_for("buy_number")))["number"]
            return {"phone_number": number}, self.default_body(op_id)
        if op_id in ("get_agent", "update_agent"):
            agent = self._json(self.call("create_agent", *self.request_for("create_agent")))["id"]
            return {"id": agent}, self.default_body(op_id)
        if op_id in (
            "get_account_connection",
            "update_account_connection",
            "add_to_steering_pool",
            "remove_from_steering_pool",
        ):
            conn = self._json(self.call("create_account_connection", *self.request_for("create_account_connection")))
            body = self.default_body(op_id)
            if op_id == "remove_from_steering_pool":
                body = {"phone_number": conn["steering_pool"][0]}
            return {"id": conn["id"]}, body
        return {}, None  # the lists

    def default_body(self, op_id: str) -> Body:
        """The body a link target gets before the link's own requestBody is merged in."""
        return {
            "update_number": {"label": "updated by voicecontract"},
            "update_agent": {"conversation_speed": 1.25, "prompt": {"content": "Updated."}},
            "update_account_connection": {"type": "account_connection_twilio", "label": "updated"},
            "add_to_steering_pool": {"phone_number": self._number()},
            "remove_from_steering_pool": {},
            "link_number": {"phone_number": self._number()},
            "buy_number": {},
        }.get(op_id)

    # ----------------------------------------------------------------- calls

    @staticmethod
    def _json(response: Any) -> Any:
        try:
            return response.json()
        except Exception:
            return {}

    def call(self, op_id: str, query: dict[str, Any], body: Body, link: str | None = None) -> Any:
        """Call an operation through schemathesis and run every enabled check on the answer."""
        path, method, _ = self.ops[op_id]
        operation = self.schema[path][method.upper()]
        kwargs: dict[str, Any] = {"query": query}
        if body is not None:
            kwargs["body"] = body
        case = operation.Case(**kwargs)
        response = case.call(headers=self.headers)
        failures = self.run_checks(case, response)
        self.result.steps.append(Step(op_id, link, case, response, failures))
        return response

    # ----------------------------------------------------------------- links

    def links(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(source operationId, link name, link) for every link of the spec."""
        out = []
        for _, _, op in iter_operations(self.spec):
            for status, resp in op.get("responses", {}).items():
                if status.startswith("2"):
                    for name, link in (resp.get("links") or {}).items():
                        out.append((op["operationId"], name, link))
        return out

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

    class BrokenAnswerError(Exception):
        """A prerequisite answer was unusable (the implementation is broken there; checks report why)."""

    def need(self, answer: Any, *keys: str) -> Any:
        """``answer[k1][k2]…``, or Broken when the implementation did not provide it."""
        cur = answer
        for key in keys:
            if not isinstance(cur, dict | list):
                raise Flows.BrokenAnswerError(key)
            try:
                cur = cur[key] if isinstance(cur, dict) else cur[int(key)]
            except (KeyError, IndexError, ValueError):
                raise Flows.BrokenAnswerError(key) from None
        return cur

    def follow(self, source: str, name: str, link: dict[str, Any]) -> bool:
        """Follow one link; True when both ends answered 2xx."""
        target = link["operationId"]
        label = f"{source} -> {name} -> {target}"
        if source == "add_to_steering_pool":
            query, _ = self.request_for(source)
            src = self.call(source, query, {})
        else:
            src = self.call(source, *self.request_for(source))
        answer = self._json(src)
        if not 200 <= src.status_code < 300:
            return False
        query = {k.split(".")[-1]: self.evaluate(v, answer) for k, v in (link.get("parameters") or {}).items()}
        body = self.default_body(target)
        if "requestBody" in link:
            extra = self.evaluate(link["requestBody"], answer)
            body = {**(body or {}), **extra} if isinstance(extra, dict) else extra
        if target in ("get_number", "get_agent", "get_account_connection", "cancel_number"):
            body = None
        if any(v is None for v in query.values()):
            return False
        tgt = self.call(target, query, body, link=label)
        return bool(200 <= tgt.status_code < 300)

    def run(self) -> FlowsResult:
        """Follow every link once, then provoke every documented error."""
        for source, name, link in self.links():
            label = f"{source} -> {name} -> {link['operationId']}"
            try:
                self.result.links[label] = self.follow(source, name, link)
            except (Flows.BrokenAnswerError, KeyError, TypeError, IndexError):
                self.result.links[label] = False
        for op_id in ("list_numbers", "list_agents", "list_account_connections"):
            self.call(op_id, {"size": 5}, None)
        try:
            self.partial_updates()
        except (Flows.BrokenAnswerError, KeyError, TypeError, IndexError):
            pass
        try:
            self.documented_errors()
        except (Flows.BrokenAnswerError, KeyError, TypeError, IndexError):
            pass  # a broken prerequisite: the checks on its answer already said what is wrong
        return self.result

    def partial_updates(self) -> None:
        """Set a field, then update another one: the first must survive (read_after_write checks it)."""
        number = self.need(self._json(self.call("buy_number", {}, {})), "number")
        self.call("update_number", {"phone_number": number}, {"description": "kept", "example_context": {"k": "v"}})
        self.call("update_number", {"phone_number": number}, {"label": "only the label"})
        agent = self.need(self._json(self.call("create_agent", *self.request_for("create_agent"))), "id")
        self.call("update_agent", {"id": agent}, {"initial_message": "Hi!", "conversation_speed": 0.9})
        self.call("update_agent", {"id": agent}, {"name": "only the name"})
        conn = self.need(self._json(self.call("create_account_connection", *self.request_for(
            "create_account_connection"))), "id")
        self.call("update_account_connection", {"id": conn}, {"type": "account_connection_twilio",
                                                            "description": "kept"})
        self.call("update_account_connection", {"id": conn}, {"type": "account_connection_twilio", "label": "only"})

    # ----------------------------------------------------------------- documented errors

    def expect(
        self,
        what: str,
        status: int,
        op_id: str,
        query: dict[str, Any],
        body: Body,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Send a request the spec says must fail with ``status``; record what came back."""
        path, method, _ = self.ops[op_id]
        kwargs: dict[str, Any] = {"query": query}
        if body is not None:
            kwargs["body"] = body
        case = self.schema[path][method.upper()].Case(**kwargs)
        response = case.call(headers=headers or self.headers)
        self.result.steps.append(Step(op_id, None, case, response, self.run_checks(case, response)))
        self.result.errors.append((what, status, int(response.status_code)))
        return response

    def documented_errors(self) -> None:
        """Provoke every error answer the spec documents, once each (401, 400, 404, 409, 429)."""
        bad_token = {"Authorization": "Bearer vc-suite-unknown-token"}
        for op_id in self.ops:
            query, body = self.request_for(op_id)
            self.expect(f"{op_id} with an unknown token", 401, op_id, query, body, headers=bad_token)
            if query:
                broken = {k: ("not a phone number" if k == "phone_number" else "") for k in query}
                self.expect(f"{op_id} with an invalid {'/'.join(query)}", 400, op_id, broken, body)
                unknown = {k: ("+19990000000" if k == "phone_number" else "vc-unknown-id") for k in query}
                self.expect(f"{op_id} on an unknown resource", 404, op_id, unknown, body)
            elif body is not None:
                self.expect(f"{op_id} with an unexpected field", 400, op_id, query, {**body, "zz_unknown": 1})
            else:
                self.expect(f"{op_id} with size 0", 400, op_id, {"size": 0}, None)
        self.expect(
            "an agent whose prompt id is unknown",
            404,
            "create_agent",
            {},
            {**self._agent(), "prompt": "vc-unknown-prompt"},
        )
        self.expect("a number whose agent id is unknown", 404, "buy_number", {}, {"inbound_agent": "vc-unknown-agent"})
        self.expect(
            "link with an unknown connection",
            404,
            "link_number",
            {},
            {"phone_number": self._number(), "telephony_account_connection": "vc-unknown-connection"},
        )
        taken = self._json(self.call("buy_number", {}, {}))["number"]
        self.expect("buy a number that is taken", 409, "buy_number", {}, {"phone_number": taken})
        conn = self._json(self.call("create_account_connection", *self.request_for("create_account_connection")))
        rime = self._json(
            self.call(
                "create_account_connection",
                {},
                {"type": "account_connection_rime", "credentials": credentials("rime", canary=self.canary)},
            )
        )
        self.expect(
            "link a number taken already",
            409,
            "link_number",
            {},
            {"phone_number": taken, "telephony_account_connection": conn["id"]},
        )
        self.expect(
            "link with a non-telephony connection",
            409,
            "link_number",
            {},
            {"phone_number": self._number(), "telephony_account_connection": rime["id"]},
        )
        self.expect(
            "change a connection's type",
            409,
            "update_account_connection",
            {"id": conn["id"]},
            {"type": "account_connection_telnyx"},
        )
        self.expect(
            "an agent's LLM connection of a telephony type",
            409,
            "create_agent",
            {},
            {**self._agent(), "openai_account_connection": conn["id"]},
        )
        agent = self._json(self.call("create_agent", *self.request_for("create_agent")))
        self.expect(
            "update an agent's LLM connection to a telephony one",
            409,
            "update_agent",
            {"id": agent["id"]},
            {"openai_account_connection": conn["id"]},
        )
        number = self._json(self.call("buy_number", {}, {}))["number"]
        self.expect(
            "attach an inline agent with a telephony LLM connection",
            409,
            "update_number",
            {"phone_number": number},
            {"inbound_agent": {**self._agent(), "openai_account_connection": conn["id"]}},
        )
        self.expect(
            "a steering pool on a non-telephony connection", 409, "add_to_steering_pool", {"id": rime["id"]}, {}
        )
        for _ in range(12):
            response = self.call("add_to_steering_pool", {"id": conn["id"]}, {})
            if response.status_code != 201:
                break
        self.expect("add to a full steering pool", 429, "add_to_steering_pool", {"id": conn["id"]}, {})
