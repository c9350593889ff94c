"""The change codes of ``voicecontract diff``: for each, what it means to clients and to implementations.

Severities: ``breaking`` (what worked before stops working), ``warning`` (may break a strict or
careful party: the generated models of this project are strict, so a new response field, enum
value or union member makes them reject an answer), ``info`` (nothing that worked stops).
*Clients* send requests and read answers; *implementations* serve them. A new required request
field breaks clients; a new response field that is required breaks implementations written to the
old spec (they do not send it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["breaking", "warning", "info"]
RANK = {"info": 0, "warning": 1, "breaking": 2}

# code -> (clients, implementations, what happened)
RULES: dict[str, tuple[Severity, Severity, str]] = {
    "operation-removed": ("breaking", "info", "an operation is gone"),
    "operation-added": ("info", "breaking", "a new operation (implementations must serve it)"),
    "parameter-removed": ("warning", "info", "a parameter is no longer documented (clients sending it may get a 400)"),
    "parameter-added-required": ("breaking", "breaking", "a new required parameter"),
    "parameter-added-optional": ("info", "breaking", "a new optional parameter"),
    "parameter-became-required": ("breaking", "info", "an optional parameter is now required"),
    "parameter-became-optional": ("info", "breaking", "a required parameter is now optional"),
    "request-body-became-required": ("breaking", "info", "the request body is now required"),
    "request-body-removed": ("warning", "info", "the operation takes no body now (clients sending one may get a 400)"),
    "request-property-removed": ("breaking", "info", "a request field is gone (closed objects reject it: 400)"),
    "request-property-added-required": ("breaking", "breaking", "a new required request field"),
    "request-property-added-optional": ("info", "breaking", "a new optional request field"),
    "request-property-became-required": ("breaking", "info", "an optional request field is now required"),
    "request-property-became-optional": ("info", "breaking", "a required request field is now optional"),
    "request-type-narrowed": ("breaking", "info", "a request value accepts fewer JSON types (or no longer null)"),
    "request-type-widened": ("info", "breaking", "a request value accepts more JSON types (or null)"),
    "request-enum-value-removed": ("breaking", "info", "a request value is no longer accepted"),
    "request-enum-value-added": ("info", "breaking", "a request value is newly accepted"),
    "request-option-removed": ("breaking", "info", "a request union no longer accepts one of its forms"),
    "request-option-added": ("info", "breaking", "a request union accepts a new form (e.g. an inline object)"),
    "request-constraint-tightened": ("breaking", "info", "a request value's bounds, length or pattern are stricter"),
    "request-constraint-loosened": ("info", "breaking", "a request value's bounds, length or pattern are looser"),
    "request-closed": ("breaking", "info", "a request object no longer accepts unlisted fields"),
    "request-default-changed": ("warning", "breaking", "an omitted request field now means something else"),
    "request-secret-unmarked": ("warning", "info", "a request field is no longer marked secret (it may be echoed)"),
    "response-status-removed": ("breaking", "info", "a documented answer status is gone"),
    "response-status-added": ("warning", "info", "a newly documented answer status"),
    "response-success-status-changed": ("warning", "breaking", "the success status changed (e.g. 200 → 201)"),
    "response-property-removed": ("breaking", "info", "an answer field is gone"),
    "response-property-became-optional": ("breaking", "info", "an answer field may now be absent"),
    "response-property-became-required": ("info", "breaking", "an answer field is now always present"),
    "response-property-added": ("warning", "breaking", "a new answer field (strict models reject unknown fields)"),
    "response-type-widened": ("breaking", "info", "an answer value may have another JSON type (or be null)"),
    "response-type-narrowed": ("info", "breaking", "an answer value has fewer possible JSON types"),
    "response-enum-value-added": ("warning", "breaking", "an answer value may take a new value (strict clients)"),
    "response-enum-value-removed": ("info", "breaking", "an answer value no longer takes a value"),
    "response-option-added": ("breaking", "info", "an answer union has a new form (e.g. an id instead of an object)"),
    "response-option-removed": ("info", "breaking", "an answer union lost a form"),
    "response-constraint-loosened": ("warning", "info", "an answer value's bounds, length or pattern are looser"),
    "response-constraint-tightened": ("info", "breaking", "an answer value's bounds, length or pattern are stricter"),
    "response-secret-unmasked": ("breaking", "breaking", "an answer shows a secret that was masked"),
    "media-type-removed": ("breaking", "info", "a media type of a body is gone"),
}


@dataclass(frozen=True)
class Change:
    """One difference between two versions of the spec."""

    code: str
    where: str  # the operation (and status) it affects, e.g. "POST /v1/numbers/buy 201"
    message: str
    old: str | None  # JSON pointer into the old document
    new: str | None  # JSON pointer into the new document

    @property
    def clients(self) -> Severity:
        """What the change means to clients."""
        return RULES[self.code][0]

    @property
    def implementations(self) -> Severity:
        """What the change means to implementations of the old spec."""
        return RULES[self.code][1]

    def as_dict(self) -> dict[str, object]:
        """JSON-ready, with both severities."""
        return {**asdict(self), "clients": self.clients, "implementations": self.implementations}
