"""pytest plugin (entry point ``pytest11``): the contract suite inside anyone's pytest run.

    pytest --voicecontract-url https://api.example.com --voicecontract-token "$TOKEN"
    pytest --voicecontract                      # against the embedded reference server

Adds one test per operation of the spec (and one for the links and documented errors); they
share a single suite run, made when the first of them runs. Without the options the plugin adds
nothing. Fixtures for your own tests: ``voicecontract_base_url``, ``voicecontract_token``,
``voicecontract_headers``, ``voicecontract_client`` (an httpx client with the bearer token) and
``voicecontract_result`` (the suite's ``RunResult``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

_RESULT_KEY = "_voicecontract_result"


def pytest_addoption(parser: Any) -> None:
    """Add the --voicecontract-* options."""
    group = parser.getgroup("voicecontract", "voicecontract contract suite")
    group.addoption(
        "--voicecontract-url",
        default=os.environ.get("VOICECONTRACT_URL"),
        help="base URL of the implementation to test (enables the contract suite)",
    )
    group.addoption(
        "--voicecontract",
        action="store_true",
        default=False,
        help="run the contract suite against the embedded reference server",
    )
    group.addoption(
        "--voicecontract-token",
        default=os.environ.get("VOICECONTRACT_TOKEN"),
        help="bearer token for the implementation (or VOICECONTRACT_TOKEN)",
    )
    group.addoption(
        "--voicecontract-second-token",
        default=os.environ.get("VOICECONTRACT_SECOND_TOKEN"),
        help="a second tenant's token: enables the tenant_isolation check",
    )
    group.addoption("--voicecontract-max-examples", type=int, default=10, help="examples per operation (default 10)")
    group.addoption("--voicecontract-seed", type=int, default=None, help="seed of the run")
    group.addoption("--voicecontract-phases", default=None, help="comma-separated phases (default all)")
    group.addoption("--voicecontract-report", default=None, help="write the suite's JSON report here")
    group.addoption("--voicecontract-spec", default=None, help="another version of the contract (file or REV:PATH)")
    group.addoption(
        "--voicecontract-fixtures", default=None, help="YAML with credentials and numbers the target accepts"
    )
    group.addoption(
        "--voicecontract-workers", default="auto", help="requests in flight in the generated phases (N or auto)"
    )
    group.addoption(
        "--voicecontract-processes",
        default="auto",
        help="worker processes for the coverage and fuzzing phases (N or auto)",
    )
    group.addoption(
        "--voicecontract-consistency-window", type=int, default=0, help="milliseconds a read may lag behind a write"
    )
    group.addoption(
        "--voicecontract-require-isolation",
        action="store_true",
        default=False,
        help="fail when no second tenant's token is given",
    )


def _enabled(config: Any) -> bool:
    return bool(config.getoption("--voicecontract-url") or config.getoption("--voicecontract"))


def pytest_configure(config: Any) -> None:
    """Stop with a usage error (not an import traceback) when the suite's extra is not installed."""
    if not _enabled(config):
        return
    from voicecontract.extras import missing_extra

    extras = ("suite",) if config.getoption("--voicecontract-url") else ("suite", "server")
    problem = missing_extra(*extras)
    if problem:
        raise pytest.UsageError(f"voicecontract: {problem}")


def _options(config: Any) -> Any:
    from voicecontract.suite.options import ALL_PHASES, RunOptions

    phases = config.getoption("--voicecontract-phases")
    return RunOptions(
        base_url=config.getoption("--voicecontract-url"),
        token=config.getoption("--voicecontract-token"),
        second_token=config.getoption("--voicecontract-second-token"),
        max_examples=config.getoption("--voicecontract-max-examples"),
        seed=config.getoption("--voicecontract-seed"),
        phases=tuple(p.strip() for p in phases.split(",")) if phases else ALL_PHASES,
        report=config.getoption("--voicecontract-report"),
        spec=config.getoption("--voicecontract-spec"),
        fixtures=config.getoption("--voicecontract-fixtures"),
        workers=config.getoption("--voicecontract-workers"),
        processes=config.getoption("--voicecontract-processes"),
        consistency_window_ms=config.getoption("--voicecontract-consistency-window"),
        require_isolation=config.getoption("--voicecontract-require-isolation"),
    )


