"""The value of a shell word as the program would receive it, or a mark that it has none.

Bash removes quotes and applies escapes before a program sees its arguments, so
``r''m``, ``\\rm``, ``"r"m`` and ``$'\\x72m'`` all run ``rm``. This module computes that
value from a tree-sitter-bash word node (the grammar's ``word``, ``string``,
``raw_string``, ``ansi_c_string``, ``concatenation`` ... nodes, see the Bash reference
manual, "Quoting" 3.1.2). What only exists at run time (``$X``, ``$(...)``, backticks,
arithmetic) cannot be known: those parts keep their source text inside the value
(``"$HOME/x"`` is ``$HOME/x``) and the word is flagged ``DYNAMIC``. Unquoted glob
and brace characters are flagged ``PATTERN``, because in the program position they,
too, compute the command name (``/bin/r? -rf /``, ``{rm,-rf,/}``).
"""

from __future__ import annotations

import re

from tree_sitter import Node

#: Flags on a resolved word.
DYNAMIC = 1
PATTERN = 2

#: A resolved word: its value (raw text when dynamic) and its flags.
Word = tuple[str, int]

_PATTERN_CHARS = frozenset("*?[{")
_DQ_ESCAPABLE = frozenset('$`"\\\n')
_ANSI_SIMPLE = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_ANSI_ESCAPE = re.compile(
    r"\\(x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[0-7]{1,3}|c.|.)", re.S
)


#: Bash reserved words (Bash manual 2.2): as a command name they mean the grammar
#: read the line differently from bash, e.g. ``! if true; then rm -rf /; fi``.
RESERVED_WORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until"}
    | {"for", "in", "function", "select", "{", "}", "[[", "]]"}
)


def resolve(node: Node) -> Word:
    """The value and flags of the word ``node``."""
    kind = node.type
    if kind == "word":
        text = _text(node)
        flags = PATTERN if not _PATTERN_CHARS.isdisjoint(text) else 0
        return (_unescape_bare(text) if "\\" in text else text), flags
    if kind == "raw_string":
        return _text(node)[1:-1], 0
    if kind == "number":
        return _text(node), 0
    if kind in ("string", "translated_string"):
        return _double_quoted(node)
    if kind == "ansi_c_string":
        return decode_ansi_c(_text(node)[2:-1]), 0
    if kind == "concatenation":
        return _concatenation(node)
    return _text(node), DYNAMIC


def _concatenation(node: Node) -> Word:
    parts: list[str] = []
    flags = 0
    for child in node.children:
        value, child_flags = resolve(child)
        parts.append(value)
        flags |= child_flags
    return "".join(parts), flags


def _double_quoted(node: Node) -> Word:
    """``"..."``: content with ``\\$ \\` \\" \\\\`` escapes; expansions stay as written."""
    parts: list[str] = []
    flags = 0
    for child in node.named_children:
        if child.type == "string_content":
            parts.append(_unescape_double(_text(child)))
        else:
            parts.append(_text(child))
            flags = DYNAMIC
    return "".join(parts), flags


def _unescape_bare(text: str) -> str:
    """Unquoted word: a backslash quotes the next character; before a newline, both go."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            if text[i + 1] != "\n":
                out.append(text[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _unescape_double(text: str) -> str:
    if "\\" not in text:
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in _DQ_ESCAPABLE:
            if text[i + 1] != "\n":
                out.append(text[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def decode_ansi_c(body: str) -> str:
    """Decode the inside of ``$'...'`` the way bash does (Bash manual 3.1.2.4)."""
    return _ANSI_ESCAPE.sub(_ansi_one, body)


def _ansi_one(match: re.Match[str]) -> str:
    esc = match.group(1)
    head = esc[0]
    if head in "xuU" and len(esc) > 1:
        return _chr(int(esc[1:], 16))
    if head in "01234567":  # `\8`, `\9` (and other digits) are literal
        return _chr(int(esc, 8) & 0xFF)
    if head == "c" and len(esc) == 2:
        return _chr(ord(esc[1]) & 0x1F)
    return _ANSI_SIMPLE.get(esc, "\\" + esc)


def _chr(code: int) -> str:
    try:
        return chr(code)
    except (ValueError, OverflowError):
        return "\ufffd"


def _text(node: Node) -> str:
    raw = node.text
    return raw.decode("utf-8", "replace") if raw is not None else ""


def continues(command: Node, child: Node, last_end: int) -> bool:
    """True when ``child`` follows the previous word after only a line continuation."""
    if child.start_byte != last_end + 2:
        return False
    raw = command.text or b""
    at = last_end - command.start_byte
    return raw[at : at + 2] == b"\\\n"


def assignment(node: Node) -> tuple[str, str]:
    name = node.child_by_field_name("name")
    value = node.child_by_field_name("value")
    return (_text(name) if name else ""), (resolve(value)[0] if value is not None else "")
