"""The program index matches what the families claim, and a lookup through it is exact."""

from __future__ import annotations

import pytest

from interlock.classify.commands import FAMILIES, _lookup, _registry, handler_for
from interlock.classify.commands.index import FAMILY_OF, render


def test_index_lists_every_program_of_every_family() -> None:
    claimed = {program: h.__module__.rsplit(".", 1)[1] for program, h in _registry()[0].items()}
    assert claimed == FAMILY_OF


def test_index_names_only_known_families() -> None:
    assert set(FAMILY_OF.values()) <= set(FAMILIES)


def test_rendered_table_is_the_one_in_the_module() -> None:
    import inspect

    from interlock.classify.commands import index

    assert render() in inspect.getsource(index)


@pytest.mark.parametrize("program", ["rm", "ls", "aws", "kubectl", "docker-compose", "psql"])
def test_lookup_through_the_index_is_the_registry_handler(program: str) -> None:
    assert _lookup(program) is _registry()[0][program]
    assert handler_for(program) is _registry()[0][program]


@pytest.mark.parametrize("program", ["surely-not-a-program", "", "RM", "rm "])
def test_unlisted_programs_fall_back_to_the_registry(program: str) -> None:
    assert _lookup(program) is None
    assert handler_for(program) is None
