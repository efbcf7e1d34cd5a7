"""Package managers and language toolchains: what installing, removing, publishing
and running scripts does, and where.

Installing into the project (``npm install``, ``uv add``, ``cargo build``, ``pip
install`` into the active environment) and running its scripts (``npm test``, ``go
test``) are workspace work and allowed. Installing for the whole machine or user
(``brew install``, ``apt-get install``, ``npm -g``, ``pip install --user``, ``cargo
install``) changes the host and asks; so does uninstalling what the project does not
own. Publishing (``npm publish``, ``cargo publish``, ``twine upload``, ``gem push``) puts
code in front of everyone: a remote write of high risk; ``npm unpublish`` and ``cargo
yank`` are remote deletes. Listing, showing, searching and auditing are reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand, finding
from interlock.classify.commands.paths import read_finding, word_table
from interlock.models import Category, Finding, Risk, Scope

PKG_READ = Rule(
    "pkg-read",
    Category.READ,
    "Listing, showing, searching, auditing or explaining packages.",
    ("npm ls", "pip list", "brew info jq", "cargo tree", "apt-cache policy curl"),
)
PKG_PROJECT = Rule(
    "pkg-project",
    Category.WRITE,
    "Installing into the project or its virtual environment, building, testing and running "
    "project scripts.",
    ("npm install", "uv sync", "cargo build", "pip install -e .", "npm run build"),
)
PKG_SCRIPT_DESTROYS = Rule(
    "pkg-script-destructive",
    Category.DELETE,
    "Running a project script whose name says it destroys something (destroy, teardown, "
    "drop …): what it runs is not visible here, so it is judged like an unknown tool "
    "asked to destroy, as ``make destroy`` is.",
    ("npm run destroy", "yarn teardown", "pnpm run db:drop"),
)
PKG_HOST = Rule(
    "pkg-host-install",
    Category.WRITE,
    "Installing or upgrading for the whole machine or user (system package managers, "
    "global flags, tool installers) or changing the manager's credentials.",
    (
        "brew install jq",
        "apt-get install -y curl",
        "npm install -g typescript",
        "pip install --user x",
        "cargo install ripgrep",
    ),
)
PKG_REMOVE = Rule(
    "pkg-host-remove",
    Category.DELETE,
    "Removing packages the project does not own (system or global packages, the "
    "environment's packages).",
    (
        "apt-get purge -y nginx",
        "brew uninstall jq",
        "pip uninstall -y requests",
        "npm uninstall -g x",
    ),
)
PKG_PUBLISH = Rule(
    "pkg-publish",
    Category.WRITE,
    "Publishing a package to a public or shared registry.",
    ("npm publish", "cargo publish", "twine upload dist/*", "gem push x.gem", "uv publish"),
)
PKG_UNPUBLISH = Rule(
    "pkg-unpublish",
    Category.DELETE,
    "Removing a published package or version from a registry (unpublish, yank).",
    ("npm unpublish x@1.0.0", "cargo yank --version 1.0.0", "gem yank x -v 1.0"),
)


@dataclass(frozen=True, slots=True)
class Manager:
    """One tool's verb tables. Verbs may be two words (``cache list``)."""

    reads: frozenset[str]
    host: frozenset[str] = frozenset()
    removes: frozenset[str] = frozenset()
    publish: frozenset[str] = frozenset()
    unpublish: frozenset[str] = frozenset()
    system: bool = False
    project_removes: bool = False
    global_flags: frozenset[str] = frozenset({"-g", "--global", "--location=global"})
    values: frozenset[str] = frozenset()


def _w(text: str) -> frozenset[str]:
    """Verb table from a ``|``-separated string (lets two-word verbs keep their space)."""
    return frozenset(v.strip() for v in text.split("|") if v.strip())


