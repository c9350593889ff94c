"""A patch to the spec, as a maintainer would write it: a new connection type and a new field on numbers.

``add_connection_type`` adds ``account_connection_togetherai`` (one secret key, shaped like
DeepSeek's, usable as the agent's LLM connection): its credentials, masked credentials, response,
create and update schemas, and an entry in each of the three unions and in the inline union of
its role (``LlmAccountConnectionParams``; lint VC704 names the union when it is forgotten).
``add_number_field`` adds an optional ``caller_id_name`` to numbers (stored, shown as ``null``
when unset, changed by update; documented as omitted by older servers). Nothing outside the spec is touched: the test in
tests/spec/test_spec_driven.py proves the rest follows.
"""

from __future__ import annotations

import copy
from typing import Any

TYPE = "account_connection_togetherai"
FIELD = "caller_id_name"


def _rename(node: Any, old: str, new: str) -> Any:
    if isinstance(node, dict):
        return {k.replace(old, new): _rename(v, old, new) for k, v in node.items()}
    if isinstance(node, list):
        return [_rename(v, old, new) for v in node]
    if isinstance(node, str):
        return node.replace(old, new)
    return node


def add_connection_type(spec: dict[str, Any]) -> dict[str, Any]:
    """Add account_connection_togetherai, modelled on the DeepSeek schemas, usable as an LLM connection."""
    out = copy.deepcopy(spec)
    schemas = out["components"]["schemas"]
    pairs = [("DeepSeek", "TogetherAI"), ("deepseek", "togetherai")]
    for suffix in ("Credentials", "CredentialsMasked", "AccountConnection", "AccountConnectionParams",
                   "AccountConnectionUpdateParams"):
        made = copy.deepcopy(schemas["DeepSeek" + suffix])
        for old, new in pairs:
            made = _rename(made, old, new)
        made["description"] = made["description"].replace("DeepSeek", "Together AI")
        schemas["TogetherAI" + suffix] = made
    creds = schemas["TogetherAICredentials"]
    creds["examples"] = [{"togetherai_api_key": "example-togetherai-key-0123456789"}]
    creds["properties"]["togetherai_api_key"]["description"] = "The Together AI API key."
    schemas["TogetherAICredentialsMasked"]["properties"]["togetherai_api_key"]["description"] = "The masked key."
    schemas["TogetherAIAccountConnectionParams"]["x-usable-as"] = ["llm"]
    for union, suffix in (("AccountConnection", "AccountConnection"), ("AccountConnectionParams",
                          "AccountConnectionParams"), ("AccountConnectionUpdateParams", "AccountConnectionUpdateParams")):
        ref = f"#/components/schemas/TogetherAI{suffix}"
        schemas[union]["oneOf"].append({"$ref": ref})
        schemas[union]["discriminator"]["mapping"][TYPE] = ref
    role_union = next(name for name, schema in schemas.items() if schema.get("x-connection-role") == "llm")
    ref = "#/components/schemas/TogetherAIAccountConnectionParams"
    schemas[role_union]["oneOf"].append({"$ref": ref})
    schemas[role_union]["discriminator"]["mapping"][TYPE] = ref
    return out


def add_number_field(spec: dict[str, Any]) -> dict[str, Any]:
    """Add an optional caller_id_name to numbers: in the answer (null when unset), in buy and in update."""
    out = copy.deepcopy(spec)
    schemas = out["components"]["schemas"]
    shown = {"type": ["string", "null"], "maxLength": 64,
             "description": "The name shown to called parties; `null` when none is set."}
    # Not required: the docs' own example answers (verbatim in the spec) do not show it, so answers may
    # omit it; VC304 wants that said.
    schemas["PhoneNumber"]["properties"][FIELD] = {
        **shown, "description": "The name shown to called parties; `null` when none is set. Omitted when not set "
                                "by servers that predate it."}
    for request in ("BuyNumberRequest", "UpdateNumberRequest"):
        schemas[request]["properties"][FIELD] = {**shown, "description": "The name shown to called parties."}
    return out


def patched(spec: dict[str, Any]) -> dict[str, Any]:
    """Both changes."""
    return add_number_field(add_connection_type(spec))
