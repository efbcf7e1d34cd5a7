"""The value of a shell word as the program would receive it, or a mark that it has none.

Bash removes quotes and applies escapes before a program sees its arguments, so
``r''m``, ``\\rm``, ``"r"m`` and ``$'\\x72m'`` all run ``rm``. This module computes that
value from a tree-sitter-bash word node (the grammar's ``word``, ``string``,
``raw_string``, ``ansi_c_string``, ``concatenation`` ... nodes, see the Bash reference
manual, "Quoting" 3.1.2). What only exists at run time (``$X``, ``$(...)``, backticks,
arithmetic) cannot be known: those parts keep their source text inside the value
(``"$HOME/x"`` is ``$HOME/x``) and the word is flagged ``DYNAMIC``. Unquoted glob
and brace characters are flagged ``PATTERN``, because in the program position they,
too, compute the command name (``/bin/r? -rf /``, ``{rm,-rf,/}``). In arguments,
``brace_words`` expands unquoted brace expressions the way bash does first of all
(Bash manual 3.5.1), so ``rm -rf /{etc,usr}`` is judged on ``/etc`` and ``/usr``.
"""

from __future__ import annotations

import itertools
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
    """``"..."``: content with ``\\$ \\` \\" \\\\`` escapes; expansions stay as written.

    The literal text is read from the source between the expansions, not from the
    grammar's ``string_content`` nodes: tree-sitter-bash leaves the line breaks (and
    blank lines) inside a quoted string out of those nodes, and joining them would
    turn ``psql -c "SELECT 1 -- note<newline>DROP TABLE t"`` into one comment that
    hides the DROP.
    """
    raw = node.text or b""
    base = node.start_byte
    opening = 2 if raw.startswith(b'$"') else 1
    closing = len(raw) - 1 if raw.endswith(b'"') and len(raw) > opening else len(raw)
    parts: list[str] = []
    flags = 0
    literal = opening  # where the current run of literal text began
    for child in node.named_children:
        if child.type == "string_content":
            continue
        start, end = child.start_byte - base, child.end_byte - base
        parts.append(_unescape_double(raw[literal:start].decode("utf-8", "replace")))
        parts.append(raw[start:end].decode("utf-8", "replace"))
        flags = DYNAMIC
        literal = end
    parts.append(_unescape_double(raw[literal:closing].decode("utf-8", "replace")))
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


# -- brace expansion (Bash manual 3.5.1) ------------------------------------------------

#: More words than this from one brace expression keep the word as written: a
#: person reviewing the line reads the braces, and ``{1..99999}`` must stay cheap.
MAX_BRACE_WORDS = 64
#: Words longer than this, or with more braces, are kept as written: finding each
#: brace's partner scans the rest of the word, and no real argument is that long.
_MAX_BRACE_TEXT = 512
_MAX_BRACES = 32
#: Node kinds of an unquoted word without expansions: its braces are bash's.
_BARE_PARTS = frozenset({"word", "number", "brace_expression"})
_SEQUENCE = re.compile(r"(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])(?:\.\.(-?\d+))?")


class _TooManyWordsError(Exception):
    """A brace expression would make more than ``MAX_BRACE_WORDS`` words."""


def brace_words(node: Node) -> list[Word] | None:
    """The words bash makes of ``node`` by brace expansion, or ``None`` if it makes none.

    ``rm -rf /{etc,usr}`` removes ``/etc`` and ``/usr``: judged on the literal word, the
    braces would hide both. Bash expands only unquoted braces holding a comma or a
    ``..`` sequence, before any other expansion, so only a bare ``word`` (or a
    concatenation of bare words, as the grammar splits ``/{a,b}``) with no backslash
    and no ``$`` is expanded; a word mixing quotes (``"/"{a,b}``) is left as written.
    Words left empty are dropped, as bash drops them; when none is left (``{,}``) the
    caller keeps the word as written rather than lose an argument.
    """
    raw = node.text or b""
    if b"{" not in raw or len(raw) > _MAX_BRACE_TEXT or raw.count(b"{") > _MAX_BRACES:
        return None
    kind = node.type
    if kind == "concatenation":
        if not all(c.type in _BARE_PARTS for c in node.children):
            return None
    elif kind not in _BARE_PARTS:
        return None
    text = raw.decode("utf-8", "replace")
    if "\\" in text or "$" in text:
        return None
    try:
        expanded = _expand(text)
    except _TooManyWordsError:
        return None
    if expanded == [text]:
        return None
    return [(w, PATTERN if not _PATTERN_CHARS.isdisjoint(w) else 0) for w in expanded if w]


def _expand(text: str) -> list[str]:
    """``text`` after brace expansion: the first brace expression, then the rest."""
    start = 0
    while (at := text.find("{", start)) >= 0:
        found = _brace(text, at)
        if found is None:
            start = at + 1  # a lone or empty brace is literal (``{}``, ``{a}``)
            continue
        close, alternatives = found
        head, tails = text[:at], _expand(text[close + 1 :])
        out: list[str] = []
        for alternative in alternatives:
            for middle in _expand(alternative):
                for tail in tails:
                    out.append(head + middle + tail)
                    if len(out) > MAX_BRACE_WORDS:
                        raise _TooManyWordsError
        return out
    return [text]


def _brace(text: str, at: int) -> tuple[int, list[str]] | None:
    """The closing index and alternatives of the brace expression opening at ``at``."""
    depth = 0
    commas: list[int] = []
    for i in range(at + 1, len(text)):
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        elif ch == "}":
            if commas:
                bounds = [at, *commas, i]
                return i, [text[a + 1 : b] for a, b in itertools.pairwise(bounds)]
            sequence = _sequence(text[at + 1 : i])
            return None if sequence is None else (i, sequence)
        elif ch == "," and not depth:
            commas.append(i)
    return None


def _sequence(inner: str) -> list[str] | None:
    """``1..3``, ``01..10``, ``a..e``, ``10..1..3``: the words, or ``None`` if not one."""
    match = _SEQUENCE.fullmatch(inner)
    if match is None:
        return None
    first, last, step_text = match.groups()
    step = abs(int(step_text)) if step_text else 1
    step = step or 1  # bash reads an increment of 0 as 1
    if first.isalpha() != last.isalpha():
        return None  # ``{a..3}`` is literal
    begin, end = (ord(first), ord(last)) if first.isalpha() else (int(first), int(last))
    if abs(end - begin) // step + 1 > MAX_BRACE_WORDS:
        raise _TooManyWordsError
    values = range(begin, end + (1 if end >= begin else -1), step if end >= begin else -step)
    if first.isalpha():
        return [chr(v) for v in values]
    # a bound written with a leading zero pads every number to the longer bound
    padded = any(len(b.lstrip("-")) > 1 and b.lstrip("-")[0] == "0" for b in (first, last))
    width = max(len(first), len(last)) if padded else 0
    return [str(v).zfill(width) for v in values]
