"""What the approver's request page shows, built from a request's stored detail.

An approver is on call, on a phone, on another team: the page must answer in seconds
what the agent wants to do, why it says it wants to, what it would destroy, and
whether the viewer may vote (issue 6). This module turns a
:class:`~interlock.approvals.RequestView` (its stored ``detail``: findings, reasons,
blast radius; see ``approvals.submission.build_detail``) into plain frozen values a
template only has to lay out:

* findings sorted most dangerous first: destructive categories (DESIGN.md floor rule
  1) and stateful targets (data that cannot be rebuilt) ahead of the rest;
* the plan diff grouped by action (replace, delete, update, ...) with each replace's
  reason (``replace_because_cannot_update``: which attributes force it) and its order
  (destroy-then-create or create-then-destroy);
* blast-radius counts, environments, required versus given approvals;
* who may still approve, and why the requester (or an agent) cannot, in the exact
  words of the quorum rule (``approvals.quorum.check_voter``), so the page and the
  vote endpoint can never disagree.

The audit trail and its inclusion proofs are read by ``trail.py``. Nothing here
writes; a detail this module does not understand is shown as it is, never hidden.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from interlock.approvals import RequestView, Status
from interlock.approvals.quorum import Requirement, check_voter
from interlock.errors import ForbiddenError, VoteRefusedError
from interlock.models import DESTRUCTIVE, RISK_ORDER, Category, Principal, Risk

#: The order action groups appear in: what cannot be undone first.
_GROUP_ORDER = ("delete", "replace", "privilege", "opaque", "self-tamper", "exposure")
_GROUP_TITLES = {
    "delete": "Delete",
    "replace": "Replace (destroy and re-create)",
    "privilege": "Privilege change",
    "opaque": "Cannot be understood",
    "self-tamper": "Changes interlock itself",
    "exposure": "Exposure",
    "write": "Update in place",
    "create": "Create",
    "read": "Read",
}
#: ``8 resources`` as a finding target: its evidence lists the addresses.
_MANY = re.compile(r"\d+ resources?\Z")
#: Findings about the action against the human's task (``watch.intent``).
INTENT_PREFIX = "intent-"
_BECAUSE = re.compile(r"because (.+?) cannot be updated in place")


@dataclass(frozen=True, slots=True)
class FindingView:
    """One finding as shown, with the flags that decide its highlight."""

    rule_id: str
    category: str
    target: str
    evidence: str
    explanation: str
    risk: str
    environment: str | None
    stateful: bool
    destructive: bool

    @property
    def highlight(self) -> str:
        """CSS classes: ``destructive`` and/or ``stateful``."""
        flags = ("destructive" if self.destructive else "", "stateful" if self.stateful else "")
        return " ".join(f for f in flags if f)


@dataclass(frozen=True, slots=True)
class DangerTarget:
    """Everything dangerous found about one target, for the card read first."""

    target: str
    categories: tuple[str, ...]
    stateful: bool
    destructive: bool
    lines: tuple[str, ...]

    @property
    def highlight(self) -> str:
        """CSS classes: ``destructive`` and/or ``stateful``."""
        flags = ("destructive" if self.destructive else "", "stateful" if self.stateful else "")
        return " ".join(f for f in flags if f)


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One resource in the plan diff: its address, why and in what order."""

    address: str
    stateful: bool
    reason: str | None
    order: str | None
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlanGroup:
    """The resources one action touches."""

    action: str
    title: str
    destructive: bool
    items: tuple[PlanItem, ...]


@dataclass(frozen=True, slots=True)
class BallotView:
    """A ballot cast, for the approvals panel."""

    voter: str
    vote: str
    comment: str | None
    channel: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Whether one known human may still vote, and if not, why not."""

    name: str
    may: bool
    why: str


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in principal and whether this page offers them a vote."""

    name: str
    kind: str
    can_vote: bool
    why_not: str | None


@dataclass(frozen=True, slots=True)
class RequestPage:
    """Everything the request page shows, in the order a reviewer needs it."""

    id: str
    status: str
    verdict: str
    risk: str
    kind: str
    summary: str
    task: str | None
    rationale: str | None
    does: str
    environments: tuple[str, ...]
    requester: str
    agent: str | None
    break_glass: bool
    status_reason: str | None
    digest: str
    created_at: datetime
    expires_at: datetime
    mismatches: tuple[FindingView, ...]
    danger: tuple[DangerTarget, ...]
    findings: tuple[FindingView, ...]
    omitted: int
    groups: tuple[PlanGroup, ...]
    counts: tuple[tuple[str, int], ...]
    stateful: tuple[str, ...]
    reasons: tuple[Mapping[str, Any], ...]
    required: int
    approvals: tuple[str, ...]
    ballots: tuple[BallotView, ...]
    eligible: tuple[Eligibility, ...]
    viewer: Viewer

    @property
    def danger_shown(self) -> tuple[DangerTarget, ...]:
        """The targets spelled out first: every stateful one, else the first three."""
        stateful = tuple(d for d in self.danger if d.stateful)
        return stateful or self.danger[:3]

    @property
    def danger_rest(self) -> tuple[DangerTarget, ...]:
        """The other dangerous targets, named in one line."""
        shown = {d.target for d in self.danger_shown}
        return tuple(d for d in self.danger if d.target not in shown)

    @property
    def pending(self) -> bool:
        """Whether votes are still open."""
        return self.status == Status.PENDING.value


