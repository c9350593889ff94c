"""`voicecontract diff OLD NEW`: every change between two versions of the spec, and whom it breaks."""

from __future__ import annotations

import argparse
import sys

from voicecontract.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE


def cmd_diff(args: argparse.Namespace) -> int:
    """Compare two specs (files or git revisions) and fail on changes at or above --fail-on."""
    from voicecontract.diff import RENDERERS, failing
    from voicecontract.spec import SpecLoadError, load_spec

    docs = []
    for source in (args.old, args.new):
        try:
            docs.append(load_spec(source))
        except (SpecLoadError, OSError) as exc:
            print(f"voicecontract diff: {exc}", file=sys.stderr)
            return EXIT_USAGE
    from voicecontract.diff import diff

    changes = diff(docs[0], docs[1], path_prefixes=tuple(args.path_prefix or ()))
    if args.format == "markdown":
        from voicecontract.diff import render_markdown

        print(render_markdown(changes, args.audience, title=f"Changes from {args.old} to {args.new}"), end="")
    else:
        print(RENDERERS[args.format](changes, args.audience), end="")
    bad = failing(changes, args.fail_on, args.audience)
    if bad:
        print(f"voicecontract diff: {len(bad)} change(s) at or above --fail-on {args.fail_on} "
              f"for {args.audience}", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the ``diff`` sub-command."""
    p = sub.add_parser(
        "diff",
        help="what changed between two versions of the spec, and whom it breaks",
        description="Compare two OpenAPI documents: every change with a stable code, its severity for "
        "clients and for implementations, and JSON pointers into both documents. OLD and NEW are files "
        "or git revisions (main:spec/openapi.yaml).",
        epilog="Exit codes: 0 nothing at or above --fail-on, 1 such changes, 2 a spec cannot be read. "
        "Codes: voicecontract diff --list-codes.",
    )
    p.add_argument("old", metavar="OLD", nargs="?", help="the spec clients rely on (file or REV:PATH)")
    p.add_argument("new", metavar="NEW", nargs="?", help="the changed spec (file or REV:PATH)")
    p.add_argument("--format", choices=["text", "json", "markdown"], default="text", help="output format (text)")
    p.add_argument("--fail-on", choices=["breaking", "warning", "any", "none"], default="breaking",
                   help="exit 1 when a change is at least this severe (breaking); any: on every change; "
                        "none: report only")
    p.add_argument("--for", dest="audience", choices=["clients", "implementations"], default="clients",
                   help="whose severity counts: clients of the API (default) or implementations of the old spec")
    p.add_argument("--path-prefix", action="append", metavar="PREFIX",
                   help="only operations whose path starts with PREFIX (repeatable)")
    p.add_argument("--list-codes", action="store_true", help="list the change codes and their severities, and exit")
    p.set_defaults(func=_entry)


def _entry(args: argparse.Namespace) -> int:
    if args.list_codes:
        from voicecontract.diff import RULES

        for code, (clients, implementations, text) in RULES.items():
            print(f"{code:<34} clients {clients:<8} implementations {implementations:<8} {text}")
        return EXIT_OK
    if not args.old or not args.new:
        print("voicecontract diff: give OLD and NEW (files or REV:PATH)", file=sys.stderr)
        return EXIT_USAGE
    return cmd_diff(args)
