"""The watch in the decision path: it only raises, it fails closed, it stays bounded."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Table, func, inspect, select

from interlock.models import (
    VERDICT_ORDER,
    Decision,
    Reason,
    ReasonSource,
    Risk,
    Verdict,
)
from interlock.store import Store
from interlock.store.watch_records import (
    watch_actions,
    watch_freezes,
    watch_sessions,
    watch_targets,
)
from interlock.watch import gate, intent
from tests.approvals.conftest import make_world
from tests.watch.conftest import Session, rules, verdict

verdicts = st.sampled_from(list(Verdict))
decisions = st.builds(
    Decision,
    verdicts,
    st.sampled_from(list(Risk)),
    st.integers(0, 4),
    st.just(()),
    st.sampled_from([(), ("dba",)]),
)
reasons = st.lists(
    st.builds(Reason, st.just(ReasonSource.WATCH), st.just("r"), st.just("m"), verdicts),
    max_size=3,
)


@settings(max_examples=200)
@given(decisions, st.one_of(st.none(), decisions), reasons, st.integers(1, 3))
def test_the_watch_never_lowers_a_decision(
    decision: Decision, redecided: Decision | None, extra: list[Reason], minimum: int
) -> None:
    raised = gate._raise(decision, redecided, extra, minimum)
    assert VERDICT_ORDER[raised.verdict] >= VERDICT_ORDER[decision.verdict]
    if redecided is not None:
        assert VERDICT_ORDER[raised.verdict] >= VERDICT_ORDER[redecided.verdict]
    for reason in extra:
        assert VERDICT_ORDER[raised.verdict] >= VERDICT_ORDER[reason.verdict]
    if raised.verdict is Verdict.HOLD:
        assert raised.required_approvals >= max(decision.required_approvals, minimum, 1)
    assert set(decision.reasons) <= set(raised.reasons)
    if decision.approver_groups:
        assert raised.approver_groups == decision.approver_groups


def test_an_error_inside_the_watch_holds(kiro: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> list[intent.Mismatch]:
        raise RuntimeError("boom")

    monkeypatch.setattr(intent, "mismatches", broken)
    held = kiro.run("git status")
    assert verdict(held) is Verdict.HOLD
    assert gate.ERROR_RULE in rules(held)
    assert "RuntimeError: boom" in held.decision.reasons[-1].message


def test_the_history_is_bounded_per_session(store: Store) -> None:
    world = make_world(store)
    config = dataclasses.replace(
        world.config, watch=dataclasses.replace(world.config.watch, history_limit=5)
    )
    world = make_world(store, config)
    world.human("alice")
    session = Session(world, world.agent("kiro", "alice"), "s-1")
    other = Session(world, session.token, "s-2")
    for i in range(12):
        session.run(f"cat file{i}.txt")
    other.run("ls")
    with store.transaction() as conn:
        query = select(watch_actions.c.session_id, func.count()).group_by(
            watch_actions.c.session_id
        )
        counts = {str(session): int(n) for session, n in conn.execute(query)}
        newest = conn.execute(
            select(watch_actions.c.summary)
            .where(watch_actions.c.session_id == "s-1")
            .order_by(watch_actions.c.id)
        ).scalars()
        kept = list(newest)
    assert counts == {"s-1": 5, "s-2": 1}
    assert kept == [f"cat file{i}.txt" for i in range(7, 12)]


@pytest.mark.parametrize(
    "table", [watch_sessions, watch_actions, watch_targets, watch_freezes], ids=lambda t: t.name
)
def test_migrated_columns_match_the_declaration(store: Store, table: Table) -> None:
    columns = {c["name"]: c for c in inspect(store.engine).get_columns(table.name)}
    assert set(columns) == set(table.c.keys())
    for column in table.c:
        assert columns[column.name]["nullable"] == column.nullable, column.name
    indexes = {i["name"] for i in inspect(store.engine).get_indexes(table.name)}
    assert indexes == {i.name for i in table.indexes}


def test_every_watch_rule_id_is_kebab_case_and_unique() -> None:
    ids = gate.WATCH_RULE_IDS
    assert len(set(ids)) == len(ids)
    for rule in ids:
        assert re.fullmatch(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*", rule), rule


def test_the_migration_downgrades_and_upgrades_again(store: Store) -> None:
    from alembic import command

    from interlock.store.migrate import alembic_config

    names = {"watch_sessions", "watch_actions", "watch_targets", "watch_freezes"}
    with store.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0002_approvals")
    assert not names & set(inspect(store.engine).get_table_names())
    with store.engine.begin() as conn:
        command.upgrade(alembic_config(conn), "heads")
    assert names <= set(inspect(store.engine).get_table_names())
