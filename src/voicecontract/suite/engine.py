"""schemathesis' engine for the generated phases (examples, coverage, fuzzing, stateful), and its events.

Every event is accounted for: a case is counted with its status; a failed check is a failure under
the check's name; a request without an answer (refused, reset, timed out, malformed) is a
``transport`` failure; a check that raised is ``check_crashed``; a failed health check is
``health_check``; any other error of the engine is ``engine_error``; a class-based check's
end-of-run failures are failures of the run.
"""

from __future__ import annotations

import ast
import copy
import sys
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from voicecontract.suite.context import RunContext
from voicecontract.suite.options import SCHEMATHESIS_PHASES, UsageError
from voicecontract.suite.result import RUN_LEVEL

HOOKS_MODULE = "voicecontract.suite.hooks"


def _name(value: Any) -> str:
    return str(getattr(value, "value", value))


def config(run: RunContext, enabled_checks: list[str], phases: tuple[str, ...] | None = None) -> Any:
    """The schemathesis configuration of this run (its phases, or those given)."""
    import schemathesis

    o = run.options
    selected = o.phases if phases is None else phases
    phases_config: dict[str, Any] = {p: {"enabled": p in selected} for p in SCHEMATHESIS_PHASES}
    if not o.thorough:
        # Speed: the negative coverage cases of the writes are thousands; one in NEGATIVE_COVERAGE_KEEP is
        # sent (``checks.base._sample_negative_coverage``), the updates' against existing resources.
        # --thorough sends them all.
        phases_config["coverage"]["generation"] = {"mode": "all"}
    data: dict[str, Any] = {
        "headers": {"Authorization": f"Bearer {run.target.token}"},
        "seed": run.seed,
        "workers": o.workers if isinstance(o.workers, int) else 1,
        "request-timeout": o.request_timeout,
        "generation": {"max-examples": 100 if o.thorough else o.max_examples, "database": "none"},
        "phases": phases_config,
        "hooks": HOOKS_MODULE,
        "checks": {name: {"enabled": name in enabled_checks} for name in [*all_check_names(), *NOT_OFFERED]},
    }
    if o.max_failures:
        data["max-failures"] = o.max_failures
    if run.target.base_url:
        data["base-url"] = run.target.base_url
    return schemathesis.Config.from_dict(data)


# schemathesis' object_level_authorization needs a Web Fuzzing Commons document listing several users,
# which a run does not write; tenant_isolation covers the same ground with --second-token.
NOT_OFFERED = frozenset({"object_level_authorization"})


def all_check_names() -> list[str]:
    """Every check a run can use: schemathesis' built-in ones (but those it cannot run here) and voicecontract's."""
    from schemathesis.checks import CHECKS, load_all_checks

    from voicecontract.suite import checks as vc

    load_all_checks()
    vc.register()
    return sorted({getattr(fn, "__name__", str(fn)) for fn in CHECKS.get_all()} - NOT_OFFERED)


def load_schema(run: RunContext, cfg: Any) -> Any:
    """The run's spec as a schemathesis schema, bound to the target's transport."""
    import schemathesis

    # a copy: schemathesis' before_load_schema hooks (ours among them, voicecontract.suite.hooks) edit
    # the document in place, and run.spec_document is often packaged_spec(), which the validators share
    schema = schemathesis.openapi.from_dict(copy.deepcopy(run.spec_document), config=cfg)
    if run.target.app is not None:
        schema.app = run.target.app
    return schema


def run_phases(run: RunContext, schema: Any) -> Counter[str]:
    """Run schemathesis' phases, feeding every event to ``consume``; the stateful links followed."""
    from schemathesis.engine import from_schema

    stateful: Counter[str] = Counter()
    with one_ast_parse_at_a_time(enabled=int(run.options.workers) > 1):
        for event in from_schema(schema).execute():
            consume(run, event, stateful)
    return stateful