_NPM = Manager(
    reads=_w(
        "ls|list|la|ll|view|v|info|show|outdated|audit|search|s|find|why|explain|help|"
        "help-search|bin|prefix|root|fund|docs|bugs|home|repo|ping|whoami|doctor|sbom|"
        "query|config get|config list|config ls|get|cache ls|cache verify|dist-tag ls|"
        "owner ls|access list|access ls|team ls|org ls|profile get|token list|stars|"
        "diff|completion|licenses|find-dupes|pkg get|c get|c list|store path|"
        "--version|-v|version"
    ),
    host=_w(
        "link|ln|adduser|login|logout|add-user|token create|profile set|config set|"
        "set|config delete|cache clean|store prune|star|unstar|owner add|owner rm|"
        "access grant|access revoke|team add|team rm|org set|org rm|deprecate|"
        "undeprecate|dist-tag add|dist-tag rm|token revoke|global add|global remove"
    ),
    removes=_w("uninstall|remove|rm|un|r|unlink"),
    publish=_w("publish"),
    unpublish=_w("unpublish"),
    project_removes=True,
    values=frozenset({"--prefix", "-w", "--workspace", "--registry", "--tag", "--otp"}),
)
_PIP = Manager(
    reads=_w(
        "list|show|freeze|check|search|debug|hash|inspect|index|index versions|help|"
        "config list|config get|config debug|cache list|cache dir|cache info|version|"
        "--version|-V"
    ),
    host=_w("config set|config unset|config edit|cache purge|cache remove"),
    removes=_w("uninstall|remove"),
    global_flags=frozenset(
        {"--user", "--break-system-packages", "--target", "-t", "--root", "--prefix"}
    ),
    values=word_table(
        """
        -r --requirement -c --constraint -i --index-url --extra-index-url -f --find-links
    """
    ),
)
_UV = Manager(
    reads=_w(
        "tree|export|help|version|--version|-V|pip list|pip show|pip freeze|pip check|"
        "pip tree|python list|python find|python dir|cache dir|tool list|tool dir|"
        "self version|lock --check|sync --check|python --help"
    ),
    host=_w(
        "tool install|tool upgrade|python install|python pin --global|self update|"
        "tool update-shell|cache clean|cache prune"
    ),
    removes=_w("tool uninstall|python uninstall|pip uninstall"),
    publish=_w("publish"),
)
_POETRY = Manager(
    reads=_w(
        "show|check|search|version|about|help|list|env info|env list|config --list|"
        "debug info|--version|-V"
    ),
    host=_w("self add|self update|self remove|config|cache clear|env remove"),
    publish=_w("publish"),
    project_removes=True,
)
_CARGO = Manager(
    reads=_w(
        "tree|metadata|search|info|pkgid|locate-project|read-manifest|verify-project|"
        "version|help|--version|-V|--list|owner --list|owner -l|report"
    ),
    host=_w("install|login|logout|owner --add|owner -a|owner --remove|owner -r"),
    removes=_w("uninstall"),
    publish=_w("publish"),
    unpublish=_w("yank"),
)
_GO = Manager(
    reads=_w("list|doc|version|env|vet|help|mod graph|mod why|mod verify|mod download|tool|bug"),
    host=_w("install|env -w|env -u|clean -cache|clean -modcache|clean -testcache"),
)
_GEM = Manager(
    reads=_w(
        "list|search|info|query|contents|environment|env|specification|spec|"
        "dependency|which|outdated|help|--version|-v|check|sources --list"
    ),
    host=_w("install|update|sources --add|sources --remove|cleanup|pristine|signin|signout|owner"),
    removes=_w("uninstall"),
    publish=_w("push"),
    unpublish=_w("yank"),
    system=True,
)
_BUNDLE = Manager(
    reads=_w("list|show|outdated|check|info|platform|help|version|--version|doctor|licenses"),
    host=_w("config set --global"),
    project_removes=True,
)
_COMPOSER = Manager(
    reads=_w(
        "show|info|outdated|validate|search|depends|why|why-not|prohibits|licenses|"
        "fund|audit|check-platform-reqs|diagnose|help|list|--version|-V|status|suggests"
    ),
    host=_w("global|self-update|selfupdate|config --global"),
    project_removes=True,
)
_BREW = Manager(
    reads=_w(
        "list|ls|info|abv|search|deps|uses|desc|outdated|leaves|home|homepage|"
        "config|doctor|dr|commands|help|cat|log|options|missing|tap-info|fetch|"
        "shellenv|casks|formulae|docs|--version|-v|--prefix|--cellar|--cache|"
        "--repository|--env|analytics|analytics state|services list|services info|"
        "bundle list|bundle check|python|firefox|tap"
    ),
    host=_w(
        "install|reinstall|upgrade|update|up|link|ln|unlink|tap|untap|pin|unpin|"
        "services|cleanup|postinstall|post_install|migrate|bundle|analytics|edit|"
        "create|style|audit|bottle|bump|bump-formula-pr|bump-cask-pr|developer|"
        "vendor-install|readall|gist-logs|test"
    ),
    removes=_w("uninstall|remove|rm|autoremove|untap"),
    system=True,
)
_APT = Manager(
    reads=_w(
        "list|show|search|policy|depends|rdepends|showpkg|showsrc|madison|pkgnames|"
        "changelog|download|source|help|-v|--version|check|stats|dump|dumpavail|"
        "unmet|info|repolist|provides|whatprovides|history|deplist|updateinfo|"
        "check-update|repoquery|list --installed|-h|--help|info --installed"
    ),
    host=_w(
        "install|reinstall|update|upgrade|full-upgrade|dist-upgrade|build-dep|"
        "makecache|add|fix|edit-sources|satisfy|downgrade|distro-sync|swap|"
        "config-manager|module|group install|refresh|enable|disable"
    ),
    removes=_w("remove|purge|autoremove|autopurge|erase|del|clean|autoclean|group remove"),
    system=True,
)
_SNAP = Manager(
    reads=_w(
        "list|info|find|search|version|help|connections|services|changes|logs|remotes|--version"
    ),
    host=_w(
        "install|refresh|update|revert|enable|disable|connect|disconnect|set|"
        "remote-add|start|stop|restart|run"
    ),
    removes=_w("remove|uninstall|delete|remote-delete"),
    system=True,
)
_PIPX = Manager(
    reads=_w("list|environment|help|--version"),
    host=_w(
        "install|inject|upgrade|upgrade-all|reinstall|reinstall-all|ensurepath|"
        "install-all|pin|unpin"
    ),
    removes=_w("uninstall|uninject|uninstall-all"),
)
_TWINE = Manager(reads=_w("check|--version|--help|-h"), publish=_w("upload|register"))
_BUILD_PUBLISH = Manager(
    reads=_w("--version|-V|help|--help|-h|projects|version|dependencies|tasks"),
    publish=_w("publish|deploy|release|upload|publishToMavenLocal|upload-archives"),
)

