"""git: reading history is free, committing is local work, and a handful of verbs
destroy work that exists nowhere else.

``git reset --hard``, ``git clean -f``, ``git checkout -- .``, ``git restore .`` and
``git stash drop`` throw away uncommitted changes; ``git branch -D``, ``reflog expire``
and ``gc --prune=now`` lose commits; ``filter-branch`` rewrites all of history. These
are local but cannot be undone, so they are host-scope deletes (the operator is
asked). ``git push --force``, ``--mirror``, ``--delete`` and ``+refspec`` rewrite or
remove what other people see: to a protected branch (``main``, ``master``,
``release*``, ``prod*``) or an unknown current branch that is a remote delete held for
approval; to a named feature branch it is asked like the local destroyers.

A verb git does not know may be a user alias (``alias.x = !rm -rf ~``), so it is
never treated as a read.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand, finding
from interlock.classify.commands.paths import (
    long_flags,
    operands,
    protected,
    read_finding,
    self_tamper,
    short_flags,
    word_table,
)
from interlock.models import Category, Finding, Risk, Scope

GIT_READ = Rule(
    "git-read",
    Category.READ,
    "git verbs that only read the repository or fetch from a remote.",
    ("git status", "git log --oneline -10", "git diff HEAD~1", "git fetch --all"),
)
GIT_LOCAL = Rule(
    "git-local-write",
    Category.WRITE,
    "git verbs that change the repository or work tree in ways history can undo "
    "(add, commit, merge, rebase, switch, stash push, tag ...).",
    ("git commit -m 'x'", "git checkout -b feature", "git stash", "git rebase main"),
)
GIT_DISCARD = Rule(
    "git-discard-work",
    Category.DELETE,
    "Discarding uncommitted work or unreachable commits: reset --hard/--merge, clean -f, "
    "checkout -- PATHS, restore PATHS, stash drop/clear, branch -D, reflog expire, gc "
    "--prune=now, filter-branch, update-ref -d. Local, but it cannot be undone.",
    (
        "git reset --hard",
        "git clean -fdx",
        "git checkout -- .",
        "git stash clear",
        "git branch -D feature",
    ),
)
GIT_PUSH = Rule(
    "git-push",
    Category.WRITE,
    "git push: publishes commits to a remote.",
    ("git push origin feature",),
)
GIT_FORCE_PUSH = Rule(
    "git-force-push",
    Category.DELETE,
    "Rewriting or deleting remote history: push --force/-f/--force-with-lease, +refspec, "
    "--delete, :branch, --mirror, --prune. A protected branch (main, master, release*, "
    "prod*) or an unnamed current branch is a remote delete; a named feature branch asks.",
    (
        "git push --force origin main",
        "git push -f",
        "git push origin +main",
        "git push --force origin feature",
    ),
)
GIT_UNKNOWN = Rule(
    "git-unknown-verb",
    Category.WRITE,
    "A git verb interlock does not know: it may be an alias for any shell command.",
    ("git RESET --HARD", "git frobnicate"),
)

GIT_SELF_TAMPER = Rule(
    "self-tamper-git",
    Category.SELF_TAMPER,
    "git checkout/restore/rm/mv/apply over one of interlock's own files.",
    ("git checkout HEAD~3 -- interlock.yaml", "git rm .claude/settings.json"),
)
_PATH_VERBS = frozenset({"checkout", "restore", "rm", "mv", "apply", "am", "stash"})

#: Branches whose history others depend on.
PROTECTED_BRANCHES: tuple[str, ...] = (
    "main",
    "master",
    "trunk",
    "develop",
    "release*",
    "prod*",
    "production*",
    "live",
    "stable*",
)

_GLOBAL_VALUES = word_table(
    """
        -C -c --git-dir --work-tree --namespace --exec-path --config-env --super-prefix
    """
)

READ_VERBS: frozenset[str] = word_table(
    """
        status log diff show blame annotate shortlog describe rev-parse rev-list ls-files
        ls-tree ls-remote cat-file grep fetch for-each-ref show-ref show-branch merge-base
        name-rev cherry count-objects fsck diff-files diff-index diff-tree range-diff
        whatchanged verify-commit verify-tag verify-pack check-ignore check-attr
        check-ref-format check-mailmap var help version difftool request-pull
        get-tar-commit-id show-index column fmt-merge-msg interpret-trailers patch-id
        stripspace mktree credential-cache bugreport citool gitk gui instaweb ls blame-tree
    """
)

LOCAL_VERBS: frozenset[str] = word_table(
    """
        add commit merge rebase cherry-pick revert pull switch mv rm init clone apply am
        format-patch archive bundle mergetool maintenance update-index repack notes bisect
        rerere sparse-checkout submodule subtree worktree lfs tag remote config replace
        symbolic-ref hash-object commit-tree write-tree read-tree mktag send-email daemon
        update-server-info pack-refs prune-packed merge-file checkout-index unpack-objects
        credential restore checkout reset stash branch clean gc reflog update-ref prune
        filter-branch filter-repo push flow absorb annex crypt secret
    """
)

_LOOKALIKE_DASHES = ("\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212")


def _split(args: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """Skip git's global options; return the verb and its arguments."""
    skip = False
    for i, arg in enumerate(args):
        if skip:
            skip = False
        elif arg in _GLOBAL_VALUES:
            skip = True
        elif not arg.startswith("-"):
            return arg, args[i + 1 :]
    return "", ()


