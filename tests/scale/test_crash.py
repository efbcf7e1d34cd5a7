"""Crash suite: ``kill -9`` of a gateway process mid-transition, over a hundred times.

What is killed: gateway processes forked by the zygote (``zygote.py``: the real app
from ``create_app`` served by uvicorn, forked from a parent that imported it once).
Each trial forks a *victim* and sends it load (submissions, ballots and grant uses
from six client threads, three in four calls to the victim, the rest to a long-lived
*survivor* process on the same database, so the two contend for the same rows and
the audit head). The victim dies by ``SIGKILL`` in one of thirteen ways, in turn:

* armed (it kills itself the ``nth`` time it gets there, ``nth`` random): just after
  locking a request, inserting a request, a ballot or a grant, updating a request or
  a grant, locking the audit head, inserting audit entries, updating the head,
  inserting a signed checkpoint; just before ``COMMIT`` of a transaction that wrote;
  just after the commit, before the HTTP answer;
* external: the test sends ``SIGKILL`` at a random moment under load.

A call whose answer was lost is retried once on the survivor (a ballot must then be
counted or refused as already cast, a grant used or refused as used already). After
all trials a fresh process completes every request left pending, and then (from the
database, ``invariants.py``): every answered change is stored and audited, nothing
is half-applied, no quorum over-counted, no grant used twice, the audit log dense;
``interlock audit verify`` checks every entry and signed checkpoint.
"""

from __future__ import annotations

import os
import random
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest

from tests.scale.client import Api, Ledger, requester_token
from tests.scale.cluster import AGENT, World, free_port
from tests.scale.invariants import problems, snapshot
from tests.scale.zygote import KILLED_AT, POINTS, Armed, Zygote, kill

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

KINDS: tuple[str, ...] = (*POINTS, "external")
TRIALS = 8 * len(KINDS)
CLIENT_THREADS = 6
#: The largest ``nth`` per point: rarer points are armed for their first occurrences.
MAX_NTH = {"checkpoint-insert": 1, "grant-insert": 2, "grant-update": 2}
#: How long an armed victim may live under load before the test kills it anyway.
ARMED_DEADLINE_S = 3.0


@dataclass
class Workload:
    """What the client threads know: held requests, approved ones, the acknowledged."""

    world: World
    rng: random.Random
    ledger: Ledger = field(default_factory=Ledger)
    pending: dict[str, set[str]] = field(default_factory=dict)  # request -> voters tried
    approved: dict[str, str] = field(default_factory=dict)  # request -> digest
    retried: Counter[str] = field(default_factory=Counter)
    submitted: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def step(self, api: Api, fallback: Api, rng: random.Random) -> None:
        """One call: submit, vote or use a grant; a lost answer is retried on ``fallback``."""
        with self.lock:
            roll = rng.random()
            if self.approved and roll < 0.2:
                rid = rng.choice(sorted(self.approved))
                digest = self.approved.pop(rid)
                job = ("grant", rid, digest)
            elif len(self.pending) < 8 or roll < 0.35:
                self.submitted += 1
                job = ("submit", str(self.submitted), "")
            else:
                rid = rng.choice(sorted(self.pending))
                left = [a for a in self.world.approvers if a not in self.pending[rid]]
                if not left:  # every approver tried (answers lost): the last check judges it
                    del self.pending[rid]
                    return
                voter = rng.choice(left)
                self.pending[rid].add(voter)
                job = ("approve" if rng.random() < 0.9 else "deny", rid, voter)
        if job[0] == "submit":
            self._submit(api, int(job[1]))
        elif job[0] == "grant":
            self._grant(api, fallback, job[1], job[2])
        else:
            self._vote(api, fallback, job[1], job[2], job[0] == "approve")

    def _submit(self, api: Api, n: int) -> None:
        body = self.ledger.submission(api.submit(self.world.tokens[AGENT], n))
        if body is not None:
            with self.lock:
                self.pending[body["id"]] = set()

    def _vote(self, api: Api, fallback: Api, rid: str, voter: str, approve: bool) -> None:
        token = self.world.tokens[voter]
        answer = api.vote(token, rid, approve)
        if answer is None or answer.status_code >= 500:
            self.ledger.ballot(rid, voter, approve, answer)
            answer = fallback.vote(token, rid, approve)
            self.retried[f"ballot retried: {_outcome(answer)}"] += 1
        body = self.ledger.ballot(rid, voter, approve, answer)
        if body is None:
            return
        with self.lock:
            if body["status"] != "pending":
                self.pending.pop(rid, None)
            if body["status"] == "approved":
                self.approved[rid] = self.ledger.submitted[rid]

    def _grant(self, api: Api, fallback: Api, rid: str, digest: str) -> None:
        token = requester_token(self.world.tokens)
        answer = api.grant(token, rid, digest)
        if answer is None or answer.status_code >= 500:
            self.ledger.grant_use(rid, answer)
            answer = fallback.grant(token, rid, digest)
            self.retried[f"grant retried: {_outcome(answer)}"] += 1
        self.ledger.grant_use(rid, answer)


def _outcome(answer: object) -> str:
    status = getattr(answer, "status_code", None)
    if status == 200:
        return "200"
    return "lost" if status is None else str(status)


