"""The watch in the decision path: session context in, a decision no less strict out.

``observe`` runs inside the transaction that records a request
(``ApprovalService``), after classification and the policy decision, in DESIGN.md's
order ``classify -> watch -> policy``. It:

1. counts the action on the session's row and reads its freeze state in one
   ``UPDATE ... RETURNING``, which on PostgreSQL locks the row and so serialises the
   session's decisions (SQLite's ``BEGIN IMMEDIATE`` already excludes other writers);
2. derives the action's normalised targets (``targets.py``);
3. adds findings: ``delete-and-recreate`` (``sequence.py``) and intent mismatches
   (``intent.py``), and re-runs ``interlock.policy.decide`` on the extended
   assessment, so the floor itself judges the new ``replace`` finding;
4. adds ``watch`` reasons: a frozen session holds non-read actions
   (``breaker.py``), a denied target retried is held, a first-time action class is
   noted (``rates.py``);
5. combines: verdicts with ``strictest``, approvals with ``max``; the decision the
   caller passed in is never lowered;
6. records the action in the session's bounded history (``history.py``), trips the
   breaker past its thresholds, and audits what the watch found (``watch-flagged``),
   all in the caller's transaction.

An action without a session id is watched under ``<principal>:no-session``, so an
agent cannot step outside the watch by leaving the id out. Any error of the watch
other than the store's own holds the action (``watch-error``): it fails closed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from interlock.approvals.submission import summary_of
from interlock.audit.log import stage
from interlock.config import FLOOR_APPROVALS, Config
from interlock.errors import InterlockError
from interlock.identity.access import Authenticated
from interlock.models import (
    Assessment,
    Decision,
    Finding,
    PrincipalKind,
    Reason,
    ReasonSource,
    Verdict,
    max_risk,
    strictest,
)
from interlock.policy.engine import environment_minimum
from interlock.watch import breaker, history, intent, rates, sequence
from interlock.watch.targets import TargetRef, targets_of

ERROR_RULE = "watch-error"

#: Every reason and finding id the watch produces, for registry meta-tests.
WATCH_RULE_IDS: tuple[str, ...] = (
    sequence.RULE_ID,
    intent.ENVIRONMENT_RULE,
    intent.SCOPE_RULE,
    rates.RETRY_RULE,
    rates.FIRST_TIME_RULE,
    breaker.FROZEN_RULE,
    ERROR_RULE,
)


@dataclass(frozen=True, slots=True)
class Watched:
    """The assessment with the watch's findings and the decision it raised."""

    assessment: Assessment
    decision: Decision
    session_id: str
    findings: tuple[Finding, ...] = ()
    reasons: tuple[Reason, ...] = ()


def session_of(assessment: Assessment, who: Authenticated) -> str:
    """The session an action belongs to (a per-principal bucket without an id)."""
    given = (assessment.action.session_id or "").strip()
    return given[:200] if given else f"{who.principal.name}:no-session"[:200]


@dataclass(frozen=True, slots=True)
class _Turn:
    """One action being watched: where, who, which session, which request, when."""

    conn: Connection
    config: Config
    who: Authenticated
    session: str
    request_id: str | None
    now: datetime

    @property
    def agent(self) -> str | None:
        p = self.who.principal
        return p.name if p.kind is PrincipalKind.AGENT else None

    def since(self, seconds: int) -> datetime:
        return self.now - timedelta(seconds=max(1, seconds))


def observe(
    conn: Connection,
    config: Config,
    who: Authenticated,
    assessment: Assessment,
    decision: Decision,
    *,
    request_id: str | None,
    now: datetime,
) -> Watched:
    """Watch one action of a session; the result is never less strict than ``decision``."""
    turn = _Turn(conn, config, who, session_of(assessment, who), request_id, now)
    try:
        return _observe(turn, assessment, decision)
    except (SQLAlchemyError, InterlockError):
        raise
    except Exception as exc:  # fail closed: an error in the watch never allows
        message = f"the session watch failed: {type(exc).__name__}: {exc}"
        reason = Reason(ReasonSource.WATCH, ERROR_RULE, message, Verdict.HOLD)
        raised = _raise(decision, None, [reason], FLOOR_APPROVALS)
        return Watched(assessment, raised, turn.session, (), (reason,))


def _observe(turn: _Turn, assessment: Assessment, decision: Decision) -> Watched:
    state = history.touch(
        turn.conn, turn.session, agent=turn.agent, human=turn.who.principal.human, now=turn.now
    )
    action = assessment.action
    refs = [t for f in assessment.findings for t in targets_of(f, action)]
    settings = turn.config.watch
    window = max(settings.sequence_window, settings.retry_window)
    related = history.related(turn.conn, turn.session, turn.since(window), refs)
    seq_since = turn.since(settings.sequence_window)
    earlier = [r.entry for r in related if r.entry.at >= seq_since]
    added = sequence.recreations(refs, earlier, evidence=summary_of(action)[:500])
    mismatches = intent.mismatches(action.task, assessment, turn.config)
    added += [m.finding for m in mismatches]
    reasons = [m.reason for m in mismatches]
    reasons += _context_reasons(turn, state, assessment, refs, related)
    extended = assessment
    redecided: Decision | None = None
    if added:
        from interlock.policy import decide

        extended = _extend(assessment, added)
        redecided = decide(extended, turn.config, requester=turn.who.principal, now=turn.now)
    minimum = environment_minimum(extended, turn.config)[0]
    combined = _raise(decision, redecided, reasons, minimum)
    counted = rates.is_attempt(extended, combined)
    if counted:
        history.count_attempt(turn.conn, turn.session)
        if state.frozen_at is None:
            combined = _breaker(turn, extended, combined, minimum)
    _remember(turn, state, extended, combined, refs, counted=counted)
    watch_reasons = tuple(r for r in combined.reasons if r.source is ReasonSource.WATCH)
    if added or watch_reasons:
        _audit(turn, added, watch_reasons)
    return Watched(extended, combined, turn.session, tuple(added), watch_reasons)


