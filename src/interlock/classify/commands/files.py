"""File destruction and file writes by the coreutils and their cousins.

``rm -rf`` over a home directory is the incident every agent guard is written for;
the same damage comes from ``dd of=/dev/sda``, ``mkfs``, ``shred``, ``truncate -s 0``,
``mv x /dev/null``, ``find / -delete`` and ``rsync --delete``. Each handler finds the
paths a command destroys or writes and lets ``paths.place`` judge them: inside the
workspace is reversible local work (allowed), elsewhere on the host the operator is
asked, and the root, home directories and system directories are denied.

One stricter choice than "the workspace is fine": a *recursive* delete of a
workspace directory that is not a known regenerable artifact (``build``,
``node_modules``, ``target`` ...) cannot be undone by rebuilding, so it is a host-scope
delete and asks, like ``git reset --hard``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand, finding
from interlock.classify.commands.paths import (
    delete_finding,
    long_flags,
    operands,
    place,
    protected,
    read_finding,
    self_tamper,
    short_flags,
    word_table,
    write_finding,
)
from interlock.classify.commands.readonly import LOCAL_READ
from interlock.models import Category, Finding, Risk, Scope

RM = Rule(
    "fs-delete",
    Category.DELETE,
    "rm/unlink/rmdir/shred/truncate/find -delete of paths: allowed in the workspace, asked "
    "outside it, denied for /, home directories and top-level system directories.",
    ("rm -rf /", "rm -rf ~", "rm -rf /etc", "rm -rf /tmp/build", "rm -rf ./build"),
)
RM_SOURCE_TREE = Rule(
    "fs-delete-source-tree",
    Category.DELETE,
    "A recursive delete of a workspace directory that is not a regenerable build artifact: "
    "it cannot be undone by rebuilding, so the operator is asked.",
    ("rm -rf src", "rm -rf *"),
)
RM_NO_OPERAND = Rule(
    "fs-delete-no-operand",
    Category.DELETE,
    "A recursive or forced rm with no path: it removes nothing by itself, but in a "
    "pipeline it shows an intent to delete whatever reaches it, so the operator is asked.",
    ("echo yes | rm -rf", "rm -rf"),
)
DISK_WIPE = Rule(
    "fs-disk-wipe",
    Category.DELETE,
    "Formatting, partitioning or overwriting a block device (mkfs, fdisk, wipefs, dd "
    "of=/dev/sdX, shred /dev/sdX).",
    ("mkfs.ext4 /dev/sdb1", "dd if=/dev/zero of=/dev/sda", "wipefs -a /dev/sdb"),
)
FS_WRITE = Rule(
    "fs-write",
    Category.WRITE,
    "Creating or overwriting files (cp, mv, ln, touch, mkdir, tee, sed -i, tar -x ...): "
    "allowed in the workspace and temporary directories, asked elsewhere on the host.",
    ("cp a.txt b.txt", "tee /etc/hosts", "sed -i s/a/b/ /etc/hosts", "mv x.conf /etc/x.conf"),
)
FS_SELF_TAMPER = Rule(
    "self-tamper-file",
    Category.SELF_TAMPER,
    "Writing, moving, deleting or changing the mode of one of interlock's own files "
    "(interlock.yaml, policies, .claude/settings*.json ...).",
    ("rm interlock.yaml", "sed -i s/2/0/ interlock.yaml", "chmod 777 .claude/settings.json"),
)
FS_PERMISSIONS = Rule(
    "fs-permissions",
    Category.PRIVILEGE,
    "chmod/chown/chgrp outside the workspace, recursively over system or home "
    "directories, or adding setuid/setgid bits.",
    ("chmod -R 777 /", "chown -R nobody /etc", "chmod u+s ./tool", "chmod 644 /etc/passwd"),
)
RSYNC_DELETE = Rule(
    "fs-rsync-delete",
    Category.DELETE,
    "rsync with --delete* or --remove-source-files: files at the destination (or the "
    "source) are removed; the destination's place decides the scope.",
    ("rsync -a --delete /src/ /dest/", "rsync -a --delete ./ host:/srv/app/"),
)

#: Directories that a build or package manager recreates: deleting them is routine.
ARTIFACTS: frozenset[str] = word_table(
    """
        build dist target out node_modules __pycache__ .pytest_cache .mypy_cache .ruff_cache
        .tox .nox .venv venv .eggs coverage htmlcov .coverage .next .nuxt .cache
        .parcel-cache .turbo .gradle .terraform tmp temp .tmp bin obj _build .build
        .svelte-kit .angular .expo cmake-build-debug cmake-build-release site public/build
        .hypothesis .benchmarks logs
    """
)

_DEVICE_PREFIXES = (
    "/dev/sd",
    "/dev/hd",
    "/dev/nvme",
    "/dev/disk",
    "/dev/rdisk",
    "/dev/mmcblk",
    "/dev/xvd",
    "/dev/vd",
    "/dev/mapper/",
    "/dev/md",
    "/dev/loop",
    "/dev/dm-",
    "/dev/sr",
)


def _is_disk(path: str) -> bool:
    return posixpath.normpath(path).startswith(_DEVICE_PREFIXES) if path.startswith("/") else False


def _is_artifact(path: str) -> bool:
    norm = posixpath.normpath(path)
    name = posixpath.basename(norm)
    return (
        name in ARTIFACTS
        or norm.split("/")[0] in ARTIFACTS
        or name.endswith((".egg-info", ".pyc", ".o", ".log", ".tmp"))
    )


def _delete(cmd: SimpleCommand, ctx: CommandContext, path: str, recursive: bool) -> Finding:
    if _is_disk(path):
        return _wipe(cmd, path)
    found = delete_finding(RM, cmd, ctx, path, FS_SELF_TAMPER)
    in_workspace = found.category is Category.DELETE and found.scope is Scope.WORKSPACE
    tree = not _is_artifact(path) and ("*" in path or "?" in path or not _has_suffix(path))
    if in_workspace and recursive and tree:
        return finding(
            RM_SOURCE_TREE,
            cmd,
            scope=Scope.HOST,
            target=path,
            explanation=f"{cmd.program} recursively deletes {path}, which is not a build "
            "artifact and cannot be rebuilt",
            risk=Risk.MEDIUM,
        )
    # after a ``cd`` the place already judged the directory moved to (``cd / && rm
    # -rf *`` is the root's contents, not the workspace's)
    if (
        found.scope is Scope.HOST
        and found.target in (".", "*", ".*", "./*", "./")
        and not ctx.moved
    ):
        return finding(
            RM_SOURCE_TREE,
            cmd,
            scope=Scope.HOST,
            target=path,
            explanation=f"{cmd.program} deletes the whole workspace",
            risk=Risk.HIGH,
        )
    return found


def _has_suffix(path: str) -> bool:
    """A plain file name (``notes.txt``), as opposed to a directory-looking one."""
    name = posixpath.basename(posixpath.normpath(path))
    return "." in name.strip(".")


def _wipe(cmd: SimpleCommand, device: str) -> Finding:
    return finding(
        DISK_WIPE,
        cmd,
        scope=Scope.HOST,
        target=device,
        explanation=f"{cmd.program} destroys everything on the device {device}",
        risk=Risk.CRITICAL,
    )


def _no_target(cmd: SimpleCommand) -> tuple[Finding, ...]:
    return (read_finding(LOCAL_READ, cmd, f"{cmd.program} (no path)"),)


def _rm(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    flags = short_flags(cmd.args)
    recursive = bool(flags & {"r", "R"}) or "--recursive" in long_flags(cmd.args)
    paths = operands(cmd.args)
    if not paths and (recursive or "f" in flags):
        explanation = "rm -r/-f with no path: nothing named, but deletion intended"
        return (
            finding(
                RM_NO_OPERAND,
                cmd,
                scope=Scope.HOST,
                target="(no path)",
                explanation=explanation,
                risk=Risk.MEDIUM,
            ),
        )
    if not paths:
        return _no_target(cmd)
    return tuple(_delete(cmd, ctx, p, recursive) for p in paths)


def _rmdir(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    paths = operands(cmd.args)
    return tuple(_delete(cmd, ctx, p, False) for p in paths) or _no_target(cmd)


def _shred(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    paths = operands(cmd.args, frozenset({"-n", "-s", "--iterations", "--size", "--random-source"}))
    return tuple(_delete(cmd, ctx, p, False) for p in paths) or _no_target(cmd)


def _truncate(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    paths = operands(cmd.args, frozenset({"-s", "-r", "--size", "--reference", "-o"}))
    return tuple(_delete(cmd, ctx, p, False) for p in paths) or _no_target(cmd)


def _dd(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    for arg in cmd.args:
        if arg.startswith("of="):
            target = arg[3:]
            if target.startswith("/dev/") and place(target, ctx).risk is not Risk.NONE:
                return (_wipe(cmd, target),)
            return (write_finding(FS_WRITE, cmd, ctx, target, FS_SELF_TAMPER),)
    return (read_finding(LOCAL_READ, cmd, "standard output"),)


#: Options that make a partitioning tool only print what is there.
_LISTING: frozenset[str] = word_table(
    """
        -l --list -d --dump -s --show-size -V --version -h --help --verify print -n --no-act
        -p --print
    """
)
_ERASING = frozenset({"-a", "--all", "-o", "--offset", "-f", "--force"})


def _disk_tool(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    del ctx
    args = set(cmd.args)
    listing = bool(args & _LISTING)
    if cmd.program == "wipefs":
        listing = listing or not (args & _ERASING or "a" in short_flags(cmd.args))
    elif (
        cmd.program.startswith(("mkfs", "mke2fs", "mkswap", "newfs")) or cmd.program == "blkdiscard"
    ):
        listing = bool(args & {"-V", "--version", "-h", "--help"})
    if listing or not cmd.args:
        return (read_finding(LOCAL_READ, cmd, "the partition table"),)
    devices = [a for a in operands(cmd.args) if a.startswith("/dev/")]
    return (_wipe(cmd, devices[0] if devices else "a disk"),)


def _targets(cmd: SimpleCommand, values: frozenset[str]) -> tuple[list[str], str | None]:
    """Sources and destination of cp/mv/ln/install (``-t DIR`` or the last operand)."""
    args = cmd.args
    for i, arg in enumerate(args):
        if arg in ("-t", "--target-directory") and i + 1 < len(args):
            return operands(args[:i] + args[i + 2 :], values), args[i + 1]
        if arg.startswith("--target-directory="):
            return operands(args[:i] + args[i + 1 :], values), arg.split("=", 1)[1]
    paths = operands(args, values)
    if len(paths) < 2:
        return paths, None
    return paths[:-1], paths[-1]


_CP_VALUES = word_table(
    """
        -S --suffix -m --mode -o --owner -g --group
    """
)


def _overwrite(cmd: SimpleCommand, ctx: CommandContext, path: str) -> Finding:
    """A write to ``path``; written over a disk (``cp /dev/zero /dev/sda``, ``tee
    /dev/nvme0n1``) it destroys everything on it, as ``dd of=`` does."""
    if _is_disk(path):
        return _wipe(cmd, path)
    return write_finding(FS_WRITE, cmd, ctx, path, FS_SELF_TAMPER)


def _copy(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    sources, dest = _targets(cmd, _CP_VALUES)
    if dest is None:
        return _no_target(cmd)
    if cmd.program == "ln" and len(sources) == 1 and not dest:
        dest = posixpath.basename(sources[0])
    if cmd.program == "ln":
        # a link to interlock's own files lets later commands change them under a
        # name no rule protects (``ln -s .claude x; echo '{}' > x/settings.json``)
        for src in sources:
            if protected(src, ctx):
                return (self_tamper(FS_SELF_TAMPER, cmd, src, "link to"),)
    return (_overwrite(cmd, ctx, dest),)


def _mv(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    sources, dest = _targets(cmd, _CP_VALUES)
    if dest is None:
        return _no_target(cmd)
    found: list[Finding] = []
    for src in sources:
        if protected(src, ctx):
            found.append(self_tamper(FS_SELF_TAMPER, cmd, src, "move"))
        elif dest == "/dev/null" or place(src, ctx).scope is not Scope.WORKSPACE:
            found.append(_delete(cmd, ctx, src, True))
    if dest != "/dev/null":
        found.append(_overwrite(cmd, ctx, dest))
    return found


def _create(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    values = word_table(
        """
        -m --mode -d --date -r --reference -t -Z
    """
    )
    paths = operands(cmd.args, values)
    return tuple(write_finding(FS_WRITE, cmd, ctx, p, FS_SELF_TAMPER) for p in paths) or (
        _no_target(cmd)
    )


def _tee(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    paths = [p for p in operands(cmd.args) if p != "-"]
    return tuple(_overwrite(cmd, ctx, p) for p in paths) or (
        read_finding(LOCAL_READ, cmd, "standard output"),
    )


def _sed(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    args = cmd.args
    in_place = any(a == "-i" or a.startswith("--in-place") or _short_i(a) for a in args)
    if not in_place:
        return (read_finding(LOCAL_READ, cmd),)
    has_script = any(a in ("-e", "-f", "--expression", "--file") for a in args) or any(
        a.startswith(("--expression=", "--file=")) for a in args
    )
    paths = operands(args, frozenset({"-e", "-f", "--expression", "--file", "-l"}))
    files = paths if has_script else paths[1:]
    if not files and paths:
        files = paths  # a script glued to -i (``-is/a/b/``) leaves only files behind
    return tuple(write_finding(FS_WRITE, cmd, ctx, f, FS_SELF_TAMPER) for f in files) or (
        read_finding(LOCAL_READ, cmd, "standard input"),
    )


def _short_i(arg: str) -> bool:
    """``-i``, ``-i.bak``, ``-ni``, ``-Ei``: a short cluster that switches on in-place."""
    if not arg.startswith("-") or arg.startswith("--"):
        return False
    for letter in arg[1:]:
        if letter == "i":
            return True
        if letter not in "nErsuzl":
            return False
    return False


def _permissions(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    args = cmd.args
    recursive = "R" in short_flags(args) or "--recursive" in long_flags(args)
    words = operands(args, frozenset({"--reference"}))
    if cmd.program == "chmod" and words:
        mode, paths = words[0], words[1:]
    elif cmd.program in ("chown", "chgrp") and words:
        mode, paths = "", words[1:]
    else:
        mode, paths = "", words
    setuid = cmd.program == "chmod" and _sets_id_bit(mode)
    found = [_permission(cmd, ctx, p, recursive=recursive, setuid=setuid) for p in paths]
    return found or _no_target(cmd)


def _attributes(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """``chattr +i /etc/passwd`` (Linux) and ``chflags schg /etc/hosts`` (BSD, macOS):
    file attributes such as immutable or append-only change what even root may do to
    a file, so they are judged like ownership and mode (chattr(1), chflags(1)).

    chattr's attribute word starts with ``+``, ``-`` or ``=``: ``-i`` already reads as
    an option, ``+i`` and ``=i`` are dropped from the operands."""
    args = cmd.args
    recursive = "R" in short_flags(args)
    if cmd.program == "chattr":
        words = operands(args, frozenset({"-v", "-p"}))
        paths = [w for w in words if not w.startswith(("+", "="))]
    else:
        paths = operands(args)[1:]
    found = [_permission(cmd, ctx, p, recursive=recursive, setuid=False) for p in paths]
    return found or _no_target(cmd)


def _sets_id_bit(mode: str) -> bool:
    """True for ``4755``/``2775``-style modes and ``u+s``/``g=s``-style clauses."""
    if mode.isdigit():
        return len(mode) == 4 and bool(int(mode[0], 8) & 0o6)
    for clause in mode.split(","):
        for op in "+=":
            if op in clause and "s" in clause.split(op, 1)[1]:
                return True
    return False


def _permission(
    cmd: SimpleCommand, ctx: CommandContext, path: str, *, recursive: bool, setuid: bool
) -> Finding:
    if protected(path, ctx):
        return self_tamper(FS_SELF_TAMPER, cmd, path, "change the permissions of")
    where = place(path, ctx)
    if where.scope is Scope.WORKSPACE and not setuid and cmd.program == "chmod":
        return write_finding(FS_WRITE, cmd, ctx, path, FS_SELF_TAMPER)
    risk = Risk.HIGH if setuid else Risk.MEDIUM
    if where.risk is Risk.CRITICAL and (recursive or where.why.startswith("the root")):
        risk = Risk.CRITICAL
    scope = (
        Scope.HOST
        if where.scope is Scope.HOST or setuid or cmd.program != "chmod"
        else (where.scope)
    )
    what = "adds a setuid/setgid bit to" if setuid else "changes ownership or mode of"
    return finding(
        FS_PERMISSIONS,
        cmd,
        scope=scope,
        target=path,
        explanation=f"{cmd.program} {what} {path} ({where.why})",
        risk=risk,
    )


_FIND_WRITES = frozenset({"-fprint", "-fprint0", "-fprintf", "-fls"})


def _find(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    args = cmd.args
    starts: list[str] = []
    for arg in args:
        if arg.startswith(("-", "(", "!", ")")) and arg not in ("-",):
            break
        starts.append(arg)
    starts = starts or ["."]
    found: list[Finding] = []
    if "-delete" in args:
        found += [_delete(cmd, ctx, s, True) for s in starts]
    for i, arg in enumerate(args[:-1]):
        if arg in _FIND_WRITES:
            found.append(write_finding(FS_WRITE, cmd, ctx, args[i + 1], FS_SELF_TAMPER))
    return found or (read_finding(LOCAL_READ, cmd),)


def _rsync(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    args = cmd.args
    longs = long_flags(args)
    if "n" in short_flags(args) or longs & {"--dry-run", "--list-only"}:
        return (read_finding(LOCAL_READ, cmd, "a dry run"),)
    values = word_table(
        """
        -e --rsh --exclude --include --filter -f --chmod --chown --partial-dir --backup-dir
        --suffix --log-file -T --temp-dir --compare-dest --link-dest --copy-dest
    """
    )
    paths = operands(args, values)
    if len(paths) < 2:
        return (read_finding(LOCAL_READ, cmd, "a listing"),)
    dest = paths[-1]
    deleting = any(n.startswith("--del") for n in longs)
    found: list[Finding] = []
    if deleting:
        found.append(_rsync_delete(cmd, ctx, dest))
    if "--remove-source-files" in longs:
        found += [_rsync_delete(cmd, ctx, src) for src in paths[:-1]]
    if not found:
        found.append(_rsync_write(cmd, ctx, dest))
    return found


def _remote_host(path: str) -> str | None:
    """``user@host:path`` or ``host::module`` names a host; ``./a:b`` does not."""
    if path.startswith(("/", ".", "~")) or ":" not in path:
        return None
    host = path.split(":", 1)[0]
    return host.split("@")[-1] or None


def _rsync_delete(cmd: SimpleCommand, ctx: CommandContext, path: str) -> Finding:
    host = _remote_host(path)
    if host is None:
        return delete_finding(RSYNC_DELETE, cmd, ctx, path, FS_SELF_TAMPER)
    return finding(
        RSYNC_DELETE,
        cmd,
        scope=Scope.REMOTE,
        target=path,
        explanation=f"rsync deletes files at {path} on {host}",
        risk=Risk.HIGH,
        environment=ctx.resolve_environment("hosts", host),
    )


def _rsync_write(cmd: SimpleCommand, ctx: CommandContext, dest: str) -> Finding:
    host = _remote_host(dest)
    if host is None:
        return write_finding(FS_WRITE, cmd, ctx, dest, FS_SELF_TAMPER)
    return finding(
        FS_WRITE,
        cmd,
        scope=Scope.REMOTE,
        target=dest,
        explanation=f"rsync writes files to {dest} on {host}",
        risk=Risk.MEDIUM,
        environment=ctx.resolve_environment("hosts", host),
    )


def _scp(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """scp/sftp-style copies: the destination's place decides (a host is remote)."""
    values = frozenset({"-P", "-i", "-o", "-F", "-c", "-l", "-S", "-J", "-D", "-X"})
    paths = operands(cmd.args, values)
    if len(paths) < 2:
        return _no_target(cmd)
    return (_rsync_write(cmd, ctx, paths[-1]),)


