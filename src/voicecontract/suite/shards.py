"""Process-level parallelism for the coverage and fuzzing phases.

schemathesis runs an operation's cases in order on one thread, and in-process the reference server
shares that interpreter, so threads only contend for the GIL (``--workers``). ``--processes N``
starts N worker processes instead (``spawn``: nothing of the parent's threads or database handles
is inherited). Each one runs the run's setup against its own target (in-process: its own embedded
reference server with the run's tokens; against a URL: the shared server, with fixtures salted
per process so fresh values never collide), then takes operations from a shared queue, heaviest
first, and runs the coverage and fuzzing phases for each. The examples, stateful and links phases
stay in the parent (the stateful phase starts from what the examples phase created); in-process
the parent runs them beside the workers, against a URL after them (one server: a list walked
while other processes write would change under the walk). The parent merges what every process
saw: case counts and statuses, failures (deduplicated as in one process), notes, and what was
left behind.

The queue balances the load; which process runs an operation therefore varies between runs, and
so does the state the operation meets on an embedded server. A failure's seed and ``curl`` line
reproduce the case itself; ``--processes 1`` reproduces the whole run in one process.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import traceback
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, TextIO, cast

from voicecontract.spec import SpecIndex
from voicecontract.suite.options import SHARDED_PHASES, RunOptions, UsageError, count_or_auto
from voicecontract.suite.result import RUN_LEVEL, Failure, OperationStats

MAX_AUTO_PROCESSES = 8
POLL_SECONDS = 0.5  # how often the parent looks for a worker process that died without reporting


def usable_cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def resolve_processes(value: int | str, *, in_process: bool, operations: int) -> int:
    """A number of worker processes; ``auto`` → one per usable core in-process (at most 8), 1 against a URL.

    Against a URL the threads of ``--workers`` already hide the network's latency; in-process the
    suite and the reference server are CPU-bound on one interpreter, and processes are what uses
    the other cores.
    """
    n = count_or_auto(value, "--processes")
    if n is not None:
        return n
    return max(1, min(MAX_AUTO_PROCESSES, usable_cores(), operations)) if in_process else 1


def operation_weight(ix: SpecIndex, label: str) -> int:
    """How much generation an operation costs, estimated from the spec: the schema nodes its request reaches."""
    op = ix.by_label[label]

    def count(node: Any, stack: tuple[str, ...]) -> int:
        if isinstance(node, list):
            return sum(count(v, stack) for v in node)
        if not isinstance(node, dict):
            return 0
        ref = node.get("$ref")
        if isinstance(ref, str):
            return 1 if ref in stack else count(ix.schemas.resolve(node), (*stack, ref))
        return 1 + sum(count(v, stack) for k, v in node.items() if k not in _NOT_SCHEMA)

    return count(op.body_node, ()) + len(op.params)


# keywords whose values are data, not schemas (an example's keys would otherwise count as nodes)
_NOT_SCHEMA = frozenset({"example", "examples", "default", "enum", "const", "description", "x-examples"})


def heaviest_first(ix: SpecIndex) -> list[str]:
    """Every operation's label, the costliest first (so the last ones to start are short)."""
    return sorted(ix.by_label, key=lambda label: (-operation_weight(ix, label), label))


@dataclass
class ShardJob:
    """What a worker process needs to repeat the parent's set-up."""

    index: int
    options: RunOptions
    spec_document: dict[str, Any]
    started: float


@dataclass
class ShardOutcome:
    """What one worker process saw, merged into the parent's run."""

    operations: dict[str, OperationStats] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    deleted: int = 0
    left_behind: dict[str, int] = field(default_factory=dict)


class _Lines:
    """A text stream that sends each complete line to the parent."""

    def __init__(self, messages: Any) -> None:
        self.messages = messages
        self.buffer = ""

    def write(self, text: str) -> int:
        self.buffer += text
        *lines, self.buffer = self.buffer.split("\n")
        for line in lines:
            self.messages.put(("say", line))
        return len(text)

    def flush(self) -> None:
        pass


