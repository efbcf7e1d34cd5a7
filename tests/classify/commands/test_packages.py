"""Package managers: project installs, host installs, removals, publishing."""

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
        ("npm ls", Verdict.ALLOW, "pkg-read"),
        ("npm install", Verdict.ALLOW, "pkg-project"),
        ("npm run build", Verdict.ALLOW, "pkg-project"),
        # a script named for destruction runs unseen: held, as ``make destroy`` is
        ("npm run destroy", Verdict.HOLD, "pkg-script-destructive"),
        ("yarn teardown", Verdict.HOLD, "pkg-script-destructive"),
        ("pnpm run db:drop", Verdict.HOLD, "pkg-script-destructive"),
        ("yarn build", Verdict.ALLOW, "pkg-project"),
        ("npm run remove-cache", Verdict.ALLOW, "pkg-project"),
        ("yarn remove lodash", Verdict.ALLOW, "pkg-project"),
        ("npm test", Verdict.ALLOW, "pkg-project"),
        ("npm uninstall left-pad", Verdict.ALLOW, "pkg-project"),
        ("npm install -g typescript", Verdict.ASK, "pkg-host-install"),
        ("npm uninstall -g typescript", Verdict.ASK, "pkg-host-remove"),
        ("npm publish", Verdict.ASK, "pkg-publish"),
        ("npm unpublish x@1.0.0", Verdict.HOLD, "pkg-unpublish"),
        ("yarn global add x", Verdict.ASK, "pkg-host-install"),
        ("pip list", Verdict.ALLOW, "pkg-read"),
        ("pip install -r requirements.txt", Verdict.ALLOW, "pkg-project"),
        ("pip install --user httpie", Verdict.ASK, "pkg-host-install"),
        ("pip uninstall -y requests", Verdict.ASK, "pkg-host-remove"),
        ("uv sync", Verdict.ALLOW, "pkg-project"),
        ("uv pip list", Verdict.ALLOW, "pkg-read"),
        ("uv tool install ruff", Verdict.ASK, "pkg-host-install"),
        ("uv publish", Verdict.ASK, "pkg-publish"),
        ("cargo build --release", Verdict.ALLOW, "pkg-project"),
        ("cargo tree", Verdict.ALLOW, "pkg-read"),
        ("cargo install ripgrep", Verdict.ASK, "pkg-host-install"),
        ("cargo publish", Verdict.ASK, "pkg-publish"),
        ("cargo yank --version 1.0.0", Verdict.HOLD, "pkg-unpublish"),
        ("go test ./...", Verdict.ALLOW, "pkg-project"),
        ("go install example.com/tool@latest", Verdict.ASK, "pkg-host-install"),
        ("gem push x.gem", Verdict.ASK, "pkg-publish"),
        ("brew info jq", Verdict.ALLOW, "pkg-read"),
        ("brew install jq", Verdict.ASK, "pkg-host-install"),
        ("brew tap user/repo", Verdict.ASK, "pkg-host-install"),
        ("brew uninstall jq", Verdict.ASK, "pkg-host-remove"),
        ("apt-get install -y curl", Verdict.ASK, "pkg-host-install"),
        ("apt-get purge -y nginx", Verdict.ASK, "pkg-host-remove"),
        ("apt list --installed", Verdict.ALLOW, "pkg-read"),
        ("apt-cache policy curl", Verdict.ALLOW, "pkg-read"),
        ("dnf remove httpd", Verdict.ASK, "pkg-host-remove"),
        ("twine upload dist/*", Verdict.ASK, "pkg-publish"),
        ("mvn deploy", Verdict.ASK, "pkg-publish"),
        ("mvn test", Verdict.ALLOW, "pkg-project"),
    ],
)
def test_package_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected


def test_sudo_raises_a_project_install_to_the_host() -> None:
    assert verdict("sudo pip install requests") is Verdict.ASK
