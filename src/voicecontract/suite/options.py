"""What a contract run takes: ``RunOptions``, and the usage error that ends a run before it starts."""

from __future__ import annotations

from dataclasses import dataclass

SCHEMATHESIS_PHASES = ("examples", "coverage", "fuzzing", "stateful")
# per operation, and the bulk of the cases: what worker processes share. The examples phase stays with the
# stateful one: schemathesis' stateful phase starts from the resources the examples phase created.
SHARDED_PHASES = ("coverage", "fuzzing")
ALL_PHASES = (*SCHEMATHESIS_PHASES, "links")


class UsageError(Exception):
    """A bad option or an unreachable target: exit code 2, with this message."""


def count_or_auto(value: int | str, flag: str) -> int | None:
    """``N`` (an int or its digits, at least 1) as an int, None for ``auto``; a UsageError naming ``flag`` otherwise."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int):
        if value < 1:
            raise UsageError(f"{flag} must be at least 1 (or auto)")
        return value
    if value == "auto":
        return None
    raise UsageError(f"{flag} takes a number or auto, not {value!r}")


@dataclass
class RunOptions:
    """Everything ``voicecontract run`` takes."""

    base_url: str | None = None
    token: str | None = None
    second_token: str | None = None
    spec: str | None = None  # another version of the spec (file or REV:PATH); default: the packaged one
    max_examples: int = 10
    seed: int | None = None
    workers: int | str = "auto"  # or a number; see runner.resolve_workers
    processes: int | str = "auto"  # or a number; see shards.resolve_processes
    phases: tuple[str, ...] = ALL_PHASES
    checks: tuple[str, ...] | None = None  # None: all
    thorough: bool = False  # schemathesis' defaults: coverage in all modes, 100 examples
    junit_xml: str | None = None
    report: str | None = None
    summary_md: str | None = None  # a Markdown summary for CI job summaries
    html: str | None = None  # one self-contained HTML report
    fail_under: float | None = None
    max_failures: int | None = None
    canary: str = ""  # planted in the links phase's secrets (tests use it)
    fixtures: str | None = None  # YAML file: credentials and numbers only the target knows
    consistency_window_ms: int = 0  # how long a read may lag behind a write
    require_isolation: bool = False  # a usage error when tenant isolation cannot be checked
    request_timeout: float = 30.0
