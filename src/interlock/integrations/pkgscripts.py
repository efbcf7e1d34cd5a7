"""The package.json scripts a package manager runs, so the gate judges what they do.

``npm test`` says nothing by itself: the classifier judges a project script by its
name (``pkg-script-destructive`` for ``destroy``, ``teardown`` …) and allows the rest,
but an agent may edit package.json freely and put ``terraform destroy`` under
``"test"``. The hook runs on the agent's machine and can read the file. When a shell
call is one simple command of literal words that runs a script (``npm run NAME``,
``npm run-script``, ``npm test|t|tst|start|stop|restart``, ``yarn run NAME``, ``yarn
NAME``, ``pnpm run NAME``, ``pnpm NAME``, ``bun run NAME``; no option before NAME),
``inline`` rewrites the call as what the manager runs: each script, ``preNAME``, NAME
with the line's arguments appended as npm appends them, then ``postNAME``, as ``sh -c
'…'`` (managers run scripts so), in the package's directory (``cd`` when that is
above the working directory), followed by the line as written, so a script's name
still counts as before and the text is never judged more leniently than the line
alone. The note names package.json and its SHA-256, so the call's fingerprint and
the request's digest bind the exact file: a package.json changed after approval is
a new request (``Script.unchanged`` reads it again).

package.json is the nearest one upward from the working directory, as npm, yarn,
pnpm and bun look for it (pnpm also reads ``package.yaml`` and ``package.json5``: a
folder holding one of those is not certain, so ``None``). npm's lifecycle
(``run-script``: positional arguments go to the named script only, pre and post
scripts run around it) is followed for every manager: yarn 2+ does not run pre and
post scripts, and judging more is safe. A bare ``yarn NAME`` or ``pnpm NAME`` is read
only when NAME is no command of the manager's own (``BUILTINS``): ``yarn add`` adds a
package whatever the scripts say.

As in ``scriptfile``, anything unexpected returns ``None`` and the line is judged as
the text it is. The gate imports this module only for a line
``runners.runs_scripts`` lets through; ``os``, ``json``, ``shlex`` and ``hashlib`` are
imported once a line gets that far.
Standard library only.
"""

from __future__ import annotations

from interlock.integrations.calls import ToolCall
from interlock.integrations.runners import runs_scripts
from interlock.integrations.scriptfile import Script, controlled, read_regular, rewritten

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

#: Largest package.json read; only the scripts that run go into the text.
MAX_PACKAGE_BYTES = 256 * 1024
#: Per manager, the words that run a script: the script they name, or ``""`` when
#: the word after them does (``npm run NAME``).
RUNNERS: dict[str, dict[str, str]] = {
    "npm": {
        **dict.fromkeys(("run", "run-script", "rum", "urn"), ""),
        **dict.fromkeys(("test", "t", "tst"), "test"),
        **{name: name for name in ("start", "stop", "restart")},
    },
    "yarn": {"run": ""},
    "pnpm": {
        **dict.fromkeys(("run", "run-script"), ""),
        **dict.fromkeys(("test", "t", "tst"), "test"),
        "start": "start",
    },
    "bun": {"run": ""},
}
#: Managers that also run a script named as their first word (``yarn build``).
BARE: frozenset[str] = frozenset({"yarn", "pnpm"})
#: Commands of yarn (1 and 2+) and pnpm (with the npm commands pnpm hands to npm),
#: which run instead of a script of the same name. Erring towards more names is
#: safe: a line left alone is judged as written.
BUILTINS: frozenset[str] = frozenset(
    {"access", "add", "adduser", "approve-builds", "audit", "autoclean", "bin", "bugs", "c",
     "cache", "cat-file", "cat-index", "check", "ci", "completion", "config", "constraints",
     "create", "dedupe", "deploy", "deprecate", "dist-tag", "dlx", "docs", "doctor", "edit", "env",
     "exec", "explain", "fetch", "find-hash", "generate-lock-entry", "get", "global", "help", "i",
     "ignored-builds", "import", "info", "init", "install", "install-completion", "install-test",
     "it", "la", "licenses", "link", "list", "ll", "ln", "login", "logout", "ls", "m", "multi",
     "node", "npm", "outdated", "owner", "pack", "patch", "patch-commit", "patch-remove", "ping",
     "pkg", "plugin", "policies", "prefix", "profile", "prune", "publish", "rb", "rebuild",
     "recursive", "remove", "repo", "restart", "rm", "root", "run", "run-script", "s", "sdks",
     "se", "search", "self-update", "server", "set", "set-script", "setup", "show", "stage",
     "star", "stars", "store", "tag", "team", "token", "un", "uni", "uninstall", "unlink",
     "unplug", "unpublish", "unstar", "up", "update", "upgrade", "upgrade-interactive", "v",
     "version", "versions", "view", "whoami", "why", "workspace", "workspaces", "xmas"}
)  # fmt: skip
#: Manifests pnpm reads where package.json is absent.
_OTHER_MANIFESTS = ("package.yaml", "package.json5")


def inline(call: ToolCall) -> ToolCall | str | None:
    """``call`` with the package.json scripts it runs in its text, why they cannot be
    read (``read_scripts``), or ``None``."""
    return rewritten(call, read_scripts(call.text, call.cwd))


def read_scripts(text: str, cwd: str | None) -> Script | str | None:
    """The scripts ``text`` runs, read from the package.json nearest ``cwd``. Why,
    as a phrase, when a package.json that the manager would run a script of cannot
    be read with certainty (too large, a script that is not text, a folder name that
    would break the note): padding package.json must not be a way around reading it.
    ``None`` for any other line and where the manager itself would fail (no
    package.json, no such script, not JSON)."""
    if not runs_scripts(text):
        return None
    try:
        return _scripts(text, cwd)
    except (OSError, ValueError, RecursionError):  # unreadable, not JSON, too deep
        return None


