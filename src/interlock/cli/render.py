"""How assessments and decisions look in a terminal and as JSON lines.

One place for both forms so that ``check``, ``request`` and the demo print the same
words: findings first (most severe first), then the reasons of the decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from interlock.models import RISK_ORDER, Assessment, Decision, Finding, to_plain


def decision_json(assessment: Assessment, decision: Decision) -> dict[str, Any]:
    """The JSON object ``check --json`` and ``--batch`` print for one action."""
    return {
        "decision": decision.verdict.value,
        "risk": decision.risk.value,
        "required_approvals": decision.required_approvals,
        "approver_groups": list(decision.approver_groups),
        "environments": list(assessment.environments),
        "findings": [to_plain(f) for f in ordered(assessment.findings)],
        "reasons": [to_plain(r) for r in decision.reasons],
        "blast_radius": to_plain(assessment.blast_radius),
    }


def ordered(findings: tuple[Finding, ...]) -> list[Finding]:
    """Findings most severe first, stateful before stateless, stable otherwise."""
    return sorted(findings, key=lambda f: (-RISK_ORDER[f.risk], not f.stateful))


def decision_text(assessment: Assessment, decision: Decision) -> str:
    """A reviewer's summary: the verdict, each finding with its evidence, the reasons."""
    head = f"{decision.verdict.value.upper()}  risk={decision.risk.value}"
    if decision.required_approvals:
        head += f"  approvals={decision.required_approvals}"
        if decision.approver_groups:
            head += f" from {', '.join(decision.approver_groups)}"
    lines = [head]
    for f in ordered(assessment.findings):
        env = f.environment or "unknown"
        lines.append(f"  [{f.rule_id}] {f.category.value}/{f.scope.value} {f.target} (env {env})")
        lines.append(f"      {f.explanation}")
        lines.append(f"      evidence: {_clip(f.evidence)}")
    for r in decision.reasons:
        lines.append(f"  because {r.source.value}:{r.rule_id} -> {r.verdict.value}: {r.message}")
    return "\n".join(lines)


def table(rows: Sequence[tuple[str, ...]], headers: tuple[str, ...]) -> str:
    """A plain fixed-width table; long cells are clipped so rows stay one line."""
    cells = [headers, *[tuple(_clip(c, 70) for c in row) for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    out = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def _clip(text: str, width: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
