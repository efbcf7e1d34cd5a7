"""No false freeze: a realistic benign session of 500 corpus commands.

The commands are the ``safe`` lines of both command guards' corpora
(``../shared/corpus/commands/``, read in place), sampled with a fixed seed and
replayed at a human-like pace (3 to 40 seconds apart) through ``submit``.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path

from interlock.models import Verdict
from interlock.watch.breaker import FROZEN_RULE
from interlock.watch.sequence import RULE_ID
from tests.watch.conftest import Session, rules

SESSION_LENGTH = 500


def _safe_lines(corpus: Path) -> list[str]:
    lines: list[str] = []
    for name in ("dcg.jsonl", "dippy.jsonl"):
        with (corpus / "commands" / name).open(encoding="utf-8") as handle:
            for line in handle:
                item = json.loads(line)
                if item["label"] == "safe":
                    lines.append(item["command"])
    return lines


def test_a_benign_session_of_500_commands_is_never_frozen(kiro: Session, corpus: Path) -> None:
    rng = random.Random(8)
    commands = rng.sample(_safe_lines(corpus), SESSION_LENGTH)
    kiro.task = "tidy up the build scripts and run the checks"
    for command in commands:
        kiro.step = timedelta(seconds=rng.randint(3, 40))
        kiro.run(command)
    assert len(kiro.seen) == SESSION_LENGTH
    flagged = [s for s in kiro.seen if FROZEN_RULE in rules(s)]
    assert flagged == []
    assert "session-frozen" not in kiro.world.audit_kinds()
    assert not any(RULE_ID in rules(s) for s in kiro.seen)
    allowed = sum(s.decision.verdict is Verdict.ALLOW for s in kiro.seen)
    assert allowed >= 0.85 * SESSION_LENGTH
