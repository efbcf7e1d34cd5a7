"""Tools whose options or scripts carry a command of their own.

``tar --to-command=CMD`` pipes each member into ``sh -c CMD``, ``zip -TT CMD`` tests
the archive with CMD, ``rsync -e CMD`` connects through CMD, GNU ``sed``'s ``e``
command runs a shell, ``gdb -ex 'shell CMD'``, ``vim -c '!CMD'`` and ``less +!CMD``
run one from their command line, and ``scp -o ProxyCommand=CMD`` starts CMD before
connecting (tar(1), zip(1), rsync(1), the GNU sed manual, gdb's "Shell Commands",
vim's ``:help :!``, less(1), ssh_config(5)). A guard that judges only the tool misses
the command; each function here finds it. The tool is still judged by its own family
(``keep``), so finding a command can only add to the decision. Text that runs but is
computed from the input (``sed 's/x/y/e'``, ``gdb -ex python ...``) is returned as a
``DYNAMIC`` script, which the walker holds as opaque.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator, Mapping, Sequence

from interlock.classify.sedscript import executed
from interlock.classify.unwrap import (
    Step,
    Words,
    long_option,
    ssh_option_command,
    ssh_options,
    valued_options,
)
from interlock.classify.words import DYNAMIC, Word

Launcher = Callable[[Words], Step | None]


def _step(
    words: Words, scripts: Sequence[Word], extra: Sequence[tuple[Word, ...]] = ()
) -> Step | None:
    if not scripts and not extra:
        return None
    label = posixpath.basename(words[0][0])
    return Step(label, None, scripts=tuple(scripts), extra=tuple(extra), keep=True)


# -- tar, zip, rsync ---------------------------------------------------------------

#: GNU tar short options that take a value (tar(1)).
_TAR_ARG = "bCfFgHIKLNTVX"
_TAR_LONG = {
    "--to-command": len("--to-c"),
    "--checkpoint-action": len("--checkpoint-"),
    "--use-compress-program": len("--use"),
    "--rsh-command": len("--rsh"),
    "--info-script": len("--inf"),
    "--new-volume-script": len("--new-"),
}


def _tar(words: Words) -> Step | None:
    """GNU tar runs ``--to-command``, ``--checkpoint-action=exec=``, ``-I`` and
    ``--rsh-command`` as commands, and ``-F``/``--info-script`` as a script file."""
    bsd = posixpath.basename(words[0][0]) == "bsdtar"  # bsdtar's -I is a file list
    short = "" if bsd else "IF"
    scripts: list[Word] = []
    extra: list[tuple[Word, ...]] = []
    found = (*_tar_old_style(words), *valued_options(words, _TAR_ARG, _TAR_LONG))
    for key, (value, flags) in found:
        if key == "--checkpoint-action" and not value.startswith("exec="):
            continue
        command = value.removeprefix("exec=") if key == "--checkpoint-action" else value
        if key in ("F", "--info-script", "--new-volume-script"):
            extra.append(((command, flags),))
        elif key.startswith("--") or key in short:
            scripts.append((command, flags))
    return _step(words, scripts, extra)


def _tar_old_style(words: Words) -> Iterator[tuple[str, Word]]:
    """``tar xfF a.tar script``: letters without a dash take the next words in turn."""
    if len(words) < 2 or words[1][0].startswith("-"):
        return
    following = iter(words[2:])
    for letter in words[1][0]:
        if letter in _TAR_ARG:
            value = next(following, None)
            if value is None:
                return
            yield letter, value


def _zip(words: Words) -> Step | None:
    """``zip -T -TT CMD``: zip tests the new archive by running CMD on it (zip(1))."""
    scripts: list[Word] = []
    for i, (value, flags) in enumerate(words):
        if value in ("-TT", "--unzip-command") and i + 1 < len(words):
            scripts.append(words[i + 1])
        elif value.startswith("--unzip-command="):
            scripts.append((value.partition("=")[2], flags))
    return _step(words, scripts)


def _rsync(words: Words) -> Step | None:
    """``rsync -e CMD``: CMD is the remote shell rsync starts here (rsync(1))."""
    found = valued_options(words, "BefTM@", {"--rsh": len("--rsh")})
    return _step(words, [value for key, value in found if key in ("e", "--rsh")])


def _scp(words: Words) -> Step | None:
    """scp and sftp: ``-o ProxyCommand=CMD`` as ssh, ``-S PROGRAM`` runs PROGRAM."""
    program = posixpath.basename(words[0][0])
    short_arg = "cDFiJlPoSX" if program == "scp" else "bBcDFiJloPRsS"
    scripts: list[Word] = []
    extra: list[tuple[Word, ...]] = []
    for letter, _first, _last, value in ssh_options(words, short_arg, permute=True):
        command = ssh_option_command(value) if letter == "o" else None
        if command is not None:
            scripts.append(command)
        elif letter == "S":
            extra.append((value,))
    return _step(words, scripts, extra)


# -- sed ---------------------------------------------------------------------------


def _sed(words: Words) -> Step | None:
    """GNU sed's ``e command`` runs a command; ``e`` and ``s///e`` run the pattern space;
    a script the scanner cannot read is opaque."""
    script = _sed_script(words)
    if script is None:
        return None
    found = executed(script[0])
    if found is None:
        # GNU sed accepts more than the scanner reads; a script it cannot read might
        # hold an ``e`` command, so it is not taken as harmless (fail closed)
        return _step(words, [(f"a sed script interlock cannot read: {script[0]}", DYNAMIC)])
    scripts = [(command, script[1]) if command else (script[0], DYNAMIC) for command in found]
    return _step(words, scripts)


_SED_LONG = {"--expression": len("--e"), "--file": len("--fi"), "--line-length": len("--l")}


def _sed_script(words: Words) -> Word | None:
    """The script: the ``-e`` pieces joined by newlines (as sed joins them), else the
    first operand. ``None`` with ``-f`` only (a file we cannot see) or ``--sandbox``,
    under which sed refuses ``e``."""
    pieces: list[Word] = []
    operands: list[Word] = []
    from_file = False
    i, n = 1, len(words)
    while i < n:
        value, flags = words[i]
        i += 1
        if value == "--":
            operands.extend(words[i:])
            break
        if value.startswith("--"):
            name, sep, attached = value.partition("=")
            if len(name) >= len("--sa") and "--sandbox".startswith(name):
                return None
            known = long_option(value, _SED_LONG)
            if known is None:
                continue
            got = (attached, flags) if sep else (words[i] if i < n else None)
            i += 0 if sep else 1
            if got is not None and known[0] == "--expression":
                pieces.append(got)
            from_file = from_file or known[0] == "--file"
            continue
        if not value.startswith("-") or value == "-":
            operands.append((value, flags))
            continue
        for pos in range(1, len(value)):
            letter = value[pos]
            if letter == "i":  # ``-i[SUFFIX]``: the rest of the word is the suffix
                break
            if letter in "efl":
                got = (value[pos + 1 :], flags) if pos + 1 < len(value) else None
                if got is None and i < n:
                    got, i = words[i], i + 1
                if got is not None and letter == "e":
                    pieces.append(got)
                from_file = from_file or letter == "f"
                break
    if pieces:
        combined = 0
        for _, flags in pieces:
            combined |= flags
        return "\n".join(value for value, _ in pieces), combined
    if from_file or not operands:
        return None
    return operands[0]


# -- debuggers, editors, pagers ----------------------------------------------------

_GDB_EVAL = frozenset({"ex", "eval-command", "iex", "init-eval-command"})
#: gdb commands that run code in an embedded language: what it does is not shell.
_GDB_CODE = frozenset(
    {"py", "pyt", "pyth", "pytho", "python", "pi", "python-interactive"}
    | {"gu", "guile", "compile"}
)


def _gdb(words: Words) -> Step | None:
    """``gdb -ex 'shell CMD'``, ``-ex '!CMD'``, ``-ex 'pipe bt | CMD'`` run CMD."""
    scripts: list[Word] = []
    i, n = 1, len(words)
    inferior_args = False
    while i < n:
        value, flags = words[i]
        i += 1
        if value == "--" or (inferior_args and not value.startswith("-")):
            break  # with ``--args``, what follows the program is the program's
        name, sep, attached = value.lstrip("-").partition("=")
        inferior_args = inferior_args or (value.startswith("-") and name == "args")
        if not value.startswith("-") or name not in _GDB_EVAL:
            continue
        command: Word | None = (attached, flags) if sep else (words[i] if i < n else None)
        i += 0 if sep else 1
        if command is not None:
            scripts.extend(_gdb_command(command))
    return _step(words, scripts)


def _gdb_command(command: Word) -> tuple[Word, ...]:
    text, flags = command[0].strip(), command[1]
    if text.startswith("!"):
        return ((text[1:], flags),)
    head, _, rest = text.partition(" ")
    if text.startswith("|"):
        return (_gdb_pipe(text[1:], flags),)
    if head == "pipe":
        return (_gdb_pipe(rest, flags),)
    if len(head) >= 3 and "shell".startswith(head):
        return ((rest, flags),)
    if head in _GDB_CODE:
        return ((text, DYNAMIC),)
    return ()


def _gdb_pipe(text: str, flags: int) -> Word:
    """``pipe [-d DELIM] [COMMAND] DELIM SHELL_COMMAND``: the part after the delimiter."""
    delimiter = "|"
    parts = text.split(None, 2)
    if len(parts) == 3 and parts[0] == "-d":
        delimiter, text = parts[1], parts[2]
    before, sep, after = text.partition(delimiter)
    return (after if sep else before), flags


#: Ex commands that run code of another language, a shell or a computed command.
_EX_OPAQUE = frozenset(
    {"sh", "shell", "te", "ter", "term", "termi", "termin", "termina", "terminal"}
    | {"py", "python", "py3", "python3", "pyx", "pythonx", "pyf", "pyfile", "py3f"}
    | {"py3file", "pyxf", "pyxfile", "pydo", "py3do", "pyxdo", "lua", "luado", "luafile"}
    | {"perl", "perldo", "ruby", "rubydo", "rubyfile", "rub", "tcl", "tcldo", "tclfile"}
    | {"exe", "exec", "execute", "mz", "mzscheme"}
)
#: Ex commands that run the command after them (``silent !cmd``, ``bufdo !cmd``).
_EX_MODIFIERS = frozenset(
    {"sil", "silent", "noa", "noautocmd", "keepj", "keepjumps", "bufdo", "windo"}
    | {"argdo", "tabdo", "cdo", "cfdo", "ldo", "lfdo", "vert", "vertical", "tab"}
    | {"bo", "botright", "to", "topleft", "abo", "aboveleft", "bel", "belowright"}
    | {"hid", "hide", "uns", "unsilent", "lefta", "leftabove", "rightb", "rightbelow"}
)
_EX_READ = frozenset({"r", "re", "rea", "read"})
_EX_WRITE = frozenset({"w", "wr", "wri", "writ", "write", "wq", "x", "xi", "xit", "up", "update"})
_EX_GLOBAL = frozenset({"g", "gl", "glo", "glob", "globa", "global", "v", "vg", "vglobal"})
_EX_NAME = re.compile(r"([A-Za-z]+[0-9]?)(!?)\s*(.*)", re.S)
_EX_RANGE_CHARS = " \t0123456789.$%,;+-"


def _ex_shell(command: str, depth: int = 0) -> list[str | None]:
    """Shell text an ex command runs (``None``: something we cannot see)."""
    text = _skip_ex_range(command.lstrip(" \t:"))
    if text.startswith("!"):  # ``:!cmd``, ``:%!filter``
        return [text[1:].strip() or None]
    match = _EX_NAME.match(text)
    if match is None or depth > 8:
        return []
    name, bang, args = match.groups()
    if name in _EX_OPAQUE or re.search(r"\bsystem(list)?\s*\(", text):
        return [None]
    if name in _EX_MODIFIERS:
        return _ex_shell(args, depth + 1)
    if name in _EX_READ and (bang or args.startswith("!")):
        return [args.removeprefix("!").strip() or None]
    if name in _EX_WRITE and not bang and args.startswith("!"):
        return [args[1:].strip() or None]
    if name in _EX_GLOBAL and args:
        end = args.find(args[0], 1)
        return _ex_shell(args[end + 1 :], depth + 1) if end > 0 else []
    if "|" in args and name not in ("norm", "normal"):
        return _ex_shell(args.partition("|")[2], depth + 1)
    return []


def _skip_ex_range(text: str) -> str:
    """``%``, ``1,$``, ``'<,'>``, ``/pat/+1``: the range before an ex command."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _EX_RANGE_CHARS:
            i += 1
        elif ch == "'":
            i += 2
        elif ch in "/?":
            end = text.find(ch, i + 1)
            i = n if end < 0 else end + 1
        else:
            break
    return text[i:]


