"""Who may vote on a request, and when its votes make a quorum.

This is the approvals side of the floor (DESIGN.md, floor rule 1), kept pure so it
can be tested as a table: a vote counts only from a *human* who is not the human the
request was made for (the requester, or the human its agent acts for); one human
counts once however many tokens they hold, because ballots are keyed by the human's
name; when the decision names approver groups, the voter must belong to one of them.

Two modes exist. ``hold`` is the rule above. ``ask`` is the operator confirming an
action of their own agent on local, non-production work (the decision said so), so
there the requester's human may confirm; an agent never may, in either mode.

The quorum is always recounted from the stored ballots with the same rule rather
than kept as a counter, so a ballot that should never have been accepted still
cannot make a quorum.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from interlock.errors import ForbiddenError, VoteRefusedError
from interlock.models import Principal, PrincipalKind


class Mode(StrEnum):
    """Whose confirmation a request waits for."""

    HOLD = "hold"
    ASK = "ask"


@dataclass(frozen=True, slots=True)
class Requirement:
    """What a request needs: how many distinct humans, from which groups, excluding whom."""

    required: int
    groups: tuple[str, ...]
    requester_human: str
    mode: Mode = Mode.HOLD


@dataclass(frozen=True, slots=True)
class Ballot:
    """One stored vote: the human who cast it, their kind and groups then, and its sense."""

    voter: str
    kind: PrincipalKind
    groups: tuple[str, ...]
    approve: bool


@dataclass(frozen=True, slots=True)
class Tally:
    """The distinct eligible humans for and against, in the order they voted."""

    approvals: tuple[str, ...]
    denials: tuple[str, ...]


def check_voter(voter: Principal, need: Requirement, voted: Iterable[str]) -> None:
    """Raise unless ``voter`` may cast a ballot now; the message says exactly why not."""
    if voter.kind is not PrincipalKind.HUMAN:
        raise ForbiddenError(
            f"agent {voter.name!r} may not vote: only humans approve or deny",
            hint="approvals need people; an agent token can only make requests",
        )
    refusal = _refusal(voter.name, voter.groups, need)
    if refusal is not None:
        raise VoteRefusedError(refusal)
    if voter.name in set(voted):
        raise VoteRefusedError(
            f"{voter.name} has voted on this request already; one human counts once "
            "whatever token they use"
        )


def _refusal(human: str, groups: tuple[str, ...], need: Requirement) -> str | None:
    """Why a human's ballot cannot count under ``need``, or ``None`` when it can."""
    if not human:
        return "the voter has no name"
    if need.mode is Mode.HOLD and human == need.requester_human:
        who = need.requester_human
        return f"{who} is the requester (the human this request acts for) and cannot approve it"
    if need.groups and not set(groups) & set(need.groups):
        wanted = ", ".join(need.groups)
        return f"{human} is not in any approver group this request needs ({wanted})"
    return None


def counts(ballot: Ballot, need: Requirement) -> bool:
    """Whether a stored ballot counts under the rule, rechecked from scratch."""
    if ballot.kind is not PrincipalKind.HUMAN:
        return False
    return _refusal(ballot.voter, ballot.groups, need) is None


def tally(ballots: Iterable[Ballot], need: Requirement) -> Tally:
    """Distinct eligible humans for and against; a human's first ballot is theirs."""
    seen: set[str] = set()
    approvals: list[str] = []
    denials: list[str] = []
    for ballot in ballots:
        if ballot.voter in seen or not counts(ballot, need):
            continue
        seen.add(ballot.voter)
        (approvals if ballot.approve else denials).append(ballot.voter)
    return Tally(tuple(approvals), tuple(denials))


def reached(result: Tally, need: Requirement) -> bool:
    """Quorum: enough distinct eligible approvals, and never fewer than one."""
    return len(result.approvals) >= max(1, need.required)
