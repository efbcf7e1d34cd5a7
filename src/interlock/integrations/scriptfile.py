"""The code of a script a shell call runs, so the gate judges what it would do.

``bash ./deploy.sh prod`` says nothing by itself: the classifier sees a script run
(``code-script-file``) whose content it cannot read, so a ``terraform destroy`` inside
would pass unseen. The hook runs on the agent's machine and can read the file. When
a shell call is one simple command of literal words that runs a local file (a shell
or interpreter with options that only tune how it runs, ``source``/``.``, or a path
whose shebang names one of those, behind wrappers such as ``timeout 60``, ``sudo`` or
``env`` and assignments if any), ``inline`` rewrites the call as the equivalent
command that feeds the file's content through a quoted heredoc (``bash -s prod
<<'...'``, ``python3 - prod <<'...'``, ``source /dev/stdin``), which the classifier
judges by its content. The text names the file and its SHA-256
and holds the content, so the call's fingerprint and the request's digest bind the
exact file: a script changed after approval is a new request. As in ``planfile``,
a line that runs no file the hook can name returns ``None`` and is judged as the
text it is; a file that surely runs but cannot be read with certainty (too large,
not text, a FIFO, an option or ``#!`` line not followed) gives why, and the gate
asks the operator: padding a script must not be a way around reading it.
``interlock exec`` submits the same text (``read_script``) and, once approved, runs
the line only while the file is ``unchanged``.

The gate imports this module only for a line ``runners.runs_file`` lets through;
``os``, ``shlex`` and ``hashlib`` are imported once a line gets that far (the hook's
per-call path stays without ``os``: ``environ.py``). Standard library only.
"""

from __future__ import annotations

from interlock.integrations.calls import ToolCall
from interlock.integrations.runners import SHELLS, SOURCES, runs_file

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

#: Largest script inlined: with its note and heredoc lines it stays under the
#: classifier's ``MAX_COMMAND_CHARS`` (128 KiB), past which a line is held unread.
MAX_SCRIPT_BYTES = 120 * 1024
#: Generated build wrappers, judged as the build they start (``./gradlew build`` by
#: the gradle family, like ``make``): their code is the build tool's bootstrap, full
#: of computed program names that would hold every build, while what the build runs
#: is in its build files, which no tool reads for a command either.
BUILD_WRAPPERS: frozenset[str] = frozenset({"gradlew", "mvnw", "configure"})


class _Options:
    """How a program's options before its file read: ``flags``, letters that may be
    clustered after one ``-`` (or ``+`` for shells) and change only how the file
    runs; ``words``, whole options of that kind; ``valued``, options whose value is
    the next word (or, for one letter, the rest of the word); ``ends``, options after
    which no file is run (inline code, a module, standard input). Anything else is
    not followed: a file after it is not run as read, so the caller asks."""

    __slots__ = ("ends", "flags", "plus", "valued", "words")

    def __init__(
        self,
        flags: str,
        words: frozenset[str],
        valued: frozenset[str],
        ends: frozenset[str],
        *,
        plus: bool = False,
    ) -> None:
        self.flags, self.words, self.valued, self.ends = frozenset(flags), words, valued, ends
        self.plus = plus

    def file_at(self, argv: Sequence[str]) -> int | str | None:
        """The index of the file in ``argv``; the first option not followed (a
        ``str``); ``None`` when no file runs."""
        at = 1
        while at < len(argv):
            word = argv[at]
            if word == "--":
                return at + 1 if at + 1 < len(argv) else None
            if word in self.ends or word[:2] in self.ends or word == "-":
                return None
            if word in self.valued:
                at += 2
                continue
            if word[:2] in self.valued and not word.startswith("--"):
                at += 1  # ``-Wignore``: the value attached
                continue
            if word in self.words or word.partition("=")[0] in self.words:
                at += 1
                continue
            if word[:1] == "-" or (self.plus and word[:1] == "+"):
                if len(word) > 1 and set(word[1:]) <= self.flags:
                    at += 1
                    continue
                return word
            return at
        return None


