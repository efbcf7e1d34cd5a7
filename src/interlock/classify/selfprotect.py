"""The paths an agent may never change: interlock's own config, policies, store, keys
and the agent hook settings that route tools through it (DESIGN.md floor rule 4).

Matching is on path *shape* after normalisation, because the agent controls the
spelling: ``./.claude/../.claude/settings.json``, ``~/.config/interlock/`` and an
absolute path under the workspace all name the same file. It ignores case: macOS and
Windows file systems do, so ``.CLAUDE/Settings.json`` is the hook settings there.
Extra paths come from ``protect_paths`` in interlock.yaml.
"""

from __future__ import annotations

import fnmatch
import functools
import posixpath
import re
from collections.abc import Callable

from interlock.config import Config

#: Globs over normalised paths (``~`` kept as written, no leading ``./``).
BUILTIN_PROTECTED: tuple[str, ...] = (
    "interlock.yaml",
    "interlock.yml",
    "*/interlock.yaml",
    "*/interlock.yml",
    ".interlock",
    ".interlock/*",
    "*/.interlock",
    "*/.interlock/*",
    "policies/*.rego",
    "*/policies/*.rego",
    ".claude/settings*.json",
    "*/.claude/settings*.json",
    # hook scripts the settings may run by path
    ".claude/hooks/*",
    "*/.claude/hooks/*",
    ".claude",
    "*/.claude",
    ".kiro/hooks/*",
    "*/.kiro/hooks/*",
    ".kiro/settings/*",
    "*/.kiro/settings/*",
    ".codex/config.toml",
    "*/.codex/config.toml",
    ".gemini/settings.json",
    "*/.gemini/settings.json",
    "*/.config/interlock",
    "*/.config/interlock/*",
    "~/.config/interlock",
    "~/.config/interlock/*",
    "/etc/interlock",
    "/etc/interlock/*",
)


def normalise(path: str, cwd: str | None = None) -> str:
    """Collapse ``.``/``..`` and duplicate slashes; relative paths stay relative."""
    if not path:
        return path
    if cwd and not path.startswith(("/", "~")):
        path = posixpath.join(cwd, path)
    norm = posixpath.normpath(path)
    return norm[2:] if norm.startswith("./") else norm


def is_protected(path: str, config: Config, cwd: str | None = None) -> bool:
    """True when ``path`` names one of interlock's own files or hook settings."""
    return _matcher(config.protect_paths)(normalise(path, cwd)) is not None


@functools.lru_cache(maxsize=64)
def _matcher(extra: tuple[str, ...]) -> Callable[[str], re.Match[str] | None]:
    """One compiled alternation of every glob: ``fnmatchcase`` against any of them."""
    globs = BUILTIN_PROTECTED + extra
    pattern = "|".join(f"(?:{fnmatch.translate(g)})" for g in globs)
    return re.compile(pattern, re.IGNORECASE).match
