"""Least privilege: what a principal may do, per environment and action class.

This is the Kiro lesson of DESIGN.md in code: an agent's effective permission is the
**intersection** of its own profile and the permissions of the human it acts for, so
a broad human role never widens what the agent may do, and an agent profile never
lets it do more than its human may. A request outside the intersection is denied
with a reason naming the side that lacks it ("agent profile 'planner' does not allow
destroy in staging", or the human by name).

Every finding is mapped to one action class here, and only here (``action_class``):
read findings are ``read``; a Terraform/OpenTofu ``plan`` is ``plan``; create, write
and exposure are ``change``; delete, replace, privilege, opaque and self-tamper are
``destroy``. Findings that touch no environment (the agent's own workspace, the
local machine) are not restricted here: the floor judges them. A remote finding in
an environment interlock cannot name is checked against the ``"*"`` entries only.

With no ``people``, ``agents``, ``groups`` or ``profiles`` configured nothing is
restricted, so a first run and ``interlock check`` work. The human side restricts
once ``people`` or ``groups`` are set; the agent side once ``agents`` or
``profiles`` are set. Anything that cannot be resolved (an unlisted human, an agent
without a profile, an unknown profile) is denied, never guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from interlock.config import ANY_ENVIRONMENT, ActionClass, Config, Permissions
from interlock.models import (
    Assessment,
    Category,
    Finding,
    Principal,
    PrincipalKind,
    Reason,
    ReasonSource,
    Scope,
    Verdict,
)

_CLASS_OF: dict[Category, ActionClass] = {
    Category.READ: ActionClass.READ,
    Category.CREATE: ActionClass.CHANGE,
    Category.WRITE: ActionClass.CHANGE,
    Category.EXPOSURE: ActionClass.CHANGE,
    Category.DELETE: ActionClass.DESTROY,
    Category.REPLACE: ActionClass.DESTROY,
    Category.PRIVILEGE: ActionClass.DESTROY,
    Category.OPAQUE: ActionClass.DESTROY,
    Category.SELF_TAMPER: ActionClass.DESTROY,
}

#: ``terraform plan``, ``tofu -chdir=x plan -destroy``: the program, global flags, ``plan``.
_PLAN_COMMAND = re.compile(r"(?:^|[\s/])(?:terraform|tofu)(?:\s+-\S+)*\s+plan(?:\s|$)")
_PLAN_RULE_PREFIXES = ("terraform-plan", "tofu-plan", "opentofu-plan")

#: Reason ids this module produces, for registry meta-tests.
PERMISSION_RULE_IDS: tuple[str, ...] = (
    "permission-agent-profile",
    "permission-human",
    "permission-unknown-human",
    "permission-agent-identity",
    "permission-agent-profile-missing",
)


def action_class(finding: Finding) -> ActionClass:
    """The one mapping from a finding to the action class permissions speak of."""
    klass = _CLASS_OF.get(finding.category, ActionClass.DESTROY)
    if klass in (ActionClass.READ, ActionClass.CHANGE) and _is_plan(finding):
        return ActionClass.PLAN
    return klass


def _is_plan(finding: Finding) -> bool:
    """A plan only computes a diff: read access plus the plan file in the workspace."""
    if finding.rule_id.startswith(_PLAN_RULE_PREFIXES):
        return True
    if finding.category is not Category.READ and finding.scope is Scope.REMOTE:
        return False
    return _PLAN_COMMAND.search(finding.evidence) is not None


def environment_of(finding: Finding, config: Config) -> tuple[bool, str | None]:
    """``(restricted, name)``: whether permissions apply and the canonical environment.

    ``name`` is ``None`` for a remote finding whose environment is unknown.
    """
    if finding.environment:
        env = config.environment(finding.environment)
        return True, env.name if env is not None else finding.environment
    return finding.scope is Scope.REMOTE, None


def allowed(table: Permissions, environment: str | None, config: Config) -> frozenset[ActionClass]:
    """The classes ``table`` allows in ``environment``: its own entry, else ``"*"``."""
    if environment is not None:
        for key, classes in table.items():
            if key == ANY_ENVIRONMENT:
                continue
            env = config.environment(key)
            if (env.name if env is not None else key) == environment:
                return frozenset(classes)
    return frozenset(table.get(ANY_ENVIRONMENT, ()))


def human_allowed(
    config: Config, groups: Iterable[str], environment: str | None
) -> frozenset[ActionClass]:
    """What members of ``groups`` may do in ``environment``: the union over the groups."""
    out: set[ActionClass] = set()
    for name in groups:
        group = config.groups.get(name)
        if group is not None:
            out |= allowed(group.permissions, environment, config)
    return frozenset(out)


def may_approve(config: Config, human: str, environment: str | None) -> str | None:
    """Why ``human`` may not approve in ``environment``, or ``None`` when they may.

    The floor's rules on approvers (never the requester, never an agent) live in
    ``approvals``; this adds only the configured ``approve`` permission.
    """
    if not (config.people or config.groups):
        return None
    if config.people and human not in config.people:
        return f"{human!r} is not listed in people"
    groups = config.people[human].groups if human in config.people else ()
    if ActionClass.APPROVE in human_allowed(config, groups, environment):
        return None
    return f"human {human!r} may not approve in {_where(environment)}"


@dataclass(frozen=True, slots=True)
class _Subject:
    """Who is asking, resolved against the configuration."""

    human: str
    groups: tuple[str, ...]
    agent: str | None
    profile: str | None


def check_permissions(
    assessment: Assessment, config: Config, requester: Principal | None
) -> tuple[Reason, ...]:
    """Deny reasons for every (environment, class) the requester may not act in."""
    if requester is None or not config.restricts_identity:
        return ()
    subject = _resolve(config, requester)
    if isinstance(subject, Reason):
        return (subject,)
    reasons: list[Reason] = []
    seen: set[tuple[str | None, ActionClass]] = set()
    for finding in assessment.findings:
        restricted, environment = environment_of(finding, config)
        need = (environment, action_class(finding))
        if not restricted or need in seen:
            continue
        seen.add(need)
        reasons.extend(_gaps(config, subject, *need))
    return tuple(reasons)


def _gaps(
    config: Config, who: _Subject, environment: str | None, klass: ActionClass
) -> list[Reason]:
    out: list[Reason] = []
    where = _where(environment)
    if who.agent is not None and who.profile is not None:
        profile = config.profiles[who.profile]
        if klass not in allowed(profile.permissions, environment, config):
            text = (
                f"agent profile {who.profile!r} does not allow {klass} in {where} "
                f"(agent {who.agent!r} acting for {who.human!r})"
            )
            out.append(_deny("permission-agent-profile", text))
    if (config.people or config.groups) and klass not in human_allowed(
        config, who.groups, environment
    ):
        text = f"human {who.human!r} may not {klass} in {where}"
        if who.agent is not None:
            text += f", so neither may agent {who.agent!r} acting for them"
        out.append(_deny("permission-human", text))
    return out


def _resolve(config: Config, requester: Principal) -> _Subject | Reason:
    """The requester's human, groups and profile, or the reason they cannot be known."""
    agent: str | None = None
    profile: str | None = None
    human = requester.name
    if requester.kind is PrincipalKind.AGENT:
        agent = requester.name
        resolved = _resolve_agent(config, requester)
        if isinstance(resolved, Reason):
            return resolved
        human, profile = resolved
    if human in config.people:
        groups = config.people[human].groups
    elif config.people:
        return _deny("permission-unknown-human", f"human {human!r} is not listed in people")
    else:
        groups = requester.groups if requester.kind is PrincipalKind.HUMAN else ()
    return _Subject(human, groups, agent, profile)


