"""Commands started or typed through other programs, found by a red-team round.

Each line was allowed or only asked before: tmux and screen start and type commands in
windows nobody watches (``classify/terminals.py``); GNU parallel runs its command on
the words after ``:::``; ``nsenter`` runs one as root in another process's namespaces;
awk hands the string before ``| getline`` to the shell even in parentheses;
``${HOME:?}`` is the home directory; ``git branch -f`` moves an existing branch.
"""

from __future__ import annotations

import pytest

from interlock.models import Verdict
from tests.classify.commands.localtools import rule_ids, verdict

CWD = "/home/alice/proj"


@pytest.mark.parametrize(
    "line",
    [
        "tmux new -d 'rm -rf /'",
        "tmux new-session -d -s work 'rm -rf /'",
        "tmux send-keys -t work 'rm -rf /' Enter",
        "tmux send-keys rm Space -rf Space / C-m",
        "tmux new -d \\; send-keys 'rm -rf /' Enter",
        "tmux split-window -h rm -rf /",
        "tmux run-shell 'rm -rf /'",
        "tmux -c 'rm -rf /'",
        "tmux if-shell 'rm -rf /' 'display ok'",
        "screen -X stuff 'rm -rf /^M'",
        "screen -dmS job rm -rf /",
        "screen -d -m rm -rf /",
        "screen -S x -X exec rm -rf /",
        "screen -S s -L -Logfile /tmp/l rm -rf /",
        "nsenter -t 1 -m -- rm -rf /",
        "parallel rm -rf ::: /",
        "parallel rm -rf {} ::: /tmp /",
        "parallel 'rm -rf {}' ::: /",
        "parallel 'rm -rf' ::: /",
        """awk 'BEGIN{while(("rm -rf /")|getline) print}'""",
        """awk 'BEGIN{print "x" |& "rm -rf /"}'""",
        "rm -rf ${HOME:?}/",
        'rm -rf "${HOME:?}"',
    ],
)
def test_the_command_inside_is_judged(line: str) -> None:
    assert verdict(line, CWD) is Verdict.DENY


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # a computed or file-fed argument stays unknown: asked, not allowed
        ("parallel rm -rf :::: list.txt", Verdict.ASK),
        ("parallel rm {.} ::: /etc", Verdict.ASK),
        ("parallel rm -rf ::: $X", Verdict.ASK),
        ("""awk 'BEGIN{c="rm -rf /"; c | getline}'""", Verdict.HOLD),
        ("nsenter -t 1 -m -u -i -n -p ls /", Verdict.ASK),
        ("rm -rf ${HOME:-/tmp}/x", Verdict.ASK),
        ("git branch -f main HEAD~10", Verdict.ASK),
        # tmux commands from a file nobody has read: opaque
        ("tmux source-file evil.conf", Verdict.HOLD),
        ("tmux -f evil.conf new -d", Verdict.HOLD),
        ("tmux bind-key x run-shell 'rm -rf /'", Verdict.HOLD),
        ("tmux set-hook -g after-new-window 'run-shell x'", Verdict.HOLD),
        ("tmux set -g default-command 'rm -rf /'", Verdict.HOLD),
        ("""screen -X eval 'stuff "rm -rf /^M"'""", Verdict.HOLD),
        ("screen -X source evil.screenrc", Verdict.HOLD),
        ("git branch --force release origin/release", Verdict.ASK),
    ],
)
def test_what_cannot_be_seen_is_not_allowed(line: str, expected: Verdict) -> None:
    assert verdict(line, CWD) is expected


@pytest.mark.parametrize(
    "line",
    [
        "tmux ls",
        "tmux attach -t main",
        "tmux new -s dev -n editor",
        "tmux send-keys -t dev 'make test' Enter",
        "screen -ls",
        "screen -r job",
        "screen -D -R main",
        "screen htop",
        "parallel -j4 gzip ::: a.txt b.txt",
        "parallel echo ::: a b c",
        """awk '{print $1 | "sort"}' f""",
        """awk 'BEGIN { "date" | getline d; print d }'""",
        "awk '{ if ($1 > 0 || $2 > 0) print }' f",
        "awk '{print ($1 > 0)}' f",
        "git branch feature",
        "git branch -a",
    ],
)
def test_everyday_lines_stay_allowed(line: str) -> None:
    assert verdict(line, CWD) is Verdict.ALLOW


def test_typed_text_is_judged_like_a_command_line() -> None:
    assert "k8s-delete-namespace" in rule_ids("tmux send-keys 'kubectl delete ns prod' C-m", CWD)
    assert "k8s-delete-namespace" in rule_ids("parallel kubectl delete ns ::: prod staging", CWD)