def _vim(words: Words) -> Step | None:
    """``vim -c CMD``, ``+CMD``, ``--cmd CMD`` run ex commands, which may run a shell."""
    scripts: list[Word] = []
    for command, flags in _vim_commands(words):
        for shell in _ex_shell(command):
            scripts.append((shell, flags) if shell is not None else (command, DYNAMIC))
    return _step(words, scripts)


def _vim_commands(words: Words) -> Iterator[Word]:
    i, n = 1, len(words)
    while i < n:
        value, flags = words[i]
        i += 1
        if value == "--":
            return
        if value in ("-c", "--cmd") and i < n:
            yield words[i]
            i += 1
        elif value.startswith("-c") and not value.startswith("--"):
            yield value[2:], flags
        elif value[:1] == "+" and value[1:2] not in ("", "/", "?") and not value[1:].isdigit():
            yield value[1:], flags  # not ``+``, ``+42`` (a line) nor ``+/pat`` (a search)


def _pager(words: Words) -> Step | None:
    """``less +CMD`` runs CMD as if typed: ``!CMD`` and ``|mCMD`` run a shell."""
    scripts: list[Word] = []
    for value, flags in words[1:]:
        if value == "--":
            break
        if not value.startswith("+"):
            continue
        command = value[1:].removeprefix("+")  # ``++CMD``: on every file
        if command.startswith(("/", "?")):  # a search pattern, not commands
            continue
        bang, pipe = command.find("!"), command.find("|")
        if bang >= 0 and (pipe < 0 or bang < pipe):
            shell = command[bang + 1 :]
        elif pipe >= 0:
            shell = command[pipe + 2 :]  # ``|`` takes a mark letter first
        else:
            continue
        if shell.strip():
            scripts.append((shell, flags))
    return _step(words, scripts)


