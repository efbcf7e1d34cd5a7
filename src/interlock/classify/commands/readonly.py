"""Local tools that only look: the large table of read-only programs, and the few
options that turn an otherwise read-only tool into a writer.

Most of what an agent runs is inspection (``ls``, ``grep``, ``jq``, ``git log``), and
the issue asks that it run without a human. A program lands in ``READ_ONLY`` only if
no argument makes it change anything (``cd`` and its kin move only the shell, which
the walker follows to resolve later paths); tools with a writing option (``sort -o``,
``date -s``, ``dmesg -c``, ``fzf --bind 'enter:execute(...)'``) get a handler that
reads the option and judges the written path like any other write.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping

from interlock.classify.command import (
    CommandContext,
    Handler,
    Rule,
    SimpleCommand,
    finding,
)
from interlock.classify.commands.paths import (
    long_flags,
    operands,
    read_finding,
    short_flags,
    word_table,
    write_finding,
)
from interlock.models import Category, Finding, Risk, Scope

LOCAL_READ = Rule(
    "local-read",
    Category.READ,
    "A local program that only reads files, the process table or the network state.",
    ("ls -la", "grep -rn TODO src", "jq .name package.json", "sort file.txt"),
)
LOCAL_WRITE_OUTPUT = Rule(
    "local-write-output",
    Category.WRITE,
    "A read-only tool told to write its output to a file (sort -o, uniq IN OUT, iconv -o); "
    "the file is judged by where it is.",
    ("sort -o sorted.txt file.txt", "sort -o /etc/hosts hosts.txt"),
)
LOCAL_SELF_TAMPER_OUTPUT = Rule(
    "self-tamper-output",
    Category.SELF_TAMPER,
    "A tool writing its output over one of interlock's own files.",
    ("sort -o interlock.yaml x",),
)
HOST_STATE_CHANGE = Rule(
    "host-state-change",
    Category.WRITE,
    "An inspection tool used to change the machine: date -s, hostname NAME, dmesg -c, "
    "journalctl --vacuum-*, fzf key bindings that execute commands.",
    ("date -s '2024-01-01'", "hostname newname", "dmesg -C", "journalctl --vacuum-size=1M"),
)

#: Programs that cannot change anything whatever their arguments.
READ_ONLY: frozenset[str] = word_table(
    """
        ls ll la dir vdir cat bat batcat head tail less more most grep egrep fgrep zgrep rg
        ag ack wc diff diff3 cmp comm stat file du df ps pstree pgrep pidof top htop btop
        atop echo printf pwd which whereis type whoami id groups logname users who w last
        lastlog finger uptime free vmstat iostat mpstat sar lsof lsblk lscpu lsusb lspci
        lsmod lshw nproc arch uname jq gojq jaq cut tr od hexdump hd strings nl fold fmt
        column paste join expand unexpand rev tac shuf seq yes true false test [ [[ basename
        dirname realpath readlink sha1sum sha224sum sha256sum sha384sum sha512sum md5sum md5
        shasum cksum sum b2sum b3sum base32 basenc man info help tldr whatis apropos
        printenv locale tty sleep getconf ldd nm objdump otool readelf size ping ping6 dig
        nslookup host whois traceroute tracepath mtr netstat ss zcat bzcat xzcat zstdcat
        lz4cat zless zmore bzless xzless cal ncal factor expr bc numfmt tput clear reset
        cd pushd popd dirs
        stty hash jobs alias history getent sw_vers system_profiler ioreg vm_stat mdfind
        mdls lsappinfo pbpaste look tokei cloc scc wdiff colordiff icdiff delta difft
        fastfetch neofetch screenfetch lsb_release nvidia-smi sensors acpi upower iwconfig
        ethtool mii-tool fping httping glow mdcat highlight pygmentize csvlook csvstat
        csvcut xsv qsv tabview gron fx jless yamllint jsonlint shellcheck hadolint
        actionlint markdownlint codespell vale cspell mypy pyright pylint flake8 pyflakes
        pycodestyle pydocstyle bandit safety semgrep gitleaks trufflehog tflint tfsec
        checkov kube-linter kubeval kubeconform mediainfo ffprobe identify pdfinfo
    """
)


def _read_only(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    del ctx
    return (read_finding(LOCAL_READ, cmd),)


def _output_option(
    cmd: SimpleCommand, ctx: CommandContext, short: str, long: str
) -> Iterable[Finding]:
    """Read-only unless ``-o FILE``/``--output=FILE`` names a file to write."""
    args = cmd.args
    for i, arg in enumerate(args):
        target = None
        if arg in (short, long) and i + 1 < len(args):
            target = args[i + 1]
        elif arg.startswith(long + "="):
            target = arg.split("=", 1)[1]
        elif short and arg.startswith(short) and len(arg) > len(short) and arg[1:2] != "-":
            target = arg[len(short) :]
        if target:
            return (write_finding(LOCAL_WRITE_OUTPUT, cmd, ctx, target, LOCAL_SELF_TAMPER_OUTPUT),)
    return (read_finding(LOCAL_READ, cmd),)


def _sort(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    return _output_option(cmd, ctx, "-o", "--output")


def _iconv(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    return _output_option(cmd, ctx, "-o", "--output")


def _uniq(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    files = operands(cmd.args, frozenset({"-f", "-s", "-w"}))
    if len(files) >= 2 and files[1] != "-":
        return (write_finding(LOCAL_WRITE_OUTPUT, cmd, ctx, files[1], LOCAL_SELF_TAMPER_OUTPUT),)
    return (read_finding(LOCAL_READ, cmd),)


def _xxd(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    files = operands(cmd.args, frozenset({"-c", "-g", "-l", "-s", "-o", "-n", "-C"}))
    if len(files) >= 2 and files[1] != "-":
        return (write_finding(LOCAL_WRITE_OUTPUT, cmd, ctx, files[1], LOCAL_SELF_TAMPER_OUTPUT),)
    return (read_finding(LOCAL_READ, cmd),)


def _base64(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    return _output_option(cmd, ctx, "-o", "--output")


def _host_change(cmd: SimpleCommand, what: str) -> Finding:
    return finding(
        HOST_STATE_CHANGE,
        cmd,
        scope=Scope.HOST,
        target=what,
        explanation=f"{cmd.program} changes {what} of this machine",
        risk=Risk.MEDIUM,
    )


def _date(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    del ctx
    args = cmd.args
    if "s" in short_flags(args) or "--set" in long_flags(args):
        return (_host_change(cmd, "the clock"),)
    if any(a[:1].isdigit() and len(a) >= 8 and a.isdigit() for a in args):
        return (_host_change(cmd, "the clock"),)  # date MMDDhhmm sets the time
    return (read_finding(LOCAL_READ, cmd),)


def _hostname(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    del ctx
    names = operands(cmd.args, frozenset({"-F", "--file"}))
    if names or "F" in short_flags(cmd.args) or "b" in short_flags(cmd.args):
        return (_host_change(cmd, "the host name"),)
    return (read_finding(LOCAL_READ, cmd),)


def _dmesg(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    del ctx
    flags = short_flags(cmd.args)
    longs = long_flags(cmd.args)
    if flags & {"c", "C", "n", "E", "D"} or longs & {
        "--clear",
        "--read-clear",
        "--console-level",
        "--console-on",
        "--console-off",
    }:
        return (_host_change(cmd, "the kernel ring buffer"),)
    return (read_finding(LOCAL_READ, cmd),)


def _journalctl(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    del ctx
    longs = long_flags(cmd.args)
    writing = {"--rotate", "--flush", "--sync", "--relinquish-var", "--smart-relinquish-var"}
    if longs & writing or any(name.startswith("--vacuum") for name in longs):
        return (_host_change(cmd, "the system journal"),)
    if "--setup-keys" in longs or "--update-catalog" in longs:
        return (_host_change(cmd, "the system journal"),)
    return (read_finding(LOCAL_READ, cmd),)


def _fzf(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """fzf reads, but key bindings, previews and ``--listen-unsafe`` run commands."""
    found: list[Finding] = []
    for name, value in _option_values(cmd.args, ("--bind", "--preview", "--listen-unsafe")):
        if name == "--listen-unsafe":
            found.append(_host_change(cmd, "state: it accepts commands over the network"))
        elif name == "--bind":
            found += _bound_commands(cmd, ctx, value)
        elif name == "--preview" and value:
            from interlock.classify.commands.interpreters import shell_findings

            found += shell_findings(value, cmd, ctx)
    return found or (read_finding(LOCAL_READ, cmd),)


_FZF_ACTIONS = re.compile(
    r"\b(?:execute-silent|execute-multi|execute|become|reload-sync|reload|change-preview|"
    r"preview)(?:\((?P<paren>[^)]*)\)|:(?P<colon>.*))"
)


def _bound_commands(cmd: SimpleCommand, ctx: CommandContext, spec: str) -> list[Finding]:
    """Judge the commands an fzf key binding runs (``enter:execute(rm {})``)."""
    from interlock.classify.commands.interpreters import shell_findings

    found: list[Finding] = []
    for match in _FZF_ACTIONS.finditer(spec):
        text = match.group("paren") or match.group("colon") or ""
        found += (
            shell_findings(text, cmd, ctx)
            if text.strip()
            else [_host_change(cmd, "state through a key binding that runs a command")]
        )
    return found


def _option_values(args: tuple[str, ...], names: tuple[str, ...]) -> list[tuple[str, str]]:
    """``(name, value)`` for each ``--name VALUE`` or ``--name=VALUE`` among ``args``."""
    out: list[tuple[str, str]] = []
    for i, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if name in names:
            if not eq and name != "--listen-unsafe":
                value = args[i + 1] if i + 1 < len(args) else ""
            out.append((name, value))
    return out


def _tree(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    return _output_option(cmd, ctx, "-o", "--output")


def _yq(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    if "i" in short_flags(cmd.args) or "--inplace" in long_flags(cmd.args):
        files = [a for a in operands(cmd.args)[1:] if a not in ("eval", "e", "eval-all", "ea")]
        tamper = LOCAL_SELF_TAMPER_OUTPUT
        return tuple(write_finding(LOCAL_WRITE_OUTPUT, cmd, ctx, f, tamper) for f in files) or (
            _host_change(cmd, "files it cannot name"),
        )
    return (read_finding(LOCAL_READ, cmd),)


def _command_builtin(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """``command -v NAME`` looks a name up; ``command [-p] PROG ...`` runs PROG."""
    args = list(cmd.args)
    if any(a in ("-v", "-V") for a in args) or not args:
        return (read_finding(LOCAL_READ, cmd, "a command lookup"),)
    while args and args[0] in ("-p", "--"):
        args.pop(0)
    from interlock.classify.commands.interpreters import shell_findings

    return shell_findings(shlex.join(args), cmd, ctx) if args else (read_finding(LOCAL_READ, cmd),)


def _fd(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """fd is a read, unless ``-x``/``-X`` runs a command on every match."""
    args = cmd.args
    for i, arg in enumerate(args):
        if arg in ("-x", "--exec", "-X", "--exec-batch"):
            inner = [a for a in args[i + 1 :] if a != ";"]
            if not inner:
                break
            if not any("{" in a for a in inner):
                inner.append("{}")
            from interlock.classify.commands.interpreters import shell_findings

            return shell_findings(shlex.join(inner), cmd, ctx)
    return (read_finding(LOCAL_READ, cmd),)


HANDLERS: Mapping[str, Handler] = {
    **dict.fromkeys(READ_ONLY, _read_only),
    "sort": _sort,
    "uniq": _uniq,
    "iconv": _iconv,
    "xxd": _xxd,
    "base64": _base64,
    "date": _date,
    "gdate": _date,
    "hostname": _hostname,
    "dmesg": _dmesg,
    "journalctl": _journalctl,
    "fzf": _fzf,
    "fd": _fd,
    "command": _command_builtin,
    "fdfind": _fd,
    "tree": _tree,
    "yq": _yq,
    "env": _read_only,
    "sk": _fzf,
}

RULES: tuple[Rule, ...] = (
    LOCAL_READ,
    LOCAL_WRITE_OUTPUT,
    LOCAL_SELF_TAMPER_OUTPUT,
    HOST_STATE_CHANGE,
)