#: A shell's: ``-e -u -x -v`` (``set`` flags), ``-o``/``-O`` settings and the
#: start-up files it skips change how a script runs, not which code runs.
_SHELL = _Options(
    "euxv",
    frozenset({"--norc", "--noprofile", "--posix"}),
    frozenset({"-o", "+o", "-O", "+O"}),
    frozenset({"-c", "-s", "-i"}),
    plus=True,
)
#: What follows a program's options, by program.
_OPTIONS: dict[str, _Options] = {
    **dict.fromkeys(SHELLS, _SHELL),
    **dict.fromkeys(
        ("python", "python3"),
        _Options("bBdEIOPqsSuv", frozenset(), frozenset({"-W", "-X"}), frozenset({"-c", "-m"})),
    ),
    "node": _Options(
        "",
        frozenset(
            {"--no-warnings", "--no-deprecation", "--trace-warnings", "--trace-deprecation"}
            | {"--enable-source-maps", "--inspect", "--inspect-brk", "--max-old-space-size"}
            | {"--stack-size", "--unhandled-rejections"}
        ),
        frozenset(),
        frozenset({"-e", "-p", "--eval", "--print", "-i", "--interactive", "--test"}),
    ),
    "perl": _Options("wWXTtC", frozenset(), frozenset(), frozenset({"-e", "-E"})),
    "ruby": _Options("wWv", frozenset({"--verbose"}), frozenset(), frozenset({"-e"})),
}

#: Programs that run the rest of their words as a command (``timeout 60 bash x.sh``),
#: by name: how their own options read, and how many operands come before the
#: command. They stay in front of the command fed on standard input, where the
#: classifier unwraps them as it does on any line; an option of theirs not followed
#: asks, as an interpreter's does.
_WRAPPERS: dict[str, tuple[_Options, int]] = {
    "nohup": (_Options("", frozenset(), frozenset(), frozenset({"--help", "--version"})), 0),
    "env": (
        _Options(
            "i",
            frozenset({"--ignore-environment", "--unset"}),
            frozenset({"-u", "--unset"}),
            frozenset({"--help", "--version"}),
        ),
        0,
    ),
    "time": (_Options("p", frozenset(), frozenset(), frozenset()), 0),
    "setsid": (_Options("fw", frozenset(), frozenset(), frozenset({"--help"})), 0),
    "command": (_Options("p", frozenset(), frozenset(), frozenset({"-v", "-V"})), 0),
    "exec": (_Options("cl", frozenset(), frozenset({"-a"}), frozenset()), 0),
    "timeout": (
        _Options(
            "v",
            frozenset({"--preserve-status", "--foreground", "--verbose"})
            | frozenset({"--signal", "--kill-after"}),
            frozenset({"-s", "-k", "--signal", "--kill-after"}),
            frozenset({"--help", "--version"}),
        ),
        1,
    ),
    "nice": (
        _Options(
            "0123456789",
            frozenset({"--adjustment"}),
            frozenset({"-n", "--adjustment"}),
            frozenset(),
        ),
        0,
    ),
    "stdbuf": (
        _Options(
            "",
            frozenset({"--input", "--output", "--error"}),
            frozenset({"-i", "-o", "-e", "--input", "--output", "--error"}),
            frozenset({"--help"}),
        ),
        0,
    ),
    "sudo": (
        _Options(
            "EHnPb",
            frozenset({"--preserve-env", "--set-home", "--non-interactive", "--user", "--group"}),
            frozenset({"-u", "-g", "-C", "-p", "-r", "-t", "-T", "-D", "--user", "--group"}),
            frozenset({"-i", "-s", "-l", "-v", "-k", "-K", "-e", "-V", "-h", "--login", "--shell"}),
        ),
        0,
    ),
}


class Script:
    """A script a command line runs, as read: the line that feeds it on standard input
    (``text``, what is classified and submitted), the file as the line names it (for
    ``pkgscripts``, the ``package.json`` holding the scripts), its working directory,
    its SHA-256 and the largest size it is read at. ``more`` holds the other files
    fed in the same text (``linecode``: every file a line runs, at any depth);
    ``runner`` and ``code`` the program a script is fed to and the code it was read
    as (``linecode`` reads the local modules that code imports)."""

    __slots__ = ("code", "cwd", "limit", "more", "path", "runner", "sha256", "text")

    def __init__(
        self,
        text: str,
        path: str,
        cwd: str | None,
        sha256: str,
        *,
        limit: int = MAX_SCRIPT_BYTES,
        more: tuple[Script, ...] = (),
        runner: str = "",
        code: str = "",
    ) -> None:
        self.text, self.path, self.cwd, self.sha256 = text, path, cwd, sha256
        self.limit, self.more, self.runner, self.code = limit, more, runner, code

    def with_text(self, text: str, more: tuple[Script, ...] | None = None) -> Script:
        """This reading fed by ``text`` instead (``more`` files read with it, if given)."""
        return Script(
            text,
            self.path,
            self.cwd,
            self.sha256,
            limit=self.limit,
            more=self.more if more is None else more,
            runner=self.runner,
            code=self.code,
        )

    def unchanged(self) -> bool:
        """Whether every file read still holds what was read (``interlock exec`` asks
        just before it runs the approved line, which reads the files again)."""
        import hashlib

        try:
            data = _read(self.path, self.cwd, searched=False, limit=self.limit)
        except (OSError, ValueError):
            return False
        if not isinstance(data, bytes) or hashlib.sha256(data).hexdigest() != self.sha256:
            return False
        return all(other.unchanged() for other in self.more)


