"""`voicecontract serve`: the reference server on uvicorn."""

from __future__ import annotations

import argparse
import sys

from voicecontract.cli.common import EXIT_OK, EXIT_USAGE
from voicecontract.extras import missing_extra


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the reference server on uvicorn."""
    import os
    import secrets

    problem = missing_extra("server")
    if problem:
        print(f"voicecontract serve: {problem}", file=sys.stderr)
        return EXIT_USAGE

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
        app = create_app(db=args.db, tokens=tokens, body_seconds=args.body_timeout)
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


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the sub-command to the parser."""
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
    p.add_argument("--body-timeout", type=float, default=10.0, metavar="SECONDS",
                   help="how long a request body may take to arrive before the answer is 408 (default 10)")
    p.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn log level (default info: one access line per request, no bodies)",
    )
    p.set_defaults(func=cmd_serve)