MANAGERS: Mapping[str, Manager] = {
    "npm": _NPM,
    "pnpm": _NPM,
    "yarn": _NPM,
    "pip": _PIP,
    "pip3": _PIP,
    "uv": _UV,
    "poetry": _POETRY,
    "pdm": _POETRY,
    "hatch": _POETRY,
    "cargo": _CARGO,
    "go": _GO,
    "gem": _GEM,
    "bundle": _BUNDLE,
    "bundler": _BUNDLE,
    "composer": _COMPOSER,
    "brew": _BREW,
    "port": _BREW,
    "apt": _APT,
    "apt-get": _APT,
    "apt-cache": _APT,
    "aptitude": _APT,
    "dnf": _APT,
    "yum": _APT,
    "microdnf": _APT,
    "zypper": _APT,
    "apk": _APT,
    "snap": _SNAP,
    "flatpak": _SNAP,
    "pipx": _PIPX,
    "twine": _TWINE,
    "mvn": _BUILD_PUBLISH,
    "gradle": _BUILD_PUBLISH,
    "gradlew": _BUILD_PUBLISH,
}


_HELP = frozenset({"--help", "-h"})


def _verbs(args: tuple[str, ...], values: frozenset[str]) -> list[str]:
    """The words that name the action: non-option words plus options like ``--check``."""
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in values:
            skip = True
        elif (
            not arg.startswith("-")
            or out
            or arg in ("--version", "-v", "-V", "--list", "-h", "--help")
        ):
            out.append(arg)
    return out


