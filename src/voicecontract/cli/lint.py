"""`voicecontract lint`: specs against openapi-spec-validator and voicecontract's rules."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from voicecontract.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE, default_spec

FORMATS = ["text", "json", "sarif", "junit"]


def list_spec_checks(spec: dict[str, object]) -> None:
    """Print what the spec asks beyond JSON Schema shapes: its unexpressible checks and value exclusions."""
    from voicecontract.credentials.providers import UNEXPRESSIBLE_CHECKS
    from voicecontract.lint.core import unexpressible_checks, value_exclusions

    print("\nChecks JSON Schema cannot express (x-unexpressible-check; the validators and the server apply them):")
    for check, where in unexpressible_checks(spec):
        print(f"  {check:<30} {where}: {UNEXPRESSIBLE_CHECKS.get(check, 'unknown to voicecontract (VC702)')}")
    print("\nValues the spec excludes with `not` (an error with this code from the validators and the server):")
    for code, where, message in value_exclusions(spec):
        print(f"  {code:<30} {where}: {message}")


def cmd_lint(args: argparse.Namespace) -> int:
    """Lint OpenAPI documents with openapi-spec-validator and voicecontract's rules."""
    from voicecontract import __version__
    from voicecontract.lint import RULE_CODES, lint_spec, render
    from voicecontract.lint.formats import junit, sarif
    from voicecontract.spec import SpecLoadError, load_spec_file, packaged_spec

    if args.deviations:
        from voicecontract.lint.core import deviations_markdown

        try:
            spec = load_spec_file(args.spec[0]) if args.spec else packaged_spec()
        except (SpecLoadError, OSError) as exc:
            print(f"voicecontract lint: {exc}", file=sys.stderr)
            return EXIT_USAGE
        print(deviations_markdown(spec), end="")
        return EXIT_OK
    if args.list_rules:
        for code, (name, text) in RULE_CODES.items():
            print(f"{code}  {name:<22} {text}")
        list_spec_checks(packaged_spec() if not args.spec else load_spec_file(args.spec[0]))
        return EXIT_OK
    paths: list[str | None] = list(args.spec) or [default_spec()]
    results = []
    for path in paths:
        try:
            spec = load_spec_file(path) if path else packaged_spec()
            text = Path(path).read_text(encoding="utf-8") if path else ""
        except (SpecLoadError, OSError) as exc:
            print(f"voicecontract lint: {exc}", file=sys.stderr)
            return EXIT_USAGE
        results.append((path or "(packaged spec)", text, spec, lint_spec(spec)))
    found = [i for *_, issues in results for i in issues]
    if args.format == "json":
        doc = [{"spec": label, "issues": [i.as_dict() for i in issues]} for label, _, _, issues in results]
        print(json.dumps(doc[0] if len(doc) == 1 else doc, indent=2))
    elif args.format == "sarif":
        print(sarif([(label, text, issues) for label, text, _, issues in results], __version__))
    elif args.format == "junit":
        print(junit([(label, text, issues) for label, text, _, issues in results]), end="")
    else:
        for label, _, spec, issues in results:
            for item in issues:
                print(render(item, f"{label}:"))
            ops = sum(1 for p in spec.get("paths", {}).values() if isinstance(p, dict) for m in p if m != "parameters")
            schemas = len(spec.get("components", {}).get("schemas", {}))
            verdict = f"{len(issues)} issue(s)" if issues else "no issues"
            print(
                f"{label}: {verdict} ({ops} operations, {schemas} schemas, {len(RULE_CODES)} rules)",
                file=sys.stderr if issues else sys.stdout,
            )
    return EXIT_FAIL if found else EXIT_OK


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the sub-command to the parser."""
    p = sub.add_parser(
        "lint",
        help="check OpenAPI specs (validator + voicecontract rules)",
        description="Validate OpenAPI documents with openapi-spec-validator and voicecontract's rules; each "
        "finding names its rule code and JSON pointer (and, in SARIF and JUnit, the source line). "
        "Exit 0 clean, 1 findings, 2 an unreadable spec.",
    )
    p.add_argument("spec", nargs="*", help="spec files (default: spec/openapi.yaml, else the packaged spec)")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (default), json, sarif (SARIF 2.1.0, for code-scanning annotations) or junit",
    )
    p.add_argument("--list-rules", action="store_true",
                   help="list the rule codes, the spec's unexpressible checks and value exclusions, and exit")
    p.add_argument("--deviations", action="store_true",
                   help="print every **Ours:** decision of the spec (where it departs from the docs) as a "
                        "Markdown table, and exit")
    p.set_defaults(func=cmd_lint)