def inline(call: ToolCall) -> ToolCall | str | None:
    """``call`` with the code of the file it runs fed on standard input; why that
    file cannot be read (``read_script``); or ``None``."""
    return rewritten(call, read_script(call.text, call.cwd))


def rewritten(call: ToolCall, script: Script | str | None) -> ToolCall | str | None:
    """``call`` with ``script``'s text in place of its own; a reason or ``None`` as is."""
    if script is None or isinstance(script, str):
        return script
    inlined = ToolCall(
        call.agent,
        call.tool,
        call.kind,
        script.text,
        call.paths,
        call.session_id,
        call.cwd,
        call.description,
    )
    inlined.carried = call.carried
    return inlined


def read_script(text: str, cwd: str | None) -> Script | str | None:
    """The script ``text`` runs, read from ``cwd``. A line that surely runs a file as
    code which cannot be read with certainty (too large, not text, a shebang interlock
    does not follow, a FIFO) gives why, as a phrase: padding a script past the limit
    must not be a way around reading it, so callers ask rather than judge the bare
    line. ``None`` for any other line, and where the run itself would fail (no such
    file, unreadable to its owner)."""
    if not runs_file(text):
        return None
    try:
        return _script(text, cwd)
    except (OSError, ValueError):  # no file, a link loop, unparsable words
        return None


def _script(text: str, cwd: str | None) -> Script | str | None:
    import shlex

    return script_of(shlex.split(text), cwd, text.strip())


def script_of(argv: Sequence[str], cwd: str | None, ran: str) -> Script | str | None:
    """``read_script`` of the command ``argv`` (the words as the program gets them),
    written ``ran`` on the line, run in ``cwd``; ``OSError`` or ``ValueError`` where the
    file cannot be named or opened."""
    import hashlib
    import os
    import shlex

    found = _runner(argv)
    if found is None:
        return None
    if isinstance(found, str):  # an option not followed, before a file that exists?
        later = argv[list(argv).index(found) + 1 :]
        ran_file = next((w for w in later if w[:1] != "-" and os.path.isfile(_path(w, cwd))), None)
        if ran_file is None:
            return None
        return f"{argv[0]} runs {ran_file} with {found}, an option interlock does not follow"
    prefix, head, word, args = found
    if word.startswith("-m "):  # ``python -m NAME``: a module of the working directory
        found_module = _module_file(word[3:], cwd)
        if found_module is None:
            return None  # an installed module: judged as the line it is
        word = found_module
    if head and os.path.isdir(_path(word, cwd)):  # ``python3 .``, ``node .``
        entry = _entry_of(head[0].rpartition("/")[2], word, cwd)
        if entry is None:
            return None  # the program refuses a folder: nothing runs
        word = entry
    data = _read(word, cwd, searched=argv[0] in SOURCES)
    if not head and not _starts_shebang(data, word, cwd):
        if isinstance(data, str):
            if not _starts_text(word, cwd):
                return None  # a program, not a script: judged as the line it is
            return f"{word} {data}"  # bash runs a text file without ``#!`` itself
        if not _text(data):
            return None
        head = ["bash", "-s"]
    if isinstance(data, str):
        return f"{word} {data}"
    if not _text(data):
        return f"{word} is not UTF-8 text"
    content = data.decode("utf-8")
    command = head or shebang_command(content)
    if command is None:
        line = content.partition("\n")[0][:80]
        return f"{word} runs through `{line}`, which interlock does not read"
    sha = hashlib.sha256(data).hexdigest()
    delimiter = f"INTERLOCK_SCRIPT_{sha[:16]}"
    if delimiter in content.split("\n"):
        return f"{word} holds the line interlock would end it with"
    if command[-1] == "-s" and args and args[0][:1] in ("-", "+"):
        args = ["--", *args]  # ``bash -s -x``: ``-x`` would be read as an option
    note = (
        f"# interlock: `{note_safe(ran)}` runs {note_safe(word)} (sha256 {sha}), "
        "fed below as the hook read it"
    )
    body = content if content.endswith("\n") else content + "\n"
    fed = f"{note}\n{shlex.join([*prefix, *command, *args])} <<'{delimiter}'\n{body}{delimiter}\n"
    return Script(fed, word, cwd, sha, runner=command[0].rpartition("/")[2], code=content)