HANDLERS: Mapping[str, Handler] = {
    "rm": _rm,
    "unlink": _rmdir,
    "rmdir": _rmdir,
    "shred": _shred,
    "srm": _shred,
    "wipe": _shred,
    "truncate": _truncate,
    "dd": _dd,
    **dict.fromkeys(
        (
            "mkfs",
            "mkfs.ext2",
            "mkfs.ext3",
            "mkfs.ext4",
            "mkfs.xfs",
            "mkfs.btrfs",
            "mkfs.vfat",
            "mkfs.fat",
            "mkfs.ntfs",
            "mkfs.exfat",
            "mke2fs",
            "mkswap",
            "fdisk",
            "sfdisk",
            "cfdisk",
            "gdisk",
            "sgdisk",
            "parted",
            "wipefs",
            "blkdiscard",
            "newfs",
            "newfs_apfs",
        ),
        _disk_tool,
    ),
    "cp": _copy,
    "install": _copy,
    "ln": _copy,
    "mv": _mv,
    "touch": _create,
    "mkdir": _create,
    "mkfifo": _create,
    "tee": _tee,
    "sed": _sed,
    "gsed": _sed,
    "chmod": _permissions,
    "chattr": _attributes,
    "chflags": _attributes,
    "chown": _permissions,
    "chgrp": _permissions,
    "find": _find,
    "gfind": _find,
    "rsync": _rsync,
    "scp": _scp,
}

RULES: tuple[Rule, ...] = (
    RM,
    RM_SOURCE_TREE,
    RM_NO_OPERAND,
    DISK_WIPE,
    FS_WRITE,
    FS_SELF_TAMPER,
    FS_PERMISSIONS,
    RSYNC_DELETE,
)
