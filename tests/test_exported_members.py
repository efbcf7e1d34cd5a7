"""The public API is exactly ``interlock.__all__``; changing it is a deliberate act."""

from __future__ import annotations

import interlock


def test_all_names_exist() -> None:
    missing = [name for name in interlock.__all__ if not hasattr(interlock, name)]
    assert missing == []


def test_all_is_sorted_and_unique() -> None:
    assert list(interlock.__all__) == sorted(set(interlock.__all__))


def test_no_public_name_left_out() -> None:
    public = {
        name
        for name, value in vars(interlock).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("interlock")
    }
    assert public <= set(interlock.__all__)
