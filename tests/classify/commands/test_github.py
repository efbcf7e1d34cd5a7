"""gh: GitHub reads, writes and deletions, and gh api by method."""

from __future__ import annotations

import pytest

from interlock.models import Verdict
from tests.classify.commands.localtools import (
    rule_ids,
    verdict,
)


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ("gh pr list", Verdict.ALLOW, "gh-read"),
        ("gh -R owner/repo issue view 12", Verdict.ALLOW, "gh-read"),
        ("gh run watch 123", Verdict.ALLOW, "gh-read"),
        ("gh api repos/owner/repo", Verdict.ALLOW, "gh-read"),
        ("gh api -X GET search/issues -f q=x", Verdict.ALLOW, "gh-read"),
        ("gh api graphql -f query='query { viewer { login } }'", Verdict.ALLOW, "gh-read"),
        ("gh api graphql -f query='mutation { x }'", Verdict.ASK, "gh-write"),
        ("gh api repos/o/r/issues -f title=bug", Verdict.ASK, "gh-write"),
        ("gh api -XPOST repos/o/r/issues", Verdict.ASK, "gh-write"),
        ("gh api -X DELETE /repos/owner/repo", Verdict.HOLD, "gh-delete"),
        ("gh pr create --fill", Verdict.ASK, "gh-write"),
        ("gh workflow run deploy.yml --ref main", Verdict.ASK, "gh-write"),
        ("gh workflow disable deploy.yml", Verdict.HOLD, "gh-delete"),
        ("gh repo delete owner/repo --yes", Verdict.HOLD, "gh-delete"),
        ("gh repo archive owner/repo", Verdict.HOLD, "gh-delete"),
        ("gh secret delete PROD_API_KEY", Verdict.HOLD, "gh-delete"),
        ("gh release delete v1.0.0", Verdict.HOLD, "gh-delete"),
        ("gh repo clone cli/cli", Verdict.ALLOW, "gh-local"),
        ("gh auth login", Verdict.ASK, "gh-write"),
    ],
)
def test_gh_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected
