"""`voicecontract generate`: regenerate generated/ from the spec with the pinned generator."""

from __future__ import annotations

import argparse
import sys

from voicecontract.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE


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


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the sub-command to the parser."""
    p = sub.add_parser(
        "generate",
        help="regenerate generated/ from spec/ (models + packaged spec)",
        description="Run the pinned datamodel-code-generator with pyproject's [tool.datamodel-codegen] "
        "and write generated/. With --check, write nothing and fail with a diff if stale.",
    )
    p.add_argument("--check", action="store_true", help="fail with a diff when generated/ is stale")
    p.set_defaults(func=cmd_generate)
