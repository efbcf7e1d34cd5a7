"""Wrapper programs: commands whose job is to run another command.

``sudo -u root env FOO=1 timeout 5 nice -n 5 rm -rf /`` runs ``rm``; a guard that
judges the first word sees ``sudo`` and misses it. Each function here reads one
wrapper's options (from its manual page: sudo(8), env(1), timeout(1), xargs(1),
find(1), ssh(1), kubectl exec, docker exec, git-config(1) ...) and says what runs
inside it as a ``Step``: the inner argv, shell strings to parse (``bash -c``,
``eval``, ``ssh host 'cmd'``, ``git -c core.pager=...``), extra commands
(``find -exec``) and what the wrapper adds (root rights, a remote host, a container).
A function returns ``None`` when the invocation does not wrap anything
(``command -v``, ``bash script.sh``, ``kubectl get``): the walker then treats the
words as an ordinary command. Pure functions over resolved words, no I/O.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from interlock.classify.words import DYNAMIC, Word
from interlock.frozen import quick_init

Words = Sequence[Word]


@quick_init
@dataclass(frozen=True, slots=True)
class Step:
    """What one wrapper runs. ``rest`` is ``None`` when nothing runs through argv."""

    label: str
    rest: tuple[Word, ...] | None = None
    elevated: bool = False
    remote_host: str | None = None
    container: str | None = None
    scripts: tuple[Word, ...] = ()
    extra: tuple[tuple[Word, ...], ...] = ()
    keep: bool = False
    stdin_shell: bool = False
    assignments: tuple[tuple[str, str], ...] = ()


#: Shells whose ``-c STRING`` or standard input is more shell.
SHELLS = frozenset(
    {"sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "yash", "posh", "fish", "rbash"}
)
#: Interpreters that run a program read from standard input when given no script.
INTERPRETERS = frozenset(
    {"python", "python2", "python3", "pypy", "pypy3", "node", "nodejs", "deno", "bun"}
    | {"perl", "ruby", "php", "lua", "luajit", "Rscript", "R", "tclsh", "osascript"}
    | {"pwsh", "powershell", "irb", "jshell", "groovy", "julia", "awk", "gawk", "mawk"}
)


def is_interpreter(program: str) -> bool:
    """``python3.12`` and ``python3`` are both Python."""
    if program in INTERPRETERS:
        return True
    return program.startswith(("python", "pypy")) and program.rstrip("0123456789.") in (
        "python",
        "pypy",
    )


def operand_index(
    words: Words,
    start: int,
    short_arg: str = "",
    long_arg: frozenset[str] = frozenset(),
    numeric_ok: bool = False,
) -> int:
    """Index of the first operand at or after ``start``, skipping options.

    ``short_arg`` lists the short options that take a value (attached or next word);
    ``long_arg`` the long ones (``--opt=v`` or ``--opt v``). ``--`` ends options.
    """
    i, n = start, len(words)
    while i < n:
        value = words[i][0]
        if value == "--":
            return i + 1
        if not value.startswith("-") or value == "-":
            return i
        if value.startswith("--"):
            i += 2 if value in long_arg else 1
            continue
        if numeric_ok and value[1:].isdigit():
            i += 1
            continue
        i += _short_cluster(value, short_arg)
    return n


def _short_cluster(value: str, short_arg: str) -> int:
    """Words taken by ``-abc``: 2 when its last letter wants a separate value."""
    for pos, letter in enumerate(value[1:], start=1):
        if letter in short_arg:
            return 1 if pos < len(value) - 1 else 2
    return 1


def long_option(value: str, longs: Mapping[str, int]) -> tuple[str, bool] | None:
    """Which of ``longs`` (name -> shortest accepted prefix, as getopt_long accepts an
    unambiguous one) ``value`` names, and whether its value is attached (``=``)."""
    head, sep, _ = value.partition("=")
    for name, shortest in longs.items():
        if len(head) >= shortest and name.startswith(head):
            return name, bool(sep)
    return None


def valued_options(
    words: Words, short_arg: str, longs: Mapping[str, int], start: int = 1
) -> Iterator[tuple[str, Word]]:
    """Each option with a value, as (short letter or long name, value): ``-xVALUE``,
    ``-x VALUE``, a cluster ending in ``x``, ``--name=VALUE``, ``--name VALUE``.
    ``longs`` maps the long names asked for to their shortest accepted prefix. Options
    are read from ``words[start]`` up to ``--``; a value taken is never read as an
    option itself."""
    i, n = start, len(words)
    while i < n:
        value, flags = words[i]
        i += 1
        if value == "--":
            return
        if value.startswith("--"):
            known = long_option(value, longs)
            if known is not None and known[1]:
                yield known[0], (value.partition("=")[2], flags)
            elif known is not None and i < n:
                yield known[0], words[i]
                i += 1
            continue
        if not value.startswith("-"):
            continue
        for pos in range(1, len(value)):
            if value[pos] in short_arg:
                if pos + 1 < len(value):
                    yield value[pos], (value[pos + 1 :], flags)
                elif i < n:
                    yield value[pos], words[i]
                    i += 1
                break


def rest_from(words: Words, i: int) -> tuple[Word, ...] | None:
    return tuple(words[i:]) if i < len(words) else None


def join_words(words: Words) -> Word:
    """Words a program joins with spaces and hands to a shell (``ssh``, ``eval``)."""
    flags = 0
    for _, f in words:
        flags |= f
    return " ".join(w for w, _ in words), flags


def _sudo(words: Words) -> Step | None:
    if any(w in ("-e", "--edit", "-l", "--list", "-v", "-k", "-K") for w, _ in words[1:3]):
        return Step("sudo", None, elevated=True)
    long = frozenset({"--user", "--group", "--prompt", "--host", "--role", "--type"})
    i = operand_index(words, 1, "ugpChrtUDRT", long | {"--chdir", "--chroot", "--close-from"})
    assigns = []
    while i < len(words) and _is_assignment(words[i][0]):
        assigns.append(words[i][0].partition("="))
        i += 1
    pairs = tuple((name, value) for name, _, value in assigns)
    if i >= len(words) and _starts_shell(words[1:i], "ugpChrtUDRT"):
        # ``sudo -i`` / ``sudo -s`` with no command: a root shell reading standard input
        return Step("sudo", None, elevated=True, stdin_shell=True, assignments=pairs)
    return Step("sudo", rest_from(words, i), elevated=True, assignments=pairs)


def _starts_shell(options: Words, short_arg: str) -> bool:
    """Whether sudo's ``options`` ask for a shell: ``-i``, ``-s``, ``--login``,
    ``--shell`` or a cluster with ``i`` or ``s`` before any letter taking a value."""
    for value, _ in options:
        if value in ("--login", "--shell"):
            return True
        if value.startswith("-") and not value.startswith("--"):
            for letter in value[1:]:
                if letter in "is":
                    return True
                if letter in short_arg:
                    break
    return False


def _is_assignment(word: str) -> bool:
    """``NAME=value``, which ``sudo`` and ``env`` take as environment, not a program."""
    name, sep, _ = word.partition("=")
    return bool(sep) and name.replace("_", "a").isalnum() and not name[0].isdigit()


def _doas(words: Words) -> Step | None:
    return Step("doas", rest_from(words, operand_index(words, 1, "uC")), elevated=True)


def _pkexec(words: Words) -> Step | None:
    i = operand_index(words, 1, "", frozenset({"--user"}))
    return Step("pkexec", rest_from(words, i), elevated=True)


def _su(words: Words) -> Step | None:
    scripts: list[Word] = []
    i, n = 1, len(words)
    while i < n:
        value = words[i][0]
        if value in ("-c", "--command") and i + 1 < n:
            scripts.append(words[i + 1])
            i += 2
            continue
        if value.startswith("--command="):
            scripts.append((value.split("=", 1)[1], words[i][1]))
        elif value in ("-s", "--shell", "-g", "--group", "-G", "--supp-group", "-w"):
            i += 1
        i += 1
    # with no command, su starts the user's shell, which reads standard input
    return Step("su", None, elevated=True, scripts=tuple(scripts), stdin_shell=not scripts)


def _runuser(words: Words) -> Step | None:
    if any(w in ("-c", "--command", "-l", "--login") for w, _ in words):
        return _su(words)
    i = operand_index(words, 1, "ugGs", frozenset({"--user", "--group", "--shell"}))
    return Step("runuser", rest_from(words, i), elevated=True)


def _env(words: Words) -> Step | None:
    i, n = 1, len(words)
    scripts: list[Word] = []
    assigns: list[tuple[str, str]] = []
    while i < n:
        value = words[i][0]
        if value in ("-S", "--split-string") and i + 1 < n:
            scripts.append(words[i + 1])
            i += 2
            continue
        if value.startswith(("-S", "--split-string=")) and len(value) > 2:
            scripts.append((value.split("=", 1)[1] if "=" in value else value[2:], words[i][1]))
        elif value in ("-u", "--unset", "-C", "--chdir", "-P"):
            i += 1
        elif value == "--":
            i += 1
            break
        elif "=" in value and not value.startswith("-"):
            name, _, val = value.partition("=")
            assigns.append((name, val))
        elif not value.startswith("-"):
            break
        i += 1
    if scripts:
        rest = (_split_words(scripts[0]) + tuple(words[i:])) if not scripts[0][1] else None
        step_scripts = tuple(scripts) if scripts[0][1] else ()
        return Step("env", rest, scripts=step_scripts, assignments=tuple(assigns))
    return Step("env", rest_from(words, i), assignments=tuple(assigns))


def _split_words(word: Word) -> tuple[Word, ...]:
    return tuple((w, word[1]) for w in word[0].split())


def _skipper(
    label: str, short_arg: str = "", long_arg: Sequence[str] = ()
) -> Callable[[Words], Step | None]:
    longs = frozenset(long_arg)

    def unwrap(words: Words) -> Step | None:
        return Step(label, rest_from(words, operand_index(words, 1, short_arg, longs, True)))

    return unwrap


def _timeout(words: Words) -> Step | None:
    i = operand_index(words, 1, "sk", frozenset({"--signal", "--kill-after"}))
    return Step(words[0][0].rsplit("/", 1)[-1], rest_from(words, i + 1))


def _command(words: Words) -> Step | None:
    if any(w in ("-v", "-V") for w, _ in words[1:3]):
        return None
    return Step("command", rest_from(words, operand_index(words, 1)))


def _busybox(words: Words) -> Step | None:
    if len(words) < 2 or words[1][0].startswith("-"):
        return None
    return Step(posixpath.basename(words[0][0]), tuple(words[1:]))


def _watch(words: Words) -> Step | None:
    longs = frozenset({"--interval", "--differences", "--equexit", "--errexit"})
    i = operand_index(words, 1, "nq", longs)
    if i >= len(words):
        return None
    if any(w in ("-x", "--exec") for w, _ in words[1:i]):
        return Step("watch", tuple(words[i:]))
    return Step("watch", None, scripts=(join_words(words[i:]),))


def _flock(words: Words) -> Step | None:
    for j, (value, _) in enumerate(words[:-1]):
        if value in ("-c", "--command"):
            return Step("flock", None, scripts=(words[j + 1],))
    i = operand_index(words, 1, "wEc", frozenset({"--timeout", "--conflict-exit-code"}))
    return Step("flock", rest_from(words, i + 1))


#: xargs options that take a value as the next word (GNU findutils xargs(1)).
_XARGS_LONG = frozenset(
    {"--arg-file", "--delimiter", "--eof", "--max-lines", "--max-args", "--max-procs"}
    | {"--max-chars", "--process-slot-var", "--replace"}
)
#: Stands for the arguments xargs reads from its input: unknown when we judge.
XARGS_INPUT: Word = ("$XARGS", DYNAMIC)


def _xargs(words: Words) -> Step | None:
    i = operand_index(words, 1, "adEILnPs", _XARGS_LONG)
    replace = any(w.startswith(("-I", "-i", "--replace")) for w, _ in words[1:i])
    inner = tuple(words[i:]) or (("echo", 0),)
    return Step("xargs", inner if replace else (*inner, XARGS_INPUT))


_FIND_EXEC = frozenset({"-exec", "-execdir", "-ok", "-okdir"})


def _find(words: Words) -> Step | None:
    extra: list[tuple[Word, ...]] = []
    i, n = 1, len(words)
    starts = _find_starts(words)
    while i < n:
        if words[i][0] in _FIND_EXEC:
            j = i + 1
            while j < n and words[j][0] not in (";", "+"):
                j += 1
            if j > i + 1:
                extra.append(_with_starts(words[i + 1 : j], starts))
            i = j
        i += 1
    if not extra:
        return None
    return Step("find -exec", None, extra=tuple(extra), keep=True)


def _find_starts(words: Words) -> tuple[Word, ...]:
    """find(1)'s starting points: what ``{}`` stands for at the very least, since each
    is also a file find visits (``find / -exec rm -rf {} +`` removes ``/``)."""
    i, n = 1, len(words)
    while i < n and (words[i][0] in ("-H", "-L", "-P", "-D") or words[i][0].startswith("-O")):
        i += 2 if words[i][0] == "-D" else 1
    starts = []
    while i < n and not words[i][0].startswith(("-", "(", "!")):
        starts.append(words[i])
        i += 1
    return tuple(starts) or ((".", 0),)


def _with_starts(argv: Words, starts: tuple[Word, ...]) -> tuple[Word, ...]:
    """``argv`` with each ``{}`` read as the starting points."""
    out: list[Word] = []
    for value, flags in argv:
        if value == "{}":
            out.extend(starts)
        elif "{}" in value:
            # ``{}.bak`` is one word per file: one start point stands for all of them,
            # the first, as no start point is safer than another to name
            first, first_flags = starts[0]
            out.append((value.replace("{}", first), flags | first_flags))
        else:
            out.append((value, flags))
    return tuple(out)


def _shell(words: Words) -> Step | None:
    """``bash [options] [-c STRING | script | -s]``: the string or stdin is shell."""
    i, n = 1, len(words)
    inline = from_stdin = False
    while i < n:
        value = words[i][0]
        if value in ("--", "-"):
            i += 1
            break
        if value in ("-o", "+o", "-O", "+O", "--rcfile", "--init-file"):
            i += 2
            continue
        if not value.startswith(("-", "+")):
            break
        if not value.startswith("--"):
            inline = inline or "c" in value[1:]
            from_stdin = from_stdin or "s" in value[1:]
        i += 1
    label = posixpath.basename(words[0][0])
    if inline:
        return Step(f"{label} -c", None, scripts=(words[i],)) if i < n else None
    if i < n and not from_stdin:
        return None
    return Step(label, None, stdin_shell=True)


_SSH_ARG = "BbcDEeFIiJLlmOopQRSWw"


#: ssh_config(5) options whose value is a command run on the local machine.
_SSH_LOCAL_COMMANDS = frozenset({"proxycommand", "localcommand", "knownhostscommand"})
#: ``Key=value``, ``Key value`` or ``Key = value`` (ssh_config(5): whitespace or one ``=``).
_SSH_OPTION = re.compile(r"\s*([A-Za-z]+)(?:\s*=\s*|\s+)(.*)", re.S)


def ssh_option_command(option: Word) -> Word | None:
    """The local command an ssh ``-o`` option runs (``ProxyCommand rm -rf /``), if any."""
    match = _SSH_OPTION.fullmatch(option[0])
    if match is None or match.group(1).lower() not in _SSH_LOCAL_COMMANDS:
        return None
    return match.group(2), option[1]


def ssh_options(
    words: Words, short_arg: str, *, permute: bool = False
) -> Iterator[tuple[str, int, int, Word]]:
    """Each option of ssh, scp or sftp that has a value: its letter, the indices of its
    first and last word, and the value (``-oX``, ``-o X``, ``-vo X``). ``permute``: go
    on past operands, as scp and sftp do under glibc getopt."""
    j, n = 1, len(words)
    while j < n:
        value = words[j][0]
        if value == "--":
            return
        if not value.startswith("-") or value == "-":
            if not permute:
                return
            j += 1
            continue
        for pos in range(1, len(value)):
            letter = value[pos]
            if letter not in short_arg:
                continue
            if pos + 1 < len(value):
                yield letter, j, j, (value[pos + 1 :], words[j][1])
            elif j + 1 < n:
                yield letter, j, j + 1, words[j + 1]
                j += 1
            break
        j += 1


def _ssh(words: Words) -> Step | None:
    i = operand_index(words, 1, _SSH_ARG)
    local: list[Word] = []
    drop: set[int] = set()
    for letter, first, last, option in ssh_options(words, _SSH_ARG):
        command = ssh_option_command(option) if letter == "o" else None
        if command is not None:
            local.append(command)
            drop.update(range(first, last + 1))
    if local:  # run here, before any remote command; then the rest as plain ssh
        rest = tuple(w for j, w in enumerate(words) if j not in drop)
        return Step("ssh -o", rest, scripts=tuple(local))
    if i >= len(words):
        return None
    host = words[i][0].rpartition("@")[2]
    label = f"ssh {host}"
    if i + 1 >= len(words):
        # no command: the remote login shell reads its commands from standard input
        return Step(label, None, remote_host=host, stdin_shell=True)
    return Step(label, None, remote_host=host, scripts=(join_words(words[i + 1 :]),))


def _eval(words: Words) -> Step | None:
    if len(words) < 2:
        return None
    return Step("eval", None, scripts=(join_words(words[1:]),))


def _negation(words: Words) -> Step | None:
    """``! ! rm``: the grammar reads the second ``!`` as a program; bash negates twice."""
    return Step("!", rest_from(words, 1))


#: Program base name -> how to find the command it runs.
WRAPPERS: Mapping[str, Callable[[Words], Step | None]] = {
    "!": _negation,
    "sudo": _sudo,
    "doas": _doas,
    "pkexec": _pkexec,
    "su": _su,
    "runuser": _runuser,
    "env": _env,
    "nohup": _skipper("nohup"),
    "setsid": _skipper("setsid"),
    "chronic": _skipper("chronic"),
    "caffeinate": _skipper("caffeinate", "tw"),
    "stdbuf": _skipper("stdbuf", "ioe", ("--input", "--output", "--error")),
    "nice": _skipper("nice", "n", ("--adjustment",)),
    "ionice": _skipper("ionice", "cnpPu", ("--class", "--classdata")),
    "timeout": _timeout,
    "gtimeout": _timeout,
    "time": _skipper("time", "fo", ("--format", "--output")),
    "command": _command,
    "builtin": _skipper("builtin"),
    "exec": _skipper("exec", "a"),
    "coproc": _skipper("coproc"),
    "nocorrect": _skipper("nocorrect"),
    "noglob": _skipper("noglob"),
    "unbuffer": _skipper("unbuffer"),
    "torsocks": _skipper("torsocks"),
    "proxychains": _skipper("proxychains", "f"),
    "proxychains4": _skipper("proxychains4", "f"),
    "busybox": _busybox,
    "toybox": _busybox,
    "watch": _watch,
    "flock": _flock,
    "xargs": _xargs,
    "find": _find,
    "ssh": _ssh,
    "eval": _eval,
    **dict.fromkeys(SHELLS, _shell),
}
