"""The approvals facade: submit a request, vote on it, use its grant, read it.

Adapters (the CLI, later the HTTP server and chat actions) call this and nothing
deeper. Each method authenticates its token and makes its change in one store
transaction with the audit entry, retried on lock conflicts. A refused vote or grant
use is itself audited (who tried, with which token, and why it was refused) in a
transaction that commits, and only then raised to the caller.

Every decision is recorded as a request so that execution is uniform: ``allow`` is
an auto-approved request with its grant; ``deny`` is a denied request; ``hold``
waits for the quorum; ``ask`` waits for the operator (the requester's own human).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from sqlalchemy import Connection, bindparam, select

from interlock.approvals import breakglass, grants, requests, votes
from interlock.approvals.digest import Subject, computed, environments_of
from interlock.approvals.grants import GrantUse
from interlock.approvals.requests import RequestRecord, Status
from interlock.approvals.submission import (
    at_least_floor,
    build_detail,
    initial_state,
    summary_of,
)
from interlock.approvals.votes import Cast, VoteOutcome
from interlock.audit.log import stage
from interlock.config import Config
from interlock.errors import (
    ForbiddenError,
    GrantRefusedError,
    InterlockError,
    NotFoundError,
    TamperError,
    VoteRefusedError,
)
from interlock.identity.access import Authenticated, authenticate, recheck, still
from interlock.identity.clock import Clock, aware, utcnow
from interlock.identity.principals import from_config
from interlock.identity.tokens import active, hash_token
from interlock.models import Action, Assessment, Decision
from interlock.store import Store
from interlock.store.database import tx_state
from interlock.store.records import grants as grants_table

T = TypeVar("T")

#: How long a submitter's authentication is reused for deciding (see ``_authenticated``).
AUTH_CACHE_SECONDS = 2.0
#: The same for a principal the configuration defines: it cannot change while the
#: process runs (the configuration is read once, and a stored record that contradicts
#: it is refused), so only the token needs checking, and the write does that.
CONFIGURED_AUTH_CACHE_SECONDS = 300.0
AUTH_CACHE_SIZE = 4096

#: How long a request (and so its grant) stays valid when the caller names no expiry.
DEFAULT_TTL = timedelta(hours=4)


@dataclass(frozen=True, slots=True)
class Submitted:
    """What ``submit`` recorded: the request, its decision and what it binds."""

    record: RequestRecord
    decision: Decision
    assessment: Assessment


@dataclass(frozen=True, slots=True)
class RequestView:
    """A request with its ballots and grant, for ``requests show``."""

    record: RequestRecord
    ballots: tuple[votes.VoteRow, ...]
    grant_id: str | None
    grant_used_at: datetime | None


class ApprovalService:
    """Requests, votes and grants over one store and configuration."""

    def __init__(self, store: Store, config: Config, *, clock: Clock = utcnow) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self._auth_cache: dict[bytes, tuple[Authenticated, float]] = {}

    def submit(
        self,
        token: str,
        action: Action,
        *,
        credential_scope: str | None = None,
        break_glass: bool = False,
        ttl: timedelta = DEFAULT_TTL,
        timed: Callable[[float], None] | None = None,
    ) -> Submitted:
        """Classify and decide ``action`` for the token's principal, then record it.

        ``timed``, if given, receives the seconds classification and decision took
        (the gateway's latency histogram), so adapters need not repeat these steps.
        """
        # announced while it decides, so that a batch being written waits for it
        with self.store.grouped_soon():
            who = self._authenticated(token)
            assessment, decision = self._decided(who, action, break_glass, timed)
            asked = _Asked(token, who, action, credential_scope, break_glass, ttl)
            return self._record_for(asked, assessment, decision)

    async def submit_async(
        self,
        token: str,
        action: Action,
        *,
        credential_scope: str | None = None,
        break_glass: bool = False,
        ttl: timedelta = DEFAULT_TTL,
        timed: Callable[[float], None] | None = None,
    ) -> Submitted:
        """:meth:`submit` for a caller on an event loop, for actions that classify in
        well under a millisecond (a shell command): classified and decided right here,
        then written by the store's group-commit driver (``Store.submit_grouped``), so
        the submission costs no worker thread. Only a token not seen lately is read
        in a worker thread first."""
        import asyncio

        who = self._remembered(token)
        if who is None:  # not seen lately: a read, in a worker thread
            who = await asyncio.to_thread(self._authenticated, token)
        assessment, decision = self._decided(who, action, break_glass, timed)
        asked = _Asked(token, who, action, credential_scope, break_glass, ttl)
        work, key = self._recording(asked, assessment, decision)
        record, judged = await asyncio.wrap_future(self.store.submit_grouped(work, key=key))
        return Submitted(record, judged.decision, judged.assessment)

    def _decided(
        self,
        who: Authenticated,
        action: Action,
        break_glass: bool,
        timed: Callable[[float], None] | None,
    ) -> tuple[Assessment, Decision]:
        """Classify and decide ``action`` for ``who`` (timed for ``/metrics``)."""
        from interlock.classify import assess
        from interlock.policy import decide

        if break_glass:
            breakglass.check_requester(who.principal)
        started = time.perf_counter()
        assessment = assess(action, self.config)
        decision = decide(assessment, self.config, requester=who.principal, now=self.clock())
        if timed is not None:
            timed(time.perf_counter() - started)
        return assessment, decision

    def record_decided(
        self,
        token: str,
        action: Action,
        assessment: Assessment,
        decision: Decision,
        *,
        credential_scope: str | None = None,
        break_glass: bool = False,
        ttl: timedelta = DEFAULT_TTL,
    ) -> Submitted:
        """Record an action already classified and decided by the caller.

        The decision is first raised to at least what the floor alone decides for
        ``assessment``, so a caller's decision can only ever be stricter than the floor.
        """
        who = self._authenticated(token)
        asked = _Asked(token, who, action, credential_scope, break_glass, ttl)
        return self._record_for(asked, assessment, decision)

    def _authenticated(self, token: str) -> Authenticated:
        """Who ``token`` is, to decide with, before any write lock is taken.

        Remembered per token (by its hash): an agent submits and an approver votes in
        bursts, and the write transaction checks the token again anyway (``recheck``),
        so a revoked or expired token still cannot record or vote. What the cache may
        lag by is a change of a *stored* principal's groups (one the configuration does
        not define, changed by the operator meanwhile): such an answer is kept for
        :data:`AUTH_CACHE_SECONDS`. A principal the configuration defines cannot
        change while the process runs, so its answer is kept for
        :data:`CONFIGURED_AUTH_CACHE_SECONDS`; with several processes each would
        otherwise re-read every approver's token and principal every two seconds.
        """
        remembered = self._remembered(token)
        if remembered is not None:
            return remembered
        key = _cache_key(token)
        now = time.monotonic()
        with self.store.read_transaction() as conn:
            who = authenticate(conn, self.config, token, now=self.clock())
        if len(self._auth_cache) >= AUTH_CACHE_SIZE:
            self._auth_cache.clear()
        configured = from_config(self.config, who.principal.name) == who.principal
        ttl = CONFIGURED_AUTH_CACHE_SECONDS if configured else AUTH_CACHE_SECONDS
        self._auth_cache[key] = (who, now + ttl)
        return who

    def _remembered(self, token: str) -> Authenticated | None:
        """``_authenticated``'s answer for ``token`` while it is remembered, else None."""
        cached = self._auth_cache.get(_cache_key(token))
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        return None

    def _record_for(self, asked: _Asked, assessment: Assessment, decision: Decision) -> Submitted:
        work, key = self._recording(asked, assessment, decision)
        record, judged = self.store.run_grouped(work, key=key)
        return Submitted(record, judged.decision, judged.assessment)

    def _recording(
        self, asked: _Asked, assessment: Assessment, decision: Decision
    ) -> tuple[Callable[[Connection], tuple[RequestRecord, _Draft]], str]:
        """The write of a decided submission and the row it locks first (its watch
        session), for either way of running it; the decision is raised to the floor."""
        token, who, action = asked.token, asked.who, asked.action
        credential_scope, break_glass, ttl = asked.credential_scope, asked.break_glass, asked.ttl
        now = self.clock()
        decision = at_least_floor(decision, assessment, self.config)
        if break_glass:
            decision = breakglass.escalate(decision, who.principal, self.config)
        subject = Subject(
            kind=action.kind,
            payload=action.payload,
            target=action.target,
            environments=environments_of(assessment.environments, action.target),
            credential_scope=credential_scope,
            requester_human=who.principal.human,
            requester_agent=who.principal.name if who.principal.acts_for else None,
            expires_at=now + ttl,
        )
        draft = _Draft(token, who, subject, action, assessment, decision, break_glass)
        # group commit: concurrent submissions share one transaction and one commit;
        # the first row a submission locks is its watch session's (``observe``)
        return partial(self._record, draft=draft, now=now), _session_key(assessment, who)

    def _record(
        self, conn: Connection, draft: _Draft, now: datetime
    ) -> tuple[RequestRecord, _Draft]:
        from interlock.watch import observe

        who = draft.who
        _recheck_once(conn, who, draft.token, now)
        request_id = requests.new_id("req-", 5)
        # the session watch only raises the decision (interlock.watch.gate)
        watched = observe(
            conn, self.config, who, draft.assessment, draft.decision, request_id=request_id, now=now
        )
        draft = replace(draft, assessment=watched.assessment, decision=watched.decision)
        record = requests.insert(conn, _columns(request_id, draft, who, now))
        stage(conn, "request-created", who.actor, _created_body(record, who, draft.decision))
        if record.break_glass:
            stage(conn, "break-glass-alert", who.actor, _alert_body(record))
        if record.status is Status.APPROVED:
            grants.issue(conn, record, now=now, actor=who.actor)
        return record, draft

    def approve(
        self, request_id: str, token: str, *, comment: str | None = None, channel: str = "cli"
    ) -> VoteOutcome:
        """Cast an approval; refusals are audited and raised."""
        return self._vote(request_id, token, approve=True, comment=comment, channel=channel)

    def deny(
        self, request_id: str, token: str, *, comment: str, channel: str = "cli"
    ) -> VoteOutcome:
        """Cast a denial (a comment is required); refusals are audited and raised."""
        return self._vote(request_id, token, approve=False, comment=comment, channel=channel)

    async def vote_async(
        self, request_id: str, token: str, *, approve: bool, comment: str | None, channel: str
    ) -> VoteOutcome:
        """:meth:`approve` or :meth:`deny` for a caller on an event loop, which it never
        blocks: the ballot is written by the store's group-commit driver
        (``Store.submit_grouped``), so it costs no worker thread of its own. Only a
        token not seen lately is read in a worker thread first."""
        import asyncio

        who = self._remembered(token)
        if who is None:  # not seen lately: a read, in a worker thread
            who = await asyncio.to_thread(self._authenticated, token)
        work = self._ballot(
            request_id, token, who, approve=approve, comment=comment, channel=channel
        )
        try:
            outcome = await asyncio.wrap_future(self.store.submit_grouped(work, key=request_id))
        except TamperError as tampered:
            await asyncio.to_thread(self._tamper_alert, request_id, tampered)
            raise
        if isinstance(outcome, InterlockError):
            raise outcome
        return outcome

    def _vote(
        self, request_id: str, token: str, *, approve: bool, comment: str | None, channel: str
    ) -> VoteOutcome:
        who = self._authenticated(token)  # re-checked in the write, as for submissions
        work = self._ballot(
            request_id, token, who, approve=approve, comment=comment, channel=channel
        )
        outcome = self._decisive(request_id, work)
        if isinstance(outcome, InterlockError):
            raise outcome
        return outcome

    def _ballot(
        self,
        request_id: str,
        token: str,
        who: Authenticated,
        *,
        approve: bool,
        comment: str | None,
        channel: str,
    ) -> Callable[[Connection], VoteOutcome | InterlockError]:
        """The transaction of one ballot: the outcome, or the refusal it audited."""

        def work(conn: Connection) -> VoteOutcome | InterlockError:
            now = self.clock()
            # the request (locked) and the voter's token: one statement
            found = votes.for_ballot(conn, request_id, hash_token(token))
            if found.request is None:
                recheck(conn, who, token, now=now)  # a dead token is refused first
                raise NotFoundError(f"no request {request_id}")
            still(who, active(found.token, now))
            record = requests.locked(conn, found.request, now=now, actor=who.actor)
            ballot = Cast(who.principal, who.token_id, channel, approve, comment)
            try:
                return votes.cast(conn, record, ballot, now=now)
            except (VoteRefusedError, ForbiddenError) as refusal:
                body = {"request": request_id, "voter": who.actor, "token_id": who.token_id}
                stage(conn, "vote-refused", who.actor, {**body, "reason": refusal.message})
                return refusal

        return work

    def use_grant(self, request_id: str, token: str, digest: str) -> GrantUse:
        """Consume the grant of ``request_id`` for ``digest``; refusals are audited and raised."""

        who = self._authenticated(token)

        def work(conn: Connection) -> GrantUse:
            now = self.clock()
            recheck(conn, who, token, now=now)
            record = requests.lock(conn, request_id, now=now, actor=who.actor)
            if who.principal.human != record.requester_human:
                used = GrantUse(False, f"{who.principal.name} did not request {request_id}")
            else:
                used = grants.consume(conn, record, digest, now=now, by=who.actor)
            body = {"request": request_id, "digest": digest, "token_id": who.token_id}
            kind = "grant-used" if used.ok else "grant-refused"
            stage(conn, kind, who.actor, {**body, "grant": used.grant_id, "reason": used.reason})
            return used

        used = self._decisive(request_id, work)
        if not used.ok:
            raise GrantRefusedError(used.reason)
        return used

    def finish(self, request_id: str, token: str, *, ok: bool, note: str = "") -> RequestRecord:
        """Record how a granted execution ended: ``executed`` or ``failed``."""

        def work(conn: Connection) -> RequestRecord:
            now = self.clock()
            who = authenticate(conn, self.config, token, now=now)
            record = requests.lock(conn, request_id, now=now, actor=who.actor)
            if who.principal.human != record.requester_human:
                raise ForbiddenError(f"{who.principal.name} did not request {request_id}")
            if not grants.used(conn, request_id):
                raise GrantRefusedError(f"request {request_id} has no used grant to report on")
            to = Status.EXECUTED if ok else Status.FAILED
            reason = note or ("execution succeeded" if ok else "execution failed")
            return requests.transition(conn, record, to, now=now, actor=who.actor, reason=reason)

        return self._decisive(request_id, work)

    def _decisive(self, request_id: str, work: Callable[[Connection], T]) -> T:
        """Run a transition; a row that fails its seal is refused and the refusal audited.

        The alert is its own transaction (the refused one rolls back), so the log keeps
        a ``tamper-detected`` entry naming the request and the row even though nothing
        else was written.
        """
        try:
            # group commit, in request order: concurrent ballots share one commit
            return self.store.run_grouped(work, key=request_id)
        except TamperError as tampered:
            self._tamper_alert(request_id, tampered)
            raise

    def _tamper_alert(self, request_id: str, tampered: TamperError) -> None:
        """Audit a refused transition's tamper finding, in a transaction of its own."""
        body = {"request": request_id, "problem": tampered.message}
        with contextlib.suppress(InterlockError):
            self.store.run_in_transaction(lambda conn: stage(conn, "tamper-detected", None, body))

    def cancel(self, request_id: str, token: str) -> RequestRecord:
        """Withdraw a pending request: its requester (or their agent) may."""

        def work(conn: Connection) -> RequestRecord:
            now = self.clock()
            who = authenticate(conn, self.config, token, now=now)
            record = requests.lock(conn, request_id, now=now, actor=who.actor)
            if who.principal.human != record.requester_human:
                raise ForbiddenError(f"{who.principal.name} did not request {request_id}")
            return requests.transition(
                conn, record, Status.CANCELLED, now=now, actor=who.actor, reason="withdrawn"
            )

        return self.store.run_in_transaction(work)

    def show(self, request_id: str) -> RequestView:
        """A request with its ballots and grant; expired first if its time is up.

        Read from a snapshot without locks, so pages, long polls and event streams
        never queue behind voters (nor voters behind them); only a request whose time
        is up is then locked and expired, in a write transaction.
        """
        with self.store.read_transaction() as conn:
            view = _view(conn, requests.fetch(conn, request_id))
        if not requests.is_due(view.record, self.clock()):
            return view
        return self.store.run_in_transaction(
            lambda conn: _view(conn, requests.lock(conn, request_id, now=self.clock(), actor=None))
        )

    def _expire(self, request_id: str, conn: Connection) -> RequestRecord:
        return requests.lock(conn, request_id, now=self.clock(), actor=None)

    def list(self, *, status: Status | None = None, limit: int = 50) -> list[RequestRecord]:
        """The newest requests, after expiring every one whose time is up.

        Each expiry is its own transaction, so listing never holds one request's lock
        while waiting for another's (or for the audit log's) behind a voter.
        """
        with self.store.transaction() as conn:
            due = requests.due(conn, now=self.clock())
        for request_id in due:
            self.store.run_in_transaction(partial(self._expire, request_id))
        with self.store.transaction() as conn:
            return requests.recent(conn, status=status, limit=limit)


