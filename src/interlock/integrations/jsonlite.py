"""JSON for the hook through the C accelerator ``_json``, without importing ``json``.

``import json`` pulls in ``re``, ``enum`` and ``functools`` (for the decoder's
whitespace pattern and flags) and by itself costs more than a bare interpreter
start on a busy machine, while the hook's goal is twice that start (issue 7). The
parsing itself is the same C scanner ``json`` uses (``_json.make_scanner``); only the
thin Python wrapper is re-done here: skip surrounding whitespace, refuse trailing
data, refuse ``NaN``/``Infinity`` (the gateway never sends them). Encoding covers the
values the hook writes (dicts, lists, strings, numbers, booleans, None) with
``_json.encode_basestring_ascii``. Without ``_json`` it falls back to ``json``.
Errors are ``ValueError``, like ``json``'s.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_WHITESPACE = " \t\n\r"


def _constant(name: str) -> Any:
    raise ValueError(f"JSON constant {name} is not accepted")


class _Context:
    """The attributes ``_json.make_scanner`` reads (as ``json.JSONDecoder`` has them)."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = staticmethod(_constant)
    memo: dict[str, str]

    def __init__(self) -> None:
        self.memo = {}


def loads(data: bytes | str) -> Any:
    """Parse one JSON document (UTF-8 bytes or text)."""
    try:
        import _json
    except ImportError:  # pragma: no cover - every CPython build has it
        import json

        return json.loads(data)
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    if text.startswith("\ufeff"):
        raise ValueError("JSON text starts with a byte order mark")
    start, end = _span(text)
    context: Any = _Context()  # a stand-in for ``json.JSONDecoder``
    scan = _json.make_scanner(context)
    try:
        value, stop = scan(text, start)
    except StopIteration as exc:
        raise ValueError(f"expecting a JSON value at {exc.value}") from None
    finally:
        context.memo.clear()
    if stop != end:
        raise ValueError(f"extra data after the JSON value at {stop}")
    return value


def _span(text: str) -> tuple[int, int]:
    start, end = 0, len(text)
    while start < end and text[start] in _WHITESPACE:
        start += 1
    while end > start and text[end - 1] in _WHITESPACE:
        end -= 1
    if start == end:
        raise ValueError("expecting a JSON value, got nothing")
    return start, end


def dumps(value: Any) -> str:
    """Compact ASCII JSON of plain values; anything else is a ``TypeError``."""
    try:
        from _json import encode_basestring_ascii as quote
    except ImportError:  # pragma: no cover
        import json

        return json.dumps(value, separators=(",", ":"))
    return _dump(value, quote)


def _dump(value: Any, quote: Any) -> str:
    if isinstance(value, str):
        return str(quote(value))
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        import math

        if not math.isfinite(value):
            raise ValueError("NaN and infinities have no JSON form")
        return repr(value)
    if isinstance(value, dict):
        items = (f"{quote(str(k))}:{_dump(v, quote)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_dump(v, quote) for v in value) + "]"
    raise TypeError(f"{type(value).__name__} has no JSON form here")
