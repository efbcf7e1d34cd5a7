"""Issuing, revoking and listing tokens, with their audit entries.

``issuer_token`` is who asks. ``None`` means the operator, who holds the store itself
(the ``interlock token`` command run where the database is): they may create anyone
the configuration allows. A human's token may create tokens only for that human or
for agents acting for them; an agent's token may do none of this (DESIGN.md floor
rule 4: an agent never changes interlock's tokens). Each issue and revocation is
audited in its own transaction, naming the token by id, never by value.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection

from interlock.audit.log import stage
from interlock.config import Config
from interlock.errors import ForbiddenError
from interlock.identity import principals, tokens
from interlock.identity.access import Authenticated, authenticate, require_human
from interlock.identity.clock import Clock, utcnow
from interlock.models import Principal, PrincipalKind
from interlock.store import Store

#: How ``audit`` names the operator acting without a token.
OPERATOR = "operator"


class TokenService:
    """Token verbs over one store and configuration."""

    def __init__(self, store: Store, config: Config, *, clock: Clock = utcnow) -> None:
        self.store = store
        self.config = config
        self.clock = clock

    def issue(
        self,
        wanted: Principal,
        *,
        expires_in: timedelta | None,
        issuer_token: str | None = None,
    ) -> tokens.IssuedToken:
        """A new token for ``wanted`` (created if new), shown to the caller once."""

        def work(conn: Connection) -> tokens.IssuedToken:
            now = self.clock()
            issuer = self._issuer(conn, issuer_token, "issue tokens")
            principal = principals.ensure(
                conn, self.config, wanted, now=now, issuer=issuer.principal if issuer else None
            )
            expires_at = now + expires_in if expires_in is not None else None
            by = issuer.actor if issuer else OPERATOR
            issued = tokens.issue(
                conn, principal.name, now=now, expires_at=expires_at, created_by=by
            )
            body = {
                "token_id": issued.id,
                "principal": principal.name,
                "kind": principal.kind.value,
                "acts_for": principal.acts_for,
                "groups": list(principal.groups),
                "expires_at": expires_at.isoformat() if expires_at else None,
            }
            stage(conn, "token-issued", by, body)
            return issued

        return self.store.run_in_transaction(work)

    def revoke(self, token_id: str, *, issuer_token: str | None = None) -> tokens.TokenInfo:
        """Revoke ``token_id``: the operator any, a human their own and their agents'."""

        def work(conn: Connection) -> tokens.TokenInfo:
            now = self.clock()
            issuer = self._issuer(conn, issuer_token, "revoke tokens")
            info = tokens.get(conn, token_id)
            if issuer is not None:
                owner = principals.load(conn, self.config, info.principal)
                if owner.human != issuer.principal.name:
                    raise ForbiddenError(
                        f"{issuer.principal.name} may revoke only their own or their agents' tokens"
                    )
            by = issuer.actor if issuer else OPERATOR
            revoked = tokens.revoke(conn, token_id, now=now)
            body = {"token_id": token_id, "principal": info.principal}
            stage(conn, "token-revoked", by, body)
            return revoked

        return self.store.run_in_transaction(work)

    def list(self, *, issuer_token: str | None = None) -> list[tuple[tokens.TokenInfo, str]]:
        """Every token without secrets, each with its state now."""
        with self.store.transaction() as conn:
            now = self.clock()
            self._issuer(conn, issuer_token, "list tokens")
            return [(t, t.state(now)) for t in tokens.list_tokens(conn)]

    def _issuer(self, conn: Connection, token: str | None, doing: str) -> Authenticated | None:
        if token is None:
            return None
        who = authenticate(conn, self.config, token, now=self.clock())
        require_human(who, doing)
        return who


def wanted_human(name: str, groups: tuple[str, ...] = ()) -> Principal:
    """The principal a ``--human`` token issue asks for."""
    return Principal(name, PrincipalKind.HUMAN, groups=groups)


def wanted_agent(name: str, acts_for: str, profile: str | None = None) -> Principal:
    """The principal an ``--agent ... --for HUMAN`` token issue asks for."""
    return Principal(name, PrincipalKind.AGENT, acts_for=acts_for, profile=profile)
