"""``interlock token issue|revoke|list``: the tokens people and agents act with.

``issue --human NAME [--groups g1,g2]`` or ``issue --agent NAME --for HUMAN
[--profile P]``, each with ``[--expires 30d]``: prints the token once (``--json``:
``{"token": ...}``); only its hash is stored. ``revoke ID`` and ``list`` work on ids.
Run where the store is, by the operator, these need no token. With a token (``--token``
or ``INTERLOCK_TOKEN``) a human may issue and revoke only their own and their agents'
tokens, and an agent's token may do none of it.
"""

from __future__ import annotations

import argparse
from typing import Any

from interlock.cli.request import add_common, emit, optional_token
from interlock.errors import InputError


def register(sub: Any) -> None:
    """Add the ``token`` verb and its actions."""
    p: argparse.ArgumentParser = sub.add_parser("token", help="issue, revoke or list tokens")
    actions = p.add_subparsers(dest="token_action", metavar="ACTION")
    actions.required = True
    issue = actions.add_parser("issue", help="issue a token (shown once)")
    who = issue.add_mutually_exclusive_group(required=True)
    who.add_argument("--human", metavar="NAME", help="a person")
    who.add_argument("--agent", metavar="NAME", help="an agent (needs --for)")
    issue.add_argument("--for", dest="for_human", metavar="HUMAN", help="the agent's human")
    issue.add_argument("--groups", default="", help="a person's groups, comma-separated")
    issue.add_argument("--profile", help="the agent's profile")
    issue.add_argument("--expires", help="lifetime such as 12h, 30d (default: none)")
    add_common(issue)
    issue.set_defaults(run=run_issue)
    revoke = actions.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("id", help="the token id (tok-...)")
    add_common(revoke)
    revoke.set_defaults(run=run_revoke)
    listing = actions.add_parser("list", help="list tokens (never their values)")
    add_common(listing)
    listing.set_defaults(run=run_list)


def _service(args: argparse.Namespace) -> Any:
    from interlock.config import load_config
    from interlock.identity.service import TokenService
    from interlock.store import open_store

    return TokenService(open_store(), load_config(args.config))


def run_issue(args: argparse.Namespace) -> int:
    """Issue and print the token once."""
    from interlock.identity.service import wanted_agent, wanted_human
    from interlock.identity.tokens import parse_duration

    if args.agent:
        if not args.for_human:
            raise InputError("an agent token needs --for HUMAN")
        if args.groups:
            raise InputError("agents have no groups; give the agent a --profile")
        wanted = wanted_agent(args.agent, args.for_human, args.profile)
    else:
        if args.for_human or args.profile:
            raise InputError("--for and --profile are for agent tokens")
        groups = tuple(g.strip() for g in args.groups.split(",") if g.strip())
        wanted = wanted_human(args.human, groups)
    expires = parse_duration(args.expires) if args.expires else None
    service = _service(args)
    try:
        issued = service.issue(wanted, expires_in=expires, issuer_token=optional_token(args))
    finally:
        service.store.close()
    obj = {"token": issued.token, "id": issued.id, "principal": issued.principal}
    until = issued.expires_at.isoformat() if issued.expires_at else "never"
    text = (
        f"{issued.token}\n  id {issued.id} for {issued.principal}, expires {until}\n  (shown once)"
    )
    emit(args, obj, text)
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    """Revoke by id."""
    service = _service(args)
    try:
        info = service.revoke(args.id, issuer_token=optional_token(args))
    finally:
        service.store.close()
    emit(args, {"id": info.id, "state": "revoked"}, f"{info.id} revoked")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """List ids, owners and states."""
    service = _service(args)
    try:
        rows = service.list(issuer_token=optional_token(args))
    finally:
        service.store.close()
    items = [
        {
            "id": info.id,
            "principal": info.principal,
            "state": state,
            "created_at": info.created_at.isoformat(),
            "expires_at": info.expires_at.isoformat() if info.expires_at else None,
        }
        for info, state in rows
    ]
    text = "\n".join(f"{i['id']}  {i['principal']:<20} {i['state']}" for i in items) or "no tokens"
    emit(args, {"tokens": items}, text)
    return 0
