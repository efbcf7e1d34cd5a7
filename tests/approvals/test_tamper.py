"""Edits made directly in the database are refused where they would decide, and reported.

Each test plays the intruder with write access to the store but not to the gateway's
seal key: it changes request, ballot or grant rows with plain SQL, then checks that the
approvals service refuses the decision the edit was meant to produce (with a
``tamper-detected`` audit entry) and that ``check_tables`` (``interlock audit verify``)
names the row.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from interlock.approvals.integrity import check_tables
from interlock.approvals.requests import Status
from interlock.errors import TamperError
from interlock.store.records import grants, requests, votes
from tests.approvals.conftest import World, hold


def _problems(world: World) -> tuple[str, ...]:
    with world.store.read_transaction() as conn:
        return check_tables(conn).problems


def test_an_untouched_store_agrees_with_its_seals_and_log(world: World) -> None:
    world.human("alice")
    kiro = world.agent("kiro", "alice")
    request = hold(world, kiro).record
    world.service.approve(request.id, world.human("bob"))
    world.service.approve(request.id, world.human("carol"))
    world.service.use_grant(request.id, kiro, request.digest)
    denied = hold(world, kiro, "drop other db").record
    world.service.deny(denied.id, world.human("dave"), comment="no")
    with world.store.read_transaction() as conn:
        report = check_tables(conn)
    assert report.problems == ()
    assert (report.requests, report.ballots, report.grants, report.sealed) == (2, 3, 1, True)


def test_a_status_flipped_to_approved_releases_nothing(world: World) -> None:
    world.human("alice")
    kiro = world.agent("kiro", "alice")
    request = hold(world, kiro).record
    with world.store.transaction() as conn:
        conn.execute(update(requests).where(requests.c.id == request.id).values(status="approved"))
    with pytest.raises(TamperError, match=f"request {request.id} was changed outside"):
        world.service.use_grant(request.id, kiro, request.digest)
    with pytest.raises(TamperError):
        world.service.approve(request.id, world.human("bob"))
    assert world.audit_kinds().count("tamper-detected") == 2
    assert world.audit_bodies("tamper-detected")[0]["request"] == request.id
    problems = _problems(world)
    assert any(p.startswith(f"request {request.id} was changed outside") for p in problems)
    assert f"request {request.id}: status is approved, the audit log says pending" in problems


def test_a_forged_ballot_never_counts(world: World) -> None:
    world.human("alice")
    kiro = world.agent("kiro", "alice")
    request = hold(world, kiro).record
    world.service.approve(request.id, world.human("bob"))
    with world.store.transaction() as conn:  # carol's ballot, with bob's seal copied over
        bob = conn.execute(select(votes).where(votes.c.voter == "bob")).one()._mapping
        forged = {k: v for k, v in bob.items() if k != "id"} | {"voter": "carol"}
        conn.execute(votes.insert().values(**forged))
    with pytest.raises(TamperError, match="ballot of carol"):
        world.service.approve(request.id, world.human("dave"))
    assert world.service.show(request.id).record.status is Status.PENDING
    problems = _problems(world)
    assert f"ballot of carol on {request.id}: no vote-cast entry in the audit log" in problems
    assert any("ballot of carol" in p and "seal does not match" in p for p in problems)


def test_a_used_grant_reset_to_its_old_sealed_row_is_refused(world: World) -> None:
    world.human("alice")
    kiro = world.agent("kiro", "alice")
    request = hold(world, kiro).record
    world.service.approve(request.id, world.human("bob"))
    world.service.approve(request.id, world.human("carol"))
    with world.store.transaction() as conn:  # the intruder keeps the unused, sealed row
        unused = conn.execute(select(grants)).one()._mapping
    world.service.use_grant(request.id, kiro, request.digest)
    with world.store.transaction() as conn:
        conn.execute(
            update(grants)
            .where(grants.c.id == unused["id"])
            .values(used_at=None, used_by=None, seal=unused["seal"])
        )
    with pytest.raises(TamperError, match="was used already"):
        world.service.use_grant(request.id, kiro, request.digest)
    assert world.audit_kinds().count("grant-used") == 1
    assert any("the audit log says it is used" in p for p in _problems(world))


def test_a_row_without_a_seal_is_refused(world: World) -> None:
    world.human("alice")
    kiro = world.agent("kiro", "alice")
    request = hold(world, kiro).record
    with world.store.transaction() as conn:
        conn.execute(
            update(requests)
            .where(requests.c.id == request.id)
            .values(seal=None, expires_at=datetime(2099, 1, 1, tzinfo=UTC))
        )
    with pytest.raises(TamperError, match="has no seal"):
        world.service.approve(request.id, world.human("bob"))
