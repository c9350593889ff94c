"""The ``voicecontract`` command line: lint | generate | validate | serve | run.

Exit codes everywhere: 0 success, 1 the input breaks the contract (lint findings, invalid payload,
contract failures), 2 usage error or an input that cannot be read or reached.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _default_spec() -> str | None:
    root_spec = Path("spec/openapi.yaml")
    if root_spec.is_file():
        return str(root_spec)
    from voicecontract.spec import repo_spec_path

    found = repo_spec_path()
    return str(found) if found else None


def cmd_lint(args: argparse.Namespace) -> int:
    """Lint an OpenAPI document with openapi-spec-validator and voicecontract's rules."""
    from voicecontract.lint import RULE_CODES, lint_spec, render
    from voicecontract.spec import SpecLoadError, load_spec_file, packaged_spec

    if args.list_rules:
        for code, (name, text) in RULE_CODES.items():
            print(f"{code}  {name:<22} {text}")
        return EXIT_OK
    path = args.spec or _default_spec()
    try:
        spec = load_spec_file(path) if path else packaged_spec()
    except SpecLoadError as exc:
        print(f"voicecontract lint: {exc}", file=sys.stderr)
        return EXIT_USAGE
    found = lint_spec(spec)
    label = path or "(packaged spec)"
    if args.format == "json":
        print(json.dumps({"spec": label, "issues": [i.as_dict() for i in found]}, indent=2))
    else:
        for item in found:
            print(render(item, f"{label}:"))
        ops = sum(1 for p in spec.get("paths", {}).values() if isinstance(p, dict) for m in p if m != "parameters")
        schemas = len(spec.get("components", {}).get("schemas", {}))
        verdict = f"{len(found)} issue(s)" if found else "no issues"
        print(
            f"{label}: {verdict} ({ops} operations, {schemas} schemas, {len(RULE_CODES)} rules)",
            file=sys.stderr if found else sys.stdout,
        )
    return EXIT_FAIL if found else EXIT_OK