def _context_reasons(
    turn: _Turn,
    state: history.SessionState,
    assessment: Assessment,
    refs: list[TargetRef],
    related: list[history.Related],
) -> list[Reason]:
    out: list[Reason] = []
    if state.frozen_at is not None and not breaker.read_only(assessment):
        out.append(breaker.held(state))
    retry_since = turn.since(turn.config.watch.retry_window)
    refused = [r.entry for r in related if r.refused and r.entry.at >= retry_since]
    out += rates.denied_retries(refs, refused)
    if turn.agent is not None:
        klass = rates.action_class(assessment)
        if not history.has_done(turn.conn, turn.agent, klass):
            out.append(rates.first_time(turn.agent, klass))
    return out


def _extend(assessment: Assessment, added: list[Finding]) -> Assessment:
    envs = set(assessment.environments) | {f.environment for f in added if f.environment}
    return replace(
        assessment,
        findings=(*assessment.findings, *added),
        environments=tuple(sorted(envs)),
        risk=max_risk(assessment.risk, *(f.risk for f in added)),
    )


def _raise(
    decision: Decision, redecided: Decision | None, reasons: list[Reason], minimum: int
) -> Decision:
    """``decision`` made stricter by a re-decision and the watch's reasons, never laxer.

    A hold needs at least ``minimum`` approvers: the environments' configured number.
    """
    verdict = strictest(decision.verdict, *(r.verdict for r in reasons))
    approvals = decision.required_approvals
    groups = decision.approver_groups
    risk = decision.risk
    extra: list[Reason] = []
    if redecided is not None:
        verdict = strictest(verdict, redecided.verdict)
        approvals = max(approvals, redecided.required_approvals)
        groups = groups or redecided.approver_groups
        risk = max_risk(risk, redecided.risk)
        extra = [r for r in redecided.reasons if r not in decision.reasons]
    if verdict is Verdict.HOLD:
        approvals = max(approvals, minimum, 1)
    elif verdict is not Verdict.DENY:
        approvals = 0
    new = [r for r in reasons if r not in decision.reasons and r not in extra]
    return Decision(verdict, risk, approvals, (*decision.reasons, *extra, *new), groups)


def _breaker(turn: _Turn, assessment: Assessment, decision: Decision, minimum: int) -> Decision:
    """Trip the breaker when this attempt crosses a threshold; hold what it freezes."""
    why = _over_threshold(turn)
    if why is None:
        return decision
    freeze = breaker.trip(
        turn.conn,
        turn.session,
        reason=why,
        agent=turn.agent,
        human=turn.who.principal.human,
        request_id=turn.request_id,
        now=turn.now,
    )
    if breaker.read_only(assessment):
        return decision
    return _raise(decision, None, [breaker.held(freeze)], minimum)


def _over_threshold(turn: _Turn) -> str | None:
    """Why the breaker trips on this attempt (counting it), or ``None``."""
    s = turn.config.watch
    window = max(1, s.rate_window)
    in_session = history.count_session(turn.conn, turn.session, turn.since(window)) + 1
    if in_session >= max(1, s.session_threshold):
        return f"{in_session} destructive or held attempts within {window} s"
    if turn.agent is not None:
        agent_window = max(1, s.agent_window)
        by_agent = history.count_agent(turn.conn, turn.agent, turn.since(agent_window)) + 1
        if by_agent >= max(1, s.agent_threshold):
            return (
                f"agent {turn.agent} made {by_agent} destructive or held attempts "
                f"within {agent_window} s"
            )
    return None


def _remember(
    turn: _Turn,
    state: history.SessionState,
    assessment: Assessment,
    decision: Decision,
    refs: list[TargetRef],
    *,
    counted: bool,
) -> None:
    summary = summary_of(assessment.action)
    entry = history.Entry(
        session_id=turn.session,
        agent=turn.agent,
        human=turn.who.principal.human,
        at=turn.now,
        request_id=turn.request_id,
        summary=summary,
        action_class=rates.action_class(assessment),
        targets=tuple(refs),
        categories=tuple(f.category.value for f in assessment.findings),
        environments=assessment.environments,
        verdict=decision.verdict,
        counted=counted,
        evidence=summary,
    )
    history.record(turn.conn, entry, state=state, limit=turn.config.watch.history_limit)


def _audit(turn: _Turn, findings: list[Finding], reasons: tuple[Reason, ...]) -> None:
    body = {
        "request": turn.request_id,
        "session": turn.session,
        "findings": [
            {
                "rule": f.rule_id,
                "target": f.target,
                "environment": f.environment,
                "explanation": f.explanation,
            }
            for f in findings
        ],
        "reasons": [
            {"rule": r.rule_id, "message": r.message, "verdict": r.verdict.value} for r in reasons
        ],
    }
    stage(turn.conn, "watch-flagged", turn.who.actor, body)
