"""Administering the machine itself: processes, services, power, firewall, accounts,
scheduled jobs, and PostgreSQL servers run on the machine (pg_ctl, Debian's
pg_ctlcluster and pg_dropcluster, pg_resetwal).

None of this lives in the workspace. Looking (``systemctl status``, ``crontab -l``,
``pg_lsclusters``) is a read; anything that stops, kills, reconfigures or removes is a
host-scope change the operator must confirm, and the few that take a whole machine
down or lock people out (``kill -9 -1``, ``iptables -F``, ``shutdown``) are marked
high risk so a policy may raise them further. Machine configuration read from verb
tables (network, kernel, disks, macOS settings) is hostconfig.py's; ``dscl`` is judged
there too, with this module's ``host-accounts`` rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand, finding
from interlock.classify.commands.interlock_self import stops_interlock
from interlock.classify.commands.paths import (
    long_flags,
    operands,
    read_finding,
    short_flags,
    word_table,
)
from interlock.classify.commands.readonly import LOCAL_READ
from interlock.models import Category, Finding, Risk, Scope

PROCESS_KILL = Rule(
    "host-process-kill",
    Category.DELETE,
    "Killing processes by name or pattern, or every process (kill -9 -1, killall, pkill).",
    ("kill -9 -1", "killall node", "pkill -f server"),
)
SERVICE_CHANGE = Rule(
    "host-service-change",
    Category.WRITE,
    "Stopping, disabling, masking or reconfiguring system services and daemons.",
    ("systemctl stop nginx", "systemctl restart nginx", "service ssh restart"),
)
POWER = Rule(
    "host-power",
    Category.DELETE,
    "Shutting down, rebooting or halting the machine.",
    ("shutdown -h now", "reboot", "systemctl poweroff"),
)
FIREWALL = Rule(
    "host-firewall",
    Category.PRIVILEGE,
    "Changing firewall rules (iptables -F drops every rule, ufw disable opens the host).",
    ("iptables -F", "ufw disable", "nft flush ruleset"),
)
ACCOUNTS = Rule(
    "host-accounts",
    Category.PRIVILEGE,
    "Creating, changing or deleting users, groups, passwords and sudo rules.",
    ("userdel -r alice", "passwd root", "usermod -aG sudo bob", "visudo"),
)
CRONTAB = Rule(
    "host-crontab",
    Category.DELETE,
    "Removing or replacing the user's crontab (crontab -r deletes every scheduled job).",
    ("crontab -r", "crontab jobs.txt"),
)
DATABASE_CLUSTER = Rule(
    "host-database-cluster-delete",
    Category.DELETE,
    "Destroying a PostgreSQL cluster on this machine or its history: pg_dropcluster "
    "deletes its data directory, pg_resetwal throws away write-ahead log (committed data "
    "with it), pg_archivecleanup deletes archived WAL, pg_rewind overwrites a data directory.",
    (
        "pg_dropcluster 15 main --stop",
        "pg_resetwal -f /var/lib/postgresql/15/main",
        "pg_archivecleanup /mnt/archive 000000010000000000000010",
    ),
)

_SIGNAL_VALUES = frozenset({"-s", "-n", "--signal"})


def _kill(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    del ctx
    stop = stops_interlock(cmd)
    if stop is not None:
        return (stop,)
    if "l" in short_flags(cmd.args) or "L" in short_flags(cmd.args):
        return (read_finding(LOCAL_READ, cmd, "signal names"),)
    targets = [a for a in operands(cmd.args, _SIGNAL_VALUES) if not a.startswith("-")]
    everything = "-1" in cmd.args or any(t in ("1", "0") for t in targets)
    if not targets and not everything:
        return (read_finding(LOCAL_READ, cmd, "no process"),)
    return (
        finding(
            PROCESS_KILL,
            cmd,
            scope=Scope.HOST,
            target="every process" if everything else " ".join(targets),
            explanation=f"{cmd.program} sends a signal to "
            + ("every process the user owns" if everything else f"process {' '.join(targets)}"),
            risk=Risk.HIGH if everything else Risk.MEDIUM,
        ),
    )


def _killall(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    del ctx
    stop = stops_interlock(cmd)
    if stop is not None:
        return (stop,)
    names = operands(cmd.args, frozenset({"-s", "--signal", "-u", "--user", "-U", "-g", "-t"}))
    if not names and not ({"u", "U"} & short_flags(cmd.args)):
        return (read_finding(LOCAL_READ, cmd, "no process"),)
    return (
        finding(
            PROCESS_KILL,
            cmd,
            scope=Scope.HOST,
            target=" ".join(names) or "a user's processes",
            explanation=f"{cmd.program} kills every process matching {' '.join(names)!r}",
            risk=Risk.MEDIUM,
        ),
    )


_SYSTEMCTL_READ = word_table(
    """
        status show cat list-units list-unit-files list-sockets list-timers list-jobs
        list-dependencies list-machines is-active is-enabled is-failed is-system-running
        get-default help show-environment --version -h --help list-automounts list-paths
    """
)
_POWER_VERBS = word_table(
    """
        poweroff reboot halt kexec suspend hibernate rescue emergency hybrid-sleep
        soft-reboot
    """
)


def _systemctl(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    del ctx
    stop = stops_interlock(cmd)
    if stop is not None:
        return (stop,)
    verbs = operands(
        cmd.args,
        word_table(
            """
        -t --type -p --property -H --host -M --machine --state -n --lines -o --output
    """
        ),
    )
    verb = verbs[0] if verbs else "list-units"
    if verb in _SYSTEMCTL_READ:
        return (read_finding(LOCAL_READ, cmd, "services"),)
    if verb in _POWER_VERBS:
        return (_power(cmd),)
    risky = verb in ("stop", "disable", "mask", "kill", "isolate")
    return (
        finding(
            SERVICE_CHANGE,
            cmd,
            scope=Scope.HOST,
            target=" ".join(verbs[1:]) or verb,
            explanation=f"systemctl {verb} changes running services",
            risk=Risk.HIGH if risky else Risk.MEDIUM,
            category=Category.DELETE if risky else Category.WRITE,
        ),
    )


def _service(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    del ctx
    stop = stops_interlock(cmd)
    if stop is not None:
        return (stop,)
    words = operands(cmd.args)
    if not words or "--status-all" in cmd.args or (len(words) > 1 and words[1] == "status"):
        return (read_finding(LOCAL_READ, cmd, "services"),)
    return (
        finding(
            SERVICE_CHANGE,
            cmd,
            scope=Scope.HOST,
            target=words[0],
            explanation=f"service {' '.join(words)} changes a running service",
        ),
    )


def _power(cmd: SimpleCommand) -> Finding:
    return finding(
        POWER,
        cmd,
        scope=Scope.HOST,
        target="this machine",
        explanation=f"{cmd.text.strip()[:60]} takes the machine down",
        risk=Risk.HIGH,
    )


def _power_cmd(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    del ctx
    if long_flags(cmd.args) & {"--help", "--version"} or "-c" in cmd.args:
        return (read_finding(LOCAL_READ, cmd, "help"),)
    return (_power(cmd),)


_FIREWALL_READ = word_table(
    """
        -L --list -S --list-rules -C --check status list show -h --help --version -V
    """
)


def _firewall(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    del ctx
    args = set(cmd.args)
    if cmd.program == "nft":
        listing = bool(operands(cmd.args)[:1] == ["list"])
    elif cmd.program.endswith("-save"):
        listing = True
    else:
        listing = bool(args & _FIREWALL_READ) and not args & {"-F", "-X", "-D", "-A", "-I", "-P"}
    if listing:
        return (read_finding(LOCAL_READ, cmd, "firewall rules"),)
    flush = bool(args & {"-F", "--flush", "flush", "disable", "reset", "-X"})
    return (
        finding(
            FIREWALL,
            cmd,
            scope=Scope.HOST,
            target="the firewall",
            explanation=f"{cmd.program} changes the firewall"
            + (" and removes its rules" if flush else ""),
            risk=Risk.HIGH if flush else Risk.MEDIUM,
        ),
    )


def _accounts(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    del ctx
    if (
        cmd.program in ("passwd", "chage")
        and short_flags(cmd.args) & {"S", "l"}
        and not (operands(cmd.args) and "l" in short_flags(cmd.args) and cmd.program == "passwd")
    ):
        return (read_finding(LOCAL_READ, cmd, "account status"),)
    who = operands(
        cmd.args,
        word_table(
            """
        -g -G -s -d -c -u -e -p
    """
        ),
    )
    return (
        finding(
            ACCOUNTS,
            cmd,
            scope=Scope.HOST,
            target=who[-1] if who else "accounts",
            explanation=f"{cmd.program} changes user accounts or their privileges",
            risk=Risk.HIGH,
        ),
    )


def _crontab(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    del ctx
    flags = short_flags(cmd.args)
    if "l" in flags and not flags & {"r", "e", "i"}:
        return (read_finding(LOCAL_READ, cmd, "the crontab"),)
    removing = "r" in flags
    return (
        finding(
            CRONTAB,
            cmd,
            scope=Scope.HOST,
            target="the crontab",
            explanation="crontab -r deletes every scheduled job"
            if removing
            else "crontab replaces or edits the scheduled jobs",
            risk=Risk.HIGH if removing else Risk.MEDIUM,
            category=Category.DELETE if removing else Category.WRITE,
        ),
    )


#: Options of pg_ctl and the Debian ``pg_*cluster`` wrappers that take a value.
_PG_VALUES = word_table(
    """
        -D --pgdata -l --log -m --mode -o --options -p -t --timeout -N -P -U -S -e -s
        --socketdir --logfile --cluster -c --cluster-conf
    """
)
#: pg_ctl / pg_ctlcluster actions, by what they do to the running server.
_PG_STOPS = frozenset({"stop", "restart", "kill", "unregister", "promote"})
_PG_READS = frozenset({"status", "pg_lsclusters", "pg_controldata", "--help", "--version", "-V"})
#: Programs that destroy a cluster's data: high risk, as ``rm -rf`` of its directory is.
_PG_DESTROY = {
    "pg_dropcluster": "deletes the cluster and its data directory",
    "pg_resetwal": "discards the write-ahead log, and committed data with it",
    "pg_resetxlog": "discards the write-ahead log, and committed data with it",
    "pg_archivecleanup": "deletes archived write-ahead log files",
    "pg_rewind": "overwrites a data directory from another server",
}


def _pg_cluster(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """A PostgreSQL server on this machine, run as a host service: pg_ctl ACTION -D DIR,
    Debian's pg_ctlcluster VERSION NAME ACTION, pg_dropcluster, pg_resetwal, ..."""
    del ctx
    words = operands(cmd.args, _PG_VALUES)
    action = words[2] if cmd.program == "pg_ctlcluster" and len(words) > 2 else ""
    action = action or (words[0] if cmd.program == "pg_ctl" and words else cmd.program)
    dry = {"-n", "--dry-run"} & set(cmd.args) and cmd.program in ("pg_resetwal", "pg_resetxlog")
    if action in _PG_READS or dry or {"--help", "--version", "-V", "-?"} & set(cmd.args):
        return (read_finding(LOCAL_READ, cmd, "a PostgreSQL cluster"),)
    target = _option_value(cmd.args, ("-D", "--pgdata")) or " ".join(words[:2]) or "postgres"
    destroy = _PG_DESTROY.get(cmd.program)
    if destroy is not None:
        return (
            finding(
                DATABASE_CLUSTER,
                cmd,
                scope=Scope.HOST,
                target=f"PostgreSQL cluster {target}",
                explanation=f"{cmd.program} {destroy}",
                risk=Risk.HIGH,
                stateful=True,
            ),
        )
    stops = action in _PG_STOPS or cmd.program == "pg_upgradecluster"
    return (
        finding(
            SERVICE_CHANGE,
            cmd,
            scope=Scope.HOST,
            target=f"PostgreSQL cluster {target}",
            explanation=f"{cmd.program} {action} changes a database server on this machine",
            risk=Risk.HIGH if stops else Risk.MEDIUM,
            category=Category.DELETE if stops else Category.WRITE,
        ),
    )


