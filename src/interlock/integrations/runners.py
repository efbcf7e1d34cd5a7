"""Which shell lines may run code from a file, told from the line's first word alone.

Every shell call an agent makes passes the hook's gate, and the modules that read
the file a line runs (``scriptfile``: ``bash ./x.sh``, ``./x``, ``timeout 60 bash
x.sh``; ``pkgscripts``: ``npm test``) cost the hook's process about half a
millisecond to import. The gate asks :func:`may_run_code` first and imports them only
for a line that may run a file. This module holds the names those modules go by, so
the test and the readers cannot disagree. Standard library only, nothing imported.
"""

from __future__ import annotations

#: Shells whose ``-s`` reads the script from standard input.
SHELLS: frozenset[str] = frozenset({"bash", "sh", "zsh", "dash", "ksh"})
#: Builtins that run a file in the current shell (``source /dev/stdin`` is judged).
SOURCES: frozenset[str] = frozenset({"source", "."})
#: Interpreters whose ``X - args <<'EOF'`` the classifier judges by the code.
INTERPRETERS: frozenset[str] = frozenset({"python", "python3", "node", "perl", "ruby"})
#: Programs that run the rest of their words as a command (``scriptfile`` knows how
#: each one's options read).
WRAPPERS: frozenset[str] = frozenset(
    {"nohup", "env", "time", "setsid", "command", "exec", "timeout", "nice", "stdbuf", "sudo"}
)
#: Package managers that run package.json scripts (``pkgscripts``).
MANAGERS: frozenset[str] = frozenset({"npm", "yarn", "pnpm", "bun"})

_PROGRAMS = SHELLS | SOURCES | INTERPRETERS | WRAPPERS
#: Characters that make a line more than one command of literal words, or that bash
#: reads otherwise than ``shlex`` (expansions, globs, braces, escapes, comments, and
#: control characters such as ``\r``, which ``shlex`` splits on and bash does not).
_SPECIAL = frozenset(";&|<>()`$\\*?[]{}~#\x7f") | (frozenset(map(chr, range(32))) - {"\t"})


def literal(text: str) -> bool:
    """Whether ``text`` can only be one simple command of literal words: no operators,
    expansions or characters ``shlex`` reads otherwise than bash."""
    return bool(text) and not _SPECIAL.intersection(text)


def runs_file(text: str) -> bool:
    """Whether ``text`` may be one command running a file (``scriptfile``): a shell,
    ``source``, an interpreter, a wrapper, an assignment or a path first."""
    if not literal(text):
        return False
    first = _first(text)
    return first in _PROGRAMS or "/" in first or "=" in first


def runs_scripts(text: str) -> bool:
    """Whether ``text`` may be one command running package scripts (``pkgscripts``)."""
    return literal(text) and _first(text) in MANAGERS


def may_run_code(text: str) -> bool:
    """Whether ``text`` may run a file the gate should read: either of the above."""
    return runs_file(text) or runs_scripts(text)


def _first(text: str) -> str:
    return text.lstrip(" \t").partition(" ")[0].partition("\t")[0]
