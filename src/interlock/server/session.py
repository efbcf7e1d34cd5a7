"""Browser sessions for the approver pages: a sealed cookie and its CSRF token.

An approver signs in by pasting a token (``interlock token issue``). The server needs
that token again for every vote, because votes are cast by
``ApprovalService.approve(request_id, token)`` and the service re-authenticates the
token inside the vote's own transaction (so a token revoked a second ago cannot vote).
The cookie therefore carries the token, and so it is *sealed*, not merely signed:
AES-256-GCM (an AEAD, RFC 5116) authenticates it as an HMAC would and also keeps the
token unreadable to anything that sees the cookie jar. The key is derived with
HKDF-SHA256 (RFC 5869) from ``Settings.session_secret``, or from a random secret per
process when none is configured (sessions then end when the server restarts; several
server processes behind one address need one configured secret).

The cookie is ``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no other site
sends it), ``Path=/`` and short-lived. **Secure flag**: set on every response except
when the server's own socket is a loopback address and the request came over plain
HTTP, which is what ``interlock serve`` does by default on 127.0.0.1: a browser on the
same machine (behind a TLS proxy on loopback, uvicorn's proxy headers make the
scheme ``https``, so the flag is on). Anywhere else it is set, so a browser refuses
to send the session over plain HTTP; the login page refuses plain HTTP off loopback
outright rather than set a cookie the browser would drop. With Secure on, the cookie
takes the ``__Host-`` prefix (RFC 6265bis): no ``Domain``, so no sibling host can
plant or read it.

CSRF: every form carries a synchronizer token, HMAC-SHA256 over the session's random
nonce under a key separate from the sealing key, checked in constant time on every
POST. Everyone gets a session (anonymous before login), so the login form is
protected too, and signing in rotates the nonce so a token seen before login is
useless after it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import secrets
import time
from dataclasses import dataclass, replace

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

#: How long a signed-in session lasts without signing in again (an on-call shift).
SESSION_SECONDS = 12 * 3600
#: The cookie's name over HTTPS (or anywhere off loopback) and on plain loopback HTTP.
SECURE_COOKIE = "__Host-interlock-session"
LOOPBACK_COOKIE = "interlock-session"
#: The form field every POST must carry.
CSRF_FIELD = "csrf_token"
_NONCE = 12


@dataclass(frozen=True, slots=True)
class Session:
    """What the cookie holds: a random nonce, the token once signed in, when issued."""

    nonce: str
    token: str | None
    issued_at: int

    @property
    def signed_in(self) -> bool:
        """Whether a token was accepted for this session."""
        return self.token is not None


def anonymous(now: float | None = None) -> Session:
    """A fresh session with no token (before login, after logout)."""
    return Session(secrets.token_hex(16), None, int(time.time() if now is None else now))


def signed_in(token: str, now: float | None = None) -> Session:
    """A session for ``token`` with a new nonce (login rotates the CSRF token)."""
    return replace(anonymous(now), token=token)


class SessionSealer:
    """Seals sessions into cookie values and opens them, and derives CSRF tokens."""

    def __init__(self, secret: str | bytes | None = None) -> None:
        raw = secret.encode() if isinstance(secret, str) else secret
        root = raw or secrets.token_bytes(32)
        self._aead = AESGCM(_derive(root, b"interlock session cookie v1"))
        self._csrf_key = _derive(root, b"interlock csrf token v1")

    def seal(self, session: Session) -> str:
        """The cookie value: base64url(nonce || AES-GCM ciphertext of the session)."""
        plain = json.dumps(
            {"n": session.nonce, "t": session.token, "i": session.issued_at},
            separators=(",", ":"),
        ).encode()
        nonce = secrets.token_bytes(_NONCE)
        sealed = self._aead.encrypt(nonce, plain, b"interlock-session")
        return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def open(self, value: str | None, *, now: float | None = None) -> Session | None:
        """The session in ``value``; ``None`` when absent, forged, altered or expired."""
        if not value or len(value) > 4096:
            return None
        try:
            blob = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            plain = self._aead.decrypt(blob[:_NONCE], blob[_NONCE:], b"interlock-session")
            data = json.loads(plain)
            token = data["t"]
            session = Session(str(data["n"]), None if token is None else str(token), int(data["i"]))
        except (binascii.Error, InvalidTag, ValueError, KeyError, TypeError):
            return None
        moment = time.time() if now is None else now
        if not 0 <= moment - session.issued_at <= SESSION_SECONDS:
            return None
        return session

    def csrf_token(self, session: Session) -> str:
        """The token every form of ``session`` carries."""
        mac = hmac.new(self._csrf_key, session.nonce.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def csrf_ok(self, session: Session, submitted: str | None) -> bool:
        """Whether ``submitted`` is ``session``'s CSRF token (constant-time compare)."""
        if not submitted:
            return False
        return hmac.compare_digest(self.csrf_token(session).encode(), submitted.encode())


def _derive(root: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(root)


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` (an address the server's socket is bound to) is loopback."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def cookie_is_secure(scheme: str, server_host: str | None) -> bool:
    """Secure flag: off only for plain HTTP served on a loopback socket."""
    return not (scheme == "http" and is_loopback(server_host))


def cookie_name(secure: bool) -> str:
    """``__Host-`` prefixed when Secure (the prefix requires it)."""
    return SECURE_COOKIE if secure else LOOPBACK_COOKIE
