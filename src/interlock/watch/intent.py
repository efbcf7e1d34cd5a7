"""Intent mismatch: what the human asked for against what the action does (issue 8).

The incident of DESIGN.md began with "fix a minor bug" and ended with a production
environment deleted and recreated. This module compares the human's task (the hook's
transcript prompt or ``--task``) with the assessment, deterministically, with words
and counts only, and explains every mismatch in one sentence:

* ``intent-environment-mismatch``: the task names only unprotected environments
  (staging, dev, test ... as ``interlock.yaml`` names and aliases them) but the action
  changes a protected one: "task says 'refresh the staging environment'; action
  deletes ... in production".
* ``intent-scope-mismatch``: the task calls itself small (minor, small, tiny, trivial,
  typo, cosmetic, a bug fix) but the action deletes or replaces remote resources, or
  changes more than ``watch.blast_radius`` of them: "task says 'fix a minor bug';
  action replaces 13 resources incl. 1 database".

Each mismatch is a finding (the offending category, scope ``remote``, the offending
environment) and a ``watch`` reason that holds. Both only ever raise the decision:
the caller combines verdicts with ``strictest``; nothing here can allow anything.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from interlock.classify.resources import stateful_reason
from interlock.config import Config
from interlock.models import (
    Assessment,
    Category,
    Finding,
    Reason,
    ReasonSource,
    Risk,
    Scope,
    Verdict,
)

ENVIRONMENT_RULE = "intent-environment-mismatch"
SCOPE_RULE = "intent-scope-mismatch"

#: Words by which a task calls itself small.
_SMALL = re.compile(
    r"\b(minor|small|tiny|trivial|typos?|cosmetic|bug\s*fix(?:es)?|hotfix|one[- ]line"
    r"|fix(?:es|ing)?\s+(?:(?:a|an|the|this|that|one|some)\s+)?(?:\w+\s+){0,2}bugs?)\b",
    re.IGNORECASE,
)
_DESTROYING = frozenset({Category.DELETE, Category.REPLACE})
_QUOTE = 80
_VERBS = {Category.DELETE: "deletes", Category.REPLACE: "replaces"}


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One way the action departs from the task: the finding and the reason it holds."""

    finding: Finding
    reason: Reason


def mismatches(task: str | None, assessment: Assessment, config: Config) -> list[Mismatch]:
    """Every mismatch between ``task`` and ``assessment`` (none without a task)."""
    if not task or not task.strip():
        return []
    changes = [f for f in assessment.findings if f.category is not Category.READ]
    out: list[Mismatch] = []
    env = _environment_mismatch(task, changes, config)
    if env is not None:
        out.append(env)
    scope = _scope_mismatch(task, assessment, changes, config.watch.blast_radius)
    if scope is not None:
        out.append(scope)
    return out


def named_environments(task: str, config: Config) -> dict[str, str]:
    """Environments the task names (canonical name -> the word used)."""
    pattern, owner = _environment_words(config)
    named: dict[str, str] = {}
    for match in pattern.finditer(task):
        named.setdefault(owner[match.group(0).lower()], match.group(0))
    return named


_words_cache: dict[int, tuple[object, re.Pattern[str], dict[str, str]]] = {}


def _environment_words(config: Config) -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex over every environment's names and aliases, compiled once per config."""
    cached = _words_cache.get(id(config.environments))
    if cached is not None and cached[0] is config.environments:
        return cached[1], cached[2]
    owner: dict[str, str] = {}
    for env in config.environments.values():
        for word in (env.name, *env.match.names):
            owner.setdefault(word.lower(), env.name)
    words = sorted(owner, key=len, reverse=True)
    alternatives = "|".join(re.escape(w) for w in words) or r"(?!x)x"
    pattern = re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)
    if len(_words_cache) > 32:  # configurations are few; never let this grow
        _words_cache.clear()
    _words_cache[id(config.environments)] = (config.environments, pattern, owner)
    return pattern, owner


