"""PowerShell given code (``pwsh -c``, ``powershell -Command``, standard input).

PowerShell is not parsed here; its code is cut into commands at ``;``, ``|``, line
ends, braces and parentheses (outside quotes), and each command is judged by its
first word, the cmdlet or alias (``about_Command_Precedence``, ``Get-Alias``):

* ``Remove-Item`` and its aliases (``rm``, ``del``, ``ri``, ``rmdir``, ``rd``,
  ``erase``) and ``Clear-Content`` delete their paths, judged by place() as ``rm``'s
  are; a Windows path (``C:\\``, ``\\\\server``) is the host's, and a path held in a
  variable is computed;
* ``Invoke-Expression``/``iex`` with a literal string and ``&``/``.`` before a literal
  command are that PowerShell, judged again; with anything else they are opaque;
* ``Start-Process`` runs its ``-FilePath`` with its ``-ArgumentList``: judged as shell;
* ``Format-Volume``, ``Clear-Disk``, ``Initialize-Disk``, ``Remove-Partition`` destroy
  a disk; ``Stop-Computer`` and ``Restart-Computer`` take the machine down;
* output and ``Get-*`` cmdlets read; any other command is not analysed and asks.

``-EncodedCommand`` hides its code in base64 and is opaque; ``-File`` runs a script.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable

from interlock.classify.command import CommandContext, SimpleCommand, finding
from interlock.classify.commands.paths import delete_finding, read_finding, word_table
from interlock.models import Finding, Risk, Scope

_DELETES = word_table("remove-item rm del ri rmdir rd erase clear-content clc")
_EVAL = word_table("invoke-expression iex")
_START = word_table("start-process saps start")
_DISKS = word_table("format-volume clear-disk initialize-disk remove-partition")
_POWER = word_table("stop-computer restart-computer")
_READS = word_table(
    """
        write-host write-output echo write-verbose write-information select-object
        where-object sort-object measure-object format-table format-list out-string
        out-host test-path resolve-path select-string
    """
)
_PIECES = re.compile(r"""'[^']*'|"(?:[^"`]|`.)*"|[;|\n{}()]|[^\s;|\n{}()'"]+""")
_VALUES = word_table(
    "-executionpolicy -ex -ep -workingdirectory -wd -windowstyle -w -outputformat -of "
    "-inputformat -if -configurationname -settingsfile -custompipename"
)
#: How deep ``iex "iex '...'"`` is followed before it counts as opaque.
_DEPTH = 4