#: Program base name -> how to find the command its options carry.
# -- make ----------------------------------------------------------------------------

#: ``make -f FILE``: names that mean standard input.
_STDIN_FILES = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})


def _make(words: Words) -> Step | None:
    """``make -f - <<< 'all:\n\t@rm -rf /'`` runs recipes given on standard input, and
    ``make --eval=TEXT`` evaluates makefile text (``$(shell ...)`` included). A makefile
    from the project is the project's own build (local work); these two are make
    programs the line itself supplies, in a language of its own (recipe prefixes,
    variables, functions), so they are opaque rather than read as shell."""
    longs = {"--file": len("--file"), "--makefile": len("--makefile"), "--eval": len("--eval")}
    scripts: list[Word] = []
    for key, (value, flags) in valued_options(words, "fCIjlowWE", longs):
        if key in ("f", "--file", "--makefile") and value in _STDIN_FILES:
            scripts.append((f"a makefile read from {value}", flags | DYNAMIC))
        elif key in ("E", "--eval"):
            scripts.append((value, flags | DYNAMIC))
    return _step(words, scripts)


EMBEDDED: Mapping[str, Launcher] = {
    **dict.fromkeys(("make", "gmake"), _make),
    **dict.fromkeys(("tar", "gtar", "bsdtar"), _tar),
    "zip": _zip,
    "rsync": _rsync,
    "scp": _scp,
    "sftp": _scp,
    "sed": _sed,
    "gsed": _sed,
    "gdb": _gdb,
    "cgdb": _gdb,
    **dict.fromkeys(("vim", "vi", "nvim", "view", "ex", "vimdiff", "gvim"), _vim),
    **dict.fromkeys(("less", "more", "most"), _pager),
}