def _discard(cmd: SimpleCommand, what: str, risk: Risk = Risk.MEDIUM) -> Finding:
    return finding(
        GIT_DISCARD,
        cmd,
        scope=Scope.HOST,
        target=what,
        explanation=f"git {what}: cannot be undone",
        risk=risk,
    )


def _local(cmd: SimpleCommand, verb: str) -> Finding:
    return finding(
        GIT_LOCAL,
        cmd,
        scope=Scope.WORKSPACE,
        target=f"git {verb}",
        explanation=f"git {verb} changes the local repository; history can undo it",
        risk=Risk.LOW,
    )


def _handle(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    verb, rest = _split(cmd.args)
    if not verb or "--help" in rest or rest == ("-h",):
        return (read_finding(GIT_READ, cmd, f"git {verb} help".replace("  ", " ")),)
    if not "".join(cmd.args).isascii() and any(a.startswith(_LOOKALIKE_DASHES) for a in cmd.args):
        return (_unknown(cmd, verb, "an option spelled with a look-alike dash"),)
    if verb in _PATH_VERBS:
        touched = [a for a in rest if not a.startswith("-") and protected(a, ctx)]
        if touched:
            return (self_tamper(GIT_SELF_TAMPER, cmd, touched[0], f"git {verb}"),)
    special = _VERBS.get(verb)
    if special is not None:
        return special(cmd, ctx, rest)
    if verb in READ_VERBS:
        return (read_finding(GIT_READ, cmd, f"git {verb}"),)
    if verb in LOCAL_VERBS:
        return (_local(cmd, verb),)
    return (_unknown(cmd, verb, "an unknown verb, possibly an alias"),)


def _unknown(cmd: SimpleCommand, verb: str, why: str) -> Finding:
    return finding(
        GIT_UNKNOWN,
        cmd,
        scope=Scope.HOST,
        target=f"git {verb}",
        explanation=f"git {verb}: {why}",
        risk=Risk.MEDIUM,
    )


def _reset(cmd: SimpleCommand, ctx: CommandContext, rest: tuple[str, ...]) -> Iterable[Finding]:
    del ctx
    if {"--hard", "--merge", "--keep"} & set(rest):
        return (_discard(cmd, "reset --hard discards uncommitted changes"),)
    return (_local(cmd, "reset"),)


def _clean(cmd: SimpleCommand, ctx: CommandContext, rest: tuple[str, ...]) -> Iterable[Finding]:
    del ctx
    flags = short_flags(rest)
    if "n" in flags or "--dry-run" in long_flags(rest):
        return (read_finding(GIT_READ, cmd, "git clean --dry-run"),)
    if "f" in flags or "--force" in long_flags(rest) or "i" in flags:
        risk = Risk.HIGH if "x" in flags else Risk.MEDIUM
        return (_discard(cmd, "clean deletes untracked files", risk),)
    return (_local(cmd, "clean"),)  # refuses to run without -f (clean.requireForce)


def _checkout(cmd: SimpleCommand, ctx: CommandContext, rest: tuple[str, ...]) -> Iterable[Finding]:
    del ctx
    if "--" in rest and rest[rest.index("--") + 1 :]:
        return (_discard(cmd, "checkout -- PATHS overwrites uncommitted changes"),)
    flags = short_flags(rest)
    if "f" in flags or "--force" in long_flags(rest):
        return (_discard(cmd, "checkout --force discards uncommitted changes"),)
    words = operands(rest, frozenset({"-b", "-B", "--orphan", "--conflict", "-t", "--track"}))
    if ({"b", "B"} & flags) or "--orphan" in rest or len(words) <= 1:
        if words in ([""], ["."]) or (words and words[0] == "."):
            return (_discard(cmd, "checkout . overwrites uncommitted changes"),)
        return (_local(cmd, "checkout"),)
    return (_discard(cmd, "checkout REV PATHS overwrites uncommitted changes"),)


def _restore(cmd: SimpleCommand, ctx: CommandContext, rest: tuple[str, ...]) -> Iterable[Finding]:
    del ctx
    flags = short_flags(rest)
    longs = long_flags(rest)
    staged_only = ("S" in flags or "--staged" in longs) and not (
        "W" in flags or "--worktree" in longs
    )
    if staged_only:
        return (_local(cmd, "restore --staged"),)
    return (_discard(cmd, "restore PATHS overwrites uncommitted changes"),)


def _switch(cmd: SimpleCommand, ctx: CommandContext, rest: tuple[str, ...]) -> Iterable[Finding]:
    del ctx
    if "--discard-changes" in rest or "f" in short_flags(rest) or "--force" in rest:
        return (_discard(cmd, "switch --discard-changes drops uncommitted changes"),)
    return (_local(cmd, "switch"),)


def _stash(cmd: SimpleCommand, ctx: CommandContext, rest: tuple[str, ...]) -> Iterable[Finding]:
    del ctx
    sub = rest[0] if rest and not rest[0].startswith("-") else "push"
    if sub in ("list", "show"):
        return (read_finding(GIT_READ, cmd, f"git stash {sub}"),)
    if sub in ("drop", "clear"):
        return (_discard(cmd, f"stash {sub} deletes stashed work"),)
    return (_local(cmd, f"stash {sub}"),)


def _branch(cmd: SimpleCommand, ctx: CommandContext, rest: tuple[str, ...]) -> Iterable[Finding]:
    del ctx
    flags = short_flags(rest)
    longs = long_flags(rest)
    force = "f" in flags or "--force" in longs
    deleting = "d" in flags or "--delete" in longs
    if "D" in flags or (deleting and force):
        return (_discard(cmd, "branch -D deletes unmerged commits"),)
    words = operands(
        rest,
        word_table(
            """
        --contains --merged --no-merged --sort --format --points-at -u --set-upstream-to
    """
        ),
    )
    read_longs = {
        "--list",
        "--all",
        "--remotes",
        "--verbose",
        "--show-current",
        "--contains",
        "--merged",
        "--no-merged",
        "--sort",
        "--format",
        "--points-at",
        "--color",
        "--no-color",
        "--column",
        "--no-column",
        "--ignore-case",
        "--abbrev",
    }
    listing = flags <= {"a", "r", "v", "l", "q", "i"} and not words and longs <= read_longs
    if listing or longs & {"--list", "--show-current", "--contains", "--merged", "--no-merged"}:
        return (read_finding(GIT_READ, cmd, "git branch"),)
    if ("M" in flags or "C" in flags) and words:
        return (_discard(cmd, "branch -M overwrites an existing branch"),)
    if force and words:
        # ``branch -f main HEAD~10`` moves an existing branch: its later commits are lost
        return (_discard(cmd, "branch -f resets an existing branch to another commit"),)
    return (_local(cmd, "branch"),)


def _tag(cmd: SimpleCommand, ctx: CommandContext, rest: tuple[str, ...]) -> Iterable[Finding]:
    del ctx
    flags = short_flags(rest)
    words = operands(
        rest,
        word_table(
            """
        -m -F --contains --points-at --sort --format -u --merged --no-merged
    """
        ),
    )
    if "l" in flags or "--list" in rest or "v" in flags or (not words and not flags - {"n"}):
        return (read_finding(GIT_READ, cmd, "git tag"),)
    return (_local(cmd, "tag"),)


def _config(cmd: SimpleCommand, ctx: CommandContext, rest: tuple[str, ...]) -> Iterable[Finding]:
    del ctx
    longs = long_flags(rest)
    reads = {
        "--get",
        "--get-all",
        "--get-regexp",
        "--list",
        "--get-urlmatch",
        "--show-origin",
        "--show-scope",
        "--get-color",
        "--get-colorbool",
    }
    words = operands(rest, frozenset({"--file", "-f", "--blob", "--type", "--default"}))
    if "e" in short_flags(rest) or "--edit" in longs:
        if longs & {"--global", "--system"}:
            return (_unknown(cmd, "config", "edits configuration outside the repository"),)
        return (_local(cmd, "config --edit"),)
    if longs & reads or "l" in short_flags(rest) or words[:1] in (["list"], ["get"]):
        return (read_finding(GIT_READ, cmd, "git config"),)
    if len(words) <= 1 and not longs & {"--unset", "--unset-all", "--add", "--replace-all"}:
        return (read_finding(GIT_READ, cmd, "git config"),)
    if longs & {"--global", "--system"}:
        return (_unknown(cmd, "config", "changes configuration outside the repository"),)
    key = (words[1] if words[:1] in (["set"], ["unset"]) else words[0]).lower()
    if key == "core.hookspath":
        # hooks run later on every commit, checkout or merge, outside any agent check
        return (_unknown(cmd, "config", "points git at hooks it will run later, unchecked"),)
    return (_local(cmd, "config"),)


def _remote(cmd: SimpleCommand, ctx: CommandContext, rest: tuple[str, ...]) -> Iterable[Finding]:
    del ctx
    words = operands(rest)
    if not words or words[0] in ("show", "get-url", "-v"):
        return (read_finding(GIT_READ, cmd, "git remote"),)
    return (_local(cmd, f"remote {words[0]}"),)


def _worktree(cmd: SimpleCommand, ctx: CommandContext, rest: tuple[str, ...]) -> Iterable[Finding]:
    del ctx
    words = operands(rest)
    if words[:1] == ["list"]:
        return (read_finding(GIT_READ, cmd, "git worktree list"),)
    if words[:1] == ["remove"] and ("f" in short_flags(rest) or "--force" in rest):
        return (_discard(cmd, "worktree remove --force deletes uncommitted work"),)
    return (_local(cmd, "worktree"),)


def _history(cmd: SimpleCommand, ctx: CommandContext, rest: tuple[str, ...]) -> Iterable[Finding]:
    """reflog / gc / prune / update-ref / filter-branch: expiring or rewriting history."""
    del ctx
    verb, _ = _split(cmd.args)
    words = operands(rest)
    if verb == "reflog" and (not words or words[0] in ("show", "exists", "list")):
        return (read_finding(GIT_READ, cmd, "git reflog"),)
    if (
        verb == "gc"
        and not any(a.startswith("--prune") for a in rest)
        and "--aggressive" not in rest
    ):
        return (_local(cmd, "gc"),)
    if verb == "update-ref" and "-d" not in rest and "--stdin" not in rest:
        return (_local(cmd, "update-ref"),)
    if verb == "prune" and ("n" in short_flags(rest) or "--dry-run" in rest):
        return (read_finding(GIT_READ, cmd, "git prune --dry-run"),)
    return (_discard(cmd, f"{verb} removes or rewrites history", Risk.HIGH),)


def _push(cmd: SimpleCommand, ctx: CommandContext, rest: tuple[str, ...]) -> Iterable[Finding]:
    longs = long_flags(rest)
    flags = short_flags(rest)
    words = operands(rest, frozenset({"--repo", "-o", "--push-option", "--receive-pack", "--exec"}))
    remote = words[0] if words else None
    refspecs = words[1:]
    env = _remote_environment(ctx, remote)
    if "n" in flags or "--dry-run" in longs:
        return (read_finding(GIT_READ, cmd, "git push --dry-run"),)
    force = "f" in flags or any(n.startswith("--force") for n in longs)
    force_refs = [r[1:] for r in refspecs if r.startswith("+")]
    deleted = [r[1:] for r in refspecs if r.startswith(":")]
    if "d" in flags or "--delete" in longs:
        deleted += refspecs
    if "--mirror" in longs or "--prune" in longs:
        return (_remote_delete(cmd, remote, "every branch of the remote", env),)
    if deleted:
        return tuple(
            _branch_delete(cmd, remote, b, env, "deletes the remote branch") for b in deleted
        )
    if force or force_refs:
        lease = any(n.startswith("--force-with-lease") for n in longs) and "f" not in flags
        unnamed: str | None = "the current branch" if lease else None
        named: list[str | None] = [*force_refs] or [_dest(r) for r in refspecs]
        targets = named or [unnamed]
        verb = "force-pushes over"
        return tuple(_branch_delete(cmd, remote, b, env, verb) for b in targets)
    return (
        finding(
            GIT_PUSH,
            cmd,
            scope=Scope.REMOTE,
            target=f"{remote or 'the upstream'} {' '.join(refspecs)}".strip(),
            explanation="git push publishes commits to a remote",
            risk=Risk.LOW,
            environment=env,
        ),
    )


def _dest(refspec: str) -> str:
    return refspec.split(":", 1)[-1].removeprefix("refs/heads/")


def _branch_delete(
    cmd: SimpleCommand, remote: str | None, branch: str | None, env: str | None, verb: str
) -> Finding:
    if branch is None or any(fnmatch.fnmatchcase(branch, p) for p in PROTECTED_BRANCHES):
        # An unnamed branch may be main; --force-with-lease names it "the current branch".
        return _remote_delete(cmd, remote, branch or "the current branch", env)
    return finding(
        GIT_FORCE_PUSH,
        cmd,
        scope=Scope.HOST,
        target=f"{remote or 'the upstream'} {branch}",
        explanation=f"git push {verb} {branch}, a working branch; its old commits are lost",
        risk=Risk.MEDIUM,
    )


def _remote_delete(cmd: SimpleCommand, remote: str | None, what: str, env: str | None) -> Finding:
    return finding(
        GIT_FORCE_PUSH,
        cmd,
        scope=Scope.REMOTE,
        target=f"{remote or 'the upstream'} {what}",
        explanation=f"git push rewrites or deletes {what} on the shared remote",
        risk=Risk.HIGH,
        environment=env,
    )


def _remote_environment(ctx: CommandContext, remote: str | None) -> str | None:
    """The environment of a remote given as a URL or a name, when config knows it."""
    if not remote:
        return ctx.resolve_environment("hosts", None)
    host = remote
    if "://" in remote:
        host = remote.split("://", 1)[1].split("/", 1)[0].split("@")[-1].split(":")[0]
    elif "@" in remote and ":" in remote:
        host = remote.split("@", 1)[1].split(":", 1)[0]
    return ctx.resolve_environment("hosts", host)


_Verb = Callable[[SimpleCommand, CommandContext, tuple[str, ...]], Iterable[Finding]]
_VERBS: Mapping[str, _Verb] = {
    "reset": _reset,
    "clean": _clean,
    "checkout": _checkout,
    "restore": _restore,
    "switch": _switch,
    "stash": _stash,
    "branch": _branch,
    "tag": _tag,
    "config": _config,
    "remote": _remote,
    "worktree": _worktree,
    "reflog": _history,
    "gc": _history,
    "prune": _history,
    "update-ref": _history,
    "filter-branch": _history,
    "filter-repo": _history,
    "push": _push,
}


HANDLERS: Mapping[str, Handler] = {"git": _handle}

RULES: tuple[Rule, ...] = (
    GIT_READ,
    GIT_LOCAL,
    GIT_DISCARD,
    GIT_PUSH,
    GIT_FORCE_PUSH,
    GIT_UNKNOWN,
    GIT_SELF_TAMPER,
)
