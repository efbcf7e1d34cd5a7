"""Replay the incident scenarios through the gateway's own library path.

Each scenario gets a fresh SQLite store and its configuration, tokens for its people
and agent, and then its steps go through ``ApprovalService`` exactly as a hook, the
HTTP API or the CLI would send them: classification, the session watch, policy,
votes and the audit log. A step passes only if interlock answers as the scenario
demands; the audit log of every scenario must verify afterwards. The stores are kept
in the work directory so the person watching can open them in the web page and run
``interlock audit verify`` themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from interlock.approvals.service import ApprovalService, Submitted
from interlock.cli.render import ordered
from interlock.config import Config, parse_config
from interlock.demo.incidents import SCENARIOS, Scenario, Step
from interlock.errors import AuthError, InterlockError, VoteRefusedError
from interlock.identity.service import TokenService, wanted_agent, wanted_human
from interlock.models import Action, ActionKind, Target
from interlock.store import Store


@dataclass(frozen=True, slots=True)
class Row:
    """One replayed step: what happened and whether it was what must happen."""

    scenario: int
    actor: str
    label: str
    outcome: str
    why: str
    ok: bool
    problem: str = ""


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """A scenario's rows, its store and the verified size of its audit log."""

    scenario: Scenario
    rows: tuple[Row, ...]
    database: Path
    audit_entries: int
    last_request: str | None

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)


def replay(workdir: Path, scenarios: tuple[Scenario, ...] = SCENARIOS) -> list[ScenarioResult]:
    """Run every scenario in ``workdir`` (one database each) and return the results."""
    workdir.mkdir(parents=True, exist_ok=True)
    return [_run(s, workdir) for s in scenarios]


def _run(scenario: Scenario, workdir: Path) -> ScenarioResult:
    from interlock.store import open_store

    config = parse_config(scenario.config, source=f"scenario {scenario.number}")
    database = workdir / f"incident-{scenario.number}.db"
    database.unlink(missing_ok=True)
    store = open_store(f"sqlite:///{database}")
    try:
        tokens = _tokens(store, config)
        service = ApprovalService(store, config)
        rows: list[Row] = []
        last: str | None = None
        for step in scenario.steps:
            row, last = _step(service, tokens, scenario, step, last)
            rows.append(row)
        entries = _verify(store)
    finally:
        store.close()
    return ScenarioResult(scenario, tuple(rows), database, entries, last)


def _tokens(store: Store, config: Config) -> dict[str, str]:
    issuer = TokenService(store, config)
    out: dict[str, str] = {}
    for name, person in config.people.items():
        out[name] = issuer.issue(wanted_human(name, person.groups), expires_in=None).token
    for name, agent in config.agents.items():
        wanted = wanted_agent(name, agent.acts_for, agent.profile or None)
        out[name] = issuer.issue(wanted, expires_in=None).token
    return out


def _step(
    service: ApprovalService,
    tokens: dict[str, str],
    scenario: Scenario,
    step: Step,
    last: str | None,
) -> tuple[Row, str | None]:
    if step.vote is not None:
        return _vote(service, tokens[step.actor], scenario, step, last), last
    kind = ActionKind.TERRAFORM_PLAN if step.plan is not None else ActionKind.SHELL
    payload: str | bytes = step.plan() if step.plan is not None else (step.command or "")
    action = Action(
        kind,
        payload,
        Target(environment=step.env),
        task=scenario.task,
        rationale=step.label,
        session_id=f"demo-incident-{scenario.number}",
    )
    try:
        submitted = service.submit(tokens[step.actor], action)
    except InterlockError as exc:
        return _row(scenario, step, "error", exc.message, f"refused: {exc.message}"), last
    problem = _check_submission(step, submitted)
    verdict = submitted.decision.verdict.value
    outcome = verdict + (
        f" ({submitted.decision.required_approvals} approvers)" if verdict == "hold" else ""
    )
    why = submitted.decision.reasons[0].message if submitted.decision.reasons else "allowed"
    return _row(scenario, step, outcome, why, problem), submitted.record.id


def _check_submission(step: Step, submitted: Submitted) -> str:
    decision = submitted.decision
    findings = ordered(submitted.assessment.findings)
    ids = {f.rule_id for f in findings} | {r.rule_id for r in decision.reasons}
    problems = []
    if decision.verdict not in step.verdicts:
        problems.append(f"decision {decision.verdict.value}")
    problems += [f"no {rule}" for rule in step.rules if rule not in ids]
    problems += [
        f"no {prefix}* finding"
        for prefix in step.rule_prefixes
        if not any(i.startswith(prefix) for i in ids)
    ]
    if step.first_target and (not findings or findings[0].target != step.first_target):
        problems.append(f"{step.first_target} not named first")
    if step.approvals is not None and decision.required_approvals != step.approvals:
        problems.append(f"{decision.required_approvals} approvers required")
    return "; ".join(problems)


def _vote(
    service: ApprovalService, token: str, scenario: Scenario, step: Step, last: str | None
) -> Row:
    if last is None:
        return _row(scenario, step, "error", "", "no request to vote on")
    try:
        outcome = service.approve(last, token, comment=step.label)
    except (VoteRefusedError, AuthError) as exc:
        problem = "" if step.refused else f"refused: {exc.message}"
        return _row(scenario, step, "vote refused", exc.message, problem)
    state = f"{outcome.status} ({outcome.approvals}/{outcome.required})"
    problem = "the vote was counted" if step.refused else ""
    if step.status and outcome.status != step.status:
        problem = f"status {outcome.status}"
    return _row(scenario, step, state, f"approved by {', '.join(outcome.approvers)}", problem)


def _row(scenario: Scenario, step: Step, outcome: str, why: str, problem: str) -> Row:
    label = step.command or step.label if step.vote is None else step.label
    return Row(scenario.number, step.actor, label, outcome, why, not problem, problem)


def _verify(store: Store) -> int:
    from interlock.audit.verify import verify_log

    with store.read_transaction() as conn:
        return verify_log(conn, []).size
