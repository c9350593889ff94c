"""Credential checks: per-provider rules on top of the generated models.

* ``rules``: the rule language (a code, a severity, a message, a test);
* ``providers``: the one table of per-provider rules (the only place that names providers);
* ``generic``: the checks every credential string gets, by its ``x-credential-kind``;
* ``shapes``: the fast path, each provider field's expected shape;
* ``table``: the table per connection type, assembled from the spec index and the above.

``inspect(table, credentials)`` is the one entry: it owns the fast path.
"""

from __future__ import annotations

from typing import Any

from voicecontract.credentials.generic import GENERIC_SEVERITIES
from voicecontract.credentials.providers import OBJECT_CODES
from voicecontract.credentials.table import ProviderTable, normalize_type, rule_issues, tables
from voicecontract.errors import Issue, Severity


def inspect(table: ProviderTable, credentials: Any, *, base: tuple[str | int, ...] = ()) -> list[Issue]:
    """Every rule issue of a credentials object; a value of the expected shape takes the fast path (none)."""
    if table.fast_ok(credentials):  # every field has its expected shape: no rule can fire (proven by tests)
        return []
    return rule_issues(table, credentials, base=base)


def all_codes() -> dict[str, Severity]:
    """Every code the credential rules can produce, with its default severity (README table)."""
    codes: dict[str, Severity] = {**GENERIC_SEVERITIES, **OBJECT_CODES}  # type: ignore[dict-item]
    for table in tables().values():
        for checks in table.rules.values():
            for c in checks:
                codes.setdefault(c.code, c.severity)
        for fk in table.fields.values():  # what the spec excludes with `not` (x-code)
            for ex in fk.excluded:
                codes.setdefault(ex.code, "error")
    return codes


__all__ = ["ProviderTable", "all_codes", "inspect", "normalize_type", "tables"]
