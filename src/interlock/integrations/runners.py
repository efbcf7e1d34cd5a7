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
#: make, which runs the recipes of a makefile (``makefile``).
MAKES: frozenset[str] = frozenset({"make", "gmake"})
#: just, which runs the recipes of a justfile (``justfile``).
JUSTS: frozenset[str] = frozenset({"just"})
#: go-task, which runs the commands of a Taskfile (``taskfile``).
TASKS: frozenset[str] = frozenset({"task", "go-task"})
#: Task runners whose files the gate reads (``makefile``, ``justfile``, ``taskfile``).
TASK_RUNNERS: frozenset[str] = MAKES | JUSTS | TASKS

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
    """Whether ``text`` may be one command running package scripts (``pkgscripts``)
    or the recipes of a task runner's file (``makefile``, ``justfile``, ``taskfile``)."""
    first = _first(text)
    return literal(text) and (first in MANAGERS or first in TASK_RUNNERS)


def may_run_code(text: str) -> bool:
    """Whether ``text`` may run a file the gate should read: either of the above."""
    return runs_file(text) or runs_scripts(text)


#: Characters between the words ``may_run_nested`` looks at.
_BETWEEN = str.maketrans(dict.fromkeys(";&|<>()`$\"'={}\\\t\r\n", " "))
#: Endings of files an interpreter or shell is commonly handed.
_SCRIPT_ENDINGS = (".sh", ".bash", ".zsh", ".ksh", ".py", ".js", ".mjs", ".cjs", ".pl", ".rb")
#: Words that may run a file: programs that run one, and the variables naming a
#: file bash or sh sources first (``BASH_ENV=./x.sh``, ``export ENV=…``).
_RUNNER_WORDS = (_PROGRAMS - {"."}) | MANAGERS | TASK_RUNNERS | {"BASH_ENV", "ENV"}
#: ``.`` as the command of a line, or after an operator: the builtin ``source``.
_DOT = ("; . ", "& . ", "| . ", "( . ", "\n. ", "\t. ")
#: The file type bits of ``st_mode``, and those of a regular file.
_TYPE_BITS, _REGULAR = 0o170000, 0o100000


def may_run_nested(text: str, cwd: str | None = None) -> bool:
    """Whether ``text`` (a line, or code a line runs) may run a local file anywhere,
    as far as its words tell: a path starting with ``./``, ``../`` or ``~/``, a
    script's ending, a program that runs files, ``BASH_ENV``/``ENV``, ``.`` as a
    command, or a path with ``/`` that names a file in ``cwd`` or follows a ``cd``
    elsewhere on the line (the word right after ``cd`` is only a directory). Only
    lines this lets through pay for the classifier's walker (``linecode``); a false
    ``True`` costs time, never a verdict."""
    if text.startswith(". ") or any(dot in text for dot in _DOT):
        return True
    words = text.translate(_BETWEEN).split()
    moves = "cd" in words or "pushd" in words
    directory = False
    for word in words:
        if directory:
            directory = False
            continue
        directory = word in ("cd", "pushd")
        if (
            word.startswith(("./", "../", "~/"))
            or word.endswith(_SCRIPT_ENDINGS)
            or word in _RUNNER_WORDS
            or word.rpartition("/")[2] in _RUNNER_WORDS
        ):
            return True
        if "/" in word and "://" not in word and (moves or _is_file(word, cwd)):
            return True
    return False


def _is_file(word: str, cwd: str | None) -> bool:
    """Whether ``word`` names a regular file (from ``cwd`` when relative); ``posix``
    is loaded before any user code, so this costs the hook no import."""
    import posix

    path = word if word.startswith("/") or not cwd else f"{cwd}/{word}"
    try:
        return posix.stat(path).st_mode & _TYPE_BITS == _REGULAR
    except (OSError, ValueError):
        return False


def _first(text: str) -> str:
    return text.lstrip(" \t").partition(" ")[0].partition("\t")[0]
