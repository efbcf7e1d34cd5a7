"""Bearer tokens to principals, for the API and the approver pages alike.

``Authorization: Bearer <token>`` carries a token issued by ``interlock token
issue``; :func:`authenticate_token` checks it with ``interlock.identity`` (unknown,
expired or revoked: ``AuthenticationError``, HTTP 401). The approval library
re-authenticates inside every transaction it makes, so routes mostly pass the raw
token on (:func:`bearer_token`); those that need the principal first ask for it.
Agent tokens reach the vote endpoint only to be refused there with 403 and audited
(DESIGN.md floor rule 4).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from interlock.errors import AuthenticationError
from interlock.identity.access import Authenticated
from interlock.server.gateway import Gateway, gateway_of

#: The OpenAPI security scheme; errors are ours, not FastAPI's default 403.
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="interlock-token",
    description="a token from `interlock token issue`",
)

#: Longest token accepted; issued tokens are far shorter.
MAX_TOKEN_LENGTH = 512


def authenticate_token(gateway: Gateway, token: str) -> Authenticated:
    """The principal behind ``token`` (with the token's id); bad tokens raise 401."""
    return gateway.authenticate_token(check_token(token))


def check_token(token: str) -> str:
    """``token`` if it could be a token at all; otherwise ``AuthenticationError``."""
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii() or not token.isprintable():
        raise AuthenticationError("that is not an interlock token")
    return token


async def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> str:
    """The bearer token of the request; missing or malformed is 401.

    ``async`` because it does no I/O: a plain ``def`` dependency would cost a hop
    through the threadpool on every request.
    """
    if credentials is None:
        raise AuthenticationError(
            "a bearer token is needed", hint="send Authorization: Bearer <token>"
        )
    return check_token(credentials.credentials)


def caller(request: Request, token: Annotated[str, Depends(bearer_token)]) -> Authenticated:
    """The authenticated principal of the request (a FastAPI dependency)."""
    return authenticate_token(gateway_of(request), token)
