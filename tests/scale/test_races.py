"""Race suite: 3 ``interlock serve`` processes, 50 approvers, 200 held requests at once.

Every request needs two distinct ``sre`` approvers. Each gets one of four ballot
scenarios, all cast concurrently through servers picked at random:

* ``pile-on``: five approvers approve, and the requester tries to approve too;
* ``duplicate``: two approvers each approve twice, through two different servers;
* ``approve-deny``: two approve while a third denies;
* ``deny-pile``: two deny while one approves.

Each approver is one thread (two when they vote twice on a request, so that the
duplicate races the original); every thread walks its ballots in request order, so the
ballots on one request arrive together. Then six threads (two per server) race to use
the grant of every approved request. Judged from the answers and the database
(``invariants.py``): no quorum over-counted, no request both approved and denied,
counted ballots equal distinct voters, every 200 ballot stored, one grant use per
request, the audit log dense and verified by ``interlock audit verify``. Last, one
server is killed (SIGKILL) and restarted, and every request is read back through it.
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from tests.scale.client import Api, Ledger, requester_token
from tests.scale.cluster import AGENT, CHECKPOINT_EVERY, REQUESTER, REQUIRED, World, cluster
from tests.scale.invariants import problems, snapshot

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SERVERS = 3
REQUESTS = 200
SCENARIOS = ("pile-on", "duplicate", "approve-deny", "deny-pile")
GRANT_RACERS_PER_SERVER = 2


@dataclass(frozen=True)
class Ballot:
    """One planned ballot: on which request, by whom, for or against, through which server."""

    order: int
    request_id: str
    voter: str
    approve: bool
    server: int


@dataclass(frozen=True)
class Answer:
    """What one ballot was answered."""

    ballot: Ballot
    status: int | None
    body: dict[str, Any]


def plan(request_ids: list[str], approvers: list[str], rng: random.Random) -> list[Ballot]:
    """The ballots of every scenario, scenario ``i % 4`` for request ``i``."""
    ballots = []
    for order, rid in enumerate(request_ids):
        scenario = SCENARIOS[order % len(SCENARIOS)]
        people = rng.sample(approvers, 5)

        def add(voter: str, approve: bool, rid: str = rid, order: int = order) -> None:
            server = rng.randrange(SERVERS)
            ballots.append(Ballot(order, rid, voter, approve, server))

        if scenario == "pile-on":
            for voter in [*people, REQUESTER]:
                add(voter, True)
        elif scenario == "duplicate":
            for voter in people[:2] * 2:
                add(voter, True)
        elif scenario == "approve-deny":
            add(people[0], True)
            add(people[1], True)
            add(people[2], False)
        else:
            add(people[0], False)
            add(people[1], False)
            add(people[2], True)
    return ballots


def each_thread(count: int, work: Callable[[int], None]) -> None:
    """Run ``work(i)`` in ``count`` threads released together; re-raise any failure."""
    start = threading.Barrier(count)

    def run(i: int) -> None:
        start.wait()
        work(i)

    with ThreadPoolExecutor(count) as pool:
        for done in [pool.submit(run, i) for i in range(count)]:
            done.result(timeout=300)


def test_fifty_approvers_on_three_servers(world: World) -> None:
    rng = random.Random(9)
    ledger = Ledger()
    with cluster(world, SERVERS) as running:
        urls = running.urls
        request_ids = submit_all(urls, world, ledger)
        ballots = plan(request_ids, world.approvers, rng)
        answers = cast_all(urls, world, ballots, ledger)
        granted = race_grants(urls, world, request_ids, ledger)
        running.kill(0)  # kill -9 of a real `interlock serve`, then a new one in its place
        running.restart(0)
        reader = Api(running.urls[0])
        shown = [reader.show(world.tokens[AGENT], rid) for rid in request_ids]
        reader.close()

    assert ledger.lost == 0, ledger.unexpected
    assert ledger.unexpected == []
    assert problems(world.url, ledger) == []
    snap = snapshot(world.url)
    statuses = {rid: snap.requests[rid][0] for rid in request_ids}
    assert set(statuses.values()) <= {"approved", "denied"}, "a request was left undecided"
    check_answers(answers, snap.ballots)
    check_scenarios(request_ids, statuses)
    approved = [rid for rid, s in statuses.items() if s == "approved"]
    assert sorted(granted) == sorted(approved)
    assert all(granted[rid] == 1 for rid in approved), "a grant ran twice (or never)"
    assert all(snap.grants[rid][1] for rid in approved)
    report = world.verify_audit()
    assert report["size"] == len(snap.indices)
    # one signed checkpoint per CHECKPOINT_EVERY entries, give or take a transaction's
    assert isinstance(report["checkpoints"], int)
    assert report["checkpoints"] >= len(snap.indices) // (2 * CHECKPOINT_EVERY)
    for rid, answer in zip(request_ids, shown, strict=True):
        assert answer is not None
        assert answer.status_code == 200
        body = answer.json()
        assert body["status"] == statuses[rid]
        assert [b["voter"] for b in body["ballots"]] == [v for v, _ in snap.ballots[rid]]
        assert (body["grant"] is not None) == (statuses[rid] == "approved")
    damage_is_seen(world, approved[0], ledger)


def damage_is_seen(world: World, rid: str, ledger: Ledger) -> None:
    """The checks above can fail: an extra ballot, a lost entry, a second grant use."""
    voted = {v for v, _ in snapshot(world.url).ballots[rid]}
    outsider = next(a for a in world.approvers if a not in voted)
    with psycopg.connect(world.url) as conn:
        conn.execute(
            "INSERT INTO votes (request_id, voter, voter_kind, voter_groups, channel, approve,"
            " cast_at) VALUES (%s, %s, 'human', '[\"sre\"]', 'api', true, now())",
            (rid, outsider),
        )
        conn.execute("DELETE FROM audit_entries WHERE idx = 3")
    ledger.grants_ok[rid] += 1
    found = "\n".join(problems(world.url, ledger))
    assert f"{rid}: approved with 3 approvals" in found
    assert "vote-cast entries differ from ballots" in found
    assert "missing [3]" in found
    assert f"{rid}: grant use answered ok 2 times" in found


def submit_all(urls: list[str], world: World, ledger: Ledger) -> list[str]:
    """Submit ``REQUESTS`` held commands through all servers; their ids in order."""
    token = world.tokens[AGENT]
    ids: list[str | None] = [None] * REQUESTS

    def work(i: int) -> None:
        api = Api(urls[i % SERVERS])
        for n in range(i, REQUESTS, 6):
            body = ledger.submission(api.submit(token, n))
            assert body is not None, ledger.unexpected
            assert body["required_approvals"] == REQUIRED
            ids[n] = body["id"]
        api.close()

    each_thread(6, work)
    assert all(ids)
    return [rid for rid in ids if rid is not None]


def cast_all(urls: list[str], world: World, ballots: list[Ballot], ledger: Ledger) -> list[Answer]:
    """Each voter's ballots go out in request order, a voter's second ballot on one request
    from a second thread at the same moment; every answer is recorded."""
    lanes: dict[tuple[str, int], list[Ballot]] = defaultdict(list)
    for ballot in ballots:
        copy = 0
        while any(b.request_id == ballot.request_id for b in lanes[(ballot.voter, copy)]):
            copy += 1  # a second ballot of one voter goes out at the same time, in parallel
        lanes[(ballot.voter, copy)].append(ballot)
    keys = sorted(lanes)
    answers: list[Answer] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        apis = [Api(url) for url in urls]
        token = world.tokens[keys[i][0]]
        for ballot in sorted(lanes[keys[i]], key=lambda b: b.order):
            answer = apis[ballot.server].vote(token, ballot.request_id, ballot.approve)
            ledger.ballot(ballot.request_id, ballot.voter, ballot.approve, answer)
            body = answer.json() if answer is not None else {}
            with lock:
                status = answer.status_code if answer is not None else None
                answers.append(Answer(ballot, status, body))
        for api in apis:
            api.close()

    each_thread(len(keys), work)
    assert len(answers) == len(ballots)
    return answers


def race_grants(
    urls: list[str], world: World, request_ids: list[str], ledger: Ledger
) -> dict[str, int]:
    """Two threads per server use every request's grant at once; ``ok`` answers per request."""
    digest = {rid: ledger.submitted[rid] for rid in request_ids}
    token = requester_token(world.tokens)

    def work(i: int) -> None:
        api = Api(urls[i % SERVERS])
        for rid in request_ids:
            ledger.grant_use(rid, api.grant(token, rid, digest[rid]))
        api.close()

    each_thread(SERVERS * GRANT_RACERS_PER_SERVER, work)
    return dict(ledger.grants_ok)