def suite_result(config: Any) -> Any:
    """Run the suite once per pytest session and return its result."""
    result = getattr(config, _RESULT_KEY, None)
    if result is None:
        from voicecontract.suite.options import UsageError
        from voicecontract.suite.reports import write_reports
        from voicecontract.suite.runner import run_suite

        options = _options(config)
        try:
            result = run_suite(options)
        except UsageError as exc:
            result = exc
        else:
            write_reports(result, options)
        setattr(config, _RESULT_KEY, result)
    return result


class ContractFailureError(Exception):
    """The contract failures of one operation."""


class OperationItem(pytest.Item):
    """One operation of the spec (or the links), judged by the shared suite run."""

    def __init__(self, *, label: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.label = label

    def runtest(self) -> None:
        """Fail with this item's contract failures, if any (the same data the CLI reports)."""
        from voicecontract.suite.options import UsageError

        result = suite_result(self.config)
        if isinstance(result, UsageError):
            raise ContractFailureError(f"the contract suite could not run: {result}")
        lines = []
        for f in result.failures_of(self.label):
            where = f" at {f.issue.path}" if f.issue.path else ""
            lines += [
                f"[{f.check}] {f.title}{where} ({f.phase} phase)",
                *(f"    {x}" for x in f.detail.splitlines()[:6]),
            ]
            if f.curl:
                lines.append(f"    reproduce: {f.curl}")
            lines.append(f"    seed: {f.seed}")
        if lines:
            raise ContractFailureError("\n".join(lines))

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        """Show the contract failures, not a traceback."""
        if isinstance(excinfo.value, ContractFailureError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        """How pytest names the item."""
        return "voicecontract", None, f"contract: {self.label}"


def pytest_collection_modifyitems(session: Any, config: Any, items: list[Any]) -> None:
    """Add one item per operation of the spec, one for the links, and the catch-alls when the run needs them."""
    if not _enabled(config):
        return
    from voicecontract.suite.reports import LINKS_ITEM
    from voicecontract.suite.result import RUN_LEVEL, UNEXPECTED_METHODS

    labels = [*_operation_labels(config), LINKS_ITEM, UNEXPECTED_METHODS, RUN_LEVEL]
    for label in labels:
        items.append(OperationItem.from_parent(session, name=f"voicecontract[{label}]", label=label))


def _operation_labels(config: Any) -> list[str]:
    from voicecontract.spec import index

    return list(index().by_label)


def pytest_report_header(config: Any) -> str | None:
    """Say which implementation the contract suite targets."""
    if not _enabled(config):
        return None
    url = config.getoption("--voicecontract-url")
    return f"voicecontract: contract suite against {url or 'the embedded reference server'}"


@pytest.fixture(scope="session")
def voicecontract_base_url(pytestconfig: Any) -> str | None:
    """The base URL given with --voicecontract-url (None for the embedded server)."""
    return pytestconfig.getoption("--voicecontract-url")  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def voicecontract_token(pytestconfig: Any) -> str | None:
    """The bearer token given with --voicecontract-token."""
    return pytestconfig.getoption("--voicecontract-token")  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def voicecontract_headers(voicecontract_token: str | None) -> dict[str, str]:
    """Authorization headers for the implementation."""
    return {"Authorization": f"Bearer {voicecontract_token}"} if voicecontract_token else {}


@pytest.fixture
def voicecontract_client(voicecontract_base_url: str | None, voicecontract_headers: dict[str, str]) -> Iterator[Any]:
    """An httpx client for the implementation, with the bearer token set."""
    import httpx

    if not voicecontract_base_url:
        pytest.skip("no --voicecontract-url given")
    with httpx.Client(base_url=voicecontract_base_url, headers=voicecontract_headers, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def voicecontract_result(pytestconfig: Any) -> Any:
    """The contract suite's RunResult (runs it if no contract item did yet)."""
    if not _enabled(pytestconfig):
        pytest.skip("the contract suite is not enabled (--voicecontract-url or --voicecontract)")
    return suite_result(pytestconfig)