def _scripts(text: str, cwd: str | None) -> Script | str | None:
    import shlex

    return scripts_of(shlex.split(text), cwd, text.strip())


def scripts_of(argv: Sequence[str], cwd: str | None, ran: str) -> Script | str | None:
    """``read_scripts`` of the command ``argv`` (the words as the manager gets them),
    written ``ran`` on the line (a single line), run in ``cwd``; ``OSError`` or
    ``ValueError`` where package.json cannot be opened or read."""
    import hashlib
    import os
    import shlex

    if not argv or argv[0] not in RUNNERS:
        return None
    wanted = _request(argv)
    if wanted is None:
        return None
    name, args = wanted
    start = os.path.realpath(cwd or os.curdir)
    path = _nearest(start)
    if path is None:
        return None
    data = read_regular(path, MAX_PACKAGE_BYTES)
    if isinstance(data, str):
        return f"{path} {data}" if data.startswith("is over") else None
    lines = _lines(_table(data), name, args)
    if lines is None or isinstance(lines, str):
        return lines
    sha = hashlib.sha256(data).hexdigest()
    folder = os.path.dirname(path)
    if controlled(folder):
        return f"the name of {folder!r} holds a line break"  # it would end the note
    configured = _run_settings(folder, start)
    if configured is not None:
        return configured
    where, cd = ("package.json", "") if folder == start else (path, f"cd {shlex.quote(folder)} && ")
    chain = " && ".join(f"sh -c {shlex.quote(line)}" for line in lines)
    read = (
        f"# interlock: `{ran}` runs these package.json scripts ({where} sha256 {sha}), "
        f"as the hook read them\n{cd}{chain}\n"
        f"# interlock: the line as written, judged by the script's name as well\n{ran}\n"
    )
    read.encode()  # a lone surrogate from a JSON escape: UnicodeEncodeError, a ValueError
    return Script(read, path, cwd, sha, limit=MAX_PACKAGE_BYTES)


def _run_settings(folder: str, start: str) -> str | None:
    """Why the scripts may not run as ``sh -c`` reads them: a project ``.npmrc`` or
    ``.yarnrc`` (in the package's folder or where the manager starts) that names the
    shell scripts run through (``script-shell``) or code node loads first
    (``node-options``). Such a file is as easy for an agent to write as a script."""
    import os

    for where in dict.fromkeys((start, folder)):
        for name in (".npmrc", ".yarnrc"):
            path = os.path.join(where, name)
            try:
                data = read_regular(path, MAX_PACKAGE_BYTES)
            except OSError:
                continue
            if isinstance(data, str):
                return f"{path} {data}"
            text = data.decode("utf-8", "replace")
            for line in text.splitlines():
                key = line.strip().lstrip('"').partition("=")[0].partition(" ")[0].strip('" ')
                if key.lower() in _RUN_KEYS:
                    return f"{path} sets {key}, which changes how scripts run"
    return None


#: ``.npmrc``/``.yarnrc`` settings that change what a script runs through or loads.
_RUN_KEYS = frozenset({"script-shell", "node-options", "shell"})


def _request(argv: Sequence[str]) -> tuple[str, list[str]] | None:
    """``(script name, arguments)`` the words ask a manager to run, or ``None``."""
    if len(argv) < 2:
        return None
    manager, verb, rest = argv[0], argv[1], list(argv[2:])
    runners = RUNNERS[manager]
    if verb in runners:
        name = runners[verb]
        if not name:
            if not rest:
                return None
            name, rest = rest[0], rest[1:]
    elif manager in BARE and verb not in BUILTINS:
        name = verb
    else:
        return None
    if name.startswith("-"):
        return None  # an option before the name: ``npm run --silent x``, ``yarn --cwd d x``
    if manager != "npm":  # yarn, pnpm and bun hand on every word after the name
        return name, rest[1:] if rest[:1] == ["--"] else rest
    # npm reads options up to ``--`` as its own (``--script-shell``): not certain
    at = rest.index("--") if "--" in rest else len(rest)
    if any(word.startswith("-") for word in rest[:at]):
        return None
    return name, rest[:at] + rest[at + 1 :]


def _nearest(start: str) -> str | None:
    """The package.json in ``start`` or the nearest folder above holding one."""
    import os

    folder = start
    while True:
        if any(os.path.lexists(os.path.join(folder, m)) for m in _OTHER_MANIFESTS):
            return None  # which manifest pnpm reads is not certain
        path = os.path.join(folder, "package.json")
        if os.path.lexists(path):
            return path
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _table(data: bytes) -> dict[str, object] | None:
    """package.json's ``scripts`` object, if the file is a JSON object holding one."""
    import json

    document = json.loads(data.decode("utf-8-sig"))  # npm strips a byte-order mark
    scripts = document.get("scripts") if isinstance(document, dict) else None
    return scripts if isinstance(scripts, dict) else None


def _lines(scripts: dict[str, object] | None, name: str, args: list[str]) -> list[str] | str | None:
    """The pre, named (with ``args``) and post scripts that run, as text; ``None`` when
    the name is no script; why, when one of them is not a string a shell could be
    handed."""
    import shlex

    if scripts is None or name not in scripts:
        return None
    lines = []
    for each in (f"pre{name}", name, f"post{name}"):
        line = scripts.get(each)
        if each in scripts and (not isinstance(line, str) or "\x00" in line):
            return f"package.json's script {each!r} is not text a shell is handed"
        if isinstance(line, str):
            lines.append(f"{line} {shlex.join(args)}" if each == name and args else line)
    return lines
