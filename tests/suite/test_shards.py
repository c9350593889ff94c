"""--processes: the coverage and fuzzing phases shared by worker processes, and merged back."""

from __future__ import annotations

import io
import os
import re
import signal
from pathlib import Path

import pytest

from tests.support.agreement import SEED
from tests.support.score import TOKENS
from tests.support.servers import server_process
from voicecontract.spec import index_for, packaged_spec
from voicecontract.suite import shards
from voicecontract.suite.options import RunOptions, UsageError
from voicecontract.suite.runner import Suite, run_suite


def test_auto_is_one_process_per_core_in_process_and_one_against_a_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shards, "usable_cores", lambda: 2)
    assert shards.resolve_processes("auto", in_process=True, operations=16) == 2
    assert shards.resolve_processes("auto", in_process=True, operations=1) == 1
    assert shards.resolve_processes("auto", in_process=False, operations=16) == 1
    monkeypatch.setattr(shards, "usable_cores", lambda: 64)
    assert shards.resolve_processes("auto", in_process=True, operations=16) == shards.MAX_AUTO_PROCESSES
    assert shards.resolve_processes("3", in_process=False, operations=16) == 3
    for bad in (0, "0", "many", "-1"):
        with pytest.raises(UsageError, match="--processes"):
            shards.resolve_processes(bad, in_process=True, operations=16)


def test_operations_are_queued_costliest_first() -> None:
    """Every operation is queued once; a large request body (the spec's weight) before any operation without one."""
    ix = index_for(packaged_spec())
    order = shards.heaviest_first(ix)
    assert sorted(order) == sorted(ix.by_label)
    weights = [shards.operation_weight(ix, label) for label in order]
    assert weights == sorted(weights, reverse=True)
    with_body = [i for i, label in enumerate(order) if shards.operation_weight(ix, label) > 50]
    without = [i for i, label in enumerate(order) if ix.by_label[label].body_node is None]
    assert with_body and without and max(with_body) < min(without)


def _fuzzing(processes: int, **kw: object) -> tuple[object, str]:
    out = io.StringIO()
    options = RunOptions(phases=("fuzzing",), max_examples=3, seed=SEED, processes=processes, **kw)  # type: ignore[arg-type]
    return run_suite(options, out), out.getvalue()


@pytest.mark.slow
def test_the_parent_counts_what_every_worker_reported() -> None:
    """Each operation's cases, counted by the worker that ran it (its progress line), are the merged count."""
    result, out = _fuzzing(2)
    assert "processes 2" in out and "phases fuzzing in 2 processes" in out
    assert result.passed, [f.title for f in result.failures]  # type: ignore[attr-defined]
    reported = {m["label"]: int(m["n"]) for m in re.finditer(r"fuzzing +(?P<label>(GET|POST) \S+) +(?P<n>\d+) cases", out)}
    assert set(reported) == set(index_for(packaged_spec()).by_label)  # every operation, each run once
    assert all(n > 0 for n in reported.values())
    ix = index_for(packaged_spec())
    for label, n in reported.items():
        merged = result.operations[label].cases  # type: ignore[attr-defined]
        # a create also counts the requests that made resources for the updates to address
        assert merged == n if ix.by_label[label].role != "create" else merged >= n, label


@pytest.mark.slow
def test_a_fault_found_in_a_worker_fails_the_run() -> None:
    with server_process(["wrong_content_type", "--token", TOKENS[0], "--token", TOKENS[1]],
                        module="tests.support.serve") as srv:
        result = run_suite(RunOptions(base_url=srv.url, token=TOKENS[0], second_token=TOKENS[1],
                                      phases=("fuzzing",), max_examples=2, seed=SEED, processes=2))
    # the parent ran no phase of its own here: whatever was caught, a worker caught it
    caught = [f for f in result.failures if f.check == "content_type_conformance"]
    assert caught and all(f.seed == SEED and f.curl.startswith("curl") for f in caught), result.failures
    assert result.operations[caught[0].operation].failures >= 1


@pytest.mark.slow
def test_without_a_seed_the_workers_use_the_one_the_run_drew() -> None:
    """A failure a worker finds names the run's seed, the one that reproduces it (not one of its own)."""
    with server_process(["wrong_content_type", "--token", TOKENS[0], "--token", TOKENS[1]],
                        module="tests.support.serve") as srv:
        result = run_suite(RunOptions(base_url=srv.url, token=TOKENS[0], second_token=TOKENS[1],
                                      phases=("fuzzing",), max_examples=2, processes=2))
    assert result.failures and {f.seed for f in result.failures} == {result.seed}


@pytest.mark.slow
def test_a_worker_that_dies_is_an_engine_error_and_the_others_finish_the_queue() -> None:
    suite = Suite(RunOptions(phases=("fuzzing",), max_examples=1, seed=SEED, processes=2))
    run = suite.run
    labels = shards.heaviest_first(run.ix)
    pool = shards.WorkerPool(run, 2, labels)
    os.kill(pool.workers[0].pid or 0, signal.SIGKILL)  # long before it has imported anything
    pool.wait()
    lost = [f for f in run.failures if f.check == "engine_error"]
    assert len(lost) == 1 and "worker process 1" in lost[0].title and "-9" in lost[0].detail
    assert {label for label, s in run.operations.items() if s.cases} == set(labels)


def test_a_worker_that_refuses_its_options_is_a_usage_error(tmp_path: Path) -> None:
    fixtures = tmp_path / "fixtures.yaml"
    fixtures.write_text("credentials: {}\n", encoding="utf-8")
    suite = Suite(RunOptions(phases=("fuzzing",), max_examples=1, seed=SEED, processes=2, fixtures=str(fixtures)))
    fixtures.unlink()  # the parent read it; the workers cannot
    with pytest.raises(UsageError, match="--fixtures"):
        suite.execute()

