"""Faulty variants of the reference server: each carries one fault that real implementations have.

``MUTANTS`` maps a name to the fault, the check that must catch it, how to build the faulty ASGI
app (tests/mutants/faults.py) and the phases that make it visible. ``make mutants`` runs our
suite and plain schemathesis against each over HTTP (tests/support/score.py); the three marked
``in_suite=False`` are caught by the server's own process tests instead (durability, fsync, concurrency).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.mutants import faults as f
from tests.support.asgi import App, json_rewrite, lagging_reads, with_handlers, with_rewrite

ALL = ("examples", "coverage", "fuzzing", "stateful", "links")


@dataclass(frozen=True)
class Mutant:
    """One fault, the check that must name it, and how to build the faulty app."""

    name: str
    fault: str
    caught_by: str
    build: Callable[[str, list[str]], App]
    in_suite: bool = True
    # The phases that make this fault visible; the quick matrix in `make test` runs just these.
    phases: tuple[str, ...] = ("examples", "links")
    options: dict[str, Any] = field(default_factory=dict)  # RunOptions the fault needs (e.g. a short timeout)


MUTANTS: dict[str, Mutant] = {m.name: m for m in [
    # --- what the answers look like
    Mutant("drops_field", "number responses lack the required `number`", "response_schema_conformance",
           with_rewrite(json_rewrite("/v1/numbers", lambda d: f._drop_number(d) if "number" in d else d))),
    Mutant("wrong_type", "page totals are strings", "response_schema_conformance",
           with_rewrite(json_rewrite("/v1/agents/list", f._total_as_string))),
    Mutant("undocumented_status", "create agent answers 200 instead of 201", "status_code_conformance",
           with_rewrite(f._status_200_for_create_agent)),
    Mutant("wrong_content_type", "agent answers are text/plain", "content_type_conformance",
           with_rewrite(f._plain_text)),
    Mutant("embedded_object", "numbers embed the whole agent where the spec has its id", "response_schema_conformance",
           f._embed_agent),
    Mutant("drops_optional_field", "number answers leave out an empty label (the spec's default '')",
           "response_schema_conformance", with_rewrite(f._drop_optional_label)),
    # --- input handling
    Mutant("non_ascii_500", "any non-ASCII input is a 500", "not_a_server_error", with_rewrite(f._non_ascii_500),
           phases=("fuzzing",)),
    Mutant("accepts_invalid_credentials", "connection bodies are not validated", "negative_data_rejection",
           f._no_credential_checks, phases=("coverage",)),
    Mutant("bad_issue_paths", "400 issues point at fields the request does not have", "error_body",
           with_rewrite(f._bad_issue_paths)),
    Mutant("unsupported_method_ok", "PUT/DELETE/PATCH answer 200", "unsupported_method", with_rewrite(f._put_is_ok),
           phases=("coverage",)),
    # --- auth and tenancy
    Mutant("ignores_auth", "a missing or unknown token is served as the first tenant", "ignored_auth",
           f._ignores_auth, phases=("examples", "fuzzing")),
    Mutant("cross_tenant_read", "lookups by id ignore the tenant", "tenant_isolation",
           lambda db, tokens: f.create_app(db=db, tokens=tokens, store=f.CrossTenantStore(db))),
    Mutant("cross_tenant_reference", "ids inside bodies resolve across tenants (another tenant's agent attaches)",
           "tenant_isolation", f._cross_tenant_reference, phases=("links",)),
    # --- writes
    Mutant("stale_read", "agent updates are answered but not stored", "read_after_write",
           with_handlers(update_agent=f._stale_update)),
    Mutant("lags_past_window", "reads lag 3 s behind writes, though the run is told 1 s (--consistency-window 1000)",
           "read_after_write", lambda db, tokens: lagging_reads(f.create_app(db=db, tokens=tokens), 3.0),
           phases=("links",), options={"consistency_window_ms": 1000}),
    Mutant("create_not_stored", "a created agent reads back differently from what create answered",
           "read_after_write", with_handlers(create_agent=f._create_not_stored)),
    Mutant("absent_clears", "an update without `description` clears it", "write_applied",
           with_handlers(update_number=f._absent_clears)),
    Mutant("update_not_applied", "updates answer the resource as it was and apply nothing", "write_applied",
           with_handlers(update_agent=f._update_not_applied), phases=("links",)),
    Mutant("update_ignores_fields", "agent updates drop `language` and `noise_suppression` unread", "write_applied",
           with_rewrite(f._update_ignores_fields), phases=("coverage",)),
    Mutant("null_not_cleared", "`null` in an update is ignored: a nullable field cannot be cleared", "write_applied",
           with_handlers(update_number=f._null_not_cleared), phases=("links",)),
    # --- secrets
    Mutant("echoes_secret", "created connections echo their credentials", "no_secret_echo",
           with_handlers(create_account_connection=f._echo_secrets)),
    Mutant("short_secret_shown", "a secret shorter than 8 characters is shown whole instead of masked",
           "no_secret_echo", with_rewrite(f._short_secrets_shown), phases=("examples", "fuzzing", "links")),
    # --- pages
    Mutant("wrong_page_totals", "number pages report one item too many", "page_consistency",
           with_rewrite(json_rewrite("/v1/numbers/list", f._total_off_by_one))),
    Mutant("populated_off_by_one", "agent totals are one too many once a tenant holds 50 (on a target holding 120)",
           "page_consistency", f._populated_off_by_one, phases=("links",)),
    # --- transport and links
    Mutant("truncated_answer", "creating an agent drops the connection mid-answer", "transport",
           with_rewrite(f._truncated_answers)),
    Mutant("drops_every_connection", "every request gets headers, then a dropped connection", "transport",
           with_rewrite(f._drops_everything), phases=("examples", "links")),
    Mutant("hangs", "reading an account connection never answers", "transport", with_rewrite(f._hangs),
           phases=("links",), options={"request_timeout": 2.0}),
    Mutant("cancel_refused", "every cancel answers 404, even for an owned number", "links",
           with_rewrite(f._cancel_refused), phases=("links",)),
    # --- faults the server's own process tests catch
    Mutant("write_behind", "writes are acknowledged before they reach the disk", "durability test",
           f._write_behind, in_suite=False),
    Mutant("unsynced_commits", "commits are not fsynced (synchronous=OFF): a power cut loses acknowledged writes",
           "fsync test", f._unsynced_commits, in_suite=False),
    Mutant("lost_update", "number updates read, yield, then write what they read", "concurrency test",
           f._lost_update, in_suite=False),
]}
