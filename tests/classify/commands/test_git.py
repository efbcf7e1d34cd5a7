"""git: reads, local work, discarded work and rewritten remote history."""

from __future__ import annotations

import pytest

from interlock.models import Category, Scope, Verdict
from tests.classify.commands.localtools import (
    findings,
    rule_ids,
    verdict,
)


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ("git status", Verdict.ALLOW, "git-read"),
        ("git log --oneline -10", Verdict.ALLOW, "git-read"),
        ("git -C ../lib diff HEAD~1", Verdict.ALLOW, "git-read"),
        ("git --no-pager show HEAD", Verdict.ALLOW, "git-read"),
        ("git fetch --all", Verdict.ALLOW, "git-read"),
        ("git branch -a", Verdict.ALLOW, "git-read"),
        ("git stash list", Verdict.ALLOW, "git-read"),
        ("git config --get user.name", Verdict.ALLOW, "git-read"),
        ("git config user.name bob", Verdict.ALLOW, "git-local-write"),
        ("git config core.hooksPath .githooks", Verdict.ASK, "git-unknown-verb"),
        ("git config set core.hooksPath /tmp/h", Verdict.ASK, "git-unknown-verb"),
        ("git push --help", Verdict.ALLOW, "git-read"),
        ("git commit -m 'fix rm -rf detection'", Verdict.ALLOW, "git-local-write"),
        ("git checkout -b feature", Verdict.ALLOW, "git-local-write"),
        ("git checkout main", Verdict.ALLOW, "git-local-write"),
        ("git restore --staged file.txt", Verdict.ALLOW, "git-local-write"),
        ("git reset --soft HEAD~1", Verdict.ALLOW, "git-local-write"),
        ("git stash", Verdict.ALLOW, "git-local-write"),
        ("git branch -d merged", Verdict.ALLOW, "git-local-write"),
        ("git clean -n", Verdict.ALLOW, "git-read"),
        ("git reset --hard", Verdict.ASK, "git-discard-work"),
        ("git reset --hard origin/main", Verdict.ASK, "git-discard-work"),
        ("git reset --merge HEAD~1", Verdict.ASK, "git-discard-work"),
        ("git clean -fdx", Verdict.ASK, "git-discard-work"),
        ("git checkout -- .", Verdict.ASK, "git-discard-work"),
        ("git checkout HEAD -- file.txt", Verdict.ASK, "git-discard-work"),
        ("git restore .", Verdict.ASK, "git-discard-work"),
        ("git restore --worktree file.txt", Verdict.ASK, "git-discard-work"),
        ("git stash drop", Verdict.ASK, "git-discard-work"),
        ("git stash clear", Verdict.ASK, "git-discard-work"),
        ("git branch -D feature", Verdict.ASK, "git-discard-work"),
        ("git reflog expire --expire=now --all", Verdict.ASK, "git-discard-work"),
        ("git gc --prune=now", Verdict.ASK, "git-discard-work"),
        ("git filter-branch --tree-filter 'rm x' HEAD", Verdict.ASK, "git-discard-work"),
        ("git update-ref -d refs/heads/x", Verdict.ASK, "git-discard-work"),
        ("git push origin feature", Verdict.ASK, "git-push"),
        ("git push --force origin feature", Verdict.ASK, "git-force-push"),
        ("git push --force-with-lease", Verdict.ASK, "git-force-push"),
        ("git push --force origin main", Verdict.HOLD, "git-force-push"),
        ("git push -f", Verdict.HOLD, "git-force-push"),
        ("git push origin +release/2.0", Verdict.HOLD, "git-force-push"),
        ("git push origin --delete main", Verdict.HOLD, "git-force-push"),
        ("git push origin :prod", Verdict.HOLD, "git-force-push"),
        ("git push --mirror", Verdict.HOLD, "git-force-push"),
        ("git push --dry-run --force origin main", Verdict.ALLOW, "git-read"),
        ("git RESET --HARD", Verdict.ASK, "git-unknown-verb"),
        ("git reset \u2010\u2010hard", Verdict.ASK, "git-unknown-verb"),
        ("git checkout HEAD~3 -- interlock.yaml", Verdict.DENY, "self-tamper-git"),
    ],
)
def test_git_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected


def test_force_push_to_a_known_host_takes_its_environment() -> None:
    line = "git push --force git@git.prod.internal:team/app.git main"
    (push,) = [f for f in findings(line) if f.rule_id == "git-force-push"]
    assert (push.scope, push.category, push.environment) == (
        Scope.REMOTE,
        Category.DELETE,
        "production",
    )
