"""`voicecontract run`: the contract suite against a base URL or the embedded reference server."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from voicecontract.cli.common import EXIT_USAGE
from voicecontract.extras import missing_extra


def settings(args: argparse.Namespace) -> tuple[dict[str, Any], str | None]:
    """Every option's value (command line > project config > default) and the config file used."""
    from voicecontract.cli import config

    found = config.load()
    out: dict[str, Any] = {}
    for key, spec in config.KEYS.items():
        given = getattr(args, key.replace("-", "_"))
        out[key] = given if given is not None else found.values.get(key, spec.default)
    return out, str(found.path) if found.path else None


def _split(value: str | None) -> tuple[str, ...] | None:
    if value is None or str(value).strip() in ("", "all"):
        return None
    return tuple(v.strip() for v in str(value).split(",") if v.strip())


def cmd_run(args: argparse.Namespace) -> int:
    """Run the contract suite against a base URL or the embedded reference server."""
    problem = missing_extra("suite")
    if problem:
        print(f"voicecontract run: {problem}", file=sys.stderr)
        return EXIT_USAGE
    from voicecontract.cli.config import ConfigError
    from voicecontract.suite.options import ALL_PHASES, RunOptions, UsageError
    from voicecontract.suite.reports import summary, write_reports
    from voicecontract.suite.runner import exit_code, run_suite

    try:
        s, source = settings(args)
    except ConfigError as exc:
        print(f"voicecontract run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    seed = s["seed"]
    if seed is None and os.environ.get("VOICECONTRACT_SEED"):
        seed = int(os.environ["VOICECONTRACT_SEED"])
    options = RunOptions(
        base_url=s["base-url"],
        token=args.token or os.environ.get("VOICECONTRACT_TOKEN"),
        second_token=args.second_token or os.environ.get("VOICECONTRACT_SECOND_TOKEN"),
        spec=s["spec"],
        max_examples=int(s["max-examples"]),
        seed=seed,
        workers=s["workers"],
        processes=s["processes"],
        phases=_split(s["phases"]) or ALL_PHASES,
        checks=_split(s["checks"]),
        thorough=bool(s["thorough"]),
        junit_xml=s["junit-xml"],
        report=s["report"],
        summary_md=s["summary-md"],
        html=s["html"],
        fail_under=s["fail-under"],
        max_failures=s["max-failures"],
        canary=args.canary,
        fixtures=s["fixtures"],
        consistency_window_ms=int(s["consistency-window"]),
        require_isolation=bool(s["require-isolation"]),
        request_timeout=float(s["request-timeout"]),
    )
    if source:
        print(f"voicecontract run: defaults from {source}")
    if not options.base_url and (problem := missing_extra("server")):
        print(f"voicecontract run: without --base-url the suite starts the embedded reference server; {problem}",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        result = run_suite(options, out=sys.stdout)
    except UsageError as exc:
        print(f"voicecontract run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(summary(result, fail_under=options.fail_under))
    for path in write_reports(result, options):
        print(f"report written: {path}")
    code = exit_code(result, options)
    if code and not result.failures:
        print(f"coverage {result.coverage_percent:.1f}% is under --fail-under {options.fail_under}", file=sys.stderr)
    return code


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the sub-command to the parser."""
    p = sub.add_parser(
        "run",
        help="run the contract suite against an implementation (default: the embedded reference server)",
        description="Property-based contract tests (schemathesis: examples, coverage, fuzzing, stateful; then "
        "voicecontract's links phase) with schemathesis' checks and voicecontract's own. Without "
        "--base-url, the embedded reference server runs in-process. Defaults come from [tool.voicecontract] "
        "in pyproject.toml or from voicecontract.toml (the nearest upwards); the command line wins. Tokens "
        "come only from the command line or VOICECONTRACT_TOKEN / VOICECONTRACT_SECOND_TOKEN, the seed may "
        "come from VOICECONTRACT_SEED. Exit 0 pass, 1 contract failures (or coverage under --fail-under), "
        "2 usage error or a target that cannot be reached.",
    )
    target = p.add_argument_group("target")
    target.add_argument("--base-url", help="the implementation to test, e.g. https://api.example.com")
    target.add_argument("--token", help="bearer token (required with --base-url)")
    target.add_argument("--second-token", help="another tenant's token: enables the tenant isolation checks")
    target.add_argument("--require-isolation", action="store_true", default=None,
                        help="refuse to run without --second-token (tenant isolation must be checked)")
    target.add_argument("--spec", metavar="FILE|REV:PATH",
                        help="run another version of the contract (a file, or a git revision: main:spec/openapi.yaml)")
    target.add_argument("--fixtures", metavar="FILE",
                        help="YAML with credentials and numbers only the target accepts (default: sandbox data)")
    target.add_argument("--consistency-window", type=int, metavar="MS",
                        help="how long a read may lag behind a write before read_after_write fails (default 0)")
    target.add_argument("--request-timeout", type=float, metavar="SECONDS",
                        help="how long one request may take before it is a transport failure (default 30)")
    budget = p.add_argument_group("budget")
    budget.add_argument("--max-examples", type=int, metavar="N", help="examples per operation and phase (default 10)")
    budget.add_argument("--seed", type=int, help="seed that reproduces a run (printed with every failure)")
    budget.add_argument("--workers", metavar="N|auto",
                        help="requests in flight in the generated phases (default auto: one per operation against a "
                             "URL, which hides a slow network; 1 in-process, where threads only contend)")
    budget.add_argument("--processes", metavar="N|auto",
                        help="worker processes sharing the coverage and fuzzing phases by operation "
                             "(default auto: one per CPU core in-process, each with its own embedded server; "
                             "1 against a URL)")
    budget.add_argument("--phases", help="comma-separated subset of: examples, coverage, fuzzing, stateful, links")
    budget.add_argument("--checks", help="comma-separated checks to run (default all; see --list-checks)")
    budget.add_argument("--list-checks", action="store_true", help="list the checks and exit")
    budget.add_argument("--thorough", action="store_true", default=None,
                        help="every negative coverage case of every write and 100 examples (slower)")
    budget.add_argument("--max-failures", type=int, metavar="N", help="stop after this many failures")
    reports = p.add_argument_group("reports (secrets masked in all of them)")
    reports.add_argument("--junit-xml", metavar="FILE", help="a JUnit XML report")
    reports.add_argument("--report", metavar="FILE", help="a JSON report")
    reports.add_argument("--summary-md", metavar="FILE",
                         help="a Markdown summary for a CI job summary (e.g. $GITHUB_STEP_SUMMARY)")
    reports.add_argument("--html", metavar="FILE", help="one self-contained HTML report (no network, no assets)")
    reports.add_argument("--fail-under", type=float, metavar="PCT",
                         help="fail when under PCT%% of the documented status codes were exercised")
    reports.add_argument("--canary", default="", metavar="MARKER",
                         help="plant MARKER (hex) inside the secrets the links phase sends, to audit reports for leaks")
    p.set_defaults(func=cmd_run)
