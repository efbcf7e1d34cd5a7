"""Where a path points, seen from the workspace: the judgement every local rule shares.

A local command is only as dangerous as the paths it touches. The workspace is
``ctx.cwd`` and everything below it (with no cwd, every relative path that does not
climb out with ``..``); anything else is the host. Home directories, the root and
the top-level system directories are *critical*: wiping one destroys the machine or
a person's files, which the floor denies outright. The spelling is the agent's, so
paths are normalised (``/usr/bin/../../etc``), ``~``/``$HOME`` are read as the home
directory and any other expansion (``$X/build``) is a place interlock cannot see and
therefore treats as the host.

The path helpers also build the findings most families need: a read of local data, a
write to a file, a deletion of a path, with interlock's own files (selfprotect.py)
turned into self-tamper findings first, whatever the scope.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from interlock.classify.command import CommandContext, Rule, SimpleCommand, finding
from interlock.classify.selfprotect import is_protected
from interlock.frozen import quick_init
from interlock.models import Category, Finding, Risk, Scope


def word_table(text: str) -> frozenset[str]:
    """A table of names from whitespace-separated text (keeps long tables compact)."""
    return frozenset(text.split())


#: Top-level directories whose loss breaks the machine; deleting one is critical.
SYSTEM_DIRS: frozenset[str] = word_table(
    """
        /bin /boot /dev /etc /home /lib /lib32 /lib64 /libx32 /opt /proc /root /run /sbin
        /srv /sys /usr /var /Users /System /Library /Applications /private /snap /mnt /media
        /Volumes /nix /usr/local /usr/bin /usr/lib /var/lib /var/log /usr/share /usr/sbin
        /etc/ssh /var/lib/postgresql /var/lib/mysql /var/lib/docker
    """
)

#: Directories holding throwaway files; writing there is harmless.
TEMP_ROOTS: tuple[str, ...] = ("/tmp", "/var/tmp", "/private/tmp", "/dev/shm")  # noqa: S108

#: Device files that are sinks, not disks.
HARMLESS_DEVICES: frozenset[str] = word_table(
    """
        /dev/null /dev/stdout /dev/stderr /dev/tty /dev/zero /dev/random /dev/urandom
        /dev/stdin
    """
)

#: Why a path is the workspace itself: destroying it is host-grade, writing into it is not.
WHOLE_WORKSPACE = "the whole workspace"
_HOME_PREFIXES = ("$HOME", "${HOME}")
#: ``${HOME:?}``, ``${HOME:-/x}``, ``${HOME=x}``: the home directory whenever it is set
#: (``${HOME:+x}`` is not: it gives ``x``).
_HOME_EXPANSION = re.compile(r"\$\{HOME(?::?[-?=][^}]*)?\}")
_TEMP_VARS = ("$TMPDIR", "${TMPDIR}", "${TMPDIR:-/tmp}", "$TMP", "${TMP}")
_GLOB = frozenset("*?[")


@quick_init
@dataclass(frozen=True, slots=True)
class Place:
    """What a path is: the scope of touching it and how bad destroying it would be."""

    scope: Scope
    risk: Risk
    why: str
    temp: bool = False


def place(path: str, ctx: CommandContext) -> Place:
    """Judge ``path`` (as the agent wrote it) relative to the workspace.

    After a ``cd`` on the line (``ctx.moved``) a relative path is under the directory
    moved to, and is judged as that path against the action's workspace.
    """
    if ctx.moved and not path.startswith(("/", "~", "$")):
        return _place(posixpath.join(ctx.cwd or ".", path), ctx.workspace)
    return _place(path, ctx.cwd)


def _place(path: str, cwd: str | None) -> Place:
    """``place`` of ``path`` in the workspace ``cwd`` (``None``: unknown)."""
    home = _home_relative(path)
    if home is not None:
        return _judge_home(home)
    for var in _TEMP_VARS:
        if path == var or path.startswith(var + "/"):
            rest = posixpath.normpath("/" + path[len(var) :].lstrip("/"))
            if ".." in path[len(var) :].split("/"):
                return Place(Scope.HOST, Risk.HIGH, "climbs out of the temporary directory")
            if rest == "/":
                return Place(Scope.HOST, Risk.HIGH, "the whole temporary directory")
            return Place(Scope.HOST, Risk.MEDIUM, "a temporary directory", temp=True)
    if "{}" in path:
        return Place(Scope.HOST, Risk.HIGH, "paths found at run time by find")
    if "$" in path or "`" in path:
        return Place(Scope.HOST, Risk.HIGH, "a path computed from a variable")
    if path.startswith("/"):
        # normpath keeps a leading ``//`` (POSIX leaves it to the system); Linux and
        # macOS read it as ``/``, so ``rm -rf //`` is ``rm -rf /``
        return _judge_absolute("/" + posixpath.normpath(path).lstrip("/"), cwd)
    norm = posixpath.normpath(path)
    if norm == ".." or norm.startswith("../"):
        if cwd:
            return _judge_absolute(posixpath.normpath(posixpath.join(cwd, norm)), cwd)
        return Place(Scope.HOST, Risk.HIGH, "climbs out of the workspace with ..")
    return _judge_relative(norm)


def _home_relative(path: str) -> str | None:
    """The part after the home directory (``""`` for home itself), else ``None``."""
    if path == "~" or path.startswith("~/"):
        return path[1:]
    if path.startswith("~") and "/" not in path:
        return ""  # ~user: another account's home
    for prefix in _HOME_PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            return path[len(prefix) :]
    if path.startswith("${HOME"):
        named = _HOME_EXPANSION.match(path)
        if named is not None and path[named.end() :][:1] in ("", "/"):
            return path[named.end() :]
    return None


def _judge_home(rest: str) -> Place:
    norm = posixpath.normpath("/" + rest.lstrip("/")) if rest else "/"
    first = norm.strip("/").split("/")[0]
    if norm == "/" or (first and set(first) <= {"*", "."}):
        return Place(Scope.HOST, Risk.CRITICAL, "the home directory")
    if ".." in rest.split("/"):
        return Place(Scope.HOST, Risk.CRITICAL, "climbs out of the home directory")
    return Place(Scope.HOST, Risk.HIGH, "inside the home directory")


def _judge_absolute(norm: str, cwd: str | None) -> Place:
    if cwd:
        root = posixpath.normpath(cwd)
        if norm.startswith(root.rstrip("/") + "/") and root != "/":
            return _judge_relative(norm[len(root.rstrip("/")) + 1 :])
        if norm == root:
            return Place(Scope.HOST, Risk.HIGH, WHOLE_WORKSPACE)
    if norm in HARMLESS_DEVICES:
        return Place(Scope.WORKSPACE, Risk.NONE, "a harmless device", temp=True)
    parent, name = posixpath.split(norm)
    if norm == "/" or (parent == "/" and _GLOB & set(name)):
        return Place(Scope.HOST, Risk.CRITICAL, "the root of the file system")
    if norm in SYSTEM_DIRS or parent in ("/home", "/Users") or norm.startswith("/dev/"):
        return Place(Scope.HOST, Risk.CRITICAL, "a system or home directory")
    if parent in SYSTEM_DIRS and _GLOB & set(name):
        return Place(Scope.HOST, Risk.CRITICAL, "everything in a system directory")
    for temp in TEMP_ROOTS:
        if norm.startswith(temp + "/"):
            return Place(Scope.HOST, Risk.MEDIUM, "a temporary directory", temp=True)
        if norm == temp:
            return Place(Scope.HOST, Risk.HIGH, "the whole temporary directory")
    return Place(Scope.HOST, Risk.HIGH, "outside the workspace")


#: What runs or obeys a workspace file later, outside any agent check (``runs_later``).
GIT_LATER = "a git hook or git's configuration, which git runs later on your own commands"
_HOOK_LATER = "a git hook manager's hook, which runs later on your own commits"
_DIRENV_LATER = "direnv's .envrc, which your shell runs on entering the directory"
_CI_LATER = "a CI pipeline, which CI runs later with its own credentials"
_EDITOR_LATER = "editor tasks or a dev container's set-up, which the editor runs"
_TOOL_LATER = "a tool's settings that name code it runs on your own commands"

#: Files in the workspace that another program runs or obeys later, on the user's own
#: commands or in CI: hooks on commit, checkout, merge; ``core.hooksPath``, aliases and
#: filters in git's config; direnv's ``.envrc`` on ``cd``; CI pipelines on push, with
#: deploy credentials; an editor's tasks (and ``_ANY_FOLDER``). Code written there
#: runs outside any agent check, so it is not local work. Prefixes ending in ``/`` are
#: directories.
_RUNS_LATER: tuple[tuple[str, str], ...] = (
    (".git/hooks/", GIT_LATER),
    (".git/config", GIT_LATER),
    (".husky/", _HOOK_LATER),
    (".githooks/", _HOOK_LATER),
    (".pre-commit-config.yaml", _HOOK_LATER),
    (".lefthook.yml", _HOOK_LATER),
    ("lefthook.yml", _HOOK_LATER),
    (".github/workflows/", _CI_LATER),
    (".github/actions/", _CI_LATER),
    (".gitlab-ci.yml", _CI_LATER),
    (".circleci/", _CI_LATER),
    (".buildkite/", _CI_LATER),
    ("Jenkinsfile", _CI_LATER),
    ("azure-pipelines.yml", _CI_LATER),
    ("bitbucket-pipelines.yml", _CI_LATER),
    (".drone.yml", _CI_LATER),
    (".travis.yml", _CI_LATER),
    (".vscode/tasks.json", _EDITOR_LATER),
    (".devcontainer/", _EDITOR_LATER),
)
#: Files read in whichever folder they are in (the one entered, or a project's root
#: below the workspace): direnv's ``.envrc``; yarn's ``.yarnrc.yml``, whose
#: ``yarnPath`` and plugins are code every ``yarn`` runs; mise's hooks and tasks.
_ANY_FOLDER: dict[str, str] = {
    ".envrc": _DIRENV_LATER,
    ".yarnrc.yml": _TOOL_LATER,
    "mise.toml": _TOOL_LATER,
    ".mise.toml": _TOOL_LATER,
}


def _judge_relative(norm: str) -> Place:
    first = norm.split("/", maxsplit=1)[0]
    if norm in (".", "") or set(first) <= {"*", "."}:
        return Place(Scope.HOST, Risk.HIGH, WHOLE_WORKSPACE)
    later = _later(norm)
    if later:
        return Place(Scope.HOST, Risk.MEDIUM, later)
    return Place(Scope.WORKSPACE, Risk.LOW, "inside the workspace")


def runs_later(path: str, cwd: str | None) -> str:
    """What runs or obeys ``path`` (relative, or absolute under ``cwd``) later, if it is
    one of ``_RUNS_LATER`` in the workspace; "" for any other path."""
    norm = posixpath.normpath(path)
    if norm.startswith("/"):
        root = posixpath.normpath(cwd).rstrip("/") if cwd else ""
        if not root or not norm.startswith(root + "/"):
            return ""
        norm = norm[len(root) + 1 :]
    return _later(norm)


def _later(norm: str) -> str:
    """``runs_later`` of a normalised path relative to the workspace; the files of
    ``_ANY_FOLDER`` count in every folder."""
    if norm.startswith("..") or norm.startswith("/"):
        return ""
    for prefix, what in _RUNS_LATER:
        if norm == prefix.rstrip("/") or (prefix.endswith("/") and norm.startswith(prefix)):
            return what
    return _ANY_FOLDER.get(posixpath.basename(norm), "")


def protected(path: str, ctx: CommandContext) -> bool:
    """True when ``path`` is one of interlock's own files (never fails on odd input)."""
    if not path or "\x00" in path:
        return False
    return is_protected(path, ctx.config, ctx.cwd)


