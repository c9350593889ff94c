"""Spec checks: openapi-spec-validator plus voicecontract's own rules, each with a stable code.

Every finding is an ``Issue`` whose code is the rule's (``VC107``) and whose path is the JSON
pointer of the offending node; ``render`` adds the rule's name for humans. Rules are small
functions registered in ``RULES`` (``core``), grouped by what they look at: ``operations``,
``schemas``, ``links`` (links and the x- extensions).
"""

from __future__ import annotations

from typing import Any

from voicecontract.errors import Issue
from voicecontract.lint import links, operations, schemas
from voicecontract.lint.core import RULE_CODES, RULES, render
from voicecontract.lint.operations import check_validator
from voicecontract.lint.schemas import example_sites, schema_validator_factory


def lint_spec(spec: dict[str, Any], *, with_validator: bool = True) -> list[Issue]:
    """Run every rule over an OpenAPI document and return the findings, sorted.

    ``with_validator=False`` skips openapi-spec-validator (the slow part, ~1.5 s), for callers
    that only need voicecontract's own rules.
    """
    found: list[Issue] = []
    ordered = [check_validator, *(r for r in RULES if r is not check_validator)]  # the validator speaks first
    for fn in ordered:
        if fn is check_validator and not with_validator:
            continue
        try:
            found.extend(fn(spec))
        except Exception:  # a rule tripped over a malformed document
            if not any(i.code in ("VC001", "VC002") for i in found):
                raise
    return sorted(set(found), key=lambda i: (i.path, i.code, i.message))


__all__ = [
    "RULES",
    "RULE_CODES",
    "example_sites",
    "links",
    "lint_spec",
    "operations",
    "render",
    "schema_validator_factory",
    "schemas",
]
