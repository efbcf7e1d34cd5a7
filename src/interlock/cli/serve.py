"""``interlock serve``: run the gateway server (HTTP API and approver pages).

``interlock serve [--config FILE] [--host 127.0.0.1] [--port 8420] [--database-url
URL]`` serves until interrupted, on the embedded SQLite store by default
(``.interlock/interlock.db``) or PostgreSQL by URL. ``--issue-token NAME`` (repeatable)
issues a token for a person or agent the configuration names and prints it once with
the URL, which is how ``make run`` hands out its demo tokens. The server speaks plain
HTTP: keep it on loopback or put a TLS proxy in front of it. ``INTERLOCK_SESSION_SECRET``
signs the approver pages' session cookies; give every process behind one address the
same value (unset: a random secret per process, so a login holds on that process only).
"""

from __future__ import annotations

import argparse
import contextlib
import os
from typing import Any

from interlock.errors import InputError

_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def register(sub: Any) -> None:
    """Add the ``serve`` verb."""
    from interlock.server.settings import DEFAULT_HOST, DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT

    p: argparse.ArgumentParser = sub.add_parser("serve", help="run the gateway server")
    p.add_argument("--config", metavar="FILE", help="interlock.yaml (default: built-in)")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address (default {DEFAULT_HOST})")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument(
        "--database-url", help="store URL (default: $INTERLOCK_DATABASE_URL, else SQLite)"
    )
    p.add_argument("--public-url", help="the URL people reach the server at (for links)")
    p.add_argument(
        "--max-body",
        type=int,
        default=DEFAULT_MAX_BODY_BYTES,
        metavar="BYTES",
        help=f"largest request body accepted (default {DEFAULT_MAX_BODY_BYTES})",
    )
    p.add_argument(
        "--issue-token",
        action="append",
        default=[],
        metavar="NAME",
        help="issue and print a token for this person or agent of the config (repeatable)",
    )
    p.add_argument("--token-ttl", default="12h", help="lifetime of issued tokens (default 12h)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Build the app, print the URL (and any tokens), serve until interrupted."""
    import uvicorn

    from interlock.config import load_config
    from interlock.server.app import create_app
    from interlock.server.settings import Settings

    if not 0 < args.port < 65536:
        raise InputError(f"--port {args.port} is not a TCP port")
    if args.max_body < 1:
        raise InputError("--max-body must be positive")
    settings = Settings(
        config=load_config(args.config),
        database_url=args.database_url,
        host=args.host,
        port=args.port,
        public_url=args.public_url,
        max_body_bytes=args.max_body,
        session_secret=os.environ.get("INTERLOCK_SESSION_SECRET", ""),
    )
    app = create_app(settings)
    lines = [f"interlock gateway on {settings.base_url}  (Ctrl-C stops it)"]
    lines += _issue_tokens(app.state.gateway, args.issue_token, args.token_ttl)
    if args.host not in _LOOPBACK:
        lines.append("warning: plain HTTP on a non-loopback address; put TLS in front of it")
    print("\n".join(lines), flush=True)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=args.host,
            port=args.port,
            log_level="warning",
            lifespan="on",
            server_header=False,
            # Event streams and long polls never end on their own: stop waiting for
            # them this long after Ctrl-C instead of hanging until they time out.
            timeout_graceful_shutdown=3,
        )
    )
    # uvicorn re-raises the signal it shut down on; stopping is the point.
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0 if server.started else 1


def _issue_tokens(gateway: Any, names: list[str], ttl: str) -> list[str]:
    from interlock.identity.principals import from_config
    from interlock.identity.tokens import parse_duration

    lines = []
    for name in names:
        wanted = from_config(gateway.config, name)
        if wanted is None:
            raise InputError(
                f"--issue-token {name}: the configuration names no such person or agent"
            )
        issued = gateway.tokens.issue(wanted, expires_in=parse_duration(ttl))
        what = f"agent {name} (for {wanted.acts_for})" if wanted.acts_for else name
        lines.append(f"  token for {what}: {issued.token}")
    if lines:
        lines.insert(0, "one-time tokens (shown once; export INTERLOCK_TOKEN=... to use one):")
    return lines
