"""gh, the GitHub CLI: issues, pull requests, releases, secrets and raw API calls.

Everything gh changes lives on GitHub, shared with other people, so its writes are
remote: ``gh pr create`` asks (the environment is unknown), and deletions (``gh repo
delete``, ``gh release delete``, ``gh secret delete``, ``gh api -X DELETE``), archiving
and disabling workflows are remote deletes held for approval. Listing and viewing are
reads. ``gh api`` is judged by its HTTP method, which gh infers as POST as soon as a
field is given, unless the method is set; a GraphQL ``mutation`` is a write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand, finding
from interlock.classify.commands.paths import read_finding, word_table
from interlock.models import Category, Finding, Risk, Scope

GH_READ = Rule(
    "gh-read",
    Category.READ,
    "gh subcommands that list, view, search, browse or check status.",
    ("gh pr list", "gh issue view 12", "gh api repos/o/r", "gh run watch 1"),
)
GH_WRITE = Rule(
    "gh-write",
    Category.WRITE,
    "gh subcommands that create or change things on GitHub (pull requests, issues, "
    "releases, secrets, workflow runs) or gh's own credentials and settings.",
    ("gh pr create --fill", "gh api -X POST repos/o/r/issues", "gh workflow run deploy.yml"),
)
GH_DELETE = Rule(
    "gh-delete",
    Category.DELETE,
    "gh subcommands that delete, archive or disable things on GitHub.",
    ("gh repo delete owner/repo --yes", "gh release delete v1.0.0", "gh api -X DELETE /x"),
)
GH_LOCAL = Rule(
    "gh-local",
    Category.WRITE,
    "gh subcommands that only change the local checkout (clone, pr checkout).",
    ("gh repo clone cli/cli", "gh pr checkout 12"),
)

_READ_VERBS = word_table(
    """
        list ls view status diff checks watch search verify trusted-root token download
        browse field-list item-list get help issues prs repos commits verify-asset logs
        ports check
    """
)
_DELETE_VERBS = word_table(
    """
        delete delete-asset archive disable remove item-delete field-delete item-archive
        unlink revoke purge
    """
)
_LOCAL = frozenset({("repo", "clone"), ("pr", "checkout"), ("gist", "clone")})
_HOST_GROUPS = frozenset({"auth", "config", "alias", "extension", "ext"})
_GLOBAL_VALUES = frozenset({"-R", "--repo", "--hostname"})


def _words(args: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _GLOBAL_VALUES:
            skip = True
        elif not arg.startswith("-"):
            out.append(arg)
    return out


def _handle(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    del ctx
    args = cmd.args
    words = _words(args)
    if not words or {"--help", "-h", "--version"} & set(args):
        return (read_finding(GH_READ, cmd, "gh help"),)
    group = words[0]
    if group == "api":
        return (_api(cmd),)
    verb = words[1] if len(words) > 1 else ""
    if group in ("browse", "status", "search", "at", "attestation") or verb in _READ_VERBS:
        return (read_finding(GH_READ, cmd, f"gh {group} {verb}".strip()),)
    if (group, verb) in _LOCAL:
        return (
            finding(
                GH_LOCAL,
                cmd,
                scope=Scope.WORKSPACE,
                target=f"gh {group} {verb}",
                explanation="changes only the local checkout",
                risk=Risk.LOW,
            ),
        )
    if group in _HOST_GROUPS:
        return (_change(cmd, Scope.HOST, f"gh {group} {verb}", "gh's own settings or credentials"),)
    if verb in _DELETE_VERBS:
        return (_delete(cmd, f"gh {group} {verb} {' '.join(words[2:3])}".strip()),)
    return (_change(cmd, Scope.REMOTE, f"gh {group} {verb}".strip(), "GitHub"),)


def _change(cmd: SimpleCommand, scope: Scope, target: str, where: str) -> Finding:
    return finding(
        GH_WRITE,
        cmd,
        scope=scope,
        target=target,
        explanation=f"{target} changes {where}",
        risk=Risk.MEDIUM,
    )


def _delete(cmd: SimpleCommand, target: str) -> Finding:
    return finding(
        GH_DELETE,
        cmd,
        scope=Scope.REMOTE,
        target=target,
        explanation=f"{target} deletes or disables something on GitHub",
        risk=Risk.HIGH,
    )


def _api(cmd: SimpleCommand) -> Finding:
    method = _api_method(cmd.args)
    endpoint = next((w for w in _words(cmd.args)[1:]), "")
    if method in ("GET", "HEAD"):
        return read_finding(GH_READ, cmd, f"gh api {endpoint}")
    if method == "DELETE":
        return _delete(cmd, f"gh api DELETE {endpoint}")
    return _change(cmd, Scope.REMOTE, f"gh api {method} {endpoint}", "GitHub")


def _api_method(args: tuple[str, ...]) -> str:
    """The HTTP method gh will use: explicit, or POST when fields are sent."""
    fields = False
    mutation = False
    for i, arg in enumerate(args):
        nxt = args[i + 1] if i + 1 < len(args) else ""
        if arg in ("-X", "--method"):
            return nxt.upper()
        if arg.startswith("--method="):
            return arg.split("=", 1)[1].upper()
        if arg.startswith("-X") and len(arg) > 2:
            return arg[2:].upper()
        if arg in ("-f", "-F", "--field", "--raw-field", "--input") or arg.startswith(
            ("--field=", "--raw-field=", "--input=", "-f", "-F")
        ):
            fields = True
            value = nxt if arg in ("-f", "-F", "--field", "--raw-field") else arg
            mutation = mutation or "mutation" in value
    graphql = "graphql" in _words(args)
    if graphql:
        return "POST" if mutation else "GET"
    return "POST" if fields else "GET"


HANDLERS: Mapping[str, Handler] = {"gh": _handle}

RULES: tuple[Rule, ...] = (GH_READ, GH_WRITE, GH_DELETE, GH_LOCAL)
