"""A ``cd`` earlier on the line moves where relative paths point, not the workspace.

Before, ``cd / && rm -rf etc`` judged ``etc`` as a folder of the workspace (the new
directory was taken for the workspace itself) and only asked; it deletes ``/etc``.
"""

from __future__ import annotations

import pytest

from interlock.models import Verdict
from tests.classify.commands.localtools import findings, verdict

CWD = "/home/alice/proj"


@pytest.mark.parametrize(
    ("line", "expected", "why"),
    [
        ("cd / && rm -rf etc", Verdict.DENY, "a system or home directory"),
        ("cd /etc && rm -rf ssh", Verdict.DENY, "a system or home directory"),
        ("pushd /etc && rm -rf ssh", Verdict.DENY, "a system or home directory"),
        ("cd .. && rm -rf proj", Verdict.ASK, "the whole workspace"),
        ("cd ~ && rm -rf .ssh", Verdict.ASK, "inside the home directory"),
        ("cd /tmp && rm -rf x", Verdict.ASK, "a temporary directory"),
        ("cd $X && rm -rf y", Verdict.ASK, "a path computed from a variable"),
        ("cd - && rm -rf y", Verdict.ASK, "a path computed from a variable"),
        ("cd src && rm -rf build", Verdict.ALLOW, "inside the workspace"),
    ],
)
def test_relative_paths_follow_the_cd(line: str, expected: Verdict, why: str) -> None:
    assert verdict(line, CWD) is expected
    deletes = [f for f in findings(line, CWD) if f.rule_id == "fs-delete"]
    assert deletes
    assert why in deletes[0].explanation


def test_without_a_workspace_the_cd_target_still_counts() -> None:
    assert verdict("cd /etc && rm -rf ssh") is Verdict.DENY
    assert verdict("cd build && rm -rf out") is Verdict.ALLOW