def note_safe(text: str) -> str:
    """``text`` fit for a note's comment line, where a line break would end the
    comment and start code: with any control character, its escaped form."""
    return ascii(text) if controlled(text) else text


def controlled(text: str) -> bool:
    """Whether ``text`` holds a control character: in a note or a generated line it
    would end a comment or a word where the reader does not expect it."""
    return any(ch < " " or ch == "\x7f" for ch in text)


def _runner(
    argv: Sequence[str],
) -> tuple[list[str], list[str], str, list[str]] | str | None:
    """``(wrappers, command reading standard input, file, arguments)``: the command is
    empty when the file runs itself (its shebang says which). An option that is not
    followed (``_OPTIONS``, ``_WRAPPERS``) is returned as it is."""
    start = 0
    while start < len(argv):
        word = argv[start]
        if _assignment(word):
            start += 1  # kept in front, where the classifier judges it as on any line
            continue
        if word not in _WRAPPERS:
            break
        wrapper, operands = _WRAPPERS[word]
        inner = wrapper.file_at(argv[start:])
        if inner is None or isinstance(inner, str):
            return inner
        start += inner + operands
    prefix, argv = list(argv[:start]), argv[start:]
    if not argv or "=" in argv[0]:
        return None
    first = argv[0]
    # a program by name or absolute path; ``./bash`` is a local file like any other
    program = first.rpartition("/")[2] if first.startswith("/") else first
    if first in SOURCES:
        if prefix or len(argv) < 2:
            return None  # a builtin runs in this shell: no wrapper can run it
        return [], [first, "/dev/stdin"], argv[1], list(argv[2:])
    reader = _OPTIONS.get(program)
    if reader is not None:
        at = reader.file_at(argv)
        if at is None and program.startswith("python"):
            module = _module_run(reader, argv)
            if module is not None:
                return prefix, [first, "-"], f"-m {module[0]}", module[1]
        if at is None or isinstance(at, str):
            return at
        if program not in SHELLS:  # the classifier reads ``X - args``; options only
            return prefix, [first, "-"], argv[at], list(argv[at + 1 :])  # tune how it runs
        options = [w for w in argv[1:at] if w != "--"]
        return prefix, [first, *options, "-s"], argv[at], list(argv[at + 1 :])
    if "/" in first and first.rpartition("/")[2] not in BUILD_WRAPPERS:
        return prefix, [], first, list(argv[1:])
    return None


def _entry_of(program: str, folder: str, cwd: str | None) -> str | None:
    """The file ``program FOLDER`` runs: Python a folder's ``__main__.py``; node the
    ``main`` of its package.json (as a file, with ``.js``, or its ``index.js``), else
    its ``index.js``. ``None``: no such file, or a program that runs no folder."""
    import json
    import os

    if program.startswith("python"):
        names = ["__main__.py"]
    elif program == "node":
        names = []
        try:
            manifest = read_regular(_path(os.path.join(folder, "package.json"), cwd), 256 * 1024)
            main = json.loads(manifest).get("main") if isinstance(manifest, bytes) else None
        except (OSError, ValueError, AttributeError):
            main = None
        if isinstance(main, str) and main:
            names += [main, main + ".js", os.path.join(main, "index.js")]
        names.append("index.js")
    else:
        return None
    for name in names:
        candidate = os.path.normpath(os.path.join(folder, name))
        if os.path.isfile(_path(candidate, cwd)):
            return candidate
    return None


def _module_run(reader: _Options, argv: Sequence[str]) -> tuple[str, list[str]] | None:
    """``(module, arguments)`` of ``python [options] -m MODULE args``, where the options
    only tune how it runs and leave the working directory first on ``sys.path``
    (``-I`` and ``-P`` take it off: no module of the workspace runs)."""
    if "-m" not in argv:
        return None
    at = list(argv).index("-m")
    options = list(argv[1:at])
    if at + 1 >= len(argv) or reader.file_at([argv[0], *options, "x"]) != len(options) + 1:
        return None
    if any(w[:1] == "-" and ("I" in w or "P" in w) and not w.startswith("--") for w in options):
        return None
    return argv[at + 1], list(argv[at + 2 :])


