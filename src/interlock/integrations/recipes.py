"""What the task runners the gate reads (``makefile``, ``justfile``, ``taskfile``)
have in common: reading their files, the submitted text, and how a value computed
only when the runner runs is written.

Each runner's module finds the file the runner would read, works out what the
command runs, and hands the shell lines to :func:`recipes_script`, which puts them
behind a note naming every file read and its SHA-256 (so a file edited after
approval is a new request) and before the line as written. A runner's reader raises
:class:`Unfollowed`, with why, for what the runner decides only when it runs; the
gate asks the operator then. Standard library only.
"""

from __future__ import annotations

from interlock.integrations.runners import literal
from interlock.integrations.scriptfile import MAX_SCRIPT_BYTES, Script, note_safe, read_regular

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

#: Largest file of a task runner (a makefile, a justfile, an included one) read.
MAX_FILE_BYTES = 256 * 1024
#: Most files read for one command of a task runner.
MAX_FILES = 16
#: A value computed only when the runner runs (a text function, a parameter, an
#: environment variable): a word the shell expands, so that in a program's place it
#: is a computed name (held) and elsewhere a mere argument.
DYNAMIC = '"$INTERLOCK_MAKE_VALUE"'


class Unfollowed(Exception):  # noqa: N818 - a reason, not a failure of interlock's
    """What a task runner (make, just, task) decides only when it runs: the gate asks the
    operator, with why."""


def runner_line(
    text: str,
    cwd: str | None,
    names: frozenset[str],
    read: Callable[[Sequence[str], str | None, str], Script | str | None],
) -> Script | str | None:
    """``read`` of a line that is one command of literal words whose program is one
    of ``names`` (a task runner); ``None`` for any other line and where the runner
    itself would fail to read its file."""
    import shlex

    if not literal(text) or text.split(None, 1)[0] not in names:
        return None
    try:
        argv = shlex.split(text)
    except ValueError:  # an open quote: bash runs nothing of it
        return None
    try:
        return read(argv, cwd, text.strip())
    except OSError:
        return None


def nearest(start: str, here: Callable[[str], str | None]) -> str | None:
    """The file ``here`` finds in ``start`` or the nearest folder above it, as task
    runners look for theirs (just, go-task); ``None`` when no folder up to the root
    holds one."""
    import os

    folder = os.path.abspath(start)
    while True:
        found = here(folder)
        if found is not None:
            return found
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def read_task_file(path: str, shown: str, files: list[Script], tool: str) -> str:
    """The text of a task runner's file (a makefile, a justfile, an included one),
    recorded in ``files`` with its SHA-256 so that ``Script.unchanged`` reads it
    again. ``Unfollowed`` for more than ``MAX_FILES`` files, one over
    ``MAX_FILE_BYTES`` or not UTF-8 text; ``OSError`` where it cannot be read."""
    import hashlib
    import os

    if len(files) >= MAX_FILES:
        raise Unfollowed(f"{tool} reads more than {MAX_FILES} files")
    data = read_regular(path, MAX_FILE_BYTES)
    if isinstance(data, str):
        raise Unfollowed(f"{shown} {data}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Unfollowed(f"{shown} is not UTF-8 text") from None
    if "\x00" in text:
        raise Unfollowed(f"{shown} is not text")
    sha = hashlib.sha256(data).hexdigest()
    files.append(Script("", os.path.abspath(path), None, sha, limit=MAX_FILE_BYTES))
    return text


def recipes_script(
    tool: str, lines: list[str], files: list[Script], *, directory: str, ran: str, cwd: str | None
) -> Script | str:
    """What is submitted for a task runner (make, just): the shell lines its recipes
    run, behind a ``cd`` to ``directory`` if the runner changes to one, the files read
    and their SHA-256 in the note, then the line as written. Why not, when the
    recipes hold control characters or are over the classifier's limit."""
    import shlex

    if any(ch < " " and ch not in "\t\n" for ch in "".join(lines)):
        return f"{tool}'s recipes hold control characters"
    names = ", ".join(f"{_shown(f.path)} sha256 {f.sha256}" for f in files)
    note = f"# interlock: `{note_safe(ran)}` runs these {tool} recipes ({names}), as read"
    body = "\n".join(lines) or ":"
    if directory:
        body = f"( cd {shlex.quote(directory)} &&\n{body}\n)"
    text = f"{note}\n{body}\n# interlock: the line as written\n{ran}\n"
    if len(text.encode("utf-8", "surrogatepass")) > MAX_SCRIPT_BYTES:
        return f"{tool} runs recipes of over {MAX_SCRIPT_BYTES // 1024} KiB"
    main, more = files[0], tuple(files[1:])
    return Script(text, main.path, cwd, main.sha256, limit=MAX_FILE_BYTES, more=more)


def placed(command: str) -> str:
    """``command`` with each ``DYNAMIC`` inside single quotes closed out of them:
    ``'$(X)'`` must still read as a value computed when make runs, not as the
    placeholder's own letters."""
    if DYNAMIC not in command:
        return command
    out: list[str] = []
    quote = ""
    at = 0
    while at < len(command):
        if command.startswith(DYNAMIC, at):
            out.append(f"'{DYNAMIC}'" if quote == "'" else DYNAMIC)
            at += len(DYNAMIC)
            continue
        char = command[at]
        out.append(char)
        at += 1
        if char == "\\" and quote != "'" and at < len(command):
            out.append(command[at])
            at += 1
        elif char in "'\"" and quote in ("", char):
            quote = "" if quote else char
    return "".join(out)


def _shown(path: str) -> str:
    import os

    return os.path.basename(path) if "\n" not in path else ascii(path)
