"""One contract run: set up the target and the run's context, run the phases, return the result.

One core serves the CLI (``voicecontract run``) and the pytest plugin; both read the same
``RunResult``.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any, TextIO

from voicecontract.spec import SpecLoadError, index_for, load_spec, packaged_spec
from voicecontract.suite import engine, shards
from voicecontract.suite.context import RunContext
from voicecontract.suite.fixtures import load_fixtures
from voicecontract.suite.links import LinksPhase, StepFailedError
from voicecontract.suite.masking import Scrubber
from voicecontract.suite.options import (
    ALL_PHASES,
    SCHEMATHESIS_PHASES,
    SHARDED_PHASES,
    RunOptions,
    UsageError,
    count_or_auto,
)
from voicecontract.suite.requests import PrerequisiteError
from voicecontract.suite.result import LinkOutcome, RunResult
from voicecontract.suite.target import Target, TransportError

ISOLATION_NOTE = (
    "tenant isolation was NOT checked: pass --second-token with a token of another tenant "
    "(--require-isolation makes this a usage error)"
)


MAX_AUTO_WORKERS = 32


def resolve_workers(workers: int | str, *, operations: int = 1, in_process: bool = False) -> int:
    """A number of workers; ``auto`` → one per operation against a URL (at most 32), 1 in-process.

    schemathesis gives each operation's cases to one worker, in order, so more workers than
    operations would idle; against a server across a network every worker waits on its own
    requests, so one per operation hides the latency. In-process the app runs on the same two
    cores and threads only contend for the interpreter (measured: 2 and 4 workers are slower).
    """
    n = count_or_auto(workers, "--workers")
    if n is not None:
        return n
    return 1 if in_process else max(1, min(MAX_AUTO_WORKERS, operations))


class Suite:
    """One run of the contract suite."""

    def __init__(
        self,
        options: RunOptions,
        out: TextIO | None = None,
        *,
        spec_document: dict[str, Any] | None = None,
        shard: int | None = None,
    ) -> None:
        self.options = options
        self.out = out
        unknown = set(options.phases) - set(ALL_PHASES)
        if unknown:
            raise UsageError(f"unknown phase(s) {', '.join(sorted(unknown))}; choose from {', '.join(ALL_PHASES)}")
        try:
            spec = spec_document or (load_spec(options.spec) if options.spec else packaged_spec())
        except SpecLoadError as exc:
            raise UsageError(f"--spec: {exc}") from None
        ix = index_for(spec)
        in_process = not options.base_url
        options.workers = resolve_workers(options.workers, operations=len(ix.operations), in_process=in_process)
        options.processes = shards.resolve_processes(
            options.processes, in_process=in_process, operations=len(ix.operations)
        )
        seed = options.seed if options.seed is not None else random.randrange(2**31)  # noqa: S311
        if options.base_url:
            if not options.token:
                raise UsageError("--token is required with --base-url (or VOICECONTRACT_TOKEN)")
            target = Target(
                options.token, options.second_token, options.base_url.rstrip("/"), timeout=options.request_timeout
            )
        else:
            target = Target.embedded(options.token, options.second_token)
        if options.require_isolation and not target.second_token:
            raise UsageError("--require-isolation: tenant isolation needs --second-token (a token of another tenant)")
        # a worker process draws other fresh values than the parent and its siblings (one server may serve them all)
        fixtures_seed = seed if shard is None else (seed * 1_000_003 + shard + 1) % 2**31
        fixtures = load_fixtures(options.fixtures, seed=fixtures_seed, canary=options.canary)
        scrub = Scrubber([t for t in (target.token, target.second_token) if t])
        self.run = RunContext(options, seed, spec, ix, target, fixtures, scrub, out, shard=shard)

    def probe(self) -> None:
        """Fail early and clearly when the target cannot be reached or refuses the token."""
        run = self.run
        listing = next(iter(run.ix.by_role("list")), None) or next(iter(run.ix.by_role("read")), None)
        if listing is None:
            return
        try:
            answer = run.target.request(
                listing.method, listing.path, params={"size": 1} if listing.role == "list" else {}
            )
        except TransportError as exc:
            if exc.connected:  # something answers there, badly: the contract's business, not a usage error
                run.fail_transport(exc, "probe")
                return
            raise UsageError(f"cannot reach {run.target.label}: {exc.reason}") from None
        if answer.status == 401:
            raise UsageError(f"{run.target.label} refused the token (401); pass a valid --token")
        if answer.status == 404:
            raise UsageError(
                f"{run.target.label} does not look like this API: {listing.label} answered 404 (is the base URL right?)"
            )

    def checks(self) -> list[str]:
        """The checks this run uses (all, or the subset asked for)."""
        names = engine.all_check_names()
        if self.options.checks is None:
            return names
        bad = set(self.options.checks) - set(names)
        if bad:
            raise UsageError(f"unknown check(s) {', '.join(sorted(bad))}; choose from {', '.join(names)}")
        return [n for n in names if n in self.options.checks]

    def execute(self) -> RunResult:
        """Run every selected phase and return the result."""
        run = self.run
        enabled = self.checks()
        self.probe()
        processes = int(self.options.processes)
        sharded_phases = [p for p in self.options.phases if p in SHARDED_PHASES]
        sharded = processes > 1 and bool(sharded_phases)
        run.say(
            f"voicecontract run: {run.target.label}, seed {run.seed}, phases {', '.join(self.options.phases)}, "
            f"workers {self.options.workers}, processes {processes if sharded else 1}, fixtures: {run.fixtures.source}"
        )
        if not run.target.second_token:
            run.note(ISOLATION_NOTE)
        # with worker processes, the parent keeps the phases that do not split by operation
        here = tuple(p for p in self.options.phases if not (sharded and p in SHARDED_PHASES))
        cfg = engine.config(run, enabled, phases=here)
        schema = engine.load_schema(run, cfg)
        stateful: Counter[str] = Counter()
        links: dict[str, LinkOutcome] = {}
        earlier: tuple[int, dict[str, int]] = (0, {})  # what the workers' clean-ups deleted and left
        pool: shards.WorkerPool | None = None
        with run.active(schema):
            phase = LinksPhase(run, schema, engine.links_checks(run, enabled))
            try:
                if sharded:
                    run.say(f"phases {', '.join(sharded_phases)} in {processes} processes … (at {run.elapsed():.1f} s)")
                    pool = shards.WorkerPool(run, processes, shards.heaviest_first(run.ix))
                    if run.target.app is None:  # one server for all: the parent's phases come after the workers'
                        earlier, pool = pool.wait(), None
                if set(here) & set(SCHEMATHESIS_PHASES):
                    self._existing(phase)
                    stateful = engine.run_phases(run, schema)
                if "links" in self.options.phases and not (
                    self.options.max_failures and len(run.failures) >= self.options.max_failures
                ):
                    run.say(f"phase links … (at {run.elapsed():.1f} s)")
                    links = phase.execute()
                if pool is not None:
                    earlier, pool = pool.wait(), None
            finally:
                if pool is not None:  # interrupted: stop the workers
                    pool.close()
            if run.fixtures.cleanup:
                phase.cleanup(earlier=earlier)
            left = phase.left_behind
        return RunResult(
            run.target.label,
            run.seed,
            run.elapsed(),
            {label: run.stats(label) for label in [*run.ix.by_label, *run.operations]},
            # in a stable order whatever the workers' interleaving: by operation, check and title
            sorted(run.failures, key=lambda f: (f.operation, f.check, f.title, f.phase)),
            links,
            stateful,
            self._coverage(),
            enabled,
            list(run.notes),
            left,
            str((run.spec_document.get("info") or {}).get("title", "")),
        )

    def execute_shard(self, labels: Iterable[str]) -> shards.ShardOutcome:
        """A worker process's part: the generated phases of each operation in ``labels``, then its clean-up."""
        run = self.run
        enabled = self.checks()
        schema = engine.load_schema(run, engine.config(run, enabled))
        with run.active(schema):
            phase = LinksPhase(run, schema, engine.links_checks(run, enabled))
        for label in labels:
            if self.options.max_failures and len(run.failures) >= self.options.max_failures:
                break
            part = schema.include(name=label)
            with run.active(part):
                self._existing(phase, only=label)  # this worker's resources for this operation only
                engine.run_phases(run, part)
        if run.fixtures.cleanup:
            with run.active(schema):
                phase.cleanup(announce=False)
        return shards.ShardOutcome(
            dict(run.operations), list(run.failures), list(run.notes), phase.deleted, dict(phase.left_behind)
        )

    def _existing(self, phase: LinksPhase, only: str | None = None) -> None:
        """Resources for generated updates to address: per operation (concurrent workers never share one)
        and per union member (a body of one type addresses a resource of that type); ``only``: one operation's."""
        run = self.run
        for res in run.ix.resources.values():
            union = run.ix.schemas.union({"$ref": f"#/components/schemas/{res.name}"})
            tags: list[str | None] = list(union.mapping) if union is not None else [None]
            for op in [*res.ops("update"), *res.ops("add"), *res.ops("remove")]:
                if not res.ops("create"):
                    break
                if only is not None and op.label != only:
                    continue
                for tag in tags:
                    try:
                        doc = phase.builder.create(res.name, tag)
                    except (PrerequisiteError, TransportError, StepFailedError):
                        continue  # the failure, if any, is recorded; generated cases then address nothing
                    key = doc.get(res.key_field)
                    if isinstance(key, str):
                        run.existing.setdefault((op.op_id, tag or ""), []).append(key)
                        run.existing.setdefault((op.op_id, ""), []).append(key)

    def _coverage(self) -> dict[str, tuple[set[str], set[str]]]:
        out: dict[str, tuple[set[str], set[str]]] = {}
        for label, op in self.run.ix.by_label.items():
            seen = {str(c) for c in self.run.stats(label).statuses}
            out[label] = (set(op.statuses), seen)
        return out


def run_suite(options: RunOptions, out: TextIO | None = None) -> RunResult:
    """Run the contract suite and return its result (raises UsageError for bad options or targets)."""
    start = time.perf_counter()
    suite = Suite(options, out)
    suite.run.started = start
    return suite.execute()


def exit_code(result: RunResult, options: RunOptions) -> int:
    """0 pass, 1 contract failures or coverage under --fail-under."""
    if result.failures:
        return 1
    if options.fail_under is not None and result.coverage_percent < options.fail_under:
        return 1
    return 0


__all__ = ["ALL_PHASES", "RunOptions", "RunResult", "Suite", "UsageError", "exit_code", "run_suite"]
