"""The input document Rego policies see, built from an assessment and its requester.

Shape (all keys always present, ``null`` when unknown)::

    kind         "shell", "terraform-plan", ...
    command      the command line (shell actions), else null
    plan         the parsed plan JSON (plan actions), else null
    <plan keys>  for plans, the plan's top-level keys as well, so conftest policies
                 written for ``terraform show -json`` (``input.resource_changes``)
                 work unchanged
    assessment   {"findings": [...], "environments": [...], "blast_radius": {...},
                  "risk": "...", "facts": {...}}
    environment  the first environment the action touches (or the one it names)
    requester    {"name", "kind", "human", "groups"} or null
    agent        {"name", "acts_for", "profile"} when an agent asks, else null
    task         the human's task; ``rationale`` the agent's reason

Interlock's own keys win over a plan key of the same name. The plan is parsed with
``orjson`` (DESIGN.md: plans reach hundreds of MB); one that does not parse is left
out and the assessment (which holds it) still reaches the policies.
"""

from __future__ import annotations

from typing import Any

from interlock.models import ActionKind, Assessment, Principal, PrincipalKind, to_plain

#: Keys interlock itself puts in the document (they win over plan keys).
OWN_KEYS: tuple[str, ...] = (
    "kind",
    "command",
    "plan",
    "assessment",
    "environment",
    "requester",
    "agent",
    "task",
    "rationale",
)


def policy_input(
    assessment: Assessment,
    requester: Principal | None = None,
    keys: frozenset[str] | None = None,
) -> dict[str, Any]:
    """The Rego ``input`` for ``assessment`` asked by ``requester``.

    ``keys`` limits the document to the top-level keys the policies read (``None``:
    all of them): handing a large plan to the engine costs per value, and a policy
    that never reads ``input.planned_values`` should not pay for it.
    """
    plan_keys = None if keys is None else keys - set(OWN_KEYS)
    need_plan = keys is None or "plan" in keys or bool(plan_keys)
    plan = _plan(assessment) if need_plan else None
    document: dict[str, Any] = {}
    if isinstance(plan, dict):
        document.update(plan if plan_keys is None else {k: plan[k] for k in plan_keys & set(plan)})
    for key in OWN_KEYS:
        if keys is None or key in keys:
            document[key] = _own(key, assessment, requester, plan)
    return document


def _own(key: str, assessment: Assessment, requester: Principal | None, plan: Any) -> Any:
    """The value of one of interlock's own keys."""
    action = assessment.action
    if key == "kind":
        return action.kind.value
    if key == "command":
        return _command(assessment)
    if key == "plan":
        return plan
    if key == "assessment":
        return _assessment(assessment)
    if key == "environment":
        return _environment(assessment)
    if key == "requester":
        return _requester(requester)
    if key == "agent":
        return _agent(requester)
    return action.task if key == "task" else action.rationale


def _command(assessment: Assessment) -> str | None:
    payload = assessment.action.payload
    return payload if isinstance(payload, str) else None


def _plan(assessment: Assessment) -> Any:
    action = assessment.action
    if action.kind is ActionKind.SHELL:
        return None
    import orjson

    try:
        return orjson.loads(action.payload)
    except orjson.JSONDecodeError:
        return None


def _assessment(assessment: Assessment) -> dict[str, Any]:
    return {
        "findings": [to_plain(f) for f in assessment.findings],
        "environments": list(assessment.environments),
        "blast_radius": to_plain(assessment.blast_radius),
        "risk": assessment.risk.value,
        "facts": to_plain(assessment.facts),
    }


def _environment(assessment: Assessment) -> str | None:
    if assessment.environments:
        return assessment.environments[0]
    if assessment.action.target.environment:
        return assessment.action.target.environment
    return next((f.environment for f in assessment.findings if f.environment), None)


def _requester(requester: Principal | None) -> dict[str, Any] | None:
    if requester is None:
        return None
    return {
        "name": requester.name,
        "kind": requester.kind.value,
        "human": requester.human,
        "groups": list(requester.groups),
    }


def _agent(requester: Principal | None) -> dict[str, Any] | None:
    if requester is None or requester.kind is not PrincipalKind.AGENT:
        return None
    return {"name": requester.name, "acts_for": requester.acts_for, "profile": requester.profile}
