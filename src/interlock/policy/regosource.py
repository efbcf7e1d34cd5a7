"""What interlock reads from Rego source text before the engine sees it.

The embedded engine (rego-cpp through ``regopy``) is used for everything it does
well, but two things must be known without it: which packages and rules a file
defines (to build one query over ``deny``/``warn``/``violation``/``require`` and to
list OPA-style ``test_*`` rules), and whether a file uses the ``with`` keyword.
rego-cpp 1.5 aborts or crashes the whole process while compiling some ``with``
expressions (for example ``deny["x"] with input as {...}`` when ``deny`` calls a
built-in), so a policy loaded for decisions must not contain one; tests may, and run
in a child process (``policy/regotest.py``).

A small lexer skips comments and string literals (``"..."`` with escapes and raw
```...``` strings), so the words found are code. Rule heads are identifiers at the
start of a line, as ``opa fmt`` writes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INPUT = re.compile(r"(?<![A-Za-z0-9_.])input(?![A-Za-z0-9_])(?P<rest>\.[A-Za-z_][A-Za-z0-9_]*)?")
_PACKAGE = re.compile(r"^package\s+([A-Za-z_][A-Za-z0-9_.]*)\s*$")

#: Rules whose values become decision reasons, as conftest names them plus ``require``.
DECISION_RULES: tuple[str, ...] = ("deny", "violation", "warn", "require")


@dataclass(frozen=True, slots=True)
class RuleHead:
    """A rule defined at the start of a line: its name and 1-based line."""

    name: str
    line: int


@dataclass(frozen=True, slots=True)
class RegoSource:
    """One policy file as interlock understands it before compiling."""

    path: str
    text: str
    package: str
    rules: tuple[RuleHead, ...]
    with_lines: tuple[int, ...]
    input_keys: frozenset[str] | None = None

    @property
    def decision_rules(self) -> tuple[str, ...]:
        """Which of ``DECISION_RULES`` this file defines."""
        names = {r.name for r in self.rules}
        return tuple(r for r in DECISION_RULES if r in names)

    @property
    def tests(self) -> tuple[RuleHead, ...]:
        """OPA-style test rules (``test_*``), once each, in file order."""
        seen: set[str] = set()
        out: list[RuleHead] = []
        for rule in self.rules:
            if rule.name.startswith("test_") and rule.name not in seen:
                seen.add(rule.name)
                out.append(rule)
        return tuple(out)


def read_source(path: str, text: str) -> RegoSource:
    """Scan ``text`` for its package, rule heads and uses of ``with``."""
    package = ""
    rules: list[RuleHead] = []
    with_lines: list[int] = []
    for number, line in enumerate(code_lines(text), start=1):
        stripped = line.strip()
        match = _PACKAGE.match(stripped)
        if match and not package:
            package = match.group(1)
            continue
        head = _IDENT.match(line)
        if head and head.group(0) not in ("package", "import", "default", "else"):
            rules.append(RuleHead(head.group(0), number))
        elif line.startswith("default "):
            name = _IDENT.match(line[len("default ") :].lstrip())
            if name:
                rules.append(RuleHead(name.group(0), number))
        if any(word == "with" for word in _IDENT.findall(line)):
            with_lines.append(number)
    keys = input_keys("\n".join(code_lines(text)))
    return RegoSource(path, text, package, tuple(rules), tuple(with_lines), keys)


def input_keys(code: str) -> frozenset[str] | None:
    """The top-level ``input`` keys ``code`` reads, or ``None`` if it uses ``input`` whole.

    Building the input document costs per key (the plan above all), so interlock only
    builds the keys a policy set reads: ``input.resource_changes`` reads one key, while
    ``f(input)`` or ``input[k]`` may read any, and then everything is built.
    """
    keys: set[str] = set()
    for match in _INPUT.finditer(code):
        rest = match.group("rest")
        if rest is None:
            return None
        keys.add(rest[1:])
    return frozenset(keys)


def code_lines(text: str) -> list[str]:
    """``text`` split into lines with comments removed and string contents blanked.

    Blanking (rather than deleting) keeps lines and columns where they were.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c in '"`':
            i = _blank_string(text, i, out)
        else:
            out.append(c)
            i += 1
    return "".join(out).split("\n")


def _blank_string(text: str, i: int, out: list[str]) -> int:
    """Append a blanked string literal starting at ``i``; return the index after it."""
    quote = text[i]
    out.append(quote)
    i += 1
    while i < len(text) and text[i] != quote:
        if quote == '"' and text[i] == "\\" and i + 1 < len(text):
            out.append(" ")
            i += 1
        out.append("\n" if text[i] == "\n" else " ")
        i += 1
    out.append(quote)
    return i + 1


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset into ``text``."""
    before = text[:offset]
    line = before.count("\n") + 1
    return line, offset - (before.rfind("\n") + 1) + 1
