"""The API's answers as OpenAPI documents them (api.md), for clients and schemathesis.

Routes build plain dicts (``payloads``) and declare these models as their documented
200 responses; the tests check every answer against them, so the document cannot
drift from what the server sends. Extra fields may be added, never renamed.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ReasonOut(BaseModel):
    """Why the decision is what it is: one rule's verdict."""

    source: str | None
    rule_id: str | None
    message: str | None
    verdict: str | None


class FindingOut(BaseModel):
    """What the action does to one target."""

    rule_id: str | None
    category: str | None
    scope: str | None
    target: str | None
    environment: str | None
    evidence: str | None
    explanation: str | None
    risk: str | None
    stateful: bool | None


class BallotOut(BaseModel):
    """One vote."""

    voter: str
    vote: str
    comment: str | None
    at: str
    channel: str


class GrantOut(BaseModel):
    """The request's single-use grant."""

    id: str
    used_at: str | None


class RequestOut(BaseModel):
    """A request and its decision (``POST /api/v1/requests``, lists)."""

    id: str
    decision: str
    status: str
    digest: str
    required_approvals: int
    approvals: int
    risk: str
    reasons: list[ReasonOut]
    findings: list[FindingOut]
    url: str
    kind: str
    summary: str
    requester: str
    agent: str | None
    environments: list[str]
    approver_groups: list[str]
    break_glass: bool
    status_reason: str | None
    created_at: str
    expires_at: str
    task: str | None
    rationale: str | None
    blast_radius: dict[str, Any] | None
    findings_omitted: int


class RequestViewOut(RequestOut):
    """A request with its ballots and grant (``GET /api/v1/requests/{id}``)."""

    ballots: list[BallotOut]
    grant: GrantOut | None


class RequestListOut(BaseModel):
    """``GET /api/v1/requests``."""

    requests: list[RequestOut]


class VoteOut(BaseModel):
    """Where the request stands after a vote."""

    status: str
    approvals: int
    required: int


class GrantUseOut(BaseModel):
    """Whether the grant may be used now (once)."""

    ok: bool
    reason: str
    grant: str | None


class HealthOut(BaseModel):
    """The server is up and its store answers."""

    status: str
    version: str
    store: str


class ProofOut(BaseModel):
    """An RFC 6962 inclusion proof, hashes in base64."""

    index: int
    tree_size: int
    entry: str
    leaf_hash: str
    root_hash: str
    path: list[str]
    checkpoint: str | None


def documented(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route whose 200 answer is ``model``."""
    return {200: {"model": model, "description": model.__doc__ or ""}}
