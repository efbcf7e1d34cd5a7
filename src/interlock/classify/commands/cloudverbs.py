"""Shared reading of infrastructure command lines: flags, verbs, environments, SQL.

The cloud and cluster CLIs (``aws``, ``gcloud``, ``az``, ``kubectl``, ``helm``,
``terraform`` ...) share a shape: global options, a path of command words, then the
operation's own flags. Their families in this package read that shape with the
small functions here, so that "is this word an option value or the verb?" has one
answer (``az --subscription delete vm list`` lists VMs; it deletes nothing).

Verb tables follow the CLIs' own naming conventions (AWS CLI operation names, the
``gcloud`` and ``az`` command grammars): read-only verbs are an explicit allow list,
everything not recognised is treated as a change (fail closed: never read).

``read_only_sql`` answers one narrow question for query services (Athena, BigQuery,
Redshift Data, PartiQL): is this text a single statement that only reads? Anything it
does not understand is not read-only.

Downloads (``aws s3 cp s3://b/k DEST``, ``gsutil cp``, ``kubectl cp pod:/f DEST``,
``az storage blob download -f DEST``) also write a local file: ``local_copy`` judges
that destination with ``paths`` like any other local write, so a download over
``~/.bashrc`` asks and one over interlock's own files is self-tamper. An upload by
``mv`` deletes its local source, which ``local_move`` judges like ``rm``. The rules
they use are this module's, registered as a family without handlers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand
from interlock.classify.commands.paths import delete_finding, write_finding
from interlock.config import MatchKind
from interlock.models import Category, Finding, Risk, Scope

RULES: tuple[Rule, ...] = (
    Rule(
        "cloud-download-write",
        Category.WRITE,
        "a download from a bucket, cluster or blob store writes a local file",
        ("aws s3 cp s3://b/k ~/.ssh/config", "gsutil cp gs://b/k ./k"),
    ),
    Rule(
        "cloud-download-delete",
        Category.DELETE,
        "a sync with deletion removes local files the remote source lacks",
        ("aws s3 sync s3://b /srv/site --delete", "gsutil rsync -d gs://b ~/site"),
    ),
    Rule(
        "cloud-upload-delete",
        Category.DELETE,
        "a move to a bucket or blob store deletes the local source once it is uploaded",
        ("aws s3 mv ./logs s3://b/logs --recursive", "gsutil mv ~/backup.tar gs://b/"),
    ),
    Rule(
        "cloud-download-self-tamper",
        Category.SELF_TAMPER,
        "a download overwrites one of interlock's own files",
        ("aws s3 cp s3://b/settings.json .claude/settings.json",),
    ),
)
_SELF_TAMPER = RULES[3]
HANDLERS: Mapping[str, Handler] = {}

#: Risk a category carries when a family has nothing more specific to say.
DEFAULT_RISK: dict[Category, Risk] = {
    Category.READ: Risk.NONE,
    Category.CREATE: Risk.LOW,
    Category.WRITE: Risk.MEDIUM,
    Category.EXPOSURE: Risk.MEDIUM,
    Category.PRIVILEGE: Risk.HIGH,
    Category.DELETE: Risk.HIGH,
    Category.REPLACE: Risk.HIGH,
    Category.OPAQUE: Risk.HIGH,
}

HELP_FLAGS = frozenset({"--help", "-h", "-help"})


class Words(NamedTuple):
    """A command line split into command words, option values and the rest.

    ``path`` holds the leading bare words (the command path and any positionals
    before the first flag); ``positionals`` every bare word that is not an option
    value; ``options`` maps each ``--flag`` seen to its values (``""`` for a switch).
    A named tuple: one is made per cloud command checked, and a tuple is built several
    times faster than a frozen dataclass (issue 2's ratio to the parse).
    """

    path: tuple[str, ...]
    positionals: tuple[str, ...]
    options: dict[str, list[str]]
    after_dashdash: tuple[str, ...]

    def has(self, *names: str) -> bool:
        """Whether any of ``names`` was given (for one name, ``name in options``)."""
        return not self.options.keys().isdisjoint(names)  # several calls a command: kept in C

    def value(self, *names: str) -> str | None:
        """The last value given to any of ``names`` (``None`` when absent or a switch)."""
        for name in names:
            values = self.options.get(name)
            if values and values[-1]:
                return values[-1]
        return None

    def values(self, *names: str) -> list[str]:
        """Every value given to any of ``names``."""
        return [v for n in names for v in self.options.get(n, []) if v]


_NEW_TUPLE = tuple.__new__
_NONE: frozenset[str] = frozenset()


def split_words(
    args: Sequence[str],
    value_flags: frozenset[str] = _NONE,
    *,
    switches: frozenset[str] | None = None,
) -> Words:
    """Split ``args`` knowing which flags take a separate value.

    ``--flag=value`` always binds its value; ``--flag value`` only when ``--flag`` is
    in ``value_flags``, so an unknown switch never swallows the verb after it. With
    ``switches`` given, the reverse holds (AWS and Azure CLI parameters): every
    ``--flag`` or ``-f`` binds a following non-flag word unless it is a listed switch
    or a ``--no-...`` negation, and listed switches do not end the command path.
    """
    takes_value = value_flags
    path: list[str] = []
    positionals: list[str] = []
    options: dict[str, list[str]] = {}
    in_path = True
    i, count = 0, len(args)
    while i < count:
        word = args[i]
        i += 1  # from here on, ``i`` is the index of the next word
        if word[:1] != "-" or word == "-":
            positionals.append(word)
            if in_path:
                path.append(word)
            continue
        if word == "--":
            return _NEW_TUPLE(Words, (tuple(path), tuple(positionals), options, tuple(args[i:])))
        name, eq, value = word.partition("=")
        if name in takes_value:
            if not eq and i < count:
                value = args[i]
                i += 1
        elif switches is None:
            in_path = False
        elif (
            (len(name) == 2 or name.startswith("--"))
            and name not in switches
            and not name.startswith("--no-")
            and i < count
            and args[i][:1] != "-"
        ):
            if not eq:
                value = args[i]
                i += 1
            in_path = False
        seen = options.get(name)
        if seen is None:
            options[name] = [value]
        else:
            seen.append(value)
    return _NEW_TUPLE(Words, (tuple(path), tuple(positionals), options, ()))


def emit(
    rule: Rule,
    cmd: SimpleCommand,
    *,
    target: str,
    explanation: str,
    environment: str | None,
    category: Category | None = None,
    scope: Scope = Scope.REMOTE,
    risk: Risk | None = None,
    stateful: bool = False,
) -> Finding:
    """A finding for ``rule`` with the category's default risk unless one is given."""
    cat = category or rule.category
    risk = risk or DEFAULT_RISK.get(cat, Risk.MEDIUM)
    # ``finding(...)`` inlined, positional in ``Finding``'s field order: one a command
    return Finding(
        rule.rule_id, cat, scope, target, cmd.text, explanation, risk, environment, stateful
    )


def local_copy(
    cmd: SimpleCommand, ctx: CommandContext, dest: str | None, *, deletes: bool = False
) -> list[Finding]:
    """The local write a download makes to ``dest`` (nothing for stdout or no path).

    With ``deletes`` (``sync --delete``, ``rsync -d``) files under ``dest`` that the
    source lacks are removed too.
    """
    if not dest or dest == "-":
        return []
    found = [write_finding(RULES[0], cmd, ctx, dest, _SELF_TAMPER)]
    if deletes and found[0].category is not Category.SELF_TAMPER:
        found.append(delete_finding(RULES[1], cmd, ctx, dest, _SELF_TAMPER))
    return found


def local_move(cmd: SimpleCommand, ctx: CommandContext, sources: Sequence[str]) -> list[Finding]:
    """The local deletes an upload by ``mv`` makes of ``sources`` (``aws s3 mv``,
    ``gsutil mv``): each judged like ``rm`` of that path, so moving ``~/backups`` asks."""
    return [
        delete_finding(RULES[2], cmd, ctx, source, _SELF_TAMPER)
        for source in sources
        if source and source != "-"
    ]


def is_help(args: Sequence[str]) -> bool:
    """Whether the line asks for help (which runs nothing)."""
    return not HELP_FLAGS.isdisjoint(args)


def variable(cmd: SimpleCommand, ctx: CommandContext, *names: str) -> str | None:
    """A variable's value from the command's own assignments, else the context's."""
    assigned = cmd.assignments
    if assigned:  # most commands have none: no loop over the names
        for name in names:
            if name in assigned:
                return assigned[name]
    known = ctx.variables
    if known:
        for name in names:
            if name in known:
                return known[name]
    return None


def resolve(ctx: CommandContext, *candidates: tuple[MatchKind, str | None]) -> str | None:
    """The first environment any candidate resolves to, the forced one, or ``None``."""
    if ctx.environment:
        return ctx.environment
    for kind, value in candidates:
        env = ctx.resolve_environment(kind, value)
        if env:
            return env
    return None


_ACCOUNT_IN_ARN = re.compile(r"arn:aws[\w-]*:[\w-]*:[\w-]*:(\d{12}):")
_ACCOUNT_IN_URL = re.compile(r"\.amazonaws\.com/(\d{12})/")


def aws_accounts(args: Iterable[str]) -> list[str]:
    """AWS account ids named in ARNs or SQS queue URLs among ``args``."""
    found: list[str] = []
    joined = " ".join(args)  # one test for the many lines that name neither
    if "arn:aws" not in joined and ".amazonaws.com/" not in joined:
        return found
    for arg in args:
        # the substring tests skip both searches for the many words that cannot match
        if "arn:aws" in arg or ".amazonaws.com/" in arg:
            found += _ACCOUNT_IN_ARN.findall(arg) + _ACCOUNT_IN_URL.findall(arg)
    return found


# --- SQL ---------------------------------------------------------------------------

_SQL_TOKENS = re.compile(
    r"""(?P<skip>--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`)"""
    r"""|(?P<semi>;)|(?P<word>[A-Za-z_][A-Za-z_0-9]*)""",
    re.DOTALL,
)
_READ_HEADS = frozenset({"select", "show", "describe", "desc", "explain", "with", "values"})
_CHANGE_WORDS = frozenset(
    {
        "insert", "update", "delete", "merge", "drop", "create", "alter", "truncate",
        "grant", "revoke", "unload", "vacuum", "call", "msck", "copy", "replace",
        "rename", "optimize", "export", "load", "set", "declare", "execute", "exec",
        "upsert", "refresh", "comment", "lock", "begin", "commit",
    }
)  # fmt: skip
_DELETE_HEADS = frozenset({"drop", "truncate", "delete"})


def sql_words(text: str) -> tuple[list[str], int]:
    """Lower-cased keywords of ``text`` outside quotes and comments, and the statements."""
    words: list[str] = []
    statements = 0
    pending = False
    for match in _SQL_TOKENS.finditer(text):
        if match.group("word"):
            words.append(match.group("word").lower())
            pending = True
        elif match.group("semi") and pending:
            statements += 1
            pending = False
    return words, statements + pending


def read_only_sql(text: str | None) -> bool:
    """Whether ``text`` is exactly one statement that only reads.

    ``EXPLAIN ANALYZE`` runs its statement, so it reads only when that statement does.
    A keyword that changes data anywhere (``WITH x AS (...) INSERT``) makes it a change.
    """
    if not text:
        return False
    words, statements = sql_words(text)
    if statements != 1 or not words or words[0] not in _READ_HEADS:
        return False
    return not any(w in _CHANGE_WORDS for w in words)


def sql_deletes(text: str | None) -> bool:
    """Whether ``text`` drops, truncates or deletes anywhere (a statement head)."""
    if not text:
        return False
    words, _ = sql_words(text)
    return any(w in _DELETE_HEADS for w in words)