def _handle(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    del ctx
    return (judge_manager(cmd, MANAGERS[cmd.program]),)


def judge_manager(cmd: SimpleCommand, manager: Manager) -> Finding:
    """The finding for ``cmd`` under ``manager``'s verb tables."""
    words = _verbs(cmd.args, manager.values)
    if cmd.program == "uv" and words[:1] == ["pip"] and len(words) > 1:
        return _judge(cmd, _PIP, words[1:])
    if cmd.program == "apt-cache":
        return read_finding(PKG_READ, cmd, "package metadata")
    if not words or not _HELP.isdisjoint(cmd.args):
        return _project(cmd, "the default action") if words else read_finding(PKG_READ, cmd)
    return _judge(cmd, manager, words)


def _judge(cmd: SimpleCommand, manager: Manager, words: list[str]) -> Finding:
    verb = words[0]
    pair = f"{verb} {words[1]}" if len(words) > 1 else verb
    is_global = not manager.global_flags.isdisjoint(cmd.args) or (
        cmd.program in ("yarn", "pnpm") and verb == "global"
    )
    ambiguous = verb in manager.host and len(words) > 1
    if pair in manager.reads or (verb in manager.reads and not ambiguous):
        return read_finding(PKG_READ, cmd, f"{cmd.program} {pair}")
    if verb in manager.unpublish or pair in manager.unpublish:
        return _remote(cmd, PKG_UNPUBLISH, pair, "removes a published package from the registry")
    if verb in manager.publish or pair in manager.publish:
        return _remote(cmd, PKG_PUBLISH, pair, "publishes to a shared registry")
    if verb in manager.removes or pair in manager.removes:
        if manager.project_removes and not is_global:
            return _project(cmd, pair)
        return finding(
            PKG_REMOVE,
            cmd,
            scope=Scope.HOST,
            target=f"{cmd.program} {pair}",
            explanation=f"{cmd.program} {pair} removes packages outside the project",
            risk=Risk.MEDIUM,
        )
    if (manager.system and verb not in ("exec", "run")) or is_global:
        return _host(cmd, pair)
    if verb in manager.host or pair in manager.host:
        return _host(cmd, pair)
    script = _script(cmd.program, words)
    if script and _SCRIPT_DESTROYS.intersection(_PARTS.split(script.lower())):
        return finding(
            PKG_SCRIPT_DESTROYS,
            cmd,
            scope=Scope.REMOTE,
            target=f"{cmd.program} {pair}",
            explanation=f"the project script {script!r} says it destroys something; "
            "what it runs, and where, is not visible",
            risk=Risk.HIGH,
        )
    return _project(cmd, pair)


#: Words in a script's name that say it destroys infrastructure or data. Narrower than
#: ``generic.DESTRUCTIVE_VERBS``: projects name everyday scripts ``remove-cache``,
#: ``delete-dist`` or ``clean``, and a held script needs two approvers.
_SCRIPT_DESTROYS = frozenset(
    {"destroy", "teardown", "drop", "nuke", "purge", "wipe", "decommission", "obliterate"}
    | {"terminate", "erase", "dropdb"}
)
_PARTS = re.compile(r"[-_:.]")
#: Managers that run a project script named as their first word (``yarn build``).
_BARE_SCRIPTS = frozenset({"yarn", "pnpm", "bun"})


def _script(program: str, words: list[str]) -> str:
    """The project script ``words`` run (``run NAME``, or a bare ``yarn NAME``), or ""."""
    if words[0] in ("run", "run-script") and len(words) > 1:
        name = words[1]
    elif program in _BARE_SCRIPTS:
        name = words[0]
    else:
        return ""
    return name


def _host(cmd: SimpleCommand, what: str) -> Finding:
    return finding(
        PKG_HOST,
        cmd,
        scope=Scope.HOST,
        target=f"{cmd.program} {what}",
        explanation=f"{cmd.program} {what} changes the machine outside the workspace",
        risk=Risk.MEDIUM,
    )


def _project(cmd: SimpleCommand, what: str) -> Finding:
    return finding(
        PKG_PROJECT,
        cmd,
        scope=Scope.WORKSPACE,
        target=f"{cmd.program} {what}",
        explanation=f"{cmd.program} {what} works inside the project",
        risk=Risk.LOW,
    )


def _remote(cmd: SimpleCommand, rule: Rule, what: str, why: str) -> Finding:
    return finding(
        rule,
        cmd,
        scope=Scope.REMOTE,
        target=f"{cmd.program} {what}",
        explanation=f"{cmd.program} {what} {why}",
        risk=Risk.HIGH,
    )


HANDLERS: Mapping[str, Handler] = dict.fromkeys(MANAGERS, _handle)

RULES: tuple[Rule, ...] = (
    PKG_READ,
    PKG_PROJECT,
    PKG_SCRIPT_DESTROYS,
    PKG_HOST,
    PKG_REMOVE,
    PKG_PUBLISH,
    PKG_UNPUBLISH,
)