def read_finding(rule: Rule, cmd: SimpleCommand, what: str | None = None) -> Finding:
    """A read-only use of a local tool: allowed, nothing changes."""
    # ``finding(...)`` inlined, positional in ``Finding``'s field order: the commonest
    # finding of all, made for most commands checked
    program = cmd.program
    return Finding(
        rule.rule_id,
        Category.READ,
        Scope.WORKSPACE,
        what or program,
        cmd.text,
        f"{program} only reads",
        Risk.NONE,
        None,
        False,
    )


def self_tamper(rule: Rule, cmd: SimpleCommand, path: str, verb: str) -> Finding:
    """An agent changing one of interlock's own files: always denied."""
    return finding(
        rule,
        cmd,
        scope=Scope.HOST,
        target=path,
        explanation=f"{cmd.program} would {verb} {path}, one of interlock's own files",
        risk=Risk.CRITICAL,
        category=Category.SELF_TAMPER,
    )


def write_finding(
    rule: Rule, cmd: SimpleCommand, ctx: CommandContext, path: str, tamper: Rule
) -> Finding:
    """A write to ``path``: workspace and temp files are fine, the rest is the host's."""
    if protected(path, ctx):
        return self_tamper(tamper, cmd, path, "write")
    where = place(path, ctx)
    if where.scope is Scope.WORKSPACE or where.temp or where.why == WHOLE_WORKSPACE:
        return finding(
            rule,
            cmd,
            scope=Scope.WORKSPACE,
            target=path,
            explanation=f"{cmd.program} writes {path} ({where.why})",
            risk=Risk.LOW,
            category=Category.WRITE,
        )
    return finding(
        rule,
        cmd,
        scope=Scope.HOST,
        target=path,
        explanation=f"{cmd.program} writes {path} ({where.why})",
        risk=Risk.HIGH if where.risk is Risk.CRITICAL else where.risk,
        category=Category.WRITE,
    )