def _environment_mismatch(task: str, changes: list[Finding], config: Config) -> Mismatch | None:
    named = named_environments(task, config)
    if not named or any(_protected(config, n) for n in named):
        return None
    for f in sorted(changes, key=_severity):
        env = config.environment(f.environment)
        if env is None or not env.protected or env.name in named:
            continue
        said = ", ".join(sorted(named.values()))
        text = (
            f"task says '{_quote(task, named)}' ({said}); action "
            f"{_VERBS.get(f.category, 'changes')} {f.target} in {env.name}"
        )
        return _mismatch(ENVIRONMENT_RULE, f, text, env.name)
    return None


def _scope_mismatch(
    task: str, assessment: Assessment, changes: list[Finding], threshold: int
) -> Mismatch | None:
    small = _SMALL.search(task)
    if small is None:
        return None
    destroying = [f for f in changes if f.category in _DESTROYING and f.scope is Scope.REMOTE]
    remote = [f for f in changes if f.scope is Scope.REMOTE]
    count = _changed(assessment) or len(remote)
    if not destroying and count <= max(1, threshold):
        return None
    worst = sorted(destroying or remote, key=_severity)[0]
    said = _window(task, small.start(), small.end())
    text = f"task says '{said}'; action {_what(assessment, destroying, count)}"
    return _mismatch(SCOPE_RULE, worst, text, worst.environment)


def _what(assessment: Assessment, destroying: list[Finding], count: int) -> str:
    """``replaces 13 resources incl. 1 database`` or ``deletes <target>``."""
    counts = assessment.blast_radius.counts
    stateful = _stateful_nouns(assessment.blast_radius.stateful)
    incl = f" incl. {stateful}" if stateful else ""
    for key, verb in (("replace", "replaces"), ("delete", "deletes")):
        if counts.get(key):
            return f"{verb} {_n(counts[key], 'resource')}{incl}"
    if destroying:
        f = sorted(destroying, key=_severity)[0]
        where = f" in {f.environment}" if f.environment else ""
        more = f" and {len(destroying) - 1} more" if len(destroying) > 1 else ""
        return f"{_VERBS[f.category]} {f.target}{where}{more}{incl}"
    return f"changes {_n(count, 'resource')}{incl}"


def _changed(assessment: Assessment) -> int:
    counts = assessment.blast_radius.counts
    return sum(n for a, n in counts.items() if a not in ("no-op", "read"))


def _stateful_nouns(addresses: Iterable[str]) -> str:
    nouns: Counter[str] = Counter()
    for address in addresses:
        parts = address.split(".")
        kind = parts[-2] if len(parts) >= 2 else address
        reason = stateful_reason("terraform", kind.split("[", 1)[0])
        noun = reason.split(":", 1)[0] if reason else "stateful resource"
        nouns[noun.removeprefix("an ").removeprefix("a ")] += 1
    return ", ".join(_n(n, noun) for noun, n in sorted(nouns.items()))


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _severity(f: Finding) -> tuple[int, bool]:
    order = {Risk.CRITICAL: 0, Risk.HIGH: 1, Risk.MEDIUM: 2, Risk.LOW: 3, Risk.NONE: 4}
    return order[f.risk], not f.stateful


def _protected(config: Config, name: str) -> bool:
    env = config.environment(name)
    return env is None or env.protected


def _quote(task: str, named: dict[str, str]) -> str:
    word = next(iter(named.values()))
    at = task.lower().find(word.lower())
    return _window(task, at, at + len(word))


def _window(task: str, start: int, end: int) -> str:
    """The task itself when short, else a window of it around ``start:end``."""
    text = " ".join(task.split())
    if len(text) <= _QUOTE:
        return text
    lo = max(0, start - (_QUOTE - (end - start)) // 2)
    piece = task[lo : lo + _QUOTE].strip()
    return ("\u2026" if lo else "") + piece + ("\u2026" if lo + _QUOTE < len(task) else "")


def _mismatch(rule_id: str, f: Finding, text: str, environment: str | None) -> Mismatch:
    finding = Finding(
        rule_id,
        f.category,
        Scope.REMOTE,
        f.target,
        f.evidence,
        text,
        max(f.risk, Risk.HIGH, key=list(Risk).index),
        environment,
        f.stateful,
    )
    return Mismatch(finding, Reason(ReasonSource.WATCH, rule_id, text, Verdict.HOLD))
