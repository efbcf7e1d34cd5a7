"""Archives and compressors: tar, zip/unzip, 7z, gzip and friends.

Listing or testing an archive is a read. Extracting writes files into a directory
(``-C``, ``-d``, ``-o``; the current one by default), creating writes the archive,
and compressing in place replaces each file: all judged by where the files land,
so extracting into ``/`` or ``/etc`` asks while unpacking into the workspace is
local work. Options that delete the originals (``tar --remove-files``, ``zip -m``)
are deletions of those paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand
from interlock.classify.commands.files import FS_SELF_TAMPER, FS_WRITE, RM
from interlock.classify.commands.paths import (
    delete_finding,
    long_flags,
    operands,
    read_finding,
    short_flags,
    write_finding,
)
from interlock.classify.commands.readonly import LOCAL_READ
from interlock.models import Finding

ARCHIVE_LIST = Rule(
    "archive-list",
    LOCAL_READ.category,
    "Listing or testing the contents of an archive.",
    ("tar tzf a.tgz", "unzip -l a.zip", "7z l a.7z", "gzip -l a.gz"),
)

_TAR_VALUES = frozenset(
    {
        "-f",
        "--file",
        "-C",
        "--directory",
        "-T",
        "--files-from",
        "-X",
        "--exclude-from",
        "--exclude",
        "-b",
        "--blocking-factor",
        "-I",
        "--use-compress-program",
        "-H",
        "--format",
        "-V",
        "--label",
    }
)


def _value(args: tuple[str, ...], names: tuple[str, ...]) -> str | None:
    for i, arg in enumerate(args):
        if arg in names and i + 1 < len(args):
            return args[i + 1]
        for name in names:
            if name.startswith("--") and arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def _tar_mode(args: tuple[str, ...]) -> tuple[str, str | None]:
    """The operation letter (``t``, ``x``, ``c`` ...) and the archive file."""
    longs = long_flags(args)
    named = {
        "--list": "t",
        "--extract": "x",
        "--get": "x",
        "--create": "c",
        "--append": "r",
        "--update": "u",
        "--delete": "d",
        "--concatenate": "A",
        "--diff": "t",
        "--compare": "t",
        "--test-label": "t",
    }
    mode = next((named[n] for n in longs if n in named), "")
    archive = _value(args, ("-f", "--file"))
    for i, arg in enumerate(args):
        cluster = arg[1:] if arg.startswith("-") and not arg.startswith("--") else ""
        if i == 0 and not arg.startswith("-"):
            cluster = arg  # old-style ``tar czf x.tgz``
        if not cluster or not cluster.isalpha():
            continue
        mode = mode or next((c for c in cluster if c in "txcruAd"), "")
        if "f" in cluster and archive is None and i + 1 < len(args):
            archive = args[i + 1]
    return mode, archive


def _tar(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    args = cmd.args
    mode, archive = _tar_mode(args)
    if mode == "t" or not mode or {"--help", "--version"} & set(args):
        return (read_finding(ARCHIVE_LIST, cmd, archive or "an archive"),)
    found: list[Finding] = []
    if mode == "x":
        target = _value(args, ("-C", "--directory")) or "."
        found.append(write_finding(FS_WRITE, cmd, ctx, target, FS_SELF_TAMPER))
    elif archive and archive != "-":
        found.append(write_finding(FS_WRITE, cmd, ctx, archive, FS_SELF_TAMPER))
    if "--remove-files" in long_flags(args):
        sources = [p for p in operands(args[1:], _TAR_VALUES) if p != archive]
        found += [delete_finding(RM, cmd, ctx, p, FS_SELF_TAMPER) for p in sources]
    return found or (read_finding(ARCHIVE_LIST, cmd, "standard output"),)


def _compressor(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """gzip/xz/bzip2/zstd: ``-l``/``-t``/``-c`` read; otherwise each file is replaced."""
    args = cmd.args
    flags = short_flags(args)
    longs = long_flags(args)
    reading = flags & {"l", "t", "c", "h", "V", "L"} or longs & {
        "--list",
        "--test",
        "--stdout",
        "--to-stdout",
        "--help",
        "--version",
    }
    files = operands(args, frozenset({"-S", "--suffix", "-o", "--output", "-T", "--threads"}))
    if reading:
        return (read_finding(ARCHIVE_LIST, cmd, " ".join(files) or "standard input"),)
    out = [write_finding(FS_WRITE, cmd, ctx, f, FS_SELF_TAMPER) for f in files]
    return out or (read_finding(ARCHIVE_LIST, cmd, "standard input"),)


def _unzip(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    args = cmd.args
    flags = short_flags(args)
    if flags & {"l", "t", "v", "Z", "z"} or not operands(args) or "-h" in args:
        return (read_finding(ARCHIVE_LIST, cmd, " ".join(operands(args)) or "help"),)
    target = _value(args, ("-d",)) or "."
    return (write_finding(FS_WRITE, cmd, ctx, target, FS_SELF_TAMPER),)


def _zip(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    args = cmd.args
    names = operands(args, frozenset({"-x", "-i", "-b", "-n", "-P", "-t", "-tt", "-O"}))
    if not names or "-sf" in args or ("-T" in args and len(names) == 1):
        return (read_finding(ARCHIVE_LIST, cmd, " ".join(names) or "help"),)
    found = [write_finding(FS_WRITE, cmd, ctx, names[0], FS_SELF_TAMPER)]
    if "m" in short_flags(args) or "--move" in long_flags(args):
        found += [delete_finding(RM, cmd, ctx, p, FS_SELF_TAMPER) for p in names[1:]]
    return found


def _seven_zip(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    args = cmd.args
    words = [a for a in args if not a.startswith("-")]
    verb = words[0] if words else ""
    if verb in ("", "l", "t", "h", "i", "b"):
        return (read_finding(ARCHIVE_LIST, cmd, " ".join(words[1:2]) or "help"),)
    if verb in ("x", "e"):
        out = next((a[2:] for a in args if a.startswith("-o") and len(a) > 2), ".")
        return (write_finding(FS_WRITE, cmd, ctx, out, FS_SELF_TAMPER),)
    archive = words[1] if len(words) > 1 else "an archive"
    return (write_finding(FS_WRITE, cmd, ctx, archive, FS_SELF_TAMPER),)


HANDLERS: Mapping[str, Handler] = {
    "tar": _tar,
    "gtar": _tar,
    "bsdtar": _tar,
    **dict.fromkeys(
        (
            "gzip",
            "gunzip",
            "bzip2",
            "bunzip2",
            "xz",
            "unxz",
            "zstd",
            "unzstd",
            "lz4",
            "pigz",
            "lzma",
            "unlzma",
            "compress",
            "uncompress",
        ),
        _compressor,
    ),
    "unzip": _unzip,
    "zip": _zip,
    **dict.fromkeys(("7z", "7za", "7zr", "7zz"), _seven_zip),
}

RULES: tuple[Rule, ...] = (ARCHIVE_LIST,)
