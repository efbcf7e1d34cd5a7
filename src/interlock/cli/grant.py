"""``interlock grant use ID --digest D``: what an executor calls before it runs.

The grant of an approved request runs once, for exactly the approved digest. With
``--json`` prints ``{"ok": true|false, "reason"}``; a refusal (used already, another
digest, expired, not approved) prints that object and exits non-zero with the reason.
``interlock grant finish ID (--executed | --failed)`` records how the run ended.
"""

from __future__ import annotations

import argparse
from typing import Any

from interlock.cli.request import add_common, approvals, emit, token_of
from interlock.errors import GrantRefusedError


def register(sub: Any) -> None:
    """Add the ``grant`` verb and its ``use`` and ``finish`` actions."""
    p: argparse.ArgumentParser = sub.add_parser("grant", help="use a single-use grant")
    actions = p.add_subparsers(dest="grant_action", metavar="ACTION")
    actions.required = True
    use = actions.add_parser("use", help="consume the grant of an approved request")
    use.add_argument("id", help="the request id (req-...)")
    use.add_argument("--digest", required=True, help="the digest of what is about to run")
    add_common(use)
    use.set_defaults(run=run_use)
    finish = actions.add_parser("finish", help="record how a granted run ended")
    finish.add_argument("id", help="the request id (req-...)")
    how = finish.add_mutually_exclusive_group(required=True)
    how.add_argument("--executed", action="store_true", help="the run succeeded")
    how.add_argument("--failed", action="store_true", help="the run failed")
    finish.add_argument("--note", default="", help="what happened")
    add_common(finish)
    finish.set_defaults(run=run_finish)


def run_use(args: argparse.Namespace) -> int:
    """Consume the grant; a refusal prints ``ok: false`` and exits non-zero."""
    token = token_of(args)
    with approvals(args) as service:
        try:
            used = service.use_grant(args.id, token, args.digest)
        except GrantRefusedError as refusal:
            emit(args, {"ok": False, "reason": refusal.message}, f"refused: {refusal.message}")
            raise
    emit(args, {"ok": True, "reason": used.reason}, f"ok: {used.reason}")
    return 0


def run_finish(args: argparse.Namespace) -> int:
    """Record ``executed`` or ``failed``."""
    token = token_of(args)
    with approvals(args) as service:
        record = service.finish(args.id, token, ok=bool(args.executed), note=args.note)
    emit(args, {"id": record.id, "status": record.status.value}, f"{record.id}  {record.status}")
    return 0