def check_answers(answers: list[Answer], stored: dict[str, list[tuple[str, bool]]]) -> None:
    """The API's answers agree with the ballots stored, one counted ballot per voter."""
    counted: dict[str, list[str]] = defaultdict(list)
    for a in answers:
        if a.status == 200:
            counted[a.ballot.request_id].append(a.ballot.voter)
            assert a.body["approvals"] <= a.body["required"] == REQUIRED
        else:
            assert a.status == 409, a
            message = a.body["error"]["message"]
            assert any(why in message for why in ("votes are closed", "already", "requester")), a
        if a.ballot.voter == REQUESTER:
            assert a.status == 409, "the requester's own approval was accepted"
    for rid, ballots in stored.items():
        assert sorted(counted[rid]) == sorted(v for v, _ in ballots), rid


def check_scenarios(request_ids: list[str], statuses: dict[str, str]) -> None:
    """Outcomes each scenario forces: piles of approvals approve, piles of denials deny."""
    for order, rid in enumerate(request_ids):
        scenario = SCENARIOS[order % len(SCENARIOS)]
        if scenario in ("pile-on", "duplicate"):
            assert statuses[rid] == "approved", (scenario, rid)
        elif scenario == "deny-pile":
            assert statuses[rid] == "denied", (scenario, rid)
    races = [statuses[r] for i, r in enumerate(request_ids) if SCENARIOS[i % 4] == "approve-deny"]
    assert set(races) <= {"approved", "denied"}
