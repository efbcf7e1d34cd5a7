"""``interlock request``: submit an action for a decision and record it as a request.

``--command STRING`` or ``--plan FILE``; prints the request id and the decision, or
with ``--json`` one object ``{"id", "decision", "digest", "required_approvals"}``.
A denied request exits with the refusal's code (5) after printing. The token comes
from ``--token`` or ``INTERLOCK_TOKEN``; the store from ``INTERLOCK_DATABASE_URL``.

The small helpers the approval verbs share (token, store and service from the
arguments) live here too, with the verb that needs them first.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from interlock.errors import DecisionError, InputError

if TYPE_CHECKING:
    from interlock.approvals.service import ApprovalService
    from interlock.models import Action

#: The environment variable a token is read from when ``--token`` is not given.
TOKEN_ENV = "INTERLOCK_TOKEN"  # noqa: S105 - a variable name, not a secret


def add_common(p: argparse.ArgumentParser, *, token: bool = True) -> None:
    """``--token``, ``--config`` and ``--json``, which every approval verb takes."""
    if token:
        p.add_argument("--token", help=f"your interlock token (default: ${TOKEN_ENV})")
    p.add_argument("--config", metavar="FILE", help="interlock.yaml (default: built-in)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def token_of(args: argparse.Namespace) -> str:
    """The token from ``--token`` or the environment; missing is an input error."""
    token = optional_token(args)
    if token is None:
        raise InputError("a token is needed", hint=f"pass --token or set {TOKEN_ENV}")
    return token


def optional_token(args: argparse.Namespace) -> str | None:
    """The token from ``--token`` or the environment, if there is one."""
    token: str | None = getattr(args, "token", None) or os.environ.get(TOKEN_ENV) or None
    return token


@contextmanager
def approvals(args: argparse.Namespace) -> Iterator[ApprovalService]:
    """The approval service over the configured store, closed afterwards."""
    from interlock.approvals.service import ApprovalService
    from interlock.config import load_config
    from interlock.store import open_store

    config = load_config(args.config)
    store = open_store()
    try:
        yield ApprovalService(store, config)
    finally:
        store.close()


def emit(args: argparse.Namespace, obj: dict[str, Any], text: str) -> None:
    """Print ``obj`` as one JSON line with ``--json``, else ``text``."""
    print(json.dumps(obj) if args.json else text)


def register(sub: Any) -> None:
    """Add the ``request`` verb."""
    p: argparse.ArgumentParser = sub.add_parser(
        "request", help="submit a command or plan for a decision and approval"
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--command", help="the command line to run, as one string")
    what.add_argument("--plan", metavar="FILE", help="a plan file (Terraform JSON, ...)")
    p.add_argument("--env", help="the environment the action runs in")
    p.add_argument("--cwd", help="the directory the command runs in")
    p.add_argument("--task", help="the human's task the agent is working on")
    p.add_argument("--rationale", help="why the agent wants to do this")
    p.add_argument("--credential-scope", help="the credentials the action will run with")
    p.add_argument("--expires", default="4h", help="how long approval may take (default 4h)")
    p.add_argument(
        "--break-glass",
        action="store_true",
        help="emergency: two on-call humans approve; raises an alert",
    )
    add_common(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Submit the action; exit 0 unless it was denied."""
    from interlock.identity.tokens import parse_duration

    token = token_of(args)
    action = _action(args)
    with approvals(args) as service:
        done = service.submit(
            token,
            action,
            credential_scope=args.credential_scope,
            break_glass=args.break_glass,
            ttl=parse_duration(args.expires),
        )
    record = done.record
    obj = {
        "id": record.id,
        "decision": done.decision.verdict.value,
        "digest": record.digest,
        "required_approvals": record.required_approvals,
    }
    lines = [f"{record.id}  {done.decision.verdict.value}  ({record.status.value})"]
    if record.required_approvals:
        groups = f" from {', '.join(record.approver_groups)}" if record.approver_groups else ""
        lines.append(f"  needs {record.required_approvals} approvals{groups}")
    lines.append(f"  digest {record.digest}")
    lines += [f"  because {r.rule_id}: {r.message}" for r in done.decision.reasons]
    emit(args, obj, "\n".join(lines))
    if record.status.value == "denied":
        raise DecisionError(f"request {record.id} denied: {record.status_reason}")
    return 0


def _action(args: argparse.Namespace) -> Action:
    from interlock.models import Action, ActionKind, Target

    target = Target(cwd=args.cwd, environment=args.env)
    if args.plan:
        try:
            payload: str | bytes = Path(args.plan).read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read plan {args.plan}: {exc.strerror}") from exc
        kind = ActionKind.TERRAFORM_PLAN
    else:
        payload, kind = args.command, ActionKind.SHELL
        if not payload.strip():
            raise InputError("the command is empty")
    return Action(kind, payload, target, task=args.task, rationale=args.rationale)
