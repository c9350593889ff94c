"""The ``voicecontract`` command line: lint | generate | validate | serve | run | diff.

Exit codes everywhere: 0 success, 1 the input breaks the contract (lint findings, invalid payload,
contract failures), 2 usage error or an input that cannot be read or reached. Each sub-command
is a module here with ``add_parser`` and its command function.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from voicecontract.cli import diff, generate, lint, run, serve, validate
from voicecontract.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE

COMMANDS = (lint, generate, validate, serve, run, diff)


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
    for command in COMMANDS:
        command.add_parser(sub)
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


__all__ = ["EXIT_FAIL", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]
