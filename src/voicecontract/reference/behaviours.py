"""The reference server's own decisions: what an implementation chooses where the spec leaves it open.

Like the per-provider credential rules, this is knowledge the spec cannot hold, and the one module
of the server that names fields for what they mean:

* a resource whose unique key was not sent gets one minted: a free E.164 number (honouring an
  ``area_code`` in the request, as the managed provider would);
* a number bought or linked on a telephony connection is carried by that connection type's
  ``x-telephony-provider`` (a different ``telephony_provider`` in the request is a 409); without
  one it is carried by the managed provider the request names, ``vonage`` by default.

Everything else the server does is derived from the spec index.
"""

from __future__ import annotations

import secrets
from typing import Any

from voicecontract.errors import Issue
from voicecontract.reference.errors import ApiError, conflict
from voicecontract.reference.store import Tx
from voicecontract.spec import SpecIndex

MANAGED_PROVIDER = "vonage"
PROVIDER_FIELD = "telephony_provider"
TELEPHONY = "telephony"  # the x-usable-as role of connections that carry numbers
AREA_CODE_HINT = "area_code"


def mint_number(tx: Tx, kind: str, sent: dict[str, Any], where: tuple[str, ...] = ("body", AREA_CODE_HINT)) -> str:
    """A free North American E.164 number (in the requested area code, if one was sent)."""
    area_code = sent.get(AREA_CODE_HINT) if isinstance(sent, dict) else None
    for _ in range(100):
        area = area_code or str(200 + secrets.randbelow(800))
        candidate = f"+1{area}{2 + secrets.randbelow(8)}{secrets.randbelow(10**6):06d}"
        if tx.find_unique(kind, candidate) is None:
            return candidate
    raise ApiError(
        409,
        "No number is available in this area code.",
        [Issue("/" + "/".join(where), "conflict", "no free number in this area code")],
    )


def mint(tx: Tx, kind: str, schema: str | None, sent: dict[str, Any]) -> Any:
    """A fresh value for a unique field that was not sent, by the field's schema."""
    if schema == "E164Number":
        return mint_number(tx, kind, sent)
    return "vc_" + secrets.token_hex(12)


def carrier(
    ix: SpecIndex, tx: Tx, tenant: str, resource: str, body: Any, doc: dict[str, Any], sent: dict[str, Any]
) -> None:
    """Set who carries a new resource with a provider field: its telephony connection's, else the managed one."""
    if PROVIDER_FIELD not in ix.schemas.properties({"$ref": f"#/components/schemas/{resource}"}):
        return
    fields = [
        r.path[0]
        for r in ix.references(body, {"$ref": f"#/components/schemas/{resource}"})
        if r.connection_role == TELEPHONY and len(r.path) == 1
    ]
    conn_id = next((doc[f] for f in fields if isinstance(doc.get(f), str)), None)
    if conn_id is None:
        doc[PROVIDER_FIELD] = sent.get(PROVIDER_FIELD) or MANAGED_PROVIDER
        return
    stored = tx.get(ix.connection_resource or "", tenant, conn_id)
    ctype = ix.connection_type(stored.get(ix.connection_tag_field) if stored else None)
    provider = ctype.telephony_provider if ctype else None
    asked = sent.get(PROVIDER_FIELD)
    if provider is not None and asked is not None and asked != provider:
        raise conflict(
            f"{PROVIDER_FIELD} {asked} does not match the {provider} connection.", "conflict", ("body", PROVIDER_FIELD)
        )
    doc[PROVIDER_FIELD] = provider or asked or MANAGED_PROVIDER
