"""The semantics of the 16 operations, on top of the store. Inputs are already validated.

Each handler takes the request context, the parsed query and the validated body (as JSON data:
``created`` bodies with the spec's defaults filled in, ``changes`` with exactly the fields sent),
and returns the response document.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from voicecontract.reference.store import Tx
from voicecontract.reference.views import complete, mask, mask_credentials
from voicecontract.spec import pointer

TELEPHONY = {"account_connection_twilio": "twilio", "account_connection_telnyx": "telnyx"}
LLM_CONNECTIONS = {"account_connection_openai", "account_connection_azure_llm", "account_connection_deepseek"}
STEERING_POOL_MAX = 10
REASON = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    405: "Method Not Allowed",
    500: "Internal Server Error",
}


class ApiError(Exception):
    """An error answer: status, a sentence, and the offending fields."""

    def __init__(self, status: int, message: str, issues: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.issues = issues or []

    def body(self) -> dict[str, Any]:
        """The spec's error body."""
        return {
            "statusCode": self.status,
            "message": self.message,
            "error": REASON.get(self.status, "Error"),
            "issues": self.issues,
        }


def not_found(what: str, *where: str | int) -> ApiError:
    """404 for an unknown (or another tenant's) resource, naming the request field."""
    return ApiError(
        404,
        f"{what.capitalize()} not found.",
        [{"path": pointer(*where), "code": "not_found", "message": f"no {what} with this id"}],
    )


def conflict(message: str, code: str, *where: str | int) -> ApiError:
    """409 for a valid request that conflicts with the current state."""
    return ApiError(409, message, [{"path": pointer(*where), "code": code, "message": message}])


@dataclass
class Ctx:
    """What a handler works with: the transaction and the caller's tenant."""

    tx: Tx
    tenant: str


Path = tuple[str | int, ...]

# --------------------------------------------------------------------------- numbers


def _random_number(ctx: Ctx, area_code: str | None = None) -> str:
    for _ in range(100):
        area = area_code or str(200 + secrets.randbelow(800))
        candidate = f"+1{area}{2 + secrets.randbelow(8)}{secrets.randbelow(10**6):06d}"
        if ctx.tx.find_unique("number", candidate) is None:
            return candidate
    raise ApiError(
        409,
        "No number is available in this area code.",
        [{"path": "/body/area_code", "code": "conflict", "message": "no free number in this area code"}],
    )


def number_view(ctx: Ctx, doc: dict[str, Any]) -> dict[str, Any]:
    """A number as the spec shows it, with the inbound agent's name beside its id."""
    out = complete("PhoneNumber", doc)
    name = None
    if out.get("inbound_agent"):
        agent = ctx.tx.get("agent", ctx.tenant, out["inbound_agent"])
        name = agent.get("name") if agent else None
    out["inbound_agent_name"] = name
    return out


def _get_number(ctx: Ctx, number: str) -> dict[str, Any]:
    found = ctx.tx.find_unique("number", number)
    if found is None or found[0] != ctx.tenant:
        raise ApiError(
            404,
            "Number not found.",
            [
                {
                    "path": "/query/phone_number",
                    "code": "not_found",
                    "message": "no number with this value on your account",
                }
            ],
        )
    return found[1]


def _telephony_connection(ctx: Ctx, conn_id: str, where: Path) -> dict[str, Any]:
    conn = ctx.tx.get("connection", ctx.tenant, conn_id)
    if conn is None:
        raise not_found("account connection", *where)
    if conn["type"] not in TELEPHONY:
        raise conflict(
            f"A {conn['type']} connection cannot carry numbers; use a Twilio or Telnyx connection.",
            "connection_type",
            *where,
        )
    return conn


def _inbound_agent(ctx: Ctx, value: Any, where: Path) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        if ctx.tx.get("agent", ctx.tenant, value) is None:
            raise not_found("agent", *where)
        return value
    return str(create_agent_doc(ctx, value, where)["id"])


