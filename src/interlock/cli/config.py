"""``interlock config``: validate a configuration file or print the reference.

``config reference`` renders the configuration model itself (``config.reference``),
so the README's table cannot drift from the code: a test compares them.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """Add the ``config`` verb."""
    p: argparse.ArgumentParser = sub.add_parser(
        "config", help="validate interlock.yaml or print the configuration reference"
    )
    actions = p.add_subparsers(dest="config_action", metavar="ACTION")
    actions.required = True
    check = actions.add_parser("check", help="load a file and report the first error")
    check.add_argument("file", help="the interlock.yaml to check")
    check.set_defaults(run=_check)
    ref = actions.add_parser("reference", help="print every key as a Markdown table")
    ref.set_defaults(run=_reference)


def reference_markdown() -> str:
    """The configuration reference as a Markdown table (keys set from names omitted)."""
    from interlock.config import reference

    lines = ["| key | type | meaning |", "|---|---|---|"]
    for key, kind, doc in reference():
        if key.endswith(".name") and "set from the mapping key" in doc:
            continue
        lines.append(f"| `{key}` | {kind} | {doc.replace('|', '/')} |")
    return "\n".join(lines)


def _check(args: argparse.Namespace) -> int:
    from interlock.config import load_config

    config = load_config(args.file)
    print(f"{args.file}: ok ({len(config.environments)} environments)")
    return 0


def _reference(_: argparse.Namespace) -> int:
    print(reference_markdown())
    return 0
