"""`voicecontract validate`: a JSON payload against any schema of the spec, credentials included."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from voicecontract.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE


def _read_input(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    return Path(source).read_bytes()


def _connection_schema() -> str | None:
    """The schema of a whole account connection (the body of the create of the typed-credentials resource)."""
    from voicecontract.spec import index

    ix = index()
    resource = ix.resources.get(ix.connection_resource or "")
    creates = resource.ops("create") if resource else []
    return creates[0].body if creates else None


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate JSON documents: credentials of a connection type, or any schema of the spec."""
    from voicecontract.credentials import normalize_type, tables
    from voicecontract.validators import schema_names

    if args.list_types:
        print("\n".join(sorted(tables())))
        return EXIT_OK
    if args.list_schemas:
        print("\n".join(schema_names()))
        return EXIT_OK
    schema: str | None = None
    label = ""
    if args.type is not None:
        short = normalize_type(args.type)
        if short is None:
            print(
                f"voicecontract validate: not a connection type of the spec; one of: {', '.join(sorted(tables()))}",
                file=sys.stderr,
            )
            return EXIT_USAGE
        schema, label = tables()[short].credentials_schema, f"{short} credentials"
    elif args.schema is not None:
        if args.schema not in schema_names():
            print("voicecontract validate: no such schema in the spec (list them with --list-schemas)", file=sys.stderr)
            return EXIT_USAGE
        schema, label = args.schema, args.schema
    reports = []
    worst = EXIT_OK
    for source in args.file or ["-"]:
        code, report = _validate_one(source, schema, label, args)
        if code == EXIT_USAGE:
            return code
        worst = max(worst, code)
        reports.append(report)
    if args.format == "json":
        print(json.dumps(reports[0] if len(reports) == 1 else reports, indent=2))
    return worst


def _validate_one(source: str, schema: str | None, label: str, args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    from voicecontract.errors import Issue, PayloadError
    from voicecontract.spec import index
    from voicecontract.validators import check_payload, parse_json

    try:
        raw = _read_input(source)
    except OSError as exc:
        print(f"voicecontract validate: cannot read {source}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE, {}
    issues: list[Issue]
    try:
        doc = parse_json(raw)
    except PayloadError as exc:
        issues = list(exc.issues)
        doc = None
    else:
        if schema is None:
            tag = doc.get(index().connection_tag_field) if isinstance(doc, dict) else None
            schema = _connection_schema() if index().connection_type(tag) is not None else None
            label = schema or ""
            if schema is None:
                print(
                    "voicecontract validate: say what the document is: --type TYPE for credentials, "
                    "--schema NAME for any schema of the spec (without either: a whole account connection)",
                    file=sys.stderr,
                )
                return EXIT_USAGE, {}
        issues = check_payload(schema, doc, strict=args.strict)
    errors = [i for i in issues if i.severity == "error"]
    warnings = [i for i in issues if i.severity == "warning"]
    name = "stdin" if source == "-" else source
    report = {
        "source": name,
        "schema": label or schema,
        "valid": not errors,
        "errors": [i.as_dict() for i in errors],
        "warnings": [i.as_dict() for i in warnings],
    }
    if args.format != "json":
        for item in issues:
            print(item.render())
        verdict = "valid" if not errors else f"invalid: {len(errors)} error(s)"
        print(
            f"{name}: {verdict}, {len(warnings)} warning(s) ({label or schema or 'JSON'})",
            file=sys.stderr if errors else sys.stdout,
        )
    return (EXIT_FAIL if errors else EXIT_OK), report


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the sub-command to the parser."""
    p = sub.add_parser(
        "validate",
        help="validate a JSON payload: credentials (--type) or any schema (--schema)",
        description="Validate JSON documents read from FILEs or stdin ('-'). With --type, each document is the "
        "credentials object of that connection type, checked by the spec and the provider rules. With "
        "--schema, any schema of the spec. Without either, an account connection "
        '({"type": "account_connection_…", "credentials": …}). Exit 0 valid (warnings are shown), '
        "1 invalid, 2 usage error. Secrets are never printed.",
    )
    p.add_argument("file", nargs="*", metavar="FILE|-", help="JSON files, or - for stdin (the default)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--type", metavar="CONNECTION_TYPE", help="e.g. twilio or account_connection_twilio")
    what.add_argument("--schema", metavar="NAME", help="a component schema of the spec, e.g. UpdateNumberRequest")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    p.add_argument("--list-types", action="store_true", help="list the connection types and exit")
    p.add_argument("--list-schemas", action="store_true", help="list the schema names and exit")
    p.set_defaults(func=cmd_validate)
