"""Decision speed for a pre-classified request, as issue 4 asks for it.

Each line gives decisions per second and the median and p99 microseconds of one
``decide`` call (goal: a full decision at most 1 ms median, in-process) for:

* the floor alone (``decide(assessment, config)``, what ``interlock check`` runs);
* the full engine without Rego: an agent requester checked against people, groups
  and a profile, a freeze and a deployment window configured;
* the same plus the example Rego policies (``examples/policies``), for a shell
  request and for a 55-resource corpus plan (the plan's JSON is parsed and handed
  to the engine on every decision, as the gateway would);
* loading and compiling the example policies once.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from interlock.models import Assessment

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "policies"
PLAN = (
    ROOT.parent
    / "shared"
    / "corpus"
    / "tfplan"
    / "bridgecrewio__checkov__tests__terraform__runner__resources__plan__tfplan.json"
)
#: Timed calls per case, after a warm-up, stopping early once a case has used its
#: time budget (but never under ``MIN_CALLS``), so the suite stays well under a minute.
CALLS = 2000
MIN_CALLS = 20
BUDGET_S = 6.0

CONFIG = """\
environments:
  production: {protected: true, approvals: 2, approver_groups: [sre], match: {names: [prod]}}
  staging: {approvals: 1}
people:
  alice: {groups: [admins]}
  bob: {groups: [sre]}
agents:
  kiro: {for: alice, profile: operator}
groups:
  admins: {permissions: {"*": [read, plan, change, destroy, approve]}}
  sre: {permissions: {"*": [read, plan, approve]}}
profiles:
  operator: {permissions: {"*": [read, plan, change, destroy]}}
freezes:
  year-end: {environments: [production], start: 2026-12-20T00:00:00Z, reason: year end}
windows:
  office: {environments: [production], days: [mon, tue, wed, thu, fri], start: "08:00"}
"""


def run() -> list[str]:
    """Measure and return printable lines."""
    from interlock.config import default_config, parse_config
    from interlock.models import Principal, PrincipalKind
    from interlock.policy import decide, load_policies

    config = parse_config(CONFIG)
    kiro = Principal("kiro", PrincipalKind.AGENT, acts_for="alice")
    shell, plan = _assessments()
    started = time.perf_counter()
    policies = load_policies([EXAMPLES])
    load_ms = (time.perf_counter() - started) * 1000
    floor_config = default_config()
    cases: list[tuple[str, Callable[[], object]]] = [
        ("floor only (shell)", lambda: decide(shell, floor_config)),
        ("full, no Rego (shell)", lambda: decide(shell, config, requester=kiro)),
        (
            "full + Rego (shell)",
            lambda: decide(shell, config, requester=kiro, policies=policies),
        ),
        (
            "full + Rego (55-resource plan)",
            lambda: decide(plan, config, requester=kiro, policies=policies),
        ),
    ]
    lines = [_line(name, _time(call)) for name, call in cases]
    lines.append(f"load + compile examples/policies once: {load_ms:.1f} ms")
    lines.append(f"machine load average while measuring: {os.getloadavg()[0]:.1f}")
    return lines


def _assessments() -> tuple[Assessment, Assessment]:
    from interlock.models import (
        Action,
        ActionKind,
        Assessment,
        Category,
        Finding,
        Scope,
    )

    delete = Finding(
        "kubectl-delete",
        Category.DELETE,
        Scope.REMOTE,
        "namespace/payments",
        "kubectl --context prod-eu delete namespace payments",
        "deletes a namespace",
        environment="production",
    )
    shell = Assessment(Action(ActionKind.SHELL, delete.evidence), (delete,), ("production",))
    create = Finding(
        "tf-create",
        Category.CREATE,
        Scope.REMOTE,
        "aws_s3_bucket.x",
        "create",
        "creates",
        environment="production",
    )
    payload = PLAN.read_bytes()
    plan = Assessment(Action(ActionKind.TERRAFORM_PLAN, payload), (create,) * 55, ("production",))
    return shell, plan


def _time(call: Callable[[], object]) -> list[float]:
    for _ in range(5):
        call()
    out: list[float] = []
    deadline = time.perf_counter() + BUDGET_S
    while len(out) < CALLS and (len(out) < MIN_CALLS or time.perf_counter() < deadline):
        started = time.perf_counter_ns()
        call()
        out.append((time.perf_counter_ns() - started) / 1000)
    return out


def _line(name: str, micros: list[float]) -> str:
    median = statistics.median(micros)
    p99 = statistics.quantiles(micros, n=100)[98]
    rate = 1_000_000 / median
    verdict = "ok" if median <= 1000 else "OVER the 1 ms goal"
    return (
        f"{name}: {rate:,.0f} decisions/s, median {median:.0f} us, p99 {p99:.0f} us "
        f"over {len(micros)} calls ({verdict})"
    )