def judge_pwsh(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """Findings for ``pwsh``/``powershell`` with its options read as PowerShell reads them
    (any unambiguous prefix, ``-`` or ``/``)."""
    from interlock.classify.commands.interpreters import _opaque, _script

    args = cmd.args
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith(("-", "/")) or arg == "-":
            break
        name = arg.lower().lstrip("-/")
        if name in ("e", "ec") or (len(name) > 2 and "encodedcommand".startswith(name)):
            return (_opaque(cmd, "PowerShell -EncodedCommand hides its code in base64"),)
        if "command".startswith(name):
            return _command_text(" ".join(args[i + 1 :]), cmd, ctx)
        if "file".startswith(name):
            return (_script(cmd, ctx, args[i + 1] if i + 1 < len(args) else None),)
        i += 2 if "-" + name in _VALUES else 1
    rest = args[i:]
    if rest and rest[0] != "-" and cmd.program.startswith("powershell"):
        # Windows PowerShell reads its first operand as -Command, pwsh as -File
        return _command_text(" ".join(rest), cmd, ctx)
    if cmd.stdin is not None:
        return judge_code(cmd.stdin, cmd, ctx)
    return (_script(cmd, ctx, rest[0] if rest and rest[0] != "-" else None),)


def _command_text(code: str, cmd: SimpleCommand, ctx: CommandContext) -> list[Finding]:
    """``-Command -`` reads standard input; no code at all is an interactive shell."""
    from interlock.classify.commands.interpreters import _script

    if code.strip() == "-" or not code.strip():
        return judge_code(cmd.stdin, cmd, ctx) if cmd.stdin else [_script(cmd, ctx, None)]
    return judge_code(code, cmd, ctx)


def judge_code(code: str, cmd: SimpleCommand, ctx: CommandContext, depth: int = 0) -> list[Finding]:
    """Findings for PowerShell ``code``, one command at a time."""
    from interlock.classify.commands.interpreters import CODE_READ, _found, _opaque

    if depth > _DEPTH:
        return [_opaque(cmd, "PowerShell that evaluates PowerShell, deeply")]
    found: list[Finding] = []
    for words in _commands(code):
        found += _judge_command(words, cmd, ctx, depth)
    if any(f.rule_id != CODE_READ.rule_id for f in found):
        return [f for f in found if f.rule_id != CODE_READ.rule_id]
    if not found and code.strip():
        return [_found(cmd, CODE_READ, "PowerShell", "PowerShell that does nothing")]
    return found[:1] or [read_finding(CODE_READ, cmd, "PowerShell output")]


def _commands(code: str) -> list[list[str]]:
    """The words of each command, cut at separators, braces and parentheses."""
    out: list[list[str]] = [[]]
    for piece in _PIECES.findall(code):
        if piece in (";", "|", "\n", "{", "}", "(", ")"):
            out.append([])
        else:
            out[-1].append(piece)
    return [words for words in out if words]


def _judge_command(
    words: list[str], cmd: SimpleCommand, ctx: CommandContext, depth: int
) -> list[Finding]:
    from interlock.classify.commands.interpreters import CODE_READ, CODE_WRITE, _found, _opaque

    name = words[0].lower()
    if name in ("&", "."):
        if len(words) == 1:
            return []  # ``& { ... }``: the block's commands follow as their own
        inner = _literal(words[1])
        if inner is None:
            return [_opaque(cmd, "PowerShell calls a command held in a variable")]
        return _judge_command([inner, *words[2:]], cmd, ctx, depth)
    if name in _DELETES:
        return _delete(words, cmd, ctx)
    if name in _EVAL:
        text = _literal(words[1]) if len(words) == 2 else None
        if text is None:
            return [_opaque(cmd, "Invoke-Expression of a string built at run time")]
        return judge_code(text, cmd, ctx, depth + 1)
    if name in _START:
        return _start(words, cmd, ctx)
    if name in _DISKS or name in _POWER:
        return [_host_down(name, words, cmd)]
    if name in _READS or name.startswith("get-"):
        return [read_finding(CODE_READ, cmd, "PowerShell output")]
    return [_found(cmd, CODE_WRITE, "PowerShell", f"PowerShell {words[0]} is not analysed")]


def _delete(words: list[str], cmd: SimpleCommand, ctx: CommandContext) -> list[Finding]:
    from interlock.classify.commands.files import FS_SELF_TAMPER
    from interlock.classify.commands.interpreters import CODE_DELETE, _found, _opaque

    paths = _paths(words[1:])
    if not paths:
        return [_opaque(cmd, f"{words[0]} of paths interlock cannot read")]
    found: list[Finding] = []
    for path in paths:
        if path is None:
            found.append(_opaque(cmd, f"{words[0]} of a path built at run time"))
        elif re.match(r"^(?:[A-Za-z]:|\\\\|[A-Za-z]+:)", path) or "\\" in path:
            why = f"PowerShell deletes {path}, a Windows or provider path: the host's"
            found.append(_found(cmd, CODE_DELETE, path, why, risk=Risk.HIGH))
        else:
            found.append(delete_finding(CODE_DELETE, cmd, ctx, path, FS_SELF_TAMPER))
    return found


_PATH_PARAMS = ("-path", "-literalpath", "-pspath", "-lp")
#: Parameters of the delete cmdlets that take a value which is not a path; every
#: other dash word is a switch (``-Recurse``, ``-Force``, ``-rf`` as agents write it).
_NOT_PATHS = ("-filter", "-include", "-exclude", "-credential", "-stream")


def _paths(words: list[str]) -> list[str | None]:
    """The paths a delete cmdlet names; ``None`` for one computed at run time."""
    out: list[str | None] = []
    skip = False
    for word in words:
        name, colon, _ = word.lower().partition(":")
        is_path = name.startswith("-") and any(p.startswith(name) for p in _PATH_PARAMS)
        if skip:
            skip = False
        elif colon and is_path:
            out.extend(_literal(part) for part in word.split(":", 1)[1].split(",") if part)
        elif name.startswith("-") and any(p.startswith(name) for p in _NOT_PATHS):
            skip = not colon
        elif not name.startswith("-"):
            out.extend(_literal(part) for part in word.split(",") if part)
    return out


def _start(words: list[str], cmd: SimpleCommand, ctx: CommandContext) -> list[Finding]:
    """``Start-Process prog -ArgumentList 'a','b'``: judged as the shell would run it."""
    from interlock.classify.commands.interpreters import _opaque, _ran, shell_findings

    program: str | None = None
    arguments: list[str | None] = []
    rest = words[1:]
    i = 0
    while i < len(rest):
        lowered = rest[i].lower()
        value = rest[i + 1] if i + 1 < len(rest) else ""
        if lowered.startswith("-") and "-argumentlist".startswith(lowered) and len(lowered) > 1:
            arguments += [_literal(p) for p in value.split(",") if p]
            i += 2
        elif lowered.startswith("-") and "-filepath".startswith(lowered) and len(lowered) > 1:
            program = _literal(value)
            i += 2
        elif lowered.startswith("-"):
            i += 1
        elif program is None:
            program = _literal(rest[i])
            i += 1
        else:
            arguments += [_literal(p) for p in rest[i].split(",") if p]
            i += 1
    if program is None or any(a is None for a in arguments):
        return [_opaque(cmd, "Start-Process of a command built at run time")]
    # -ArgumentList words are joined with spaces and re-split by the program: as shell
    text = " ".join([shlex.quote(program), *(a for a in arguments if a is not None)])
    return [_ran(cmd, text), *shell_findings(text, cmd, ctx)]


def _host_down(name: str, words: list[str], cmd: SimpleCommand) -> Finding:
    from interlock.classify.commands.files import DISK_WIPE
    from interlock.classify.commands.system import POWER

    if name in _DISKS:
        target = " ".join(words[1:]) or "a disk"
        return finding(
            DISK_WIPE,
            cmd,
            scope=Scope.HOST,
            target=target,
            explanation=f"PowerShell {words[0]} destroys everything on {target}",
            risk=Risk.CRITICAL,
        )
    return finding(
        POWER,
        cmd,
        scope=Scope.HOST,
        target="this machine" if len(words) == 1 else " ".join(words[1:]),
        explanation=f"PowerShell {words[0]} takes the machine down",
        risk=Risk.HIGH,
    )


def _literal(word: str) -> str | None:
    """A word's value: single quotes are literal, double quotes expand ``$`` and
    subexpressions (so they are computed when they hold one), bare words are literal
    unless they name a variable."""
    if len(word) >= 2 and word[0] == word[-1] == "'":
        return word[1:-1]
    if len(word) >= 2 and word[0] == word[-1] == '"':
        body = word[1:-1]
        return None if "$" in body else re.sub(r"`(.)", r"\1", body)
    if "$" in word or word.startswith(("@", "[")):
        return None
    return word
