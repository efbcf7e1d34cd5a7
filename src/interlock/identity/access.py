"""Who is asking: a token in, an authenticated principal (and the token's id) out.

Every verb that acts for someone authenticates inside the same transaction as the
change it makes, so a token revoked a moment earlier cannot slip a vote in. The
token id travels with the principal into audit entries; the token never does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from interlock.config import Config
from interlock.errors import AuthenticationError, ForbiddenError
from interlock.identity import principals, tokens
from interlock.models import Principal, PrincipalKind


@dataclass(frozen=True, slots=True)
class Authenticated:
    """A principal proven by a token, with that token's public id."""

    principal: Principal
    token_id: str

    @property
    def actor(self) -> str:
        """How audit entries name who acted: ``kiro (for alice)`` for an agent."""
        p = self.principal
        return p.name if p.kind is PrincipalKind.HUMAN else f"{p.name} (for {p.acts_for})"


def authenticate(conn: Connection, config: Config, token: str, *, now: datetime) -> Authenticated:
    """The principal behind ``token``; unknown, revoked or expired tokens raise."""
    info = tokens.authenticate(conn, token, now=now)
    return Authenticated(principals.load(conn, config, info.principal), info.id)


def recheck(conn: Connection, who: Authenticated, token: str, *, now: datetime) -> None:
    """Check again, inside a write transaction, that ``who``'s token is still active.

    For a caller that authenticated in an earlier read (to decide before taking the
    write lock): one query, so a token revoked in between still cannot write.
    """
    still(who, tokens.authenticate(conn, token, now=now))


def still(who: Authenticated, info: tokens.TokenInfo) -> None:
    """Refuse unless the active token ``info``, read again, is the one ``who`` came with."""
    if info.id != who.token_id or info.principal != who.principal.name:
        raise AuthenticationError("the token changed while the request was being decided")


def require_human(who: Authenticated, doing: str) -> Principal:
    """``who``'s principal if a human; an agent is ``ForbiddenError`` naming ``doing``."""
    if who.principal.kind is not PrincipalKind.HUMAN:
        raise ForbiddenError(
            f"agent {who.principal.name!r} may not {doing}",
            hint="agent tokens can make requests and nothing else",
        )
    return who.principal
