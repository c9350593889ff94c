"""`voicecontract run`: the contract suite against a base URL or the embedded reference server."""

from __future__ import annotations

import argparse
import sys

from voicecontract.cli.common import EXIT_USAGE


def cmd_run(args: argparse.Namespace) -> int:
    """Run the contract suite against a base URL or the embedded reference server."""
    import os

    from voicecontract.suite.options import ALL_PHASES, RunOptions, UsageError
    from voicecontract.suite.reports import summary, write_reports
    from voicecontract.suite.runner import exit_code, run_suite

    def split(value: str | None) -> tuple[str, ...] | None:
        if value is None or value.strip() in ("", "all"):
            return None
        return tuple(v.strip() for v in value.split(",") if v.strip())

    seed = args.seed
    if seed is None and os.environ.get("VOICECONTRACT_SEED"):
        seed = int(os.environ["VOICECONTRACT_SEED"])
    options = RunOptions(
        base_url=args.base_url,
        token=args.token or os.environ.get("VOICECONTRACT_TOKEN"),
        second_token=args.second_token or os.environ.get("VOICECONTRACT_SECOND_TOKEN"),
        spec=args.spec,
        max_examples=args.max_examples,
        seed=seed,
        workers=args.workers,
        phases=split(args.phases) or ALL_PHASES,
        checks=split(args.checks),
        thorough=args.thorough,
        junit_xml=args.junit_xml,
        report=args.report,
        fail_under=args.fail_under,
        max_failures=args.max_failures,
        canary=args.canary,
        fixtures=args.fixtures,
        consistency_window_ms=args.consistency_window,
        require_isolation=args.require_isolation,
    )
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
        "--base-url, the embedded reference server runs in-process. Exit 0 pass, 1 contract failures "
        "(or coverage under --fail-under), 2 usage error or unreachable target. Tokens may also come "
        "from VOICECONTRACT_TOKEN / VOICECONTRACT_SECOND_TOKEN, the seed from VOICECONTRACT_SEED.",
    )
    p.add_argument("--base-url", help="the implementation to test, e.g. https://api.example.com")
    p.add_argument("--token", help="bearer token (required with --base-url)")
    p.add_argument("--second-token", help="a second tenant's token: enables the tenant_isolation check")
    p.add_argument("--max-examples", type=int, default=10, help="examples per operation and phase (default 10)")
    p.add_argument("--seed", type=int, help="seed that reproduces a run (printed with every failure)")
    p.add_argument(
        "--workers",
        default="1",
        metavar="N|auto",
        help="requests in flight in the generated phases (default 1; auto: enough to hide a slow network)",
    )
    p.add_argument(
        "--spec",
        metavar="FILE|REV:PATH",
        help="run another version of the contract (a file or a git revision such as main:spec/openapi.yaml)",
    )
    p.add_argument(
        "--fixtures",
        metavar="FILE",
        help="YAML with credentials and numbers only the target accepts (default: sandbox data)",
    )
    p.add_argument(
        "--consistency-window",
        type=int,
        default=0,
        metavar="MS",
        help="how long a read may lag behind a write before read_after_write fails (default 0)",
    )
    p.add_argument(
        "--require-isolation",
        action="store_true",
        help="refuse to run without --second-token (tenant isolation must be checked)",
    )
    p.add_argument(
        "--phases",
        help="comma-separated subset of: examples, coverage, fuzzing, stateful, links (default all)",
    )
    p.add_argument("--checks", help="comma-separated checks to run (default all; see --list-checks)")
    p.add_argument("--list-checks", action="store_true", help="list the checks and exit")
    p.add_argument(
        "--thorough",
        action="store_true",
        help="schemathesis' full defaults: negative coverage cases too and 100 examples (slower)",
    )
    p.add_argument("--junit-xml", metavar="FILE", help="write a JUnit XML report (secrets masked)")
    p.add_argument("--report", metavar="FILE", help="write a JSON report (secrets masked)")
    p.add_argument(
        "--fail-under",
        type=float,
        metavar="PCT",
        help="fail when under PCT%% of the documented status codes were exercised",
    )
    p.add_argument("--max-failures", type=int, help="stop after this many failures")
    p.add_argument(
        "--canary",
        default="",
        metavar="MARKER",
        help="plant MARKER (hex) inside the secrets the links phase sends, to audit reports for leaks",
    )
    p.set_defaults(func=cmd_run)