def request_page(view: RequestView, viewer: Principal, humans: Iterable[Principal]) -> RequestPage:
    """The request page of ``view`` as ``viewer`` sees it; ``humans``: who might vote."""
    record, detail = view.record, view.record.detail
    findings = findings_of(detail.get("findings", ()))
    blast = detail.get("blast_radius") or {}
    need = record.requirement()
    voted = [b.voter for b in view.ballots]
    pending = record.status is Status.PENDING
    return RequestPage(
        id=record.id,
        status=record.status.value,
        verdict=record.verdict.value,
        risk=str(detail.get("risk", "unknown")),
        kind=record.kind,
        summary=record.summary,
        task=record.task,
        rationale=record.rationale,
        does=what_it_does(findings, blast),
        environments=record.environments,
        requester=record.requester_human,
        agent=record.requester_agent,
        break_glass=record.break_glass,
        status_reason=record.status_reason,
        digest=record.digest,
        created_at=record.created_at,
        expires_at=record.expires_at,
        mismatches=tuple(f for f in findings if f.rule_id.startswith(INTENT_PREFIX)),
        danger=danger_targets(findings),
        findings=findings,
        omitted=int(detail.get("findings_omitted", 0)),
        groups=plan_groups([f for f in findings if not f.rule_id.startswith(INTENT_PREFIX)]),
        counts=_counts(blast),
        stateful=tuple(str(s) for s in blast.get("stateful", ())),
        reasons=tuple(r for r in detail.get("reasons", ()) if isinstance(r, Mapping)),
        required=record.required_approvals,
        approvals=tuple(b.voter for b in view.ballots if b.approve),
        ballots=tuple(
            BallotView(b.voter, "approve" if b.approve else "deny", b.comment, b.channel, b.cast_at)
            for b in view.ballots
        ),
        eligible=eligibility(humans, need, voted) if pending else (),
        viewer=viewer_of(viewer, need, voted, record.status),
    )


def findings_of(raw: Iterable[Any]) -> tuple[FindingView, ...]:
    """Stored findings, most dangerous first (destructive, stateful, then by risk)."""
    views = [_finding(f) for f in raw if isinstance(f, Mapping)]
    return tuple(sorted(views, key=_danger_key))


def _finding(f: Mapping[str, Any]) -> FindingView:
    category = str(f.get("category", "opaque"))
    known = category in {c.value for c in Category}
    return FindingView(
        rule_id=str(f.get("rule_id", "unknown")),
        category=category,
        target=str(f.get("target", "")),
        evidence=str(f.get("evidence", "")),
        explanation=str(f.get("explanation", "")),
        risk=str(f.get("risk", "critical")),
        environment=f.get("environment"),
        stateful=bool(f.get("stateful", False)),
        # A category this page does not know is shown as dangerous: fail closed.
        destructive=not known or Category(category) in DESTRUCTIVE,
    )


def _danger_key(f: FindingView) -> tuple[int, int, int, int]:
    # An unknown risk word sorts as the worst: fail closed.
    risk = RISK_ORDER[Risk(f.risk)] if f.risk in set(Risk) else len(RISK_ORDER)
    both = f.destructive and f.stateful
    return (0 if both else 1, 0 if f.stateful else 1, 0 if f.destructive else 1, -risk)


def danger_targets(findings: Sequence[FindingView]) -> tuple[DangerTarget, ...]:
    """Destructive or stateful findings merged per target, most dangerous first.

    Intent mismatches (``intent-*``, from ``watch.intent``) are about the whole
    action, not a target, and are shown against the task instead.
    """
    merged: dict[str, list[FindingView]] = {}
    for f in findings:
        if (f.destructive or f.stateful) and not f.rule_id.startswith(INTENT_PREFIX):
            merged.setdefault(f.target or f.rule_id, []).append(f)
    return tuple(
        DangerTarget(
            target,
            tuple(dict.fromkeys(f.category for f in seen)),
            any(f.stateful for f in seen),
            any(f.destructive for f in seen),
            tuple(_without_target(f.explanation or f.rule_id, target) for f in seen),
        )
        for target, seen in merged.items()
    )


def _without_target(text: str, target: str) -> str:
    """``aws_db_instance.ledger: deletion_protection ...`` without the repeated name."""
    for lead in (f"{target}: ", f"REPLACE {target} ", f"DELETE {target} "):
        if text.startswith(lead) and len(text) > len(lead):
            return text[len(lead) :].replace("`", "")
    return text.replace("`", "")