def delete_finding(
    rule: Rule, cmd: SimpleCommand, ctx: CommandContext, path: str, tamper: Rule
) -> Finding:
    """A deletion of ``path``: allowed inside the workspace, asked or denied beyond it."""
    if protected(path, ctx):
        return self_tamper(tamper, cmd, path, "delete")
    where = place(path, ctx)
    return finding(
        rule,
        cmd,
        scope=where.scope,
        target=path,
        explanation=f"{cmd.program} deletes {path} ({where.why})",
        risk=where.risk,
        category=Category.DELETE,
    )


def operands(args: tuple[str, ...], takes_value: frozenset[str] = frozenset()) -> list[str]:
    """The non-option words of ``args``: options end at ``--``; some options take a value."""
    out: list[str] = []
    skip = False
    ended = False
    for arg in args:
        if skip:
            skip = False
        elif ended or arg == "-" or not arg.startswith("-"):
            out.append(arg)
        elif arg == "--":
            ended = True
        elif arg in takes_value:
            skip = True
    return out


def short_flags(args: tuple[str, ...]) -> set[str]:
    """Every single-letter flag set in ``args`` (``-rf`` gives ``r`` and ``f``)."""
    letters: set[str] = set()
    for arg in args:
        if arg == "--":
            break
        if arg.startswith("-") and not arg.startswith("--") and len(arg) > 1:
            letters.update(arg[1:])
    return letters


def long_flags(args: tuple[str, ...]) -> set[str]:
    """Every ``--long`` option name in ``args``, without its ``=value``."""
    names: set[str] = set()
    for arg in args:
        if arg == "--":
            break
        if arg.startswith("--"):
            names.add(arg.split("=", 1)[0])
    return names
