"""The hook's JSON reads and writes exactly what ``json`` does for its inputs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.integrations import jsonlite

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(values)
def test_round_trip_matches_json(value: Any) -> None:
    text = jsonlite.dumps(value)
    assert json.loads(text) == value
    assert jsonlite.loads(text) == json.loads(text)
    assert jsonlite.loads(json.dumps(value, indent=2).encode()) == value


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"   ",
        b"{",
        b'{"a": 1} x',
        b"[1,]",
        b"NaN",
        b"[Infinity]",
        b"\xff\xfe",
        '\ufeff{"a": 1}'.encode(),
        b'{"a": "\x01"}',
    ],
)
def test_bad_documents_are_value_errors(bad: bytes) -> None:
    with pytest.raises(ValueError, match=r"."):
        jsonlite.loads(bad)


def test_unsupported_values_are_refused() -> None:
    with pytest.raises(TypeError):
        jsonlite.dumps({"a": object()})
    with pytest.raises(ValueError, match="NaN"):
        jsonlite.dumps(float("nan"))
