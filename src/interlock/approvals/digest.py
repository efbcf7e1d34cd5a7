"""The digest: SHA-256 over the canonical form of exactly what will run.

Approvals are votes on a digest (DESIGN.md, floor rule 5), so everything that could
make a different thing happen is inside it: the action kind, the command text or
the plan (its bytes' SHA-256 and the SHA-256 of its parsed JSON in canonical form),
the target context, the environments the action touches, the credential scope, the
requester (the human and the agent acting for them) and the expiry. Changing any of
them yields a new digest, hence a new request that starts at zero votes.

Canonical JSON here means: object keys sorted by code point, no insignificant
whitespace (``,`` and ``:`` separators), UTF-8 without ``\\u`` escapes for non-ASCII,
no NaN or infinities. The document carries a format version ``v`` so that the form
can change without two forms ever colliding.

Command text is digested verbatim. It is deliberately not normalised (no whitespace
folding, no line-ending or Unicode rewriting): a shell gives meaning to all of those,
and a normalisation would let two different programs share one approval.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from interlock.models import ActionKind, Target

#: Version of the digest document; bump it whenever its shape changes.
DIGEST_VERSION = 1


@dataclass(frozen=True, slots=True)
class Subject:
    """Everything a digest binds: what runs, where, with which credentials, for whom."""

    kind: ActionKind
    payload: str | bytes
    target: Target
    environments: tuple[str, ...]
    credential_scope: str | None
    requester_human: str
    requester_agent: str | None
    expires_at: datetime


def canonical_json(value: Any) -> bytes:
    """``value`` as canonical JSON bytes (sorted keys, compact, UTF-8, finite numbers)."""
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def plan_fingerprint(plan: bytes) -> dict[str, str | None]:
    """The plan's bytes hash and the hash of its parsed JSON in canonical form.

    Both are kept: the bytes pin the exact file an executor applies, the JSON hash lets
    a reviewer match the document whatever its formatting. A plan that is not JSON
    has ``json_sha256`` null; classification holds such a plan anyway.
    """
    parsed_hash: str | None
    try:
        parsed = orjson.loads(plan)
    except orjson.JSONDecodeError:
        parsed_hash = None
    else:
        parsed_hash = hashlib.sha256(_canonical_plan(parsed)).hexdigest()
    return {"sha256": hashlib.sha256(plan).hexdigest(), "json_sha256": parsed_hash}


def _canonical_plan(parsed: Any) -> bytes:
    """orjson for speed on large plans; integers beyond 64 bits fall back to ``json``."""
    try:
        return orjson.dumps(parsed, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return canonical_json(parsed)


def document(subject: Subject) -> dict[str, Any]:
    """The JSON document whose canonical form is hashed; stored so anyone can re-check it."""
    return {
        "v": DIGEST_VERSION,
        "kind": subject.kind.value,
        "payload": _payload(subject.kind, subject.payload),
        "target": _target(subject.target),
        "environments": sorted(set(subject.environments)),
        "credential_scope": subject.credential_scope,
        "requester": {"human": subject.requester_human, "agent": subject.requester_agent},
        "expires_at": timestamp(subject.expires_at),
    }


def _payload(kind: ActionKind, payload: str | bytes) -> dict[str, Any]:
    if isinstance(payload, bytes):
        return {"plan": plan_fingerprint(payload)}
    if kind is ActionKind.SHELL:
        return {"command": payload}
    return {"text": payload}


def _target(target: Target) -> dict[str, str | None]:
    return {
        "cwd": target.cwd,
        "environment": target.environment,
        "workspace": target.workspace,
        "kube_context": target.kube_context,
        "aws_profile": target.aws_profile,
        "host": target.host,
    }


def timestamp(moment: datetime) -> str:
    """UTC ISO 8601 with microseconds and ``Z``; naive datetimes are refused."""
    if moment.tzinfo is None:
        raise ValueError("a digest timestamp must carry a timezone")
    # what strftime("%Y-%m-%dT%H:%M:%S.%fZ") writes, at a tenth of its cost
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def digest_document(doc: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the canonical form of a digest document."""
    return hashlib.sha256(canonical_json(doc)).hexdigest()


def compute(subject: Subject) -> str:
    """The digest of ``subject``: hex SHA-256 of its canonical document."""
    return digest_document(document(subject))


def computed(subject: Subject) -> tuple[str, str]:
    """The digest of ``subject`` and the canonical document it hashes, built once."""
    canonical = canonical_json(document(subject))
    return hashlib.sha256(canonical).hexdigest(), canonical.decode("utf-8")


def same(a: str, b: str) -> bool:
    """Constant-time digest comparison; anything but two equal hex strings is unequal."""
    return len(a) == len(b) == 64 and hmac.compare_digest(a.lower(), b.lower())


def environments_of(names: Sequence[str], target: Target) -> tuple[str, ...]:
    """The environments a request binds: those assessed, else the one asked for."""
    found = tuple(n for n in names if n)
    if found:
        return found
    return (target.environment,) if target.environment else ()
