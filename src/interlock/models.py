"""Frozen value types shared by every part of interlock.

These are the nouns of DESIGN.md: an *Action* an agent asks to take, the
*Findings* that classification derives from it, the *Assessment* that gathers
them, and the *Decision* that policy makes. They are plain frozen dataclasses so
that classification stays pure and values can be hashed, compared and serialised
without surprises. Nothing here does I/O.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from interlock.frozen import quick_init


class Category(StrEnum):
    """What a finding does to its target; the floor keys on these."""

    READ = "read"
    CREATE = "create"
    WRITE = "write"
    DELETE = "delete"
    REPLACE = "replace"
    PRIVILEGE = "privilege"
    EXPOSURE = "exposure"
    OPAQUE = "opaque"
    SELF_TAMPER = "self-tamper"


#: Categories that need two humans in a protected environment (DESIGN.md floor rule 1).
DESTRUCTIVE: frozenset[Category] = frozenset(
    {Category.DELETE, Category.REPLACE, Category.PRIVILEGE, Category.OPAQUE}
)


class Scope(StrEnum):
    """How far a finding's effect reaches.

    ``workspace``: reversible local work inside the agent's workspace.
    ``host``: the local machine outside the workspace, or local work that cannot be
    undone (``git reset --hard``, a force push of a local branch).
    ``remote``: infrastructure and external systems (clouds, clusters, databases).
    """

    WORKSPACE = "workspace"
    HOST = "host"
    REMOTE = "remote"


class Risk(StrEnum):
    """Ordered severity; compare with ``RISK_ORDER``."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


RISK_ORDER: Mapping[Risk, int] = {r: i for i, r in enumerate(Risk)}


def max_risk(*risks: Risk) -> Risk:
    """Return the most severe of ``risks`` (``none`` for no risks)."""
    return max(risks, key=RISK_ORDER.__getitem__, default=Risk.NONE)


class Verdict(StrEnum):
    """The four outcomes of a decision, from most to least permissive."""

    ALLOW = "allow"
    ASK = "ask"
    HOLD = "hold"
    DENY = "deny"


VERDICT_ORDER: Mapping[Verdict, int] = {v: i for i, v in enumerate(Verdict)}


def strictest(*verdicts: Verdict) -> Verdict:
    """Return the least permissive verdict; rules only ever raise a decision."""
    return max(verdicts, key=VERDICT_ORDER.__getitem__, default=Verdict.ALLOW)


class PrincipalKind(StrEnum):
    """Humans may approve; agents only ever act for exactly one human."""

    HUMAN = "human"
    AGENT = "agent"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who asks or votes. An agent has ``acts_for`` (its human) and an optional profile."""

    name: str
    kind: PrincipalKind
    groups: tuple[str, ...] = ()
    acts_for: str | None = None
    profile: str | None = None

    @property
    def human(self) -> str:
        """The human accountable for this principal: itself, or the one an agent serves."""
        return self.name if self.kind is PrincipalKind.HUMAN else (self.acts_for or "")


class ActionKind(StrEnum):
    """What sort of payload an action carries."""

    SHELL = "shell"
    TERRAFORM_PLAN = "terraform-plan"
    CLOUDFORMATION = "cloudformation"
    PULUMI = "pulumi"
    KUBERNETES = "kubernetes"
    SQL = "sql"
    MCP_TOOL = "mcp-tool"
    FILE_WRITE = "file-write"


@quick_init
@dataclass(frozen=True, slots=True)
class Target:
    """Where an action runs: the context that decides its environment."""

    cwd: str | None = None
    environment: str | None = None
    workspace: str | None = None
    kube_context: str | None = None
    aws_profile: str | None = None
    host: str | None = None


#: The target of an action that names none. Targets are frozen, so one instance is
#: shared rather than built per action (actions are made per command checked).
NO_TARGET = Target()


@quick_init
@dataclass(frozen=True, slots=True)
class Action:
    """What an agent asks to do, with the human's task and the agent's reason."""

    kind: ActionKind
    payload: str | bytes
    target: Target = NO_TARGET
    task: str | None = None
    rationale: str | None = None
    session_id: str | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class Finding:
    """One thing an action would do, with the exact evidence and why it matters.

    ``rule_id`` is a stable kebab-case id that is never renamed. ``evidence`` is the
    exact words of the command or the plan path that produced the finding.
    """

    rule_id: str
    category: Category
    scope: Scope
    target: str
    evidence: str
    explanation: str
    risk: Risk = Risk.MEDIUM
    environment: str | None = None
    stateful: bool = False


@quick_init
@dataclass(frozen=True, slots=True)
class BlastRadius:
    """How much an action touches: counts per action and what cannot be rebuilt."""

    counts: Mapping[str, int] = field(default_factory=dict)
    stateful: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    large: bool = False


#: The blast radius of an assessment that counts none: frozen and typed read-only,
#: so one instance is shared (an assessment is made per command checked).
NO_BLAST_RADIUS = BlastRadius()


@quick_init
@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything classification concluded about one action, computed without I/O."""

    action: Action
    findings: tuple[Finding, ...]
    environments: tuple[str, ...] = ()
    blast_radius: BlastRadius = NO_BLAST_RADIUS
    risk: Risk = Risk.NONE
    facts: Mapping[str, Any] = field(default_factory=dict)


class ReasonSource(StrEnum):
    """Which part of interlock produced a reason."""

    FLOOR = "floor"
    CONFIG = "config"
    REGO = "rego"
    PERMISSION = "permission"
    WATCH = "watch"
    CLASSIFY = "classify"


@quick_init
@dataclass(frozen=True, slots=True)
class Reason:
    """One cause of a decision, explained in a sentence."""

    source: ReasonSource
    rule_id: str
    message: str
    verdict: Verdict


@quick_init
@dataclass(frozen=True, slots=True)
class Decision:
    """The gate's answer, with every reason that produced it.

    ``required_approvals`` counts distinct humans, never the requester or an agent.
    ``approver_groups`` names groups of which approvers must be members, if any.
    """

    verdict: Verdict
    risk: Risk
    required_approvals: int
    reasons: tuple[Reason, ...]
    approver_groups: tuple[str, ...] = ()


def to_plain(value: Any) -> Any:
    """Turn models into JSON-ready values: dataclasses to dicts, enums to strings.

    Bytes payloads are not text and are left out of plain output by their owners
    (a plan is referred to by digest), so bytes here are an error, not a guess.
    """
    if isinstance(value, StrEnum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, bytes):
        raise TypeError("bytes have no plain form; refer to them by digest")
    return value