def plan_groups(findings: Sequence[FindingView]) -> tuple[PlanGroup, ...]:
    """The findings as a diff grouped by action, one item per target.

    A target's group is that of its most dangerous finding; its other findings
    (``deletion_protection True -> False`` beside a replace) become notes on it.
    """
    items: dict[str, tuple[str, list[FindingView]]] = {}
    for f in findings:
        for address in _addresses(f):
            group, seen = items.setdefault(address, (f.category, []))
            seen.append(f)
    grouped: dict[str, list[PlanItem]] = {}
    for address, (group, seen) in items.items():
        grouped.setdefault(group, []).append(_plan_item(address, seen))
    order = [*_GROUP_ORDER, *(g for g in _GROUP_TITLES if g not in _GROUP_ORDER)]
    order += sorted(g for g in grouped if g not in order)
    return tuple(
        PlanGroup(
            g,
            _GROUP_TITLES.get(g, g.capitalize()),
            g not in _GROUP_TITLES or Category(g) in DESTRUCTIVE,
            tuple(sorted(grouped[g], key=lambda i: (not i.stateful, i.address))),
        )
        for g in order
        if g in grouped
    )


def _addresses(f: FindingView) -> list[str]:
    if _MANY.fullmatch(f.target) and f.evidence:
        return [a.strip() for a in f.evidence.split(",") if a.strip()]
    return [f.target or f.rule_id]


def _plan_item(address: str, seen: list[FindingView]) -> PlanItem:
    first = seen[0]
    because = _BECAUSE.search(first.explanation)
    reason = f"{because.group(1).replace('`', '')} cannot be updated in place" if because else None
    order = None
    if (
        "['delete', 'create']" in first.evidence
        or "destroyed, then re-created" in first.explanation
    ):
        order = "destroyed first, then re-created"
    elif "['create', 'delete']" in first.evidence:
        order = "new one created first, then the old one destroyed"
    many = _MANY.fullmatch(first.target) is not None
    notes = tuple(_without_target(f.explanation, address) for f in seen[1:])
    if reason is None and not many and first.explanation:
        notes = (first.explanation, *notes)
    return PlanItem(address, any(f.stateful for f in seen), reason, order, notes)


def _counts(blast: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    counts = blast.get("counts") or {}
    order = ("delete", "replace", "create", "update", "read", "no-op")
    keys = [k for k in order if k in counts] + sorted(k for k in counts if k not in order)
    return tuple((k, int(counts[k])) for k in keys)


def what_it_does(findings: Sequence[FindingView], blast: Mapping[str, Any]) -> str:
    """One sentence a reviewer reads against the human's task."""
    counts = dict(_counts(blast))
    stateful = [str(s) for s in blast.get("stateful", ())]
    verbs = {"delete": "deletes", "replace": "replaces", "create": "creates", "update": "updates"}
    parts = [f"{verbs[k]} {n} resource{'s' * (n != 1)}" for k, n in counts.items() if k in verbs]
    if parts:
        sentence = ", ".join(parts)
        if stateful:
            sentence += f", among them stateful {', '.join(stateful)} (its data is lost)"
        return sentence[0].upper() + sentence[1:] + "."
    danger = [f for f in findings if f.destructive]
    if danger:
        return "; ".join(f.explanation or f.rule_id for f in danger[:3]) + "."
    if findings:
        return findings[0].explanation or findings[0].rule_id
    return "Nothing interlock recognises as a change."


def eligibility(
    humans: Iterable[Principal], need: Requirement, voted: Sequence[str]
) -> tuple[Eligibility, ...]:
    """For each known human, whether they may still vote, in the quorum rule's words."""
    out: list[Eligibility] = []
    for person in sorted(humans, key=lambda p: p.name):
        why = _refusal(person, need, voted)
        out.append(Eligibility(person.name, why is None, why or _may_why(person, need)))
    return tuple(out)


def _may_why(person: Principal, need: Requirement) -> str:
    if need.groups:
        groups = sorted(set(person.groups) & set(need.groups))
        return f"member of {', '.join(groups)}"
    return "any human other than the requester may approve"


def _refusal(who: Principal, need: Requirement, voted: Sequence[str]) -> str | None:
    try:
        check_voter(who, need, voted)
    except (VoteRefusedError, ForbiddenError) as refusal:
        return refusal.message
    return None


def viewer_of(who: Principal, need: Requirement, voted: Sequence[str], status: Status) -> Viewer:
    """Whether the page offers ``who`` a vote, and the plain reason when it does not."""
    why = _refusal(who, need, voted)
    if why is None and status is not Status.PENDING:
        why = f"this request is {status.value}; votes are closed"
    return Viewer(who.name, who.kind.value, why is None, why)
