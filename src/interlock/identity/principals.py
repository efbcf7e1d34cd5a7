"""Principals: the humans and agents tokens stand for, resolved from config and store.

A principal is defined in ``interlock.yaml`` (``people``: name -> groups; ``agents``:
name -> the human it acts for and its profile) and/or recorded in the store when a
token is issued for it. Configuration wins: when it names a principal, its groups,
human and profile are the ones used, and a stored record that contradicts it (a
different kind or a different human) is refused rather than guessed at. When the
configuration lists people at all, a human it does not list does not exist, so no one
can invent a second identity to count twice in a quorum.

An agent always acts for exactly one human, who must exist, and a name is either a
human or an agent, never both (DESIGN.md vocabulary).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from interlock.config import Config
from interlock.errors import AuthenticationError, ForbiddenError, InputError
from interlock.models import Principal, PrincipalKind
from interlock.store.records import principals

#: Longest principal name; an actor ("agent (for human)") must fit the 200-character columns.
_NAME_MAX = 96


def from_config(config: Config, name: str) -> Principal | None:
    """The principal ``name`` as the configuration defines it, if it does."""
    person = config.people.get(name)
    if person is not None:
        return Principal(name, PrincipalKind.HUMAN, groups=tuple(sorted(person.groups)))
    agent = config.agents.get(name)
    if agent is not None:
        return Principal(
            name, PrincipalKind.AGENT, acts_for=agent.acts_for, profile=agent.profile or None
        )
    return None


def config_lists_people(config: Config) -> bool:
    """Whether the configuration is the list of who exists."""
    return bool(config.people)


#: Built once: every authenticated call runs it.
_BY_NAME = select(principals).where(principals.c.name == bindparam("name"))


def load(conn: Connection, config: Config, name: str) -> Principal:
    """The principal ``name``: the configuration's, checked against the stored record."""
    row = conn.execute(_BY_NAME, {"name": name}).one_or_none()
    stored = _from_row(row._mapping) if row is not None else None
    configured = from_config(config, name)
    if configured is None:
        if stored is None:
            raise AuthenticationError(f"no principal named {name!r}")
        if stored.kind is PrincipalKind.HUMAN and config_lists_people(config):
            raise AuthenticationError(f"{name} is not among the people interlock.yaml lists")
        principal = stored
    else:
        if stored is not None and _contradicts(stored, configured):
            raise AuthenticationError(
                f"the stored principal {name!r} contradicts interlock.yaml; refusing it",
                hint="revoke its tokens and issue new ones that match the configuration",
            )
        principal = configured
    if principal.kind is PrincipalKind.AGENT:
        _check_agent_human(conn, config, principal)
    return principal


def _contradicts(stored: Principal, configured: Principal) -> bool:
    return stored.kind is not configured.kind or stored.acts_for != configured.acts_for


def _check_agent_human(conn: Connection, config: Config, agent: Principal) -> None:
    if not agent.acts_for:
        raise AuthenticationError(f"agent {agent.name!r} acts for no human")
    if not human_exists(conn, config, agent.acts_for):
        raise AuthenticationError(
            f"agent {agent.name!r} acts for {agent.acts_for!r}, who is not a known human"
        )


def human_exists(conn: Connection, config: Config, name: str) -> bool:
    """Whether ``name`` is a human: listed in config, or stored when config lists none."""
    configured = from_config(config, name)
    if configured is not None:
        return configured.kind is PrincipalKind.HUMAN
    if config_lists_people(config):
        return False
    query = select(principals.c.kind).where(principals.c.name == name)
    return conn.execute(query).scalar_one_or_none() == PrincipalKind.HUMAN.value


def ensure(
    conn: Connection,
    config: Config,
    wanted: Principal,
    *,
    now: datetime,
    issuer: Principal | None,
) -> Principal:
    """Record ``wanted`` if new (or update a human's groups), then resolve it as ``load``.

    ``issuer`` is who asks: ``None`` for the operator with direct access to the store;
    a human may only create tokens for themselves or for agents acting for them, and
    may not change anyone's groups.
    """
    _check_name(wanted.name)
    _check_issuer(wanted, issuer)
    configured = from_config(config, wanted.name)
    if configured is not None and _contradicts(configured, wanted):
        raise InputError(
            f"interlock.yaml defines {wanted.name} as {_article(configured.kind)}"
            + (f" acting for {configured.acts_for}" if configured.acts_for else ""),
        )
    _check_new(conn, config, wanted)
    row = conn.execute(select(principals).where(principals.c.name == wanted.name)).one_or_none()
    if row is None:
        conn.execute(principals.insert().values(**_to_row(wanted), created_at=now))
    else:
        stored = _from_row(row._mapping)
        if stored.kind is not wanted.kind:
            raise InputError(f"{wanted.name} is already a {stored.kind.value}")
        if wanted.kind is PrincipalKind.AGENT and stored.acts_for != wanted.acts_for:
            raise InputError(f"agent {wanted.name} already acts for {stored.acts_for}")
        if wanted.groups and set(wanted.groups) != set(stored.groups):
            if issuer is not None:
                raise ForbiddenError("only the operator may change a person's groups")
            groups = json.dumps(sorted(set(wanted.groups)))
            conn.execute(
                update(principals).where(principals.c.name == wanted.name).values(groups=groups)
            )
    return load(conn, config, wanted.name)


def _check_new(conn: Connection, config: Config, wanted: Principal) -> None:
    """Refuse a person config does not list, and an agent of no known human."""
    listed = from_config(config, wanted.name) is not None
    if wanted.kind is PrincipalKind.HUMAN and config_lists_people(config) and not listed:
        raise InputError(f"{wanted.name} is not among the people interlock.yaml lists")
    if wanted.kind is PrincipalKind.AGENT:
        if not wanted.acts_for or wanted.acts_for == wanted.name:
            raise InputError(f"agent {wanted.name} must act for a human other than itself")
        if not human_exists(conn, config, wanted.acts_for):
            raise InputError(
                f"agent {wanted.name} would act for {wanted.acts_for}, who is not a known human",
                hint="issue a token for the human first, or list them under people",
            )


def _check_issuer(wanted: Principal, issuer: Principal | None) -> None:
    if issuer is None:
        return
    if issuer.kind is not PrincipalKind.HUMAN:
        raise ForbiddenError(f"agent {issuer.name!r} may not issue tokens")
    if wanted.human != issuer.name:
        raise ForbiddenError(
            f"{issuer.name} may issue tokens only for themselves or for their own agents",
            hint="the operator issues tokens for other people",
        )


def _check_name(name: str) -> None:
    if not name or len(name) > _NAME_MAX or not name.isprintable() or name != name.strip():
        raise InputError(f"not a usable principal name: {name!r}")


def _to_row(p: Principal) -> dict[str, Any]:
    return {
        "name": p.name,
        "kind": p.kind.value,
        "groups": json.dumps(sorted(set(p.groups))),
        "acts_for": p.acts_for,
        "profile": p.profile,
    }


def _from_row(m: Any) -> Principal:
    return Principal(
        name=m["name"],
        kind=PrincipalKind(m["kind"]),
        groups=tuple(json.loads(m["groups"])),
        acts_for=m["acts_for"],
        profile=m["profile"],
    )


def _article(kind: PrincipalKind) -> str:
    return "an agent" if kind is PrincipalKind.AGENT else "a human"
