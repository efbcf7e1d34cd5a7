"""The Standard Webhooks signature scheme (standardwebhooks.com, spec v1).

A delivery carries three headers: ``webhook-id`` (unique per event, the same on
every retry), ``webhook-timestamp`` (integer seconds since the epoch of the attempt)
and ``webhook-signature``: space-separated ``v1,<base64 signature>`` items, where the
signature is HMAC-SHA256, keyed with the secret's bytes, of
``<id>.<timestamp>.<body>``. Secrets are written ``whsec_<base64 bytes>``.
Receivers check the timestamp against a tolerance to refuse replays, and compare
signatures in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

from interlock.errors import AuthenticationError, ConfigError

SECRET_PREFIX = "whsec_"  # noqa: S105 - the scheme's prefix, not a secret

#: How far a delivery's timestamp may be from the receiver's clock (seconds).
DEFAULT_TOLERANCE = 5 * 60

#: Shortest secret accepted, in bytes (the scheme recommends 24 to 64).
MIN_SECRET_BYTES = 16


def secret_bytes(secret: str) -> bytes:
    """The key bytes of a ``whsec_`` secret; anything else is a configuration error."""
    if not secret.startswith(SECRET_PREFIX):
        raise ConfigError("a webhook secret must start with whsec_", hint="interlock uses it raw")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError("a webhook secret must be whsec_ then base64") from exc
    if len(key) < MIN_SECRET_BYTES:
        raise ConfigError(f"a webhook secret must hold at least {MIN_SECRET_BYTES} bytes")
    return key


def new_secret() -> str:
    """A fresh random ``whsec_`` secret of 32 bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The base64 HMAC-SHA256 of ``id.timestamp.body`` under ``secret``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers of a delivery of ``body``."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1," + signature(secret, msg_id, timestamp, body),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE,
) -> None:
    """Check a delivery's headers against ``body``; a bad or stale one raises.

    ``headers`` must be case-insensitive or lower-case. Raises
    ``AuthenticationError`` naming what is wrong.
    """
    msg_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    sent = headers.get("webhook-signature")
    if not msg_id or not stamp or not sent:
        raise AuthenticationError("webhook headers missing (id, timestamp, signature)")
    if not stamp.isdigit():
        raise AuthenticationError(f"webhook timestamp {stamp!r} is not an integer")
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > tolerance:
        raise AuthenticationError("webhook timestamp is outside the tolerance")
    expected = signature(secret, msg_id, int(stamp), body)
    for item in sent.split():
        version, _, value = item.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return
    raise AuthenticationError("no webhook signature matches")
