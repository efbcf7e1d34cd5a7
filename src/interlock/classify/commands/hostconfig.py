"""Machine configuration read from per-program verb tables: network interfaces and
routes (ip, ifconfig, route, networksetup), kernel parameters and modules (sysctl,
modprobe), mounts and swap, disks and volumes (diskutil, zfs, fsck, cryptsetup), and
macOS settings, keychains, profiles and backups (defaults, security, tmutil, spctl).

These programs look and change through the same binary, and what decides is their
first word or option: ``READ_VERBS`` lists, per program, the subcommands that only
inspect, and ``WRITE_FLAGS`` the options that make an otherwise read-only tool write.
Everything else is a host-scope change (``host-config-change``) the operator confirms,
high risk when its verb wipes, deletes, flushes or takes an interface down. The rest of
host administration (processes, services, power, firewall, accounts) is system.py's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand, finding
from interlock.classify.commands.paths import (
    long_flags,
    operands,
    read_finding,
    short_flags,
    word_table,
)
from interlock.classify.commands.readonly import LOCAL_READ
from interlock.classify.commands.system import ACCOUNTS
from interlock.models import Category, Finding, Risk, Scope

HOST_CONFIG = Rule(
    "host-config-change",
    Category.WRITE,
    "Changing machine configuration: network interfaces and routes, kernel parameters, "
    "mounts, kernel modules, macOS defaults, keychains, disks and backups.",
    ("ip link set eth0 down", "sysctl -w vm.swappiness=10", "diskutil eraseDisk APFS X disk2"),
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

RULES: tuple[Rule, ...] = (HOST_CONFIG,)
