"""`voicecontract validate`: a JSON payload against any schema of the spec, credentials included."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from voicecontract.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE


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


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the sub-command to the parser."""
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
