"""Canonical JSON: one spelling per value, refusing what has none."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.audit.canonical import MAX_SAFE_INTEGER, canonical_json
from interlock.errors import AuditError


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"b": 1, "a": [True, None, "x"]}, b'{"a":[true,null,"x"],"b":1}'),
        ({"\u00e9": "caf\u00e9"}, '{"\u00e9":"caf\u00e9"}'.encode()),
        ({"s": 'line\nbreak\t"q"\\'}, b'{"s":"line\\nbreak\\t\\"q\\"\\\\"}'),
        ({"c": "\x01"}, b'{"c":"\\u0001"}'),
        ({"z": {"y": 1, "x": 2}}, b'{"z":{"x":2,"y":1}}'),
        ([], b"[]"),
        ({"n": -MAX_SAFE_INTEGER}, b'{"n":-9007199254740991}'),
    ],
)
def test_canonical_spelling(value: Any, expected: bytes) -> None:
    assert canonical_json(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        {"f": 1.5},
        {"n": float("nan")},
        {"big": MAX_SAFE_INTEGER + 1},
        {1: "int key"},
        {"b": b"bytes"},
        {"s": "\ud800"},
        {"o": object()},
    ],
)
def test_values_without_canonical_form_are_refused(value: Any) -> None:
    with pytest.raises(AuditError):
        canonical_json(value)


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=200)
@given(_json)
def test_round_trip_is_stable_and_single_line(value: Any) -> None:
    encoded = canonical_json(value)
    assert b"\n" not in encoded
    assert canonical_json(json.loads(encoded)) == encoded