def _worker(job: ShardJob, todo: Any, messages: Any) -> None:
    """A worker process: the run's set-up, then operations from ``todo`` until the sentinel."""
    from voicecontract.suite.runner import Suite

    suite = None
    try:
        suite = Suite(job.options, cast("TextIO", _Lines(messages)), spec_document=job.spec_document, shard=job.index)
        suite.run.started = job.started
        outcome = suite.execute_shard(iter(todo.get, None))
    except UsageError as exc:
        messages.put(("usage", job.index, str(exc)))
        return
    except BaseException as exc:  # reported to the parent, which records it as an engine_error
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        messages.put(("crashed", job.index, suite.run.scrub.text(text) if suite else text))
        return
    messages.put(("done", job.index, outcome))


class WorkerPool:
    """The worker processes of one run, started at once; ``wait`` returns what their clean-ups did.

    A thread of the parent relays the workers' lines to ``run.say`` (masked there too) while the
    parent runs phases of its own, adds each worker's outcome to the run as it arrives (``absorb``),
    and records a worker that crashed or died as an ``engine_error``. ``run`` is the parent's
    ``RunContext``.
    """

    def __init__(self, run: Any, processes: int, labels: list[str]) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.run = run
        self.todo = todo = ctx.Queue()  # kept: a queue collected before a child unpickles it is gone
        self.messages = ctx.Queue()
        for label in labels:
            todo.put(label)
        for _ in range(processes):
            todo.put(None)
        # every worker gets the parent's tokens (the embedded servers must accept them), its seed (drawn
        # once when none was given, so every failure names the seed that reproduces it) and the sharded phases
        options = replace(
            run.options,
            token=run.target.token,
            second_token=run.target.second_token,
            seed=run.seed,
            phases=tuple(p for p in run.options.phases if p in SHARDED_PHASES),
            processes=1,
            junit_xml=None, report=None, summary_md=None, html=None,
        )
        jobs = [ShardJob(i, options, run.spec_document, run.started) for i in range(processes)]
        self.workers = [ctx.Process(target=_worker, args=(job, todo, self.messages), daemon=True) for job in jobs]
        self.deleted = 0
        self.left_behind: Counter[str] = Counter()
        self.usage: str | None = None
        self.pending = set(range(processes))
        for w in self.workers:
            w.start()
        self.relay = threading.Thread(target=self._relay, name="voicecontract-workers", daemon=True)
        self.relay.start()

    def _relay(self) -> None:
        while self.pending:
            try:
                message = self.messages.get(timeout=POLL_SECONDS)
            except queue.Empty:
                for i in sorted(self.pending):
                    if not self.workers[i].is_alive() and self.messages.empty():
                        self.pending.discard(i)
                        _lost(self.run, i, f"exited with code {self.workers[i].exitcode} without reporting")
                continue
            kind = message[0]
            if kind == "say":
                self.run.say(message[1])
            elif kind == "usage":
                self.usage = message[2]
                self.pending.clear()
            elif kind == "crashed":
                self.pending.discard(message[1])
                _lost(self.run, message[1], message[2])
            elif kind == "done":
                self.pending.discard(message[1])
                outcome: ShardOutcome = message[2]
                absorb(self.run, outcome)
                self.deleted += outcome.deleted
                self.left_behind.update(outcome.left_behind)

    def wait(self) -> tuple[int, dict[str, int]]:
        """Wait for every worker; what their clean-ups deleted and left (UsageError when one refused the options)."""
        self.relay.join()
        self.close()
        if self.usage is not None:
            raise UsageError(self.usage)
        return self.deleted, dict(self.left_behind)

    def close(self) -> None:
        """Stop the workers that still run (an interrupted run) and reap them all."""
        self.pending.clear()
        for w in self.workers:
            if w.is_alive():
                w.terminate()
            w.join(timeout=10)


def _lost(run: Any, index: int, text: str) -> None:
    run.fail(
        RUN_LEVEL,
        "engine_error",
        f"worker process {index + 1} stopped before finishing its operations",
        detail=text,
        phase="run",
    )


def absorb(run: Any, outcome: ShardOutcome) -> None:
    """Add a worker's outcome to the parent's run (failures deduplicated as one process would)."""
    with run.lock:
        for label, stats in outcome.operations.items():
            mine = run.operations.setdefault(label, OperationStats())
            mine.cases += stats.cases
            mine.statuses.update(stats.statuses)
        for failure in outcome.failures:
            run.record(failure)  # the worker said it already
        # the workers said their notes already; the summary lists each once
        run.notes.extend(n for n in outcome.notes if n not in run.notes)


__all__ = ["ShardJob", "ShardOutcome", "WorkerPool", "absorb", "heaviest_first", "resolve_processes"]
