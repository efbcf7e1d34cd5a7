"""The fuzzing harness itself: budget split, clock, re-run, crash, hang and caps."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest

from tests.fuzz import campaign
from tests.fuzz.campaign import TARGETS, Campaign, share


@pytest.fixture(autouse=True)
def _own_tallies() -> Iterator[None]:
    """These campaigns are not fuzzing: keep them out of the session's summary."""
    before = list(campaign.TALLIES)
    yield
    campaign.TALLIES[:] = before


@pytest.mark.parametrize("total", [0, 1, 5, 12_000, 1_000_000, 1_000_003])
def test_the_shares_add_up_to_the_budget(total: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(campaign.EXAMPLES_ENV, f"{total:_}")
    parts = [share(t) for t in TARGETS]
    assert sum(parts) == total
    assert max(parts) - min(parts) <= 1


def test_the_default_budget_is_the_short_share(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(campaign.EXAMPLES_ENV, raising=False)
    assert campaign.examples() == campaign.DEFAULT_EXAMPLES
    assert campaign.DEFAULT_EXAMPLES // len(TARGETS) >= 1000


def _ints(rng: random.Random) -> int:
    return rng.randrange(1000)


def _fine(item: int, outcome: int) -> None:
    assert outcome == item * 2


def test_a_clean_run_counts_every_input() -> None:
    tally = Campaign[int, int]("shell-random").run(_ints, lambda i: i * 2, _fine, count=50)
    assert (tally.inputs, tally.failed, tally.reruns) == (50, 0, 0)
    assert tally.clean
    assert tally in campaign.TALLIES


def test_the_same_seed_gives_the_same_inputs() -> None:
    seen: list[list[int]] = [[], []]
    for out in seen:

        def probe(item: int, out: list[int] = out) -> int:
            out.append(item)
            return item

        Campaign[int, int]("plans-bytes").run(_ints, probe, _none, count=20)
    assert seen[0] == seen[1]
    assert len(set(seen[0])) > 10


def test_a_property_failure_and_a_crash_are_recorded_and_the_run_goes_on() -> None:
    def probe(item: int) -> int:
        if item % 3 == 0:
            raise KeyError("boom")
        return item

    def judge(item: int, outcome: int) -> None:
        assert item % 3 != 1, "one mod three"

    tally = Campaign[int, int]("hook-offline").run(lambda r: r.randrange(99), probe, judge, 300)
    kinds = {f.kind for f in tally.failures}
    assert kinds == {"crash", "property"}
    assert tally.inputs == 300
    assert tally.failed > campaign.MAX_FAILURES == len(tally.failures)
    assert "KeyError: 'boom'" in tally.report()
    assert "one mod three" in tally.report()
    assert f"{campaign.SEED_ENV}={campaign.SEED}" in tally.report()


def test_a_slow_input_is_run_again_and_fails_only_when_slow_twice() -> None:
    calls: dict[int, int] = {}

    def probe(item: int) -> int:
        calls[item] = calls.get(item, 0) + 1
        if item == 1 or (item == 2 and calls[item] == 1):
            time.sleep(campaign.LIMIT * 1.3)
        return item

    items = iter([0, 1, 2])
    tally = Campaign[int, int]("hook-gateway").run(lambda _: next(items), probe, _none, 3)
    assert calls == {0: 1, 1: 2, 2: 2}
    assert tally.reruns == 2
    assert [(f.kind, f.text) for f in tally.failures] == [("slow", "1")]
    assert tally.slowest > campaign.LIMIT


def _none(item: int, outcome: int) -> None:
    return None


def test_a_stuck_input_is_cut_off_as_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(campaign, "HANG", 0.2)

    def probe(item: int) -> int:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            pass
        return item

    started = time.monotonic()
    tally = Campaign[int, int]("plans-mutated").run(lambda _: 7, probe, _none, 1)
    assert time.monotonic() - started < 2
    assert [f.kind for f in tally.failures] == ["hang"]


def test_long_inputs_are_shortened_in_reports() -> None:
    def judge(item: str, outcome: str) -> None:
        raise AssertionError("no")

    tally = Campaign[str, str]("shell-destructive", str).run(lambda _: "x" * 5000, str, judge, 1)
    text = tally.failures[0].text
    assert len(text) < 700
    assert text.endswith("(5000 chars)")


def test_the_warm_up_call_is_off_the_books() -> None:
    calls: list[int] = []

    def probe(item: int) -> int:
        calls.append(item)
        if item == -1:
            time.sleep(campaign.LIMIT * 1.3)
        return item

    tally = Campaign[int, int]("shell-random").run(lambda _: 1, probe, _none, 3, warm=-1)
    assert calls == [-1, 1, 1, 1]
    assert (tally.inputs, tally.reruns, tally.failed) == (3, 0, 0)
    assert tally.slowest < campaign.LIMIT