def cmd_generate(args: argparse.Namespace) -> int:
    """Regenerate generated/ from the spec, or check that it is up to date."""
    from voicecontract.generate import GenerateError, diff, find_root, render, write

    try:
        root = find_root()
        files = render(root)
    except GenerateError as exc:
        print(f"voicecontract generate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.check:
        delta = diff(root, files)
        if delta:
            sys.stdout.write(delta)
            print("generated/ is stale: run `make generate` and commit the result", file=sys.stderr)
            return EXIT_FAIL
        print("generated/ is up to date with spec/openapi.yaml")
        return EXIT_OK
    changed = write(root, files)
    print(f"generated/: {', '.join(changed) + ' rewritten' if changed else 'unchanged'}")
    return EXIT_OK


def _read_input(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    return Path(source).read_bytes()


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate a JSON document: credentials of a connection type, or any schema of the spec."""
    from voicecontract.credentials import normalize_type, tables
    from voicecontract.errors import Issue, PayloadError
    from voicecontract.validators import check_payload, parse_json, schema_names

    if args.list_types:
        print("\n".join(sorted(tables())))
        return EXIT_OK
    if args.list_schemas:
        print("\n".join(schema_names()))
        return EXIT_OK
    try:
        raw = _read_input(args.file)
    except OSError as exc:
        print(f"voicecontract validate: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    schema: str | None = None
    label = ""
    if args.type is not None:
        short = normalize_type(args.type)
        if short is None:
            print(
                f"voicecontract validate: unknown connection type {args.type!r}; one of: {', '.join(sorted(tables()))}",
                file=sys.stderr,
            )
            return EXIT_USAGE
        schema, label = tables()[short].credentials_schema, f"{short} credentials"
    elif args.schema is not None:
        if args.schema not in schema_names():
            print(
                f"voicecontract validate: no schema named {args.schema!r} (list them with --list-schemas)",
                file=sys.stderr,
            )
            return EXIT_USAGE
        schema, label = args.schema, args.schema
    issues: list[Issue]
    try:
        doc = parse_json(raw)
    except PayloadError as exc:
        issues = list(exc.issues)
        doc = None
    else:
        if schema is None:
            if isinstance(doc, dict) and str(doc.get("type", "")).startswith("account_connection_"):
                schema, label = "AccountConnectionParams", "AccountConnectionParams"
            else:
                print(
                    "voicecontract validate: say what the document is: --type TYPE for credentials, "
                    "--schema NAME for any schema of the spec",
                    file=sys.stderr,
                )
                return EXIT_USAGE
        issues = check_payload(schema, doc, strict=args.strict)
    errors = [i for i in issues if i.severity == "error"]
    warnings = [i for i in issues if i.severity == "warning"]
    source = "stdin" if args.file == "-" else args.file
    if args.format == "json":
        print(
            json.dumps(
                {
                    "source": source,
                    "schema": label or schema,
                    "valid": not errors,
                    "errors": [i.as_dict() for i in errors],
                    "warnings": [i.as_dict() for i in warnings],
                },
                indent=2,
            )
        )
    else:
        for item in issues:
            print(item.render())
        verdict = "valid" if not errors else f"invalid: {len(errors)} error(s)"
        print(
            f"{source}: {verdict}, {len(warnings)} warning(s) ({label or schema or 'JSON'})",
            file=sys.stderr if errors else sys.stdout,
        )
    return EXIT_FAIL if errors else EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the reference server on uvicorn."""
    import os
    import secrets

    from voicecontract.reference import create_app
    from voicecontract.reference.runner import bind, run, url_of
    from voicecontract.reference.store import Store

    tokens = list(args.token or [])
    env = os.environ.get("VOICECONTRACT_TOKENS", "")
    tokens += [t.strip() for t in env.split(",") if t.strip()]
    dev_token = None
    if not tokens:
        # A development token, kept in the database so a restart keeps its tenant and data.
        store = Store(args.db)
        dev_token = store.meta("dev_token", "vc_dev_" + secrets.token_urlsafe(24))
        store.close()
        tokens = [dev_token]
    try:
        app = create_app(db=args.db, tokens=tokens)
    except Exception as exc:  # an unusable database path, mostly
        print(f"voicecontract serve: cannot open the database {args.db!r}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(f"voicecontract serve: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    url = url_of(sock)
    print(f"voicecontract reference server listening on {url}", flush=True)
    print(
        f"  database: {args.db}" + (" (in memory: nothing survives a restart)" if args.db == ":memory:" else ""),
        flush=True,
    )
    if dev_token:
        print(f"  development token: {dev_token}", flush=True)
        print(f'  try: curl -H "Authorization: Bearer {dev_token}" {url}/v1/numbers/list', flush=True)
    else:
        print(f"  {len(tokens)} token(s) from --token/VOICECONTRACT_TOKENS, one tenant each", flush=True)
    run(app, sock, log_level=args.log_level)
    return EXIT_OK


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


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with one sub-command per job."""
    parser = argparse.ArgumentParser(
        prog="voicecontract",
        description="Contract toolkit for the hosted voice-agent API (numbers, agents, account connections).",
        epilog="Exit codes: 0 ok, 1 contract broken (findings/invalid/failures), 2 usage or unreadable input.",
    )
    from voicecontract import __version__

    parser.add_argument("--version", action="version", version=f"voicecontract {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser(
        "lint",
        help="check the OpenAPI spec (validator + voicecontract rules)",
        description="Validate an OpenAPI document with openapi-spec-validator and voicecontract's "
        "rules; each finding names its rule code and JSON pointer.",
    )
    p.add_argument("spec", nargs="?", help="spec file (default: spec/openapi.yaml, else the packaged spec)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    p.add_argument("--list-rules", action="store_true", help="list the rule codes and exit")
    p.set_defaults(func=cmd_lint)

    p = sub.add_parser(
        "generate",
        help="regenerate generated/ from spec/ (models + packaged spec)",
        description="Run the pinned datamodel-code-generator with pyproject's [tool.datamodel-codegen] "
        "and write generated/. With --check, write nothing and fail with a diff if stale.",
    )
    p.add_argument("--check", action="store_true", help="fail with a diff when generated/ is stale")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser(
        "validate",
        help="validate a JSON payload: credentials (--type) or any schema (--schema)",
        description="Validate a JSON document read from FILE or stdin ('-'). With --type, the document is the "
        "credentials object of that connection type, checked by the spec and the provider rules. With "
        "--schema, any schema of the spec. Without either, an account connection "
        '({"type": "account_connection_…", "credentials": …}). Exit 0 valid (warnings are shown), '
        "1 invalid, 2 usage error. Secrets are never printed.",
    )
    p.add_argument("file", nargs="?", default="-", metavar="FILE|-", help="JSON file, or - for stdin (default)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--type", metavar="CONNECTION_TYPE", help="e.g. twilio or account_connection_twilio")
    what.add_argument("--schema", metavar="NAME", help="a component schema of the spec, e.g. UpdateNumberRequest")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    p.add_argument("--list-types", action="store_true", help="list the connection types and exit")
    p.add_argument("--list-schemas", action="store_true", help="list the schema names and exit")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "serve",
        help="run the reference server (stateful, durable, multi-tenant)",
        description="Serve every operation of the spec from a SQLite database, the spec itself at /openapi.json "
        "and a /healthz probe. Each token is a tenant; without --token or VOICECONTRACT_TOKENS "
        "(comma-separated) a development token is created, kept in the database and printed.",
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--db", default="voicecontract.db", help="SQLite file (default voicecontract.db; :memory: for none)")
    p.add_argument("--token", action="append", metavar="TOKEN", help="a bearer token to accept (repeatable)")
    p.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn log level (default info: one access line per request, no bodies)",
    )
    p.set_defaults(func=cmd_serve)

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "list_checks", False):
        from voicecontract.suite.engine import all_check_names

        print("\n".join(all_check_names()))
        return EXIT_OK
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
