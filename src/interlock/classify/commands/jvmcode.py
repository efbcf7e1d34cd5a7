"""Inline code for the JVM's scripting front ends: groovy, kotlin/kotlinc, scala,
jshell and jrunscript.

None of these languages is read here beyond the ways they start a program: Groovy's
``"cmd".execute()`` and ``[argv].execute()``, ``Runtime.getRuntime().exec(...)``,
``new ProcessBuilder(...)`` and Scala's ``"cmd".!`` / ``Seq(argv).!``
(codecommands.py). A literal command found there is judged as shell (Groovy and
``Runtime.exec`` split the string at white space, which the shell's reading covers);
a computed one is opaque. Code that does anything else is not understood and is
opaque too, so it is held: these languages reach the whole JVM (files, sockets,
reflection), and nothing short of reading them could tell a harmless expression
from a harmful one. Only literal printing is a read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from interlock.classify.command import CommandContext, SimpleCommand
from interlock.classify.commands.codecommands import commands_in
from interlock.classify.commands.paths import read_finding
from interlock.models import Finding

#: What may stay of the code once its commands are blanked: printing literals and
#: reading a process's output. Anything else is code interlock does not read.
_PLAIN = re.compile(
    r"""(?:\s|;|\(|\)|\b(?:System\.out\.)?print(?:ln)?\b|\bimport\s+sys\.process\._|
    \b(?:java\.lang\.)?Runtime\.getRuntime\(\)|\.\s*(?:text|waitFor\(\)|
    inputStream|getText\(\)|start\(\)|getInputStream\(\))|"[^"$\\]*"|'[^'$\\]*'|\d+|[+\-*/%])*""",
    re.VERBOSE,
)
_EXIT = re.compile(r"^\s*/exit\s*$", re.MULTILINE)  # jshell's command to leave


def judge_jvm(code: str, cmd: SimpleCommand, ctx: CommandContext) -> list[Finding]:
    """Findings for JVM-language ``code``: its commands, and opaque for the rest."""
    from interlock.classify.commands.interpreters import CODE_READ, _opaque, _ran, shell_findings

    commands, rest = commands_in("jvm", code)
    found: list[Finding] = []
    for text in commands:
        if text is None:
            found.append(_opaque(cmd, f"{cmd.program} code running a command built at run time"))
        else:
            found += [_ran(cmd, text), *shell_findings(text, cmd, ctx)]
    if not _PLAIN.fullmatch(_EXIT.sub("", rest)):
        found.append(_opaque(cmd, f"{cmd.program} code interlock does not read"))
    return found or [read_finding(CODE_READ, cmd, f"{cmd.program} printing")]


def judge_command(
    cmd: SimpleCommand, ctx: CommandContext, flags: tuple[str, ...]
) -> Iterable[Finding]:
    """``groovy -e CODE``, ``jshell <<< CODE``, ``scala script.sc``: code, or a script file."""
    from interlock.classify.commands.interpreters import CODE_READ, _inline, _script

    args = cmd.args
    code = _inline(args, flags)
    if code is not None:
        return judge_jvm(code, cmd, ctx)
    if cmd.stdin is not None:
        return judge_jvm(cmd.stdin, cmd, ctx)
    if {"--version", "-version", "-v", "--help", "-help", "-h"} & set(args):
        return (read_finding(CODE_READ, cmd, "version or help"),)
    words = [a for a in args if not a.startswith("-")]
    return (_script(cmd, ctx, words[0] if words else None),)


#: The programs, with the options that take their code inline.
FLAGS: Mapping[str, tuple[str, ...]] = {
    "groovy": ("-e",),
    "groovysh": ("-e", "--evaluate"),
    "kotlin": ("-e", "-expression"),
    "kotlinc": ("-e", "-expression"),
    "kotlinc-jvm": ("-e", "-expression"),
    "scala": ("-e", "--execute"),
    "scala-cli": ("-e", "--execute-script", "--execute-scala"),
    "jshell": (),
    "jrunscript": ("-e",),
}