@dataclass(frozen=True, slots=True)
class _Asked:
    """A submission as asked for: by whom (authenticated), what, and how."""

    token: str
    who: Authenticated
    action: Action
    credential_scope: str | None
    break_glass: bool
    ttl: timedelta


@dataclass(frozen=True, slots=True)
class _Draft:
    """A judged action waiting to be recorded."""

    token: str
    who: Authenticated
    subject: Subject
    action: Action
    assessment: Assessment
    decision: Decision
    break_glass: bool


def _session_key(assessment: Assessment, who: Authenticated) -> str:
    """The group-commit key of a submission: the watch session row it locks first."""
    from interlock.watch.gate import session_of

    return f"session:{session_of(assessment, who)}"


def _cache_key(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def _recheck_once(conn: Connection, who: Authenticated, token: str, now: datetime) -> None:
    """``recheck`` the token, once per transaction: a group commit's batch often carries
    several submissions of one agent's token.

    Within the transaction the answer cannot go stale: on SQLite the write lock keeps
    a revocation out until the commit; on PostgreSQL one committed in the meantime is no
    different from one committed just after the batch's first check.
    """
    checked: dict[str, str] = tx_state(conn).setdefault(_RECHECKED, {})
    if checked.get(token) == who.token_id:
        return
    recheck(conn, who, token, now=now)
    checked[token] = who.token_id


#: The transaction-state key of the tokens ``_recheck_once`` has checked.
_RECHECKED = "approvals.rechecked"


def _columns(
    request_id: str, draft: _Draft, who: Authenticated, now: datetime
) -> dict[str, object]:
    subject, decision = draft.subject, draft.decision
    status, required = initial_state(decision)
    digest, digest_document = computed(subject)
    return {
        "id": request_id,
        "status": status.value,
        "verdict": decision.verdict.value,
        "kind": draft.action.kind.value,
        "digest": digest,
        "digest_document": digest_document,
        "required_approvals": required,
        "approver_groups": list(decision.approver_groups),
        "requester_human": subject.requester_human,
        "requester_agent": subject.requester_agent,
        "requester_token": who.token_id,
        "environments": list(subject.environments),
        "summary": summary_of(draft.action),
        "task": draft.action.task,
        "rationale": draft.action.rationale,
        "detail": build_detail(draft.assessment, decision),
        "break_glass": draft.break_glass,
        "created_at": now,
        "expires_at": subject.expires_at,
        "updated_at": now,
        "status_reason": decision.reasons[0].message if decision.reasons else None,
    }


def _view(conn: Connection, record: RequestRecord) -> RequestView:
    row = conn.execute(_GRANT_OF, {"request_id": record.id}).one_or_none()
    used_at = row.used_at if row is not None else None
    return RequestView(
        record,
        tuple(votes.listed(conn, record.id)),
        row.id if row is not None else None,
        _aware_or_none(used_at),
    )


_GRANT_OF = select(grants_table.c.id, grants_table.c.used_at).where(
    grants_table.c.request_id == bindparam("request_id")
)


def _aware_or_none(moment: datetime | None) -> datetime | None:
    return aware(moment) if moment is not None else None


def _created_body(
    record: RequestRecord, who: Authenticated, decision: Decision
) -> dict[str, object]:
    return {
        "request": record.id,
        "digest": record.digest,
        "kind": record.kind,
        "summary": record.summary[:500],
        "status": record.status.value,
        "decision": decision.verdict.value,
        "required_approvals": record.required_approvals,
        "approver_groups": list(record.approver_groups),
        "requester": record.requester_human,
        "agent": record.requester_agent,
        "token_id": who.token_id,
        "environments": list(record.environments),
        "task": record.task,
        "reasons": [{"rule": r.rule_id, "message": r.message} for r in decision.reasons],
        "break_glass": record.break_glass,
    }


def _alert_body(record: RequestRecord) -> dict[str, object]:
    return {
        "alert": "break-glass",
        "request": record.id,
        "requester": record.requester_human,
        "approver_groups": list(record.approver_groups),
        "required_approvals": record.required_approvals,
        "summary": record.summary[:500],
    }