def _option_value(args: tuple[str, ...], names: tuple[str, ...]) -> str | None:
    """The value of ``-D DIR``, ``-DDIR`` or ``--pgdata=DIR``."""
    for i, arg in enumerate(args):
        if arg in names:
            return args[i + 1] if i + 1 < len(args) else None
        for name in names:
            if arg.startswith(name + "=") or (len(name) == 2 and arg.startswith(name)):
                return arg[len(name) :].lstrip("=")
    return None


HANDLERS: Mapping[str, Handler] = {
    "kill": _kill,
    "killall": _killall,
    "pkill": _killall,
    "skill": _killall,
    "systemctl": _systemctl,
    "service": _service,
    **dict.fromkeys(("shutdown", "reboot", "halt", "poweroff", "init", "telinit"), _power_cmd),
    **dict.fromkeys(
        (
            "iptables",
            "ip6tables",
            "nft",
            "ufw",
            "firewall-cmd",
            "pfctl",
            "iptables-restore",
            "ip6tables-restore",
            "iptables-save",
            "ip6tables-save",
        ),
        _firewall,
    ),
    **dict.fromkeys(
        (
            "useradd",
            "userdel",
            "usermod",
            "adduser",
            "deluser",
            "groupadd",
            "groupdel",
            "groupmod",
            "passwd",
            "chpasswd",
            "chage",
            "visudo",
            "gpasswd",
            "sysadminctl",
            "dseditgroup",
            "chsh",
        ),
        _accounts,
    ),
    "crontab": _crontab,
    **dict.fromkeys(
        (
            "pg_ctl",
            "pg_ctlcluster",
            "pg_createcluster",
            "pg_renamecluster",
            "pg_upgradecluster",
            "pg_lsclusters",
            "pg_controldata",
            *_PG_DESTROY,
        ),
        _pg_cluster,
    ),
}

RULES: tuple[Rule, ...] = (
    PROCESS_KILL,
    SERVICE_CHANGE,
    POWER,
    FIREWALL,
    ACCOUNTS,
    CRONTAB,
    DATABASE_CLUSTER,
)