@contextmanager
def one_ast_parse_at_a_time(*, enabled: bool) -> Iterator[None]:
    """Serialize ``ast.parse`` while workers generate cases in threads.

    CPython before 3.12 can raise ``SystemError: AST constructor recursion depth mismatch`` when
    two threads build ASTs at once (python/cpython#106905); hypothesis parses the source of lambdas
    while it builds strategies, so concurrent workers hit it now and then. Not the target's fault,
    and not a failure worth reporting: one parse at a time avoids it.
    """
    if not enabled or sys.version_info >= (3, 12):
        yield
        return
    original = ast.parse
    lock = threading.Lock()

    def parse(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(*args, **kwargs)

    ast.parse = parse
    try:
        yield
    finally:
        ast.parse = original


def consume(run: RunContext, event: Any, stateful: Counter[str]) -> None:
    """Account for one engine event (see the module docstring)."""
    from schemathesis.engine import events

    if isinstance(event, events.PhaseStarted):
        name = _name(event.phase.name)
        # a worker process runs one operation at a time; a phase the run left to the workers starts disabled here
        if name in SCHEMATHESIS_PHASES and run.shard is None and getattr(event.phase, "is_enabled", True):
            run.say(f"phase {name} … (at {run.elapsed():.1f} s)")
        return
    if isinstance(event, events.FatalError):
        raise UsageError(f"schemathesis stopped: {run.scrub.text(str(event.exception))}")
    if isinstance(event, events.Interrupted):
        raise KeyboardInterrupt
    if isinstance(event, events.NonFatalError):
        _non_fatal(run, event)
        return
    if isinstance(event, events.EngineFinished):
        for failure in event.failures:
            run.fail(RUN_LEVEL, "after_run", failure.title, detail=failure.message, phase="run")
        return
    recorder = getattr(event, "recorder", None)
    if isinstance(event, events.ScenarioFinished):
        if not event.is_test_scenario:
            return
        phase = _name(event.phase)
    elif isinstance(event, events.FuzzScenarioFinished):
        phase = "fuzz"
    else:
        return
    per_label = _scenario(run, recorder, phase, stateful)
    label = getattr(event, "label", None)
    if label and phase != "stateful":
        run.say(f"  {phase:<9} {label:<55} {per_label.get(label, 0):>5} cases  {_name(event.status)}")


def _scenario(run: RunContext, recorder: Any, phase: str, stateful: Counter[str]) -> Counter[str]:
    per_label: Counter[str] = Counter()
    for case_id, node in recorder.cases.items():
        case = node.value
        label = run.label_of(case.method, case.path)
        interaction = recorder.interactions.get(case_id)
        if interaction is None:
            continue  # never sent (schemathesis forgets those)
        if interaction.response is None:
            run.fail_case(
                case,
                "transport",
                f"no valid HTTP answer to {case.method.upper()} {case.path}",
                "the request got no HTTP answer (refused, reset, timed out or malformed)",
                phase,
            )
            continue
        run.count(label, int(interaction.response.status_code))
        per_label[f"{case.method.upper()} {case.path}"] += 1
        if node.transition is not None and node.is_transition_applied:
            stateful[str(node.transition.id)] += 1
    for case_id, nodes in recorder.checks.items():
        failed = recorder.cases.get(case_id)
        if failed is None:
            continue
        for check in nodes:
            status = _name(check.status)
            if check.failure_info is not None:
                failure = check.failure_info.failure
                answered = recorder.interactions.get(case_id)
                code = int(answered.response.status_code) if answered and answered.response else None
                run.fail_case(
                    failed.value, check.name, failure.title, failure.message, phase, getattr(failure, "path", ""), code
                )
            elif status == "error":
                run.fail_case(
                    failed.value,
                    "check_crashed",
                    f"the check {check.name} raised an exception",
                    "a check must judge every answer; this one crashed on it",
                    phase,
                )
    return per_label


def _through_checks(exc: BaseException) -> bool:
    return any(frame.name == "run_checks" for frame in traceback.extract_tb(exc.__traceback__))


def _non_fatal(run: RunContext, event: Any) -> None:
    import hypothesis.errors
    import requests

    exc = event.value
    phase = _name(event.phase) if event.phase is not None else "run"
    label = event.label if event.label in run.ix.by_label else RUN_LEVEL
    text = f"{exc.__class__.__name__}: {exc}"
    if isinstance(exc, requests.RequestException) or "Timeout" in exc.__class__.__name__:
        run.fail(label, "transport", f"no valid HTTP answer to {label}", detail=text, phase=phase)
    elif isinstance(exc, hypothesis.errors.FailedHealthCheck):
        run.fail(label, "health_check", f"a health check failed for {label}", detail=text, phase=phase)
    elif _through_checks(exc):
        run.fail(
            label, "check_crashed", f"a check raised {exc.__class__.__name__} on {label}", detail=text, phase=phase
        )
    else:
        run.fail(label, "engine_error", f"{event.info.title} in {label}", detail=text, phase=phase)


def links_checks(run: RunContext, enabled: list[str]) -> Callable[[Any, Any], list[tuple[str, str, str, str]]]:
    """The enabled checks as one function for the links phase: (case, response) → failures."""
    from schemathesis.checks import CHECKS, load_all_checks
    from schemathesis.core.failures import Failure, FailureGroup

    load_all_checks()
    functions = [fn for fn in CHECKS.get_all() if callable(fn) and getattr(fn, "__name__", "") in enabled]

    def run_checks(case: Any, response: Any) -> list[tuple[str, str, str, str]]:
        found: list[tuple[str, str, str, str]] = []
        for fn in functions:
            name = getattr(fn, "__name__", str(fn))
            try:
                case.validate_response(response, checks=[fn])
            except FailureGroup as group:
                found += [(name, f.title, f.message, getattr(f, "path", "")) for f in group.exceptions]
            except Failure as f:
                found.append((name, f.title, f.message, getattr(f, "path", "")))
            except Exception as exc:
                found.append(("check_crashed", f"the check {name} raised {exc.__class__.__name__}", str(exc), ""))
        return found

    return run_checks
