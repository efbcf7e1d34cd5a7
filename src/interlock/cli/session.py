"""``interlock session list|show|freeze|unfreeze [SESSION]``: watched agent sessions.

Humans only: the token (``--token`` or ``INTERLOCK_TOKEN``) must be a human's; an
agent's is refused, so an agent cannot unfreeze its own session. ``freeze`` and
``unfreeze`` take ``--reason`` (recorded and audited). ``--json`` prints one object.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from interlock.cli.request import add_common, emit, token_of
from interlock.errors import InputError

if TYPE_CHECKING:
    from interlock.watch.breaker import Freeze
    from interlock.watch.sessions import SessionRow, SessionView, SessionWatch


def register(sub: Any) -> None:
    """Add the ``session`` verb."""
    p: argparse.ArgumentParser = sub.add_parser(
        "session", help="list, show, freeze or unfreeze watched agent sessions"
    )
    p.add_argument("action", choices=("list", "show", "freeze", "unfreeze"))
    p.add_argument("session", nargs="?", help="the session id (show, freeze, unfreeze)")
    p.add_argument("--reason", help="why you freeze or unfreeze (required for those)")
    p.add_argument("--limit", type=int, default=50, help="at most this many rows (default 50)")
    add_common(p)
    p.set_defaults(run=run)


@contextmanager
def _watch(args: argparse.Namespace) -> Iterator[SessionWatch]:
    from interlock.config import load_config
    from interlock.store import open_store
    from interlock.watch.sessions import SessionWatch

    config = load_config(args.config)
    store = open_store()
    try:
        yield SessionWatch(store, config)
    finally:
        store.close()


def run(args: argparse.Namespace) -> int:
    """Dispatch to the action."""
    token = token_of(args)
    if args.action == "list":
        with _watch(args) as watch:
            rows = watch.list(token, limit=args.limit)
        text = "\n".join(_line(r) for r in rows) or "no sessions"
        emit(args, {"sessions": [_row_json(r) for r in rows]}, text)
        return 0
    if not args.session:
        raise InputError("which session?", hint=f"interlock session {args.action} SESSION")
    if args.action == "show":
        with _watch(args) as watch:
            view = watch.show(token, args.session, limit=args.limit)
        emit(args, view_json(view), view_text(view))
        return 0
    if not args.reason:
        raise InputError(f"say why you {args.action} the session", hint="--reason TEXT")
    with _watch(args) as watch:
        act = watch.freeze if args.action == "freeze" else watch.unfreeze
        freeze = act(token, args.session, reason=args.reason)
    state = "frozen" if freeze.unfrozen_at is None else "unfrozen"
    emit(args, {"session": args.session, **_freeze_json(freeze)}, f"{args.session} {state}")
    return 0


def _row_json(row: SessionRow) -> dict[str, Any]:
    s = row.summary
    return {
        "session": s.session_id,
        "agent": s.agent,
        "human": s.human,
        "actions": s.actions,
        "attempts": s.attempts,
        "last_at": s.last_at.isoformat(),
        "frozen": row.frozen,
    }


def _line(row: SessionRow) -> str:
    s = row.summary
    who = s.human + (f" via {s.agent}" if s.agent else "")
    frozen = "  FROZEN" if row.frozen else ""
    return (
        f"{s.session_id}  {who}  {s.actions} actions, {s.attempts} attempts, "
        f"last {s.last_at.isoformat()}{frozen}"
    )


def _freeze_json(f: Freeze) -> dict[str, Any]:
    return {
        "frozen_by": f.frozen_by,
        "frozen_at": f.frozen_at.isoformat(),
        "reason": f.reason,
        "unfrozen_by": f.unfrozen_by,
        "unfrozen_at": f.unfrozen_at.isoformat() if f.unfrozen_at else None,
        "unfreeze_reason": f.unfreeze_reason,
    }


def view_json(view: SessionView) -> dict[str, Any]:
    """A session with its actions and freezes as one JSON object."""
    return {
        "session": view.session_id,
        "frozen": view.frozen is not None,
        "freezes": [_freeze_json(f) for f in view.freezes],
        "actions": [
            {
                "at": e.at.isoformat(),
                "request": e.request_id,
                "agent": e.agent,
                "human": e.human,
                "summary": e.summary,
                "class": e.action_class,
                "verdict": e.verdict.value,
                "attempt": e.counted,
                "targets": [t.key for t in e.targets],
                "environments": list(e.environments),
            }
            for e in view.entries
        ],
    }


def view_text(view: SessionView) -> str:
    """A reviewer's page for one session."""
    frozen = view.frozen
    lines = [f"session {view.session_id}" + ("  FROZEN" if frozen else "")]
    if frozen is not None:
        lines.append(f"  frozen by {frozen.frozen_by} at {frozen.frozen_at.isoformat()}")
        lines.append(f"  because {frozen.reason}")
    for e in view.entries:
        mark = "!" if e.counted else " "
        lines.append(
            f" {mark}{e.at.isoformat()}  {e.verdict.value:<5} {e.request_id or '-'}  "
            f"{e.summary[:70]}"
        )
    return "\n".join(lines)
