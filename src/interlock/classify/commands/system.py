"""Administering the machine itself: processes, services, power, firewall, accounts,
scheduled jobs, network interfaces and macOS system settings.

None of this lives in the workspace. Looking (``systemctl status``, ``ip addr``,
``launchctl list``) is a read; anything that stops, kills, reconfigures or removes is a
host-scope change the operator must confirm, and the few that take a whole machine
down or lock people out (``kill -9 -1``, ``iptables -F``, ``shutdown``) are marked
high risk so a policy may raise them further.
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
HOST_CONFIG = Rule(
    "host-config-change",
    Category.WRITE,
    "Changing machine configuration: network interfaces and routes, kernel parameters, "
    "mounts, kernel modules, macOS defaults, keychains, disks and backups.",
    ("ip link set eth0 down", "sysctl -w vm.swappiness=10", "diskutil eraseDisk APFS X disk2"),
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


def _host_config(cmd: SimpleCommand, what: str, risk: Risk = Risk.MEDIUM) -> Finding:
    return finding(
        HOST_CONFIG,
        cmd,
        scope=Scope.HOST,
        target=what,
        explanation=f"{cmd.program} changes {what}",
        risk=risk,
    )


#: Per program: subcommands (first operand) that only inspect. Others change the host.
READ_VERBS: Mapping[str, frozenset[str]] = {
    "ip": frozenset(
        {
            "",
            "show",
            "list",
            "ls",
            "lst",
            "get",
            "monitor",
            "help",
            "a",
            "addr",
            "address",
            "l",
            "link",
            "r",
            "route",
            "n",
            "neigh",
            "neighbor",
            "neighbour",
            "ru",
            "rule",
            "m",
            "maddr",
            "maddress",
            "mr",
            "mroute",
            "netconf",
            "netc",
            "stats",
            "st",
            "tunnel",
            "tuntap",
            "tunt",
            "netns",
            "mo",
            "token",
            "ntable",
            "nexthop",
            "vrf",
            "xfrm",
            "-V",
            "-Version",
        }
    ),
    "launchctl": frozenset(
        {
            "",
            "list",
            "print",
            "print-cache",
            "print-disabled",
            "blame",
            "dumpstate",
            "dumpjpcategory",
            "procinfo",
            "hostinfo",
            "resolveport",
            "examine",
            "getenv",
            "managerpid",
            "manageruid",
            "managername",
            "error",
            "variant",
            "version",
            "help",
            "plist",
        }
    ),
    "diskutil": frozenset(
        {
            "",
            "list",
            "info",
            "information",
            "activity",
            "listFilesystems",
            "verifyVolume",
            "verifyDisk",
            "apfs-list",
        }
    ),
    "tmutil": frozenset(
        {
            "",
            "help",
            "version",
            "destinationinfo",
            "isexcluded",
            "latestbackup",
            "listbackups",
            "listlocalsnapshots",
            "listlocalsnapshotdates",
            "machinedirectory",
            "calculatedrift",
            "compare",
            "uniquesize",
            "verifychecksums",
        }
    ),
    "defaults": frozenset({"", "read", "read-type", "domains", "find", "help", "export"}),
    "security": frozenset(
        {
            "",
            "help",
            "error",
            "find-certificate",
            "find-generic-password",
            "find-internet-password",
            "find-identity",
            "find-key",
            "dump-keychain",
            "dump-trust-settings",
            "show-keychain-info",
            "list-keychains",
            "get-identity-preference",
            "verify-cert",
            "list-smartcards",
            "leaks",
            "requirement-evaluate",
            "translocate-original-path",
            "translocate-policy-check",
            "translocate-status-check",
            "default-keychain",
            "login-keychain",
        }
    ),
    "profiles": frozenset({"", "help", "list", "show", "status", "validate", "version"}),
    "hdiutil": frozenset(
        {"", "help", "info", "imageinfo", "verify", "checksum", "isencrypted", "plugins", "pmap"}
    ),
    "pkgutil": frozenset(
        {
            "",
            "--pkgs",
            "--packages",
            "--pkg-info",
            "--pkg-info-plist",
            "--files",
            "--export-plist",
            "--file-info",
            "--file-info-plist",
            "--payload-files",
            "--check-signature",
            "--pkgs-plist",
            "--groups",
            "--group-pkgs",
            "--regexp",
            "--only-files",
            "--only-dirs",
            "--volume",
            "--help",
        }
    ),
    "networksetup": frozenset({""}),
    "scutil": frozenset({"", "--get", "-r", "--dns", "--proxy", "--nc", "-w", "--help"}),
    "mount": frozenset({"", "-l", "--list", "-h", "--help", "-V"}),
    "nvram": frozenset({"", "-p", "-x"}),
    "pmset": frozenset({"", "-g"}),
    "csrutil": frozenset({"", "status"}),
    "ifconfig": frozenset({"", "-a", "-l", "-s", "-v"}),
    "route": frozenset({"", "-n", "get", "show", "print", "monitor"}),
    "arp": frozenset({"", "-a", "-n", "-an", "-e", "-v"}),
    "sysctl": frozenset({""}),
    "modprobe": frozenset({"", "-n", "--dry-run", "-c", "--showconfig", "-l"}),
    "swapon": frozenset({"", "-s", "--summary", "--show"}),
    "timedatectl": frozenset({"", "status", "show", "list-timezones", "timesync-status"}),
    "hostnamectl": frozenset({"", "status"}),
    "zfs": frozenset({"", "list", "get", "help", "version"}),
    "zpool": frozenset({"", "list", "status", "get", "iostat", "history", "help", "version"}),
}

_RISKY_WORDS = (
    "delete",
    "remove",
    "erase",
    "zero",
    "wipe",
    "reset",
    "partition",
    "destroy",
    "unload",
    "bootout",
    "disable",
    "kill",
    "down",
    "flush",
    "del",
    "thin",
)


def _verb_table(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """Programs whose first operand (or first option) says whether they change the host."""
    del ctx
    reads = READ_VERBS.get(cmd.program, frozenset({""}))
    args = cmd.args
    if cmd.program == "networksetup":
        return _networksetup(cmd)
    if cmd.program == "sysctl":
        return _sysctl(cmd)
    if cmd.program == "ip":
        return _ip(cmd)
    if cmd.program in ("ifconfig", "mount", "swapon", "arp"):
        return _listing_only(cmd, reads)
    words = [a for a in args if not a.startswith("-")]
    first = words[0] if words else ""
    if cmd.program == "scutil":
        first = args[0] if args else ""
    if cmd.program == "defaults":
        words = operands(args, frozenset({"-host"}))
        first = words[0] if words else ""
    if first in reads or first.lower() in reads:
        return (read_finding(LOCAL_READ, cmd, cmd.program),)
    risk = Risk.HIGH if any(w in first.lower() for w in _RISKY_WORDS) else Risk.MEDIUM
    return (_host_config(cmd, f"the machine's settings ({cmd.program} {first})".strip(), risk),)


def _listing_only(cmd: SimpleCommand, reads: frozenset[str]) -> Iterable[Finding]:
    """ifconfig/mount/arp: only flags from ``reads`` (and ifconfig one interface) read."""
    words = operands(cmd.args)
    allowed_words = 1 if cmd.program == "ifconfig" else 0
    flags = [a for a in cmd.args if a.startswith("-")]
    if len(words) <= allowed_words and all(f in reads for f in flags):
        return (read_finding(LOCAL_READ, cmd, cmd.program),)
    return (_host_config(cmd, f"the machine's settings ({cmd.program})"),)


_IP_CHANGE = word_table(
    """
        add del delete change replace set flush append prepend exec attach detach save
        restore update
    """
)


def _ip(cmd: SimpleCommand) -> Iterable[Finding]:
    words = [a for a in cmd.args if not a.startswith("-")]
    if not words or not (
        set(words[1:]) & _IP_CHANGE
        or (words[0] == "netns" and len(words) > 1 and words[1] in _IP_CHANGE)
    ):
        return (read_finding(LOCAL_READ, cmd, "network state"),)
    risky = bool({"del", "delete", "flush"} & set(words)) or "down" in words
    return (_host_config(cmd, "network configuration", Risk.HIGH if risky else Risk.MEDIUM),)


def _networksetup(cmd: SimpleCommand) -> Iterable[Finding]:
    verb = cmd.args[0] if cmd.args else ""
    if not verb or verb.startswith(
        ("-get", "-list", "-show", "-is", "-print", "-help", "-version")
    ):
        return (read_finding(LOCAL_READ, cmd, "network settings"),)
    return (_host_config(cmd, "network settings"),)


def _sysctl(cmd: SimpleCommand) -> Iterable[Finding]:
    writing = "w" in short_flags(cmd.args) or "--write" in long_flags(cmd.args)
    if writing or any("=" in a for a in operands(cmd.args)) or "-p" in cmd.args:
        return (_host_config(cmd, "kernel parameters"),)
    return (read_finding(LOCAL_READ, cmd, "kernel parameters"),)


#: Programs that only read unless one of these options is given.
WRITE_FLAGS: Mapping[str, frozenset[str]] = {
    "pkgutil": frozenset({"--forget", "--learn", "--expand", "--expand-full", "--flatten"}),
    "spctl": word_table(
        """
        --master-disable --master-enable --global-disable --global-enable --add --remove
        --enable --disable --reset-default --label
    """
    ),
    "dscl": word_table(
        """
        -create create -append append -merge merge -delete delete -change change -changei
        changei -passwd passwd -createpl -deletepl -appendpl -mergepl -auth -authonly
    """
    ),
}


def _write_flags(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    del ctx
    names = {a.split("=", 1)[0] for a in cmd.args}
    hit = names & WRITE_FLAGS[cmd.program]
    if not hit:
        return (read_finding(LOCAL_READ, cmd, cmd.program),)
    if cmd.program == "dscl":
        why = f"dscl {sorted(hit)[0]} changes users or groups"
        return (
            finding(
                ACCOUNTS,
                cmd,
                scope=Scope.HOST,
                target="directory services",
                explanation=why,
                risk=Risk.HIGH,
            ),
        )
    return (_host_config(cmd, f"the machine's settings ({cmd.program} {sorted(hit)[0]})"),)


def _always_host(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    del ctx
    if set(cmd.args) & {"--help", "-h", "--version", "-V"} and len(cmd.args) == 1:
        return (read_finding(LOCAL_READ, cmd, "help"),)
    return (_host_config(cmd, "system state"),)


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
            "dscl",
            "sysadminctl",
            "dseditgroup",
            "chsh",
        ),
        _accounts,
    ),
    "crontab": _crontab,
    **dict.fromkeys(READ_VERBS, _verb_table),
    **dict.fromkeys(WRITE_FLAGS, _write_flags),
    **dict.fromkeys(
        (
            "umount",
            "swapoff",
            "insmod",
            "rmmod",
            "mdutil",
            "kextload",
            "kextunload",
            "update-grub",
            "grub-install",
            "update-initramfs",
            "localectl",
            "nmcli",
            "bless",
            "fsck",
            "e2fsck",
            "tune2fs",
            "resize2fs",
            "lvremove",
            "vgremove",
            "pvremove",
            "mdadm",
            "cryptsetup",
            "losetup",
        ),
        _always_host,
    ),
}

RULES: tuple[Rule, ...] = (
    PROCESS_KILL,
    SERVICE_CHANGE,
    POWER,
    FIREWALL,
    ACCOUNTS,
    CRONTAB,
    HOST_CONFIG,
)
