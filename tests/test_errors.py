"""The error tree: one root, distinct exit codes per branch, drawn in the docstring."""

from __future__ import annotations

import inspect

import pytest

from interlock import errors


def _error_classes() -> list[type[errors.InterlockError]]:
    return [
        obj
        for _, obj in inspect.getmembers(errors, inspect.isclass)
        if issubclass(obj, errors.InterlockError)
    ]


def test_every_error_is_in_the_drawn_tree() -> None:
    doc = errors.__doc__ or ""
    assert [c.__name__ for c in _error_classes() if c.__name__ not in doc] == []


@pytest.mark.parametrize("cls", _error_classes(), ids=lambda c: c.__name__)
def test_exit_codes_are_nonzero(cls: type[errors.InterlockError]) -> None:
    assert cls.exit_code != 0
    assert 400 <= cls.http_status < 600


def test_diagnostics_carry_message_and_hint() -> None:
    err = errors.ConfigError("bad key", hint="remove it")
    assert err.diagnostics() == "error: bad key\nhint: remove it"


def test_branches_have_distinct_exit_codes() -> None:
    branches = [
        errors.LoadError,
        errors.InputError,
        errors.AuthError,
        errors.DecisionError,
        errors.StoreError,
        errors.AuditError,
    ]
    codes = [b.exit_code for b in branches]
    assert len(set(codes)) == len(codes)
