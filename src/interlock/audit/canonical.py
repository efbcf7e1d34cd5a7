"""Canonical JSON: the one byte form of an audit entry, so its hash is reproducible.

The definition (a strict subset of JSON, RFC 8259, in the spirit of I-JSON, RFC 7493):

* values are objects with string keys, arrays, strings, integers, ``true``,
  ``false`` and ``null``; floats (and NaN/Infinity) are refused, because their text
  form differs between implementations; integers must lie in the I-JSON safe range
  -(2**53 - 1) .. 2**53 - 1 so any JSON reader gets them exactly;
* object keys are sorted by Unicode code point and unique;
* no insignificant whitespace: ``,`` and ``:`` separate, nothing else;
* strings are written as UTF-8, not ``\\u`` escapes, except where JSON requires an
  escape (``"``, ``\\`` and control characters, which Python's encoder writes as
  ``\\n``/``\\t``... or ``\\u00XX``); lone surrogates are refused;
* so an encoded value never contains a raw newline, and one entry fits one line of
  an export file.

Python's ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``
produces exactly this once the value has passed :func:`check_value`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from interlock.errors import AuditError

#: The largest integer magnitude every JSON reader holds exactly (RFC 7493 §2.2).
MAX_SAFE_INTEGER = 2**53 - 1


_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 bytes of ``value``; raises ``AuditError`` if it has none."""
    if not _is_canonical_value(value):
        check_value(value)  # raises, naming where
    try:
        return _ENCODER.encode(value).encode("utf-8")
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise AuditError(f"value has no canonical JSON form: {exc}") from exc


def _is_canonical_value(value: Any) -> bool:
    """Fast check of the common case (plain dicts, lists, str, int); no paths built."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER)
    if kind is dict:
        return all(type(k) is str and _is_canonical_value(v) for k, v in value.items())
    if kind is list:
        return all(_is_canonical_value(v) for v in value)
    return False


def check_value(value: Any, path: str = "$") -> None:
    """Refuse anything outside the canonical subset, naming where it is."""
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return
        raise AuditError(f"integer out of the safe range at {path}")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise AuditError(f"non-string object key {key!r} at {path}")
            check_value(item, f"{path}.{key}")
        return
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        for i, item in enumerate(value):
            check_value(item, f"{path}[{i}]")
        return
    raise AuditError(f"{type(value).__name__} is not allowed in an audit entry (at {path})")
