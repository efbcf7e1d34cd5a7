"""Delete-then-create across a session's commands: ``delete-and-recreate`` (issue 8).

A plan check sees one plan; an agent can reach the incident of DESIGN.md in two small
steps instead, ``aws rds delete-db-instance ledger`` and then
``aws rds create-db-instance ledger``, each of which alone might pass. When an action
creates a target (``targets.py`` identity: same family, same name or a wildcard, same
or unknown environment) that an earlier action of the same session deleted within
``watch.sequence_window`` seconds, the watch adds a finding:

* rule ``delete-and-recreate``, category ``replace``, scope ``remote``;
* the environment of the targets (the current one, else the earlier one; unknown
  stays unknown, which the floor treats as protected);
* an explanation citing the earlier action: its request id, time and evidence.

The earlier delete counts whether or not it was executed: the attempt is what shows
the agent's plan, and a held delete may still be approved later.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from interlock.models import Category, Finding, Risk, Scope
from interlock.watch.history import Entry
from interlock.watch.targets import Op, TargetRef

#: The rule id, stable and never renamed.
RULE_ID = "delete-and-recreate"

#: Longest piece of earlier evidence quoted in an explanation.
_QUOTE = 160


def recreations(
    current: Sequence[TargetRef], earlier: Iterable[Entry], *, evidence: str
) -> list[Finding]:
    """One finding per created target that an ``earlier`` entry deleted (newest first)."""
    creates = [t for t in current if t.op is Op.CREATE]
    if not creates:
        return []
    out: list[Finding] = []
    seen: set[str] = set()
    for entry in earlier:
        for deleted in (t for t in entry.targets if t.op is Op.DELETE):
            for created in creates:
                if created.key in seen or not created.same_resource(deleted):
                    continue
                seen.add(created.key)
                out.append(_finding(created, deleted, entry, evidence))
    return out


def _finding(created: TargetRef, deleted: TargetRef, entry: Entry, evidence: str) -> Finding:
    environment = created.environment or deleted.environment
    stateful = created.stateful or deleted.stateful
    name = created.name if created.name != "*" else deleted.name
    target = f"{created.family}:{name}"
    return Finding(
        RULE_ID,
        Category.REPLACE,
        Scope.REMOTE,
        target,
        evidence,
        explain(target, entry),
        Risk.CRITICAL if stateful or environment is None else Risk.HIGH,
        environment,
        stateful,
    )


def explain(target: str, entry: Entry) -> str:
    """Why this create completes a replacement, citing the earlier delete."""
    request = entry.request_id or "an unrecorded request"
    quoted = entry.evidence or entry.summary
    if len(quoted) > _QUOTE:
        quoted = quoted[: _QUOTE - 1] + "\u2026"
    return (
        f"recreates {target}, deleted earlier in this session by {request} at "
        f"{_when(entry.at)} ({entry.verdict.value}): `{quoted}`; together the two "
        "steps replace it"
    )


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")
