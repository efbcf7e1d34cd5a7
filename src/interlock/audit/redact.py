"""Secrets out of audit entries: the redact step every append goes through.

An audit log is append-only and copied around (exports, offline verification), so a
secret written to it can never be taken back. Before an entry is encoded, every value
is rewritten:

* the value of any object key that names credential material (``password``,
  ``secret``, ``token``, ``private_key``, ``aws_secret_access_key``, ``api_key``,
  ``authorization`` ... compared case-insensitively with ``-`` read as ``_``, and any
  key ending in ``_password``, ``_secret``, ``_token`` or ``_key`` of a known kind) is
  replaced by :data:`REDACTED`, whatever its type;
* inside strings, token-shaped substrings (PEM private keys, AWS access key ids,
  GitHub / GitLab / Slack / OpenAI / Stripe style tokens, JWTs, ``Bearer`` values,
  passwords in URLs and ``--password=...`` style options) are replaced by
  :data:`REDACTED`.

Digests, ids and names are left alone: they are what an investigator needs. Redaction
errs on the side of removing too much; an entry records that something was there.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

#: What a redacted value becomes.
REDACTED = "[redacted]"

#: Keys whose values are always credential material (normalised: lower case, ``_``).
SECRET_KEYS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "token",
        "private_key",
        "aws_secret_access_key",
        "aws_session_token",
        "secret_access_key",
        "session_token",
        "access_token",
        "refresh_token",
        "id_token",
        "api_key",
        "apikey",
        "client_secret",
        "authorization",
        "cookie",
        "set_cookie",
        "credentials",
        "credential",
        "signing_key",
        "webhook_secret",
        "connection_string",
    }
)

#: Suffixes that make any key secret (``db_password``, ``github_token`` ...).
SECRET_SUFFIXES = ("_password", "_passwd", "_secret", "_token", "_private_key", "_api_key")

_SECRET_TEXT: tuple[str, ...] = (
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY"
    r"( BLOCK)?-----|\Z)",
    r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b",
    r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}\b",
    r"\bgithub_pat_[A-Za-z0-9_]{20,}\b",
    r"\bglpat-[A-Za-z0-9_\-]{20,}\b",
    r"\bxox[abposr]-[A-Za-z0-9\-]{10,}\b",
    r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}\b",
    r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}\b",
    r"\bAIza[0-9A-Za-z_\-]{35}\b",
    r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
    r"\bitk_[A-Za-z0-9_\-]{16,}\b",
)

#: Patterns whose first group is kept and the rest (the secret) redacted.
_KEEP_PREFIX_TEXT: tuple[str, ...] = (
    r"(\bbearer\s+)[A-Za-z0-9._~+/\-]{8,}=*",
    r"(\bbasic\s+)[A-Za-z0-9+/]{8,}=*",
    r"([a-z][a-z0-9+.\-]*://[^\s:/@]+:)[^\s@/]+(?=@)",
    r"((?:--?|\b)(?:password|passwd|secret|token|api[-_]?key|client[-_]secret)[=:]\s*)"
    r"(?:\"[^\"]*\"|'[^']*'|\S+)",
    r"(\bMYSQL_PWD=|\bPGPASSWORD=|\bAWS_SECRET_ACCESS_KEY=|\bAWS_SESSION_TOKEN=)\S+",
)

_PATTERNS = tuple(re.compile(p, re.DOTALL) for p in _SECRET_TEXT)
_KEEP_PREFIX = tuple(re.compile(p, re.IGNORECASE) for p in _KEEP_PREFIX_TEXT)
#: One pass that tells whether any pattern can match: most strings hold no secret.
_ANY = re.compile(
    "|".join([*(f"(?s:{p})" for p in _SECRET_TEXT), *(f"(?i:{p})" for p in _KEEP_PREFIX_TEXT)])
)

#: Literals of which every match of :data:`_SECRET_TEXT` contains one, case as written.
_NEEDED_EXACT = (
    "-----BEGIN",
    "AKIA",
    "ASIA",
    "AGPA",
    "AIDA",
    "AROA",
    "ANPA",
    "ANVA",
    "AIPA",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xox",
    "sk-",
    "k_live_",
    "k_test_",
    "AIza",
    "eyJ",
    "itk_",
)
#: Literals of which every match of :data:`_KEEP_PREFIX_TEXT` contains one, in lower
#: case (``passw`` stands for password, passwd and PGPASSWORD; ``secret`` and ``token``
#: for the AWS variables and client secrets).
_NEEDED_FOLDED = (
    "bearer",
    "basic",
    "://",
    "passw",
    "secret",
    "token",
    "apikey",
    "api-key",
    "api_key",
    "mysql_pwd=",
)

_EXACT = re.compile("|".join(map(re.escape, _NEEDED_EXACT)))
_FOLDED = re.compile("|".join(map(re.escape, _NEEDED_FOLDED)))


def _may_hold_secret(text: str) -> bool:
    """Whether any pattern could match ``text``: a necessary condition, cheap to test.

    The alternation :data:`_ANY` costs about half a microsecond per character whatever
    the text (a 64-character digest: ~50 µs), while a search for a few literals costs
    about a microsecond; every pattern needs one of the literals above. The case-folded
    literals are exact only for ASCII (``re.IGNORECASE`` also folds ``ſ`` and the
    Kelvin sign), so any other text goes to the full search.
    """
    if not text.isascii():
        return _ANY.search(text) is not None
    return _EXACT.search(text) is not None or _FOLDED.search(text.lower()) is not None


def redact(value: Any) -> Any:
    """A copy of ``value`` with credential material replaced by :data:`REDACTED`."""
    kind = type(value)
    if kind is str:
        return redact_text(value)
    if kind is int or kind is bool or value is None:
        return value
    if kind is dict or isinstance(value, Mapping):
        return {
            key: REDACTED if is_secret_key(key) else redact(item) for key, item in value.items()
        }
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [redact(item) for item in value]
    return value


def is_secret_key(key: object) -> bool:
    """Whether an object key names credential material."""
    if not isinstance(key, str):
        return False
    return _is_secret_name(key)


@functools.lru_cache(maxsize=4096)
def _is_secret_name(key: str) -> bool:
    name = key.strip().lower().replace("-", "_")
    return name in SECRET_KEYS or name.endswith(SECRET_SUFFIXES)


def redact_text(text: str) -> str:
    """``text`` with token-shaped substrings replaced."""
    if not _may_hold_secret(text) or not _ANY.search(text):
        return text
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    for pattern in _KEEP_PREFIX:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text
