"""The state of one contract run, shared by the engine, the checks and the links phase.

A ``RunContext`` is made per run and found from a schemathesis case through the schema the run
loaded (``RunContext.of(case)``), so two runs in one process never see each other's state and
nothing lives in a module global.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

from voicecontract.errors import Issue
from voicecontract.spec import SpecIndex
from voicecontract.suite.fixtures import Fixtures
from voicecontract.suite.masking import Scrubber, curl
from voicecontract.suite.options import RunOptions
from voicecontract.suite.result import UNEXPECTED_METHODS, Failure, OperationStats
from voicecontract.suite.target import Target, TransportError


@dataclass
class Created:
    """A resource the run created, to clean up afterwards."""

    kind: str
    key: str
    token: str


@dataclass
class RunContext:
    """Everything one run knows while it runs."""

    options: RunOptions
    seed: int
    spec_document: dict[str, Any]
    ix: SpecIndex
    target: Target
    fixtures: Fixtures
    scrub: Scrubber
    out: Any = None
    shard: int | None = None  # the worker process's index (None: the parent, or a run in one process)
    started: float = field(default_factory=time.perf_counter)
    lock: threading.RLock = field(default_factory=threading.RLock)
    operations: dict[str, OperationStats] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    snapshots: dict[str, Any] = field(default_factory=dict)  # case id -> the resource before a write
    created: list[Created] = field(default_factory=list)
    isolation_probes: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    existing: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (operation, tag) -> keys to address
    last_answers: dict[tuple[str, str], tuple[float, Any]] = field(default_factory=dict)  # (kind, key) -> newest write
    _seen: set[tuple[str, str, str]] = field(default_factory=set)

    _RUNS: ClassVar[dict[int, RunContext]] = {}

    # ----------------------------------------------------------------- finding the run of a case

    @classmethod
    def of(cls, case: Any) -> RunContext | None:
        """The run a schemathesis case belongs to (None outside a run)."""
        schema = getattr(getattr(case, "operation", None), "schema", None)
        return cls._RUNS.get(id(schema)) if schema is not None else None

    @contextmanager
    def active(self, schema: Any) -> Iterator[None]:
        """Make this run the one for cases of ``schema`` while the block runs."""
        self._RUNS[id(schema)] = self
        try:
            yield
        finally:
            self._RUNS.pop(id(schema), None)

    # ----------------------------------------------------------------- output and bookkeeping

    def say(self, line: str) -> None:
        """Progress output (masked)."""
        if self.out is not None:
            print(self.scrub.text(line), file=self.out, flush=True)

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.perf_counter() - self.started

    def stats(self, label: str) -> OperationStats:
        """The statistics of one operation (created on first use)."""
        with self.lock:
            return self.operations.setdefault(label, OperationStats())

    def count(self, label: str, status: int) -> None:
        """Count one answered request."""
        with self.lock:
            stats = self.operations.setdefault(label, OperationStats())
            stats.cases += 1
            stats.statuses[status] += 1

    def note(self, text: str) -> None:
        """A remark for the summary (once)."""
        with self.lock:
            if text not in self.notes:
                self.notes.append(text)
                self.say(f"NOTE: {text}")

    def remember_created(self, kind: str, key: Any, token: str | None = None) -> None:
        """Remember a resource the run made, for the clean-up."""
        if isinstance(key, str):
            with self.lock:
                self.created.append(Created(kind, key, token or self.target.token))

    # ----------------------------------------------------------------- failures

    def learn_secrets(self, schema_node: Any, body: Any) -> None:
        """Add the secrets a request body carries to what every report masks."""
        if schema_node is not None and body is not None:
            try:
                self.scrub.learn(self.ix.schemas.secret_values(schema_node, body))
            except Exception:  # noqa: S110 - a malformed body; the tokens are known anyway
                pass

    def label_of(self, method: str, path: str) -> str:
        """The operation label reports use for a request (unknown methods are grouped)."""
        label = f"{method.upper()} {path}"
        return label if label in self.ix.by_label else UNEXPECTED_METHODS

    def fail(
        self,
        operation: str,
        check: str,
        title: str,
        *,
        detail: str = "",
        phase: str,
        request: tuple[str, str, dict[str, Any] | None, Any] | None = None,
        path: str = "",
        status: int | None = None,
    ) -> None:
        """Record one failure (once per operation, check and title), masked, with a curl line."""
        title = self.scrub.text(title)
        with self.lock:
            if (operation, check, title) in self._seen:
                return  # the curl line of a repeat is never built
        line = ""
        if request is not None:
            method, rpath, query, body = request
            base = self.target.base_url or "http://127.0.0.1:8000"
            line = curl(method, base + rpath, query or {}, body, self.scrub, has_body=method.upper() != "GET")
        failure = Failure(
            operation,
            Issue(path, check, title),
            self.scrub.text(detail),
            phase,
            self.seed,
            line,
            status,
        )
        if self.record(failure):
            self.say(f"  FAIL {operation} [{check}] {failure.title}")

    def record(self, failure: Failure) -> bool:
        """Add a failure unless one with its operation, check and title is in already; whether it was added."""
        key = (failure.operation, failure.check, failure.title)
        with self.lock:
            if key in self._seen:
                return False
            self._seen.add(key)
            self.failures.append(failure)
            self.operations.setdefault(failure.operation, OperationStats()).failures += 1
        return True

    def fail_case(
        self, case: Any, check: str, title: str, detail: str, phase: str, path: str = "", status: int | None = None
    ) -> None:
        """Record a failure of a schemathesis case."""
        body = case.body if isinstance(case.body, dict | list | str | int | float | bool) or case.body is None else None
        op = self.ix.by_label.get(f"{case.method.upper()} {case.path}")
        self.learn_secrets(op.body_node if op else None, body)
        self.fail(
            self.label_of(case.method, case.path),
            check,
            title,
            detail=detail,
            phase=phase,
            request=(case.method, case.path, dict(case.query or {}), body),
            path=path,
            status=status,
        )

    def fail_transport(self, exc: TransportError, phase: str, operation: str | None = None) -> None:
        """A request of the suite's own got no valid answer: a ``transport`` failure."""
        label = operation or self.label_of(exc.method, exc.path)
        self.fail(
            label,
            "transport",
            f"no valid HTTP answer to {exc.method} {exc.path}",
            detail=exc.reason,
            phase=phase,
            request=(exc.method, exc.path, exc.params, exc.body),
        )
