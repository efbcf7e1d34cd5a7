"""The eligibility rule as a table: who may vote, and when votes make a quorum."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.approvals.quorum import (
    Ballot,
    Mode,
    Requirement,
    check_voter,
    counts,
    reached,
    tally,
)
from interlock.errors import ForbiddenError, VoteRefusedError
from interlock.models import Principal, PrincipalKind

HUMAN, AGENT = PrincipalKind.HUMAN, PrincipalKind.AGENT
TWO = Requirement(2, (), "alice")
DBA = Requirement(2, ("dba",), "alice")
ASK = Requirement(1, (), "alice", Mode.ASK)


def human(name: str, *groups: str) -> Principal:
    return Principal(name, HUMAN, groups=groups)


@pytest.mark.parametrize(
    ("voter", "need", "voted", "error", "words"),
    [
        (human("bob"), TWO, (), None, ""),
        (human("alice"), TWO, (), VoteRefusedError, "is the requester"),
        (Principal("kiro", AGENT, acts_for="alice"), TWO, (), ForbiddenError, "agent 'kiro'"),
        (Principal("helper", AGENT, acts_for="bob"), TWO, (), ForbiddenError, "only humans"),
        (human("bob"), TWO, ("bob",), VoteRefusedError, "voted on this request already"),
        (human("bob"), DBA, (), VoteRefusedError, "not in any approver group"),
        (human("bob", "dba"), DBA, (), None, ""),
        (human("bob", "sre", "dba"), DBA, ("carol",), None, ""),
        (human("alice", "dba"), DBA, (), VoteRefusedError, "is the requester"),
        (human("alice"), ASK, (), None, ""),
        (Principal("kiro", AGENT, acts_for="alice"), ASK, (), ForbiddenError, "only humans"),
        (human(""), TWO, (), VoteRefusedError, "no name"),
    ],
)
def test_who_may_vote(
    voter: Principal,
    need: Requirement,
    voted: tuple[str, ...],
    error: type[Exception] | None,
    words: str,
) -> None:
    if error is None:
        check_voter(voter, need, voted)
    else:
        with pytest.raises(error, match=words):
            check_voter(voter, need, voted)


def ballot(voter: str, approve: bool = True, kind: PrincipalKind = HUMAN, *groups: str) -> Ballot:
    return Ballot(voter, kind, groups, approve)


@pytest.mark.parametrize(
    ("ballots", "need", "approvals", "done"),
    [
        ([], TWO, (), False),
        ([ballot("bob")], TWO, ("bob",), False),
        ([ballot("bob"), ballot("carol")], TWO, ("bob", "carol"), True),
        ([ballot("bob"), ballot("bob")], TWO, ("bob",), False),
        ([ballot("bob"), ballot("alice")], TWO, ("bob",), False),
        ([ballot("bob"), ballot("kiro", True, AGENT)], TWO, ("bob",), False),
        ([ballot("bob", True, HUMAN, "dba"), ballot("carol")], DBA, ("bob",), False),
        ([ballot("alice")], ASK, ("alice",), True),
        ([ballot("bob")], Requirement(0, (), "alice"), ("bob",), True),
    ],
)
def test_tally_recounts_with_the_rule(
    ballots: list[Ballot], need: Requirement, approvals: tuple[str, ...], done: bool
) -> None:
    result = tally(ballots, need)
    assert result.approvals == approvals
    assert reached(result, need) is done


def test_a_quorum_of_zero_still_needs_one_human() -> None:
    assert not reached(tally([], Requirement(0, (), "alice")), Requirement(0, (), "alice"))


def test_first_ballot_of_a_human_is_theirs() -> None:
    result = tally([ballot("bob", False), ballot("bob", True)], TWO)
    assert result.denials == ("bob",)
    assert result.approvals == ()


def test_ineligible_denials_do_not_count() -> None:
    result = tally([ballot("alice", False), ballot("kiro", False, AGENT)], TWO)
    assert result.denials == ()
    assert not counts(ballot("kiro", True, AGENT), ASK)


names = st.sampled_from(["alice", "bob", "carol", "dave", "kiro"])
kinds = st.sampled_from([HUMAN, AGENT])


@settings(max_examples=200)
@given(st.lists(st.tuples(names, kinds, st.booleans()), max_size=12), st.integers(0, 4))
def test_quorum_never_counts_requester_agents_or_repeats(
    raw: list[tuple[str, PrincipalKind, bool]], required: int
) -> None:
    need = Requirement(required, (), "alice")
    result = tally([Ballot(n, k, (), a) for n, k, a in raw], need)
    voters = result.approvals + result.denials
    assert len(set(voters)) == len(voters)
    assert "alice" not in voters
    agents_only = {n for n, k, _ in raw if k is AGENT} - {n for n, k, _ in raw if k is HUMAN}
    assert not agents_only & set(voters)
    if reached(result, need):
        assert len(result.approvals) >= max(1, required)
