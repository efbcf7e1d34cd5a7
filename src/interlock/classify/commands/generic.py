"""What interlock can still say about a program no family knows.

Most command-line tools name their destructive operations with the same few verbs
(``delete``, ``destroy``, ``purge``, ``prune``, ``forget``, ``unregister`` ...), as a
subcommand (``op item delete``), an underscore or dash compound
(``rabbitmqctl delete_user``, ``jenkins-cli delete-job``), a long option
(``kafka-topics --delete``), or in the program's own name (``kafka-delete-records``).
An unknown tool using one of them is treated as deleting something on a system of
unknown environment, which the floor holds; an unknown tool without one stays
ordinary local work. This is a safety net under the tool families, not a substitute:
a family that knows a tool always decides instead.

A few tools whose destructive verb is not one of those words (``rclone sync`` mirrors
by deleting at the destination) are listed by name in ``TOOL_VERBS``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from interlock.classify.command import CommandContext, Rule, SimpleCommand, finding
from interlock.models import Category, Finding, Risk, Scope

#: Words that, as a subcommand or part of one, mean "destroy something".
DESTRUCTIVE_VERBS: frozenset[str] = frozenset(
    {
        "delete",
        "del",
        "destroy",
        "remove",
        "rm",
        "rmi",
        "rmdir",
        "purge",
        "drop",
        "prune",
        "forget",
        "revoke",
        "terminate",
        "uninstall",
        "unregister",
        "deregister",
        "wipe",
        "erase",
        "truncate",
        "flush",
        "flushall",
        "flushdb",
        "nuke",
        "shred",
        "unpublish",
        "expunge",
        "obliterate",
        "teardown",
        "decommission",
    }
)

#: Tools whose destructive subcommands are not spelled with a destructive verb.
TOOL_VERBS: Mapping[str, frozenset[str]] = {
    "rclone": frozenset({"sync", "move", "moveto", "deletefile", "cleanup", "dedupe", "rmdirs"}),
    "vault": frozenset({"disable"}),
    "rabbitmqctl": frozenset({"reset", "force_reset"}),
}

#: Options whose value may name the environment of an unknown tool.
ENV_OPTIONS: frozenset[str] = frozenset(
    {"--env", "--environment", "--config", "--context", "--profile", "--project", "--stage"}
)

RULE = Rule(
    rule_id="unknown-tool-destructive-verb",
    category=Category.DELETE,
    description=(
        "A program no family knows is asked to delete, purge, prune or otherwise destroy "
        "something; its target system and environment are unknown, so it is held."
    ),
    examples=(
        "op item delete 'Database Password'",
        "rabbitmqctl delete_user deployer",
        "kafka-topics --bootstrap-server k:9092 --delete --topic payments",
        "rclone sync /empty remote:important-bucket",
        "restic forget --keep-last 1 --prune",
    ),
)

SYSTEM_PATH_RULE = Rule(
    rule_id="unknown-tool-system-path",
    category=Category.WRITE,
    description=(
        "A program no family knows is given the root, a home directory or a top-level "
        "system directory: interlock cannot tell whether it reads or destroys it, so "
        "the operator is asked."
    ),
    examples=("trm -rf /etc", "wipe-tool ~"),
)

RULES: tuple[Rule, ...] = (RULE, SYSTEM_PATH_RULE)

_SPLIT = re.compile(r"[-_]")
_WORDLIKE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def destructive_word(cmd: SimpleCommand) -> str | None:
    """The word that makes ``cmd`` destructive, or ``None`` when none does."""
    extra = TOOL_VERBS.get(cmd.program, frozenset())
    if _has_verb(cmd.program, extra):
        return cmd.program
    for word in cmd.args:
        if word == "--":
            break
        if word.startswith("--"):
            name = word[2:].split("=", 1)[0]
            if _has_verb(name, extra):
                return word
            continue
        if word.startswith("-") or not _WORDLIKE.match(word):
            continue
        if _has_verb(word, extra):
            return word
    return None


def _has_verb(word: str, extra: frozenset[str]) -> bool:
    lowered = word.lower()
    if lowered in extra or lowered in DESTRUCTIVE_VERBS:
        return True
    if "-" not in lowered and "_" not in lowered:
        return False  # one part, the whole word: tested above (no split for most words)
    return any(part in DESTRUCTIVE_VERBS for part in _SPLIT.split(lowered))


def unknown_tool(cmd: SimpleCommand, ctx: CommandContext) -> list[Finding]:
    """Findings for a program no family claims: destructive verbs hold, others don't."""
    word = destructive_word(cmd)
    if word is None:
        return _system_path(cmd, ctx)
    env = _environment(cmd, ctx)
    return [
        finding(
            RULE,
            cmd,
            scope=Scope.REMOTE,
            target=cmd.program,
            explanation=(
                f"{cmd.program} is not a tool interlock knows, and '{word}' asks it to "
                "destroy something on a system whose environment is unknown"
            ),
            risk=Risk.HIGH,
            environment=env,
        )
    ]


def _environment(cmd: SimpleCommand, ctx: CommandContext) -> str | None:
    args = cmd.args
    for i, word in enumerate(args):
        name, _, value = word.partition("=")
        if name in ENV_OPTIONS:
            value = value or (args[i + 1] if i + 1 < len(args) else "")
            env = ctx.resolve_environment("names", value)
            if env:
                return env
    return ctx.resolve_environment("names", None)


def _system_path(cmd: SimpleCommand, ctx: CommandContext) -> list[Finding]:
    for word in cmd.args:
        if word.startswith("-") or not word.startswith(("/", "~", "$HOME", "${HOME}")):
            continue
        from interlock.classify.commands.paths import place  # only for such words

        where = place(word, ctx)
        if where.risk is Risk.CRITICAL:
            explanation = (
                f"{cmd.program} is not a tool interlock knows and is given {word} "
                f"({where.why}); whether it reads or destroys it is unknown"
            )
            return [
                finding(
                    SYSTEM_PATH_RULE,
                    cmd,
                    scope=Scope.HOST,
                    target=word,
                    explanation=explanation,
                    risk=Risk.HIGH,
                )
            ]
    return []