def _resolve_agent(config: Config, agent: Principal) -> tuple[str, str | None] | Reason:
    configured = config.agents.get(agent.name)
    human = configured.acts_for if configured is not None else (agent.acts_for or "")
    if not human:
        return _deny("permission-agent-identity", f"agent {agent.name!r} acts for no human")
    if agent.acts_for and agent.acts_for != human:
        text = (
            f"agent {agent.name!r} acts for {human!r} in the configuration, not {agent.acts_for!r}"
        )
        return _deny("permission-agent-identity", text)
    if config.people and human not in config.people:
        text = f"human {human!r} (for whom agent {agent.name!r} acts) is not listed in people"
        return _deny("permission-unknown-human", text)
    if not (config.agents or config.profiles):
        return human, None
    name = (configured.profile if configured else "") or agent.profile or ""
    name = name or config.default_agent_profile
    if not name or name not in config.profiles:
        what = f"unknown profile {name!r}" if name else "no profile and no default_agent_profile"
        return _deny("permission-agent-profile-missing", f"agent {agent.name!r} has {what}")
    return human, name


def _where(environment: str | None) -> str:
    return environment if environment is not None else "an unknown environment"


def _deny(rule_id: str, message: str) -> Reason:
    return Reason(ReasonSource.PERMISSION, rule_id, message, Verdict.DENY)
