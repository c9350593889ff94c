"""`voicecontract lint`: the spec against openapi-spec-validator and voicecontract's rules."""

from __future__ import annotations

import argparse
import json
import sys

from voicecontract.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE, default_spec


def cmd_lint(args: argparse.Namespace) -> int:
    """Lint an OpenAPI document with openapi-spec-validator and voicecontract's rules."""
    from voicecontract.lint import RULE_CODES, lint_spec, render
    from voicecontract.spec import SpecLoadError, load_spec_file, packaged_spec

    if args.list_rules:
        for code, (name, text) in RULE_CODES.items():
            print(f"{code}  {name:<22} {text}")
        return EXIT_OK
    path = args.spec or default_spec()
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


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the sub-command to the parser."""
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
