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
    ],
)
def test_the_words_are_the_ones_that_launch(line: str) -> None:
    program, *args = line.split()
    assert not LAUNCH_WORDS[program].isdisjoint(args)
    assert LAUNCHERS[program]([(w, 0) for w in (program, *args)]) is not None
