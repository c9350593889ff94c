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
    from voicecontract.lint import RULE_CODES, lint_spec
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
        print(json.dumps({"spec": label, "issues": [i.__dict__ for i in found]}, indent=2))
    else:
        for item in found:
            print(f"{label}:{item.render()}")
        ops = sum(1 for p in spec.get("paths", {}).values() if isinstance(p, dict) for m in p if m != "parameters")
        schemas = len(spec.get("components", {}).get("schemas", {}))
        verdict = f"{len(found)} issue(s)" if found else "no issues"
        print(f"{label}: {verdict} ({ops} operations, {schemas} schemas, {len(RULE_CODES)} rules)",
              file=sys.stderr if found else sys.stdout)
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

    p = sub.add_parser("lint", help="check the OpenAPI spec (validator + voicecontract rules)",
                       description="Validate an OpenAPI document with openapi-spec-validator and voicecontract's "
                                   "rules; each finding names its rule code and JSON pointer.")
    p.add_argument("spec", nargs="?", help="spec file (default: spec/openapi.yaml, else the packaged spec)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    p.add_argument("--list-rules", action="store_true", help="list the rule codes and exit")
    p.set_defaults(func=cmd_lint)

    p = sub.add_parser("generate", help="regenerate generated/ from spec/ (models + packaged spec)",
                       description="Run the pinned datamodel-code-generator with pyproject's [tool.datamodel-codegen] "
                                   "and write generated/. With --check, write nothing and fail with a diff if stale.")
    p.add_argument("--check", action="store_true", help="fail with a diff when generated/ is stale")
    p.set_defaults(func=cmd_generate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
