"""The ``interlock`` command: thin verbs over the library.

Each verb lives in its own module with a ``register(subparsers)`` that adds its
arguments and a ``run(args) -> int``; heavy imports happen inside ``run`` so that a
quick verb does not pay for the others. ``InterlockError`` is caught once here and
turned into its diagnostics and exit code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from interlock.errors import InterlockError

#: Verb modules under ``interlock.cli``, in the order ``--help`` lists them.
VERBS: tuple[str, ...] = (
    "check",
    "token",
    "request",
    "requests",
    "approve",
    "deny",
    "grant",
    "policy",
    "audit",
    "keys",
    "session",
    "config",
    "demo",
    "serve",
    "hook",
    "exec",
    "mcp",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser, with every verb registered (or just ``only``, when given)."""
    parser = argparse.ArgumentParser(
        prog="interlock",
        description="Change control between AI coding agents and production.",
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True
    for name in VERBS if only is None else (only,):
        module = importlib.import_module(f"interlock.cli.{name.replace('-', '_')}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    given = sys.argv[1:] if argv is None else list(argv)
    # ``interlock check ...`` needs only its own verb: importing every verb costs more
    # than the check itself. ``--help`` and unknown verbs still get the full parser.
    parser = build_parser(given[0] if given and given[0] in VERBS else None)
    args = parser.parse_args(given)
    try:
        code: int = args.run(args)
    except InterlockError as exc:
        print(exc.diagnostics(), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (``interlock ... | head``): nothing left to say to it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return code


if __name__ == "__main__":
    sys.exit(main())
