"""The one result model of a contract run; the CLI, the reports and the pytest plugin all read it."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from voicecontract.errors import Issue

UNEXPECTED_METHODS = "(methods the spec does not define)"
RUN_LEVEL = "(the run)"  # failures not tied to one operation (e.g. the engine's own errors)


@dataclass(frozen=True)
class Failure:
    """One contract failure: the issue (code = the check's name), where it happened and how to reproduce it."""

    operation: str
    issue: Issue
    detail: str
    phase: str
    seed: int
    curl: str
    status: int | None = None  # the status of the answer that broke the contract, when there was one

    @property
    def check(self) -> str:
        """The name of the check that failed (``transport``, ``read_after_write``, …)."""
        return self.issue.code

    @property
    def title(self) -> str:
        """One line saying what is wrong."""
        return self.issue.message

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (already masked)."""
        return {
            "operation": self.operation,
            "check": self.check,
            "title": self.title,
            "path": self.issue.path,
            "message": self.detail,
            "phase": self.phase,
            "seed": self.seed,
            "curl": self.curl,
            "status": self.status,
        }


@dataclass
class OperationStats:
    """What the run saw of one operation."""

    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: int = 0


@dataclass(frozen=True)
class LinkOutcome:
    """One OpenAPI link walked by the links phase."""

    followed: bool
    reason: str = ""


@dataclass
class RunResult:
    """The outcome of a run."""

    target: str
    seed: int
    elapsed: float
    operations: dict[str, OperationStats]
    failures: list[Failure]
    links: dict[str, LinkOutcome]
    stateful_links: Counter[str]
    coverage: dict[str, tuple[set[str], set[str]]]  # operation -> (documented, seen)
    checks: list[str]
    notes: list[str] = field(default_factory=list)
    left_behind: dict[str, int] = field(default_factory=dict)
    spec_title: str = ""

    @property
    def cases(self) -> int:
        """Test cases executed."""
        return sum(s.cases for s in self.operations.values())

    @property
    def coverage_percent(self) -> float:
        """Documented status codes seen, over all operations, in percent."""
        documented = sum(len(d) for d, _ in self.coverage.values())
        seen = sum(len(d & s) for d, s in self.coverage.values())
        return 100.0 * seen / documented if documented else 100.0

    @property
    def unreached(self) -> list[str]:
        """Operations no request reached with a success answer."""
        return [
            op
            for op, s in self.operations.items()
            if op not in (UNEXPECTED_METHODS, RUN_LEVEL) and not any(200 <= c < 300 for c in s.statuses)
        ]

    @property
    def passed(self) -> bool:
        """No contract failure."""
        return not self.failures

    def failures_of(self, operation: str) -> list[Failure]:
        """The failures recorded against one operation label (or ``links``, or the run)."""
        return [f for f in self.failures if f.operation == operation]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready report (already masked)."""
        return {
            "target": self.target,
            "seed": self.seed,
            "elapsed_seconds": round(self.elapsed, 2),
            "verdict": "passed" if self.passed else "failed",
            "cases": self.cases,
            "checks": self.checks,
            "operations": {
                op: {
                    "cases": s.cases,
                    "failures": s.failures,
                    "statuses": {str(k): v for k, v in sorted(s.statuses.items())},
                }
                for op, s in self.operations.items()
            },
            "coverage": {
                "percent": round(self.coverage_percent, 1),
                "operations": {
                    op: {"documented": sorted(d), "seen": sorted(d & s), "missing": sorted(d - s)}
                    for op, (d, s) in self.coverage.items()
                },
            },
            "links": {
                "followed": sorted(k for k, v in self.links.items() if v.followed),
                "not_followed": {k: v.reason for k, v in sorted(self.links.items()) if not v.followed},
                "stateful_phase": dict(self.stateful_links),
            },
            "unreached_operations": self.unreached,
            "notes": self.notes,
            "left_behind": self.left_behind,
            "failures": [f.as_dict() for f in self.failures],
        }


def issue_dict(issue: Issue) -> dict[str, Any]:
    """An issue as a dict (for reports)."""
    return asdict(issue)