def _store_number(ctx: Ctx, number: str, provider: str, conn_id: str | None, agent: str | None, *,
                  outbound_only: bool) -> dict[str, Any]:
    """Store a new number of the tenant with the spec's defaults (unique across tenants)."""
    return ctx.tx.insert("number", ctx.tenant, {
        "user_id": ctx.tenant, "number": number, "active": True, "label": "", "outbound_only": outbound_only,
        "example_context": {}, "telephony_provider": provider, "description": None, "inbound_agent": agent,
        "telephony_account_connection": conn_id,
    }, unique_key=number)


def buy_number(ctx: Ctx, query: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/numbers/buy."""
    provider = body.get("telephony_provider")
    conn_id = body.get("telephony_account_connection")
    if conn_id is not None:
        conn = _telephony_connection(ctx, conn_id, ("body", "telephony_account_connection"))
        conn_provider = TELEPHONY[conn["type"]]
        if provider is not None and provider != conn_provider:
            raise conflict(
                f"telephony_provider {provider} does not match the {conn_provider} connection.",
                "conflict",
                "body",
                "telephony_provider",
            )
        provider = conn_provider
    provider = provider or "vonage"
    if body.get("phone_number"):
        number = body["phone_number"]
        if ctx.tx.find_unique("number", number) is not None:
            raise conflict("The number is already in use.", "conflict", "body", "phone_number")
    else:
        number = _random_number(ctx, body.get("area_code"))
    agent = _inbound_agent(ctx, body.get("inbound_agent"), ("body", "inbound_agent"))
    return number_view(ctx, _store_number(ctx, number, provider, conn_id, agent, outbound_only=False))


def link_number(ctx: Ctx, query: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/numbers/link."""
    conn = _telephony_connection(ctx, body["telephony_account_connection"], ("body", "telephony_account_connection"))
    number = body["phone_number"]
    if ctx.tx.find_unique("number", number) is not None:
        raise conflict("The number is already on the service.", "conflict", "body", "phone_number")
    agent = _inbound_agent(ctx, body.get("inbound_agent"), ("body", "inbound_agent"))
    doc = _store_number(ctx, number, TELEPHONY[conn["type"]], conn["id"], agent,
                        outbound_only=body.get("outbound_only", False))
    return number_view(ctx, doc)


def get_number(ctx: Ctx, query: dict[str, Any], body: Any) -> dict[str, Any]:
    """GET /v1/numbers."""
    return number_view(ctx, _get_number(ctx, query["phone_number"]))


def update_number(ctx: Ctx, query: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/numbers/update: absent fields unchanged, null clears."""
    doc = _get_number(ctx, query["phone_number"])
    for key in ("label", "outbound_only", "description"):
        if key in changes:
            doc[key] = changes[key]
    if "example_context" in changes:
        doc["example_context"] = changes["example_context"] if changes["example_context"] is not None else {}
    if "inbound_agent" in changes:
        doc["inbound_agent"] = _inbound_agent(ctx, changes["inbound_agent"], ("body", "inbound_agent"))
    ctx.tx.update("number", ctx.tenant, doc)
    return number_view(ctx, doc)


def cancel_number(ctx: Ctx, query: dict[str, Any], body: Any) -> dict[str, Any]:
    """POST /v1/numbers/cancel: the number is released and gone afterwards."""
    doc = _get_number(ctx, query["phone_number"])
    ctx.tx.delete("number", ctx.tenant, doc["id"])
    return number_view(ctx, {**doc, "active": False})


# --------------------------------------------------------------------------- agents


def _sub(ctx: Ctx, kind: str, value: Any, where: Path, create: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """Resolve an ``Id | inline object | null`` reference to a stored sub-resource id."""
    if value is None:
        return None
    if isinstance(value, str):
        if ctx.tx.get(kind, ctx.tenant, value) is None:
            raise not_found(kind.replace("_", " "), *where)
        return value
    return create(value)["id"]


def _create(ctx: Ctx, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return ctx.tx.insert(kind, ctx.tenant, {"user_id": ctx.tenant, **data})


def _creator(ctx: Ctx, kind: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda data: _create(ctx, kind, data)


def _prompt_fields(ctx: Ctx, data: dict[str, Any], where: Path) -> dict[str, Any]:
    out = dict(data)
    if "prompt_template" in out:
        out["prompt_template"] = _sub(
            ctx,
            "prompt_template",
            out["prompt_template"],
            (*where, "prompt_template"),
            lambda t: _create(ctx, "prompt_template", t),
        )
    return out


def _llm_connection(ctx: Ctx, value: Any, where: Path) -> str | None:
    if value is None:
        return None
    conn = ctx.tx.get("connection", ctx.tenant, value)
    if conn is None:
        raise not_found("account connection", *where)
    if conn["type"] not in LLM_CONNECTIONS:
        raise conflict(f"A {conn['type']} connection cannot drive the agent's LLM.", "connection_type", *where)
    return str(value)


AGENT_SETTINGS = (
    "name",
    "language",
    "initial_message",
    "interrupt_sensitivity",
    "context_endpoint",
    "noise_suppression",
    "endpointing_sensitivity",
    "ivr_navigation_mode",
    "conversation_speed",
    "initial_message_delay",
    "openai_model_name_override",
    "ask_if_human_present_on_idle",
    "run_do_not_call_detection",
    "llm_fallback",
    "deepgram_keywords",
    "idle_time_seconds",
    "llm_temperature",
)


def _agent_refs(ctx: Ctx, data: dict[str, Any], where: Path) -> dict[str, Any]:
    """Resolve every reference an agent body carries, creating the inline ones."""
    out: dict[str, Any] = {}
    if "prompt" in data:
        out["prompt"] = _sub(
            ctx,
            "prompt",
            data["prompt"],
            (*where, "prompt"),
            lambda p: _create(ctx, "prompt", _prompt_fields(ctx, p, (*where, "prompt"))),
        )
    if "actions" in data:
        out["actions"] = [
            _sub(ctx, "action", item, (*where, "actions", i), lambda a: _create(ctx, "action", a))
            for i, item in enumerate(data["actions"])
        ]
    for kind in ("voice", "webhook", "vector_database"):
        if kind in data:
            out[kind] = _sub(ctx, kind, data[kind], (*where, kind), _creator(ctx, kind))
    if "openai_account_connection" in data:
        out["openai_account_connection"] = _llm_connection(
            ctx, data["openai_account_connection"], (*where, "openai_account_connection")
        )
    return out


def create_agent_doc(ctx: Ctx, params: dict[str, Any], where: Path) -> dict[str, Any]:
    """Create an agent (and its inline sub-resources) from AgentParams data."""
    doc: dict[str, Any] = {"user_id": ctx.tenant, "actions": []}
    doc.update({k: params[k] for k in AGENT_SETTINGS if k in params})
    doc.update(_agent_refs(ctx, params, where))
    return ctx.tx.insert("agent", ctx.tenant, doc)


def _expand(ctx: Ctx, kind: str, schema: str, id_: Any) -> Any:
    if id_ is None:
        return None
    doc = ctx.tx.get(kind, ctx.tenant, id_)
    if doc is None:  # cannot happen: nothing is ever deleted but numbers
        raise ApiError(500, f"dangling {kind} reference")
    return complete(schema, doc)


def agent_view(ctx: Ctx, doc: dict[str, Any]) -> dict[str, Any]:
    """An agent in full: sub-resources expanded, defaults completed, secrets masked."""
    out = complete("Agent", doc)
    prompt = _expand(ctx, "prompt", "Prompt", doc["prompt"])
    prompt["prompt_template"] = _expand(ctx, "prompt_template", "PromptTemplate", prompt.get("prompt_template"))
    out["prompt"] = prompt
    actions = []
    for action_id in doc.get("actions", []):
        action = _expand(ctx, "action", "Action", action_id)
        action.setdefault("config", {})
        if action["type"] == "action_external" and "signature_secret" in action["config"]:
            action["config"] = {
                **action["config"],
                "signature_secret": mask(action["config"]["signature_secret"], key_like=True),
            }
        actions.append(action)
    out["actions"] = actions
    out["voice"] = _expand(ctx, "voice", "Voice", doc["voice"])
    out["webhook"] = _expand(ctx, "webhook", "Webhook", doc.get("webhook"))
    vdb = _expand(ctx, "vector_database", "VectorDatabase", doc.get("vector_database"))
    if vdb is not None:
        vdb["api_key"] = mask(vdb["api_key"], key_like=True)
    out["vector_database"] = vdb
    return out


def create_agent(ctx: Ctx, query: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/agents/create."""
    return agent_view(ctx, create_agent_doc(ctx, body, ("body",)))


def _get_agent(ctx: Ctx, id_: str) -> dict[str, Any]:
    doc = ctx.tx.get("agent", ctx.tenant, id_)
    if doc is None:
        raise not_found("agent", "query", "id")
    return doc


def get_agent(ctx: Ctx, query: dict[str, Any], body: Any) -> dict[str, Any]:
    """GET /v1/agents."""
    return agent_view(ctx, _get_agent(ctx, query["id"]))


def update_agent(ctx: Ctx, query: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/agents/update: absent fields unchanged, null clears; an inline prompt is changed in place."""
    doc = _get_agent(ctx, query["id"])
    for key in AGENT_SETTINGS:
        if key in changes:
            doc[key] = changes[key]
    prompt_change = changes.get("prompt")
    if isinstance(prompt_change, dict):
        prompt = ctx.tx.get("prompt", ctx.tenant, doc["prompt"])
        assert prompt is not None
        prompt.update(_prompt_fields(ctx, prompt_change, ("body", "prompt")))
        ctx.tx.update("prompt", ctx.tenant, prompt)
        changes = {k: v for k, v in changes.items() if k != "prompt"}
    doc.update(_agent_refs(ctx, changes, ("body",)))
    ctx.tx.update("agent", ctx.tenant, doc)
    return agent_view(ctx, doc)


# --------------------------------------------------------------------------- account connections


def connection_view(doc: dict[str, Any]) -> dict[str, Any]:
    """A connection as responses show it: secrets masked, defaults completed."""
    out = complete("AccountConnection", doc)
    out["credentials"] = mask_credentials(doc["type"], doc["credentials"])
    return out


def _get_connection(ctx: Ctx, id_: str) -> dict[str, Any]:
    doc = ctx.tx.get("connection", ctx.tenant, id_)
    if doc is None:
        raise not_found("account connection", "query", "id")
    return doc


def create_account_connection(ctx: Ctx, query: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/account_connections/create."""
    doc = ctx.tx.insert("connection", ctx.tenant, {"user_id": ctx.tenant, **body})
    return connection_view(doc)


def get_account_connection(ctx: Ctx, query: dict[str, Any], body: Any) -> dict[str, Any]:
    """GET /v1/account_connections."""
    return connection_view(_get_connection(ctx, query["id"]))


def update_account_connection(ctx: Ctx, query: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/account_connections/update: the type cannot change; credentials are replaced whole."""
    doc = _get_connection(ctx, query["id"])
    if changes["type"] != doc["type"]:
        raise conflict(f"This is an {doc['type']} connection; its type cannot change.", "type_change", "body", "type")
    for key in ("credentials", "label", "description", "steering_pool", "account_supports_any_caller_id"):
        if key in changes:
            doc[key] = changes[key]
    ctx.tx.update("connection", ctx.tenant, doc)
    return connection_view(doc)


def _pool_connection(ctx: Ctx, id_: str) -> dict[str, Any]:
    doc = _get_connection(ctx, id_)
    if doc["type"] not in TELEPHONY:
        raise conflict(
            f"A {doc['type']} connection has no telephony account to take pool numbers from.",
            "connection_type",
            "query",
            "id",
        )
    return doc


def add_to_steering_pool(ctx: Ctx, query: dict[str, Any], body: Any) -> dict[str, Any]:
    """POST /v1/account_connections/add_to_steering_pool: idempotent; 429 when the pool is full."""
    doc = _pool_connection(ctx, query["id"])
    pool: list[str] = list(doc.get("steering_pool") or [])
    number = (body or {}).get("phone_number")
    if number is not None and number in pool:
        return connection_view(doc)
    if len(pool) >= STEERING_POOL_MAX:
        raise ApiError(
            429,
            "The steering pool is full.",
            [
                {
                    "path": "/body/phone_number" if number else "/query/id",
                    "code": "steering_pool_full",
                    "message": f"the pool already holds {STEERING_POOL_MAX} numbers",
                }
            ],
        )
    if number is None:
        number = _random_number(ctx)
        while number in pool:
            number = _random_number(ctx)
    doc["steering_pool"] = [*pool, number]
    ctx.tx.update("connection", ctx.tenant, doc)
    return connection_view(doc)


def remove_from_steering_pool(ctx: Ctx, query: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/account_connections/remove_from_steering_pool: 404 when the number is not in the pool."""
    doc = _get_connection(ctx, query["id"])
    pool: list[str] = list(doc.get("steering_pool") or [])
    if body["phone_number"] not in pool:
        raise ApiError(
            404,
            "The number is not in the steering pool.",
            [{"path": "/body/phone_number", "code": "not_found", "message": "this number is not in the pool"}],
        )
    doc["steering_pool"] = [n for n in pool if n != body["phone_number"]]
    ctx.tx.update("connection", ctx.tenant, doc)
    return connection_view(doc)


# --------------------------------------------------------------------------- lists


def _page(
    ctx: Ctx, kind: str, query: dict[str, Any], view: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[str, Any]:
    page, size = query.get("page", 1), query.get("size", 10)
    result = ctx.tx.page(
        kind, ctx.tenant, page=page, size=size, sort=query.get("sort_column"), desc=bool(query.get("sort_desc", False))
    )
    return {
        "items": [view(d) for d in result.items],
        "page": page,
        "size": size,
        "has_more": page * size < result.total,
        "total": result.total,
        "total_is_estimated": False,
    }


def list_numbers(ctx: Ctx, query: dict[str, Any], body: Any) -> dict[str, Any]:
    """GET /v1/numbers/list."""
    return _page(ctx, "number", query, lambda d: number_view(ctx, d))


def list_agents(ctx: Ctx, query: dict[str, Any], body: Any) -> dict[str, Any]:
    """GET /v1/agents/list."""
    return _page(ctx, "agent", query, lambda d: agent_view(ctx, d))


def list_account_connections(ctx: Ctx, query: dict[str, Any], body: Any) -> dict[str, Any]:
    """GET /v1/account_connections/list."""
    return _page(ctx, "connection", query, connection_view)


Handler = Callable[[Ctx, dict[str, Any], Any], dict[str, Any]]
HANDLERS: dict[str, Handler] = {
    "list_numbers": list_numbers,
    "get_number": get_number,
    "buy_number": buy_number,
    "update_number": update_number,
    "cancel_number": cancel_number,
    "link_number": link_number,
    "list_agents": list_agents,
    "get_agent": get_agent,
    "create_agent": create_agent,
    "update_agent": update_agent,
    "list_account_connections": list_account_connections,
    "get_account_connection": get_account_connection,
    "create_account_connection": create_account_connection,
    "update_account_connection": update_account_connection,
    "add_to_steering_pool": add_to_steering_pool,
    "remove_from_steering_pool": remove_from_steering_pool,
}
# Operations whose body is a creation (defaults filled in) rather than a set of changes.
CREATES = {
    "buy_number",
    "link_number",
    "create_agent",
    "create_account_connection",
    "add_to_steering_pool",
    "remove_from_steering_pool",
}
