"""awk programs given on the command line (awk, gawk, mawk, nawk, busybox awk).

awk is a small language with three ways out of itself, all read here: ``system(STR)``
and the pipes ``print | STR`` and ``STR | getline`` hand a string to ``sh -c`` (POSIX
awk, "Output Statements" and "getline"), so a literal string is judged as shell and a
computed one is opaque; ``print > FILE`` and ``>>`` write a file, judged by its place.
A program that does none of this only reads its input and prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from interlock.classify.command import CommandContext, SimpleCommand
from interlock.classify.commands.paths import read_finding, write_finding
from interlock.models import Finding

_AWK_SYSTEM = re.compile(r"""\bsystem\s*\(\s*(?:"(?P<dq>(?:[^"\\]|\\.)*)"\s*\)|(?P<expr>))""")
#: ``print | "cmd"`` and ``"cmd" | getline``, the command string possibly in parentheses
#: (``while (("cmd") | getline)``): awk hands the string to ``sh -c``.
_AWK_PIPE = re.compile(
    r"""(?:\|&?\s*\(*\s*"(?P<out>(?:[^"\\]|\\.)*)"|"(?P<inp>(?:[^"\\]|\\.)*)"\s*\)*\s*\|&?\s*getline)"""
)
_AWK_REDIRECT = re.compile(
    r"""\bprintf?\b[^;{}]*?(?P<op>>>?)\s*(?P<target>"(?:[^"\\]|\\.)*"|[^;}\s]+)"""
)
_AWK_VALUES = frozenset({"-F", "-v", "-f", "--file", "--assign", "--field-separator"})


def judge_awk(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """``awk PROGRAM``: its ``system()``, pipes and redirects; ``-f FILE`` is a script."""
    from interlock.classify.commands.files import FS_SELF_TAMPER
    from interlock.classify.commands.interpreters import (
        CODE_READ,
        CODE_WRITE,
        _found,
        _opaque,
        _script,
        shell_findings,
    )

    args = cmd.args
    script_files = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-f", "--file")]
    script_files += [a[2:] for a in args if a.startswith("-f") and len(a) > 2]
    if script_files:
        return tuple(_script(cmd, ctx, f) for f in script_files)
    words = _awk_operands(args)
    if not words:
        return (read_finding(CODE_READ, cmd, "awk help or version"),)
    source = words[0]
    found: list[Finding] = []
    for match in _AWK_SYSTEM.finditer(source):
        text = match.group("dq")
        found += (
            shell_findings(text, cmd, ctx)
            if text is not None
            else [_opaque(cmd, "awk system() with a computed command")]
        )
    for match in _AWK_PIPE.finditer(source):
        found += shell_findings(match.group("out") or match.group("inp") or "", cmd, ctx)
    piped = re.search(r"(?:print|printf)[^;{}]*\|(?!\|)|\|&?\s*getline", source)
    if piped and not found:
        found.append(_opaque(cmd, "awk pipes to a computed command"))
    # parenthesised groups blanked: ``print ($1 > 0)`` compares, it does not redirect
    for match in _AWK_REDIRECT.finditer(_strip_parens(source)):
        target = match.group("target")
        if target.startswith('"') and target.endswith('"'):
            found.append(write_finding(CODE_WRITE, cmd, ctx, target[1:-1], FS_SELF_TAMPER))
        else:
            found.append(
                _found(cmd, CODE_WRITE, cmd.program, "awk writes to a file named at run time")
            )
    return found or (read_finding(CODE_READ, cmd, "an awk program"),)


def _awk_operands(args: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _AWK_VALUES:
            skip = True
        elif not arg.startswith("-") or out:
            out.append(arg)
    return out


def _strip_parens(program: str) -> str:
    """Blank parenthesised groups so ``print ($1 > 0)`` is not read as a redirect."""
    out: list[str] = []
    depth = 0
    in_string = False
    for i, ch in enumerate(program):
        if ch == '"' and (i == 0 or program[i - 1] != "\\"):
            in_string = not in_string
        if not in_string and ch == "(" and not program[:i].rstrip().endswith(("system", "close")):
            depth += 1
        elif not in_string and ch == ")" and depth:
            depth -= 1
            continue
        out.append(" " if depth else ch)
    return "".join(out)
