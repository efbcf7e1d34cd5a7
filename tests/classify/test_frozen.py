"""``quick_init`` builds the same frozen values as the dataclass ``__init__`` it replaces."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pytest

from interlock.classify.command import CommandContext
from interlock.config import default_config
from interlock.frozen import quick_init


@dataclass(frozen=True, slots=True)
class _Plain:
    a: int
    b: str = "b"
    c: list[int] = field(default_factory=list)


@quick_init
@dataclass(frozen=True, slots=True)
class _Quick:
    a: int
    b: str = "b"
    c: list[int] = field(default_factory=list)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((1,), {}), ((1, "x"), {}), ((1,), {"c": [2]}), ((), {"a": 3, "b": "y", "c": [4]})],
)
def test_same_fields_as_the_dataclass_init(
    args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    quick = _Quick(*args, **kwargs)  # type: ignore[arg-type]
    plain = _Plain(*args, **kwargs)  # type: ignore[arg-type]
    assert dataclasses.astuple(quick) == dataclasses.astuple(plain)
    assert quick == _Quick(*args, **kwargs)  # type: ignore[arg-type]


def test_still_frozen_and_factories_are_fresh() -> None:
    one, two = _Quick(1), _Quick(2)
    assert one.c == []
    assert one.c is not two.c
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.a = 5  # type: ignore[misc]


def test_missing_and_unknown_arguments_still_fail() -> None:
    with pytest.raises(TypeError):
        _Quick()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        _Quick(1, d=2)  # type: ignore[call-arg]


def test_classes_with_post_init_keep_their_init() -> None:
    @dataclass(frozen=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            if self.a < 0:
                raise ValueError("negative")

    assert quick_init(Checked).__init__ is Checked.__init__
    with pytest.raises(ValueError, match="negative"):
        Checked(-1)


def test_command_context_replace_keeps_working() -> None:
    ctx = CommandContext(default_config(), cwd="/w")
    moved = dataclasses.replace(ctx, cwd="/x", variables={"A": "1"})
    assert (moved.cwd, dict(moved.variables), moved.config) == ("/x", {"A": "1"}, ctx.config)
    assert ctx.variables == {}
    assert ctx.cwd == "/w"
