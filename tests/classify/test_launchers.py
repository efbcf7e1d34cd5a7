"""``LAUNCH_WORDS`` only ever skips launchers that would have launched nothing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.classify.launchers import LAUNCH_WORDS, LAUNCHERS

_WORDS = st.lists(
    st.one_of(
        st.sampled_from(["-n", "prod", "--context", "-C", "dir", "--", "-it", "sh", "-c"]),
        st.sampled_from(["exec", "run", "x", "develop", "--command", "rm", "-rf", "/", "get"]),
        st.sampled_from(["rebase", "-x", "--exec", "bisect", "config", "core.pager", "foreach"]),
        st.sampled_from(["debug", "ssh", "run-command", "--scripts", "send-command", "dlx"]),
        st.sampled_from(["--parameters", "commands=rm", "--call", "--tree-filter", "submodule"]),
        st.text("abcexrun-=/.", min_size=1, max_size=6),
    ),
    max_size=8,
)


def test_every_listed_program_is_a_launcher() -> None:
    assert LAUNCH_WORDS.keys() <= LAUNCHERS.keys()
    assert all(LAUNCH_WORDS.values())


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(LAUNCH_WORDS)), _WORDS)
def test_a_line_without_the_words_launches_nothing(program: str, args: list[str]) -> None:
    args = [a for a in args if a not in LAUNCH_WORDS[program]]
    words = [(w, 0) for w in (program, *args)]
    assert LAUNCHERS[program](words) is None


@pytest.mark.parametrize(
    "line",
    [
        "kubectl exec -it pod -- rm -rf /",
        "docker exec c rm -rf /",
        "git -c core.pager=rm status",
        "uv run rm -rf /",
        "mise x -- rm -rf /",
        "git rebase -x rm main",
        "git -C dir bisect run rm -rf /",
        "git config core.pager rm",
        "git submodule foreach rm",
        "git filter-branch --tree-filter rm",
        "git difftool -x rm",
        "kubectl debug -it pod --image=busybox -- rm -rf /",
        "npm exec -c rm",
        "pnpm dlx rimraf /",
        "yarn exec rm -rf /",
        "gcloud compute ssh vm --command rm",
        "az vm run-command invoke -n vm --scripts rm",
        "aws ssm send-command --parameters commands=rm",
        "aws ecs execute-command --task t --command rm",
    ],
)
def test_the_words_are_the_ones_that_launch(line: str) -> None:
    program, *args = line.split()
    assert not LAUNCH_WORDS[program].isdisjoint(args)
    assert LAUNCHERS[program]([(w, 0) for w in (program, *args)]) is not None


@pytest.mark.parametrize(
    "line",
    ["aws s3 ls", "git status", "git log --oneline", "kubectl get pods", "gcloud config list"],
)
def test_common_lines_skip_their_launcher(line: str) -> None:
    """The fast path never asks the launcher of these everyday lines."""
    program, *args = line.split()
    assert LAUNCH_WORDS[program].isdisjoint(args)


@pytest.mark.parametrize(
    "argv",
    [
        ("npx", "jest"),
        ("bunx", "tsc", "--noEmit"),
        ("psql", "-c", "\\! ls"),
        ("mysql", "-e", "system ls"),
        ("sqlite3", "x.db", ".shell ls"),
    ],
)
def test_launchers_without_a_trigger_word_are_always_asked(argv: tuple[str, ...]) -> None:
    """No whole word marks these launches, so the table must not list the program."""
    assert argv[0] not in LAUNCH_WORDS
    assert LAUNCHERS[argv[0]]([(w, 0) for w in argv]) is not None