class Victim:
    """One forked gateway, armed or not, and how it died."""

    def __init__(self, zygote: Zygote, armed: Armed | None) -> None:
        """Fork the victim; it starts while the previous trial runs (``ready`` waits)."""
        self.armed = armed
        self.child = zygote.spawn(free_port(), armed)
        self.pid, self.url = self.child.pid, self.child.url

    def ready(self) -> Victim:
        self.child.wait_healthy()
        return self

    def alive(self) -> bool:
        return self.child.alive()

    def killed_itself(self) -> bool:
        return KILLED_AT in self.child.log.read_text(errors="replace")


def load_until_dead(workload: Workload, victim: Victim, survivor: str, kill_after: float) -> None:
    """Client threads call the victim (and the survivor) until the victim is gone."""
    stop = threading.Event()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        apis = {victim.url: Api(victim.url, timeout=10), survivor: Api(survivor, timeout=30)}
        while not stop.is_set():
            url = victim.url if rng.random() < 0.75 else survivor
            workload.step(apis[url], apis[survivor], rng)
        for api in apis.values():
            api.close()

    threads = [
        threading.Thread(target=client, args=(workload.rng.getrandbits(32),))
        for _ in range(CLIENT_THREADS)
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + kill_after
    while victim.alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    kill(victim.pid)
    while victim.alive():
        time.sleep(0.01)
    stop.set()
    for t in threads:
        t.join(60)
        assert not t.is_alive(), "a client thread hung"


def finish_pending(workload: Workload, url: str) -> int:
    """Approve every request still pending through a fresh process; how many there were."""
    api = Api(url)
    snap = snapshot(workload.world.url)
    left = [rid for rid, (status, _) in snap.requests.items() if status == "pending"]
    token = requester_token(workload.world.tokens)
    for rid in left:
        voted = {v for v, _ in snap.ballots[rid]}
        fresh = iter(a for a in workload.world.approvers if a not in voted)
        status = "pending"
        while status == "pending":
            voter = next(fresh)
            answer = api.vote(workload.world.tokens[voter], rid, True)
            body = workload.ledger.ballot(rid, voter, True, answer)
            assert body is not None, (rid, answer and answer.text)
            status = body["status"]
        assert status == "approved", (rid, body)
        digest = workload.ledger.submitted.get(rid) or api_digest(api, workload, rid)
        assert workload.ledger.grant_use(rid, api.grant(token, rid, digest)), rid
    api.close()
    return len(left)


def api_digest(api: Api, workload: Workload, rid: str) -> str:
    """The digest of a request whose submission answer was lost."""
    answer = api.show(workload.world.tokens[AGENT], rid)
    assert answer is not None
    assert answer.status_code == 200
    digest: str = answer.json()["digest"]
    return digest


def arming(trial: int, rng: random.Random) -> Armed | None:
    """How trial ``trial`` dies: armed at one point in turn, or killed from outside."""
    kind = KINDS[trial % len(KINDS)]
    if kind == "external":
        return None
    return Armed(kind, rng.randint(1, MAX_NTH.get(kind, 6)))


def test_kill_9_mid_transition(world: World) -> None:
    seed = int(os.environ.get("INTERLOCK_CRASH_SEED") or secrets.randbits(32))
    rng = random.Random(seed)
    workload = Workload(world, rng)
    zygote = Zygote(world)
    how: Counter[str] = Counter()
    started = time.monotonic()
    try:
        survivor = Victim(zygote, None).ready()
        victims = [Victim(zygote, arming(0, rng))]
        for trial in range(TRIALS):
            if trial + 1 < TRIALS:
                victims.append(Victim(zygote, arming(trial + 1, rng)))
            began = time.monotonic()
            victim = victims[trial].ready()
            kill_after = ARMED_DEADLINE_S if victim.armed else rng.uniform(0.02, 0.6)
            ready = time.monotonic()
            load_until_dead(workload, victim, survivor.url, kill_after)
            kind = victim.armed.point if victim.armed else "external"
            how[f"{kind}: {'self' if victim.killed_itself() else 'external'}"] += 1
            with (world.workdir / "trials.log").open("a") as log:
                print(
                    f"{trial} {victim.armed} ready {ready - began:.2f} s,",
                    f"load {time.monotonic() - ready:.2f} s, {workload.submitted} submitted,",
                    f"{workload.ledger.lost} lost",
                    file=log,
                )
        kill(survivor.pid)
        final = Victim(zygote, None).ready()
        completed = finish_pending(workload, final.url)
        kill(final.pid)
    finally:
        zygote.close()
    took = time.monotonic() - started
    summary = f"seed {seed}, {took:.0f} s, kills {dict(how)}, retries {dict(workload.retried)}"
    print(summary, f"completed {completed} pending", f"lost {workload.ledger.lost}")

    assert sum(how.values()) == TRIALS >= 100
    self_killed = sum(n for k, n in how.items() if k.endswith(": self"))
    assert self_killed >= 0.75 * (TRIALS - how["external: external"]), summary
    assert workload.ledger.unexpected == [], summary
    assert workload.ledger.lost > 0, "no call was ever cut off: nothing was tested"
    assert problems(world.url, workload.ledger) == [], summary
    world.verify_audit()
