"""The parallel shells: pdsh, pssh (parallel-ssh), clush and mussh, and their copiers.

``pdsh -w HOSTS CMD``, ``pssh -h FILE CMD``, ``clush -w NODES CMD`` and ``mussh -h
HOST... -c CMD`` run CMD (its words joined, as ssh joins them) on every host, so CMD
is walked as shell there; with no command they read it from standard input
(unreviewed, held). The file movers of the same suites copy to every host
(``pscp``, ``prsync``, ``pdcp``: a write, or a delete with ``--delete``), bring files
back (``pslurp``, ``rpdcp``: judged as ``cat`` there) or kill processes (``pnuke``).
Option grammars follow the pdsh(1), pssh(1) and clush(1) manual pages: the first
operand ends the options, since the command follows them. The rules and the reach
to the hosts are ``orchestration.py``'s.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping

from interlock.classify.command import CommandContext, Handler, SimpleCommand
from interlock.classify.commands.orchestration import (
    ORCH_MODULE_DELETE,
    ORCH_MODULE_WRITE,
    grammar,
    hosts_environment,
    orch_finding,
    parse,
    read_finding,
    remote_shell,
    sent_findings,
    unreviewed_finding,
)
from interlock.classify.commands.paths import word_table
from interlock.models import Finding, Risk

#: pdsh(1): options taking a value; the command follows the options.
_PDSH = grammar("wxgXFltufRM", "", "")
#: pssh(1)/parallel-ssh: ``-h FILE``, ``-H HOSTS``.
_PSSH = grammar(
    "hHlpoetOxX",
    "--hosts --host --user --par --outdir --errdir --timeout --option --extra-args",
    "--inline --verbose --askpass --print --send-input --inline-stdout",
)
#: clush(1): ``-w NODES``, ``-g GROUP``; ``--copy``/``--rcopy`` move files instead.
_CLUSH = grammar(
    "wxgXloftuR",
    """
        --nodes --exclude --group --user --options --fanout --connect_timeout
        --command_timeout --worker --dest --topology --pick
    """,
    "--all --copy --rcopy --dshbak --nostdin --quiet --verbose --debug --batch --diff",
)
#: mussh: ``-h HOST...`` (several words), ``-H FILE``, ``-c CMD``, ``-C SCRIPT``.
_MUSSH = grammar("HclLoiCt", "", "")


def _parallel_shell(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """``pdsh -w HOSTS CMD``, ``pssh -h FILE CMD``, ``clush -w NODES CMD``: CMD (its
    words joined, as ssh joins them) runs on every host."""
    spec = {"pdsh": _PDSH, "clush": _CLUSH}.get(cmd.program, _PSSH)
    parsed = parse(cmd.args, spec, permute=False)
    hosts = parsed.every("-w", "--nodes", "-H", "--host")
    terms = [t for h in hosts for t in re.split(r"[\s,]+", h.lstrip("^")) if t]
    files = parsed.every("-h", "--hosts") + [h[1:] for h in hosts if h.startswith("^")]
    groups = parsed.every("-g", "--group")
    env = hosts_environment(ctx, files, terms + groups)
    where = ",".join(hosts + files + groups) or "all hosts"
    if cmd.program == "clush" and parsed.has("--copy", "-c", "--rcopy"):
        why = f"clush copies files to or from {where}"
        return (orch_finding(ORCH_MODULE_WRITE, cmd, "clush --copy", why, env),)
    if not parsed.operands:
        why = f"{cmd.program} reads the commands it runs on {where} from standard input"
        return (unreviewed_finding(cmd, cmd.program, why, env),)
    return sent_findings(cmd, ctx, " ".join(parsed.operands), where, env)


#: File movers of the same suites: to the hosts, from them, or killing processes there.
_COPY_TO = word_table("pscp pscp.pssh parallel-scp prsync parallel-rsync pdcp")
_COPY_FROM = word_table("pslurp parallel-slurp rpdcp")
_KILLERS = word_table("pnuke parallel-nuke")


def _parallel_files(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """pscp/prsync/pdcp copy files to every host (``--delete`` deletes there), pslurp
    and rpdcp bring files back (judged as ``cat`` there: a key file is exposed), pnuke
    kills the processes matching a pattern on every host."""
    parsed = parse(cmd.args, _PDSH if "pdcp" in cmd.program else _PSSH_FILES)
    hosts = parsed.every("-w", "-H", "--host")
    terms = [t for h in hosts for t in re.split(r"[\s,]+", h.lstrip("^")) if t]
    env = hosts_environment(ctx, parsed.every("-h", "--hosts"), terms)
    what = f"{cmd.program} {' '.join(parsed.operands)}".strip()
    if cmd.program in _COPY_FROM:
        paths = parsed.operands[:-1] or ["?"]
        text = " ; ".join(f"cat {shlex.quote(p)}" for p in paths)
        return [read_finding(cmd, what, env), *remote_shell(text, cmd, ctx, env)]
    extra = " ".join(parsed.every("-x", "-X"))  # options handed on to rsync
    if cmd.program in _KILLERS or parsed.has("--delete") or "--delete" in extra:
        why = f"{what} kills processes or deletes files on every host"
        return (orch_finding(ORCH_MODULE_DELETE, cmd, what, why, env, risk=Risk.HIGH),)
    return (orch_finding(ORCH_MODULE_WRITE, cmd, what, f"{what} copies files to every host", env),)


_PSSH_FILES = grammar(
    "hHlpoetOxXL",
    "--hosts --host --user --par --outdir --errdir --timeout --option --localdir",
    "--recursive --verbose --askpass --archive --compress --delete",
)


def _mussh(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """``mussh -h HOST [HOST...] -c CMD`` (``-C SCRIPT`` runs a local script there)."""
    args = cmd.args
    start = args.index("-h") + 1 if "-h" in args else len(args)
    end = next((j for j in range(start, len(args)) if args[j].startswith("-")), len(args))
    hosts = list(args[start:end])
    parsed = parse(cmd.args, _MUSSH)
    env = hosts_environment(ctx, parsed.every("-H"), hosts)
    where = ",".join(hosts + parsed.every("-H")) or "hosts"
    text = parsed.last("-c")
    script = parsed.last("-C")
    if script is not None:
        text = f"sh {shlex.quote(script)}"
    if not text:
        why = f"mussh runs commands read from standard input on {where}"
        return (unreviewed_finding(cmd, "mussh", why, env),)
    return sent_findings(cmd, ctx, text, where, env)


HANDLERS: Mapping[str, Handler] = {
    "pdsh": _parallel_shell,
    "pssh": _parallel_shell,
    "parallel-ssh": _parallel_shell,
    "clush": _parallel_shell,
    "mussh": _mussh,
    **dict.fromkeys(_COPY_TO | _COPY_FROM | _KILLERS, _parallel_files),
}