def _module_file(module: str, cwd: str | None) -> str | None:
    """The file ``python -m module`` runs from the working directory ``cwd``:
    ``a/b.py`` or the package's ``a/b/__main__.py``; ``None`` when neither is there."""
    import os

    parts = module.split(".")
    if not all(part.isidentifier() for part in parts):
        return None
    base = os.path.join(*parts)
    for candidate in (base + ".py", os.path.join(base, "__main__.py")):
        if os.path.isfile(_path(candidate, cwd)):
            return candidate
    return None


def _assignment(word: str) -> bool:
    """Whether bash reads ``word`` before a command as ``NAME=value``."""
    name, equals, _ = word.partition("=")
    return bool(equals) and name.isidentifier() and name.isascii()


def shebang_command(content: str) -> list[str] | None:
    """The command reading standard input that a script's ``#!`` line names: a shell
    or an interpreter, directly (with at most one option word, which the kernel
    passes as one argument, of those ``_OPTIONS`` follows) or through ``/usr/bin/env
    NAME``; anything else (``env -S``, other programs) is ``None``."""
    if not content.startswith("#!"):
        return None
    words = content[2:].partition("\n")[0].split()
    if not words or not words[0].startswith("/"):
        return None
    if words[0].rpartition("/")[2] == "env":
        words = words[1:]
        if len(words) != 1:
            return None
    program, flags = words[0].rpartition("/")[2], words[1:]
    reader = _OPTIONS.get(program)
    if reader is None or len(flags) > 1 or reader.file_at([program, *flags, "x"]) != len(flags) + 1:
        return None
    return [program, *flags, "-s"] if program in SHELLS else [program, "-"]


def _read(
    word: str, cwd: str | None, *, searched: bool, limit: int = MAX_SCRIPT_BYTES
) -> bytes | str:
    """The file's bytes (``read_regular``), or why they are not read.

    ``source name`` looks for a name without ``/`` on ``PATH`` before the working
    directory: when ``PATH`` has one, which file runs is not certain.
    """
    if searched and "/" not in word and _on_path(word):
        return "may be another file of that name on PATH"
    return read_regular(_path(word, cwd), limit)


def _path(word: str, cwd: str | None) -> str:
    import os

    return word if os.path.isabs(word) or not cwd else os.path.join(cwd, word)


def read_regular(path: str, limit: int) -> bytes | str:
    """The bytes of the regular file at ``path``, or why they are not read (not a
    regular file, over ``limit`` bytes); ``OSError`` when it cannot be read."""
    import os
    import stat

    found = os.stat(path)
    if not stat.S_ISREG(found.st_mode):
        return "is not a regular file"  # checked before opening: a FIFO would wait
    too_large = f"is over {limit // 1024} KiB"
    if found.st_size > limit:
        return too_large
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return "is not a regular file"
        data = fh.read(limit + 1)
    return data if len(data) <= limit else too_large


def _starts_shebang(data: bytes | str, word: str, cwd: str | None) -> bool:
    """Whether the file starts with ``#!``: its first bytes, read again when the
    whole was too large to read (any other file that was not read is no script)."""
    if isinstance(data, bytes):
        return data.startswith(b"#!")
    return _head(word, cwd, 2) == b"#!"


def _starts_text(word: str, cwd: str | None) -> bool:
    """Whether a file too large to read starts as text (its first 4 KiB hold no NUL
    byte), so that bash would run it as a script rather than the kernel as a program."""
    head = _head(word, cwd, 4096)
    return bool(head) and b"\x00" not in head


def _head(word: str, cwd: str | None, size: int) -> bytes:
    """The first ``size`` bytes of the regular file ``word`` names (``b""`` for
    anything that is not one or cannot be opened; a FIFO is never waited on)."""
    import os
    import stat

    try:
        fd = os.open(_path(word, cwd), os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError:
        return b""
    with os.fdopen(fd, "rb") as fh:
        return fh.read(size) if stat.S_ISREG(os.fstat(fd).st_mode) else b""


def _text(data: bytes) -> bool:
    """Whether ``data`` is UTF-8 text a shell could be fed: no NUL, decodable."""
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _on_path(name: str) -> bool:
    import os

    return any(
        os.path.isfile(os.path.join(folder, name))
        for folder in os.environ.get("PATH", "").split(":")
        if folder
    )
