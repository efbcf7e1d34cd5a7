"""One tool call in, one answer out: the body of ``interlock-hook AGENT`` (``hook.py``).

The agent starts this process before every tool call, writes its payload to stdin
and reads the answer from stdout and the exit status (see each adapter module). It
must never fail open: Claude Code runs the tool when a hook crashes or times out.
So every internal error, invalid or oversized input, an unreachable gateway and the
hook's own deadline (``INTERLOCK_HOOK_TIMEOUT``, default 8 s, set below the agent's
hook timeout) become a deny with the reason; exit status 2, which every supported
agent reads as "block", is the last resort when even the answer cannot be written.

Settings come from the environment (``INTERLOCK_URL``, ``INTERLOCK_TOKEN``,
``INTERLOCK_HOOK_TIMEOUT``, ``INTERLOCK_HOOK_OFFLINE``, ``INTERLOCK_CONFIG``,
``INTERLOCK_ENV``), then from ``$XDG_CONFIG_HOME/interlock/hook.json`` (keys ``url``,
``token``, ``timeout``, ``offline``, ``config``, ``environment``). Only the standard
library is imported on the shell path, and not even ``os`` (``environ.py``): the
process start is the hook's cost.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # C module; ``signal`` imports ``enum``
import sys

from interlock.integrations.environ import getenv, user_dir

TYPE_CHECKING = False  # ``typing`` costs the hook more than its own code
if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import FrameType
    from typing import Any

#: Adapter modules by the agent name given on the command line.
ADAPTERS: dict[str, str] = {
    "claude-code": "claude_code",
    "claude": "claude_code",
    "codex": "codex",
    "gemini": "gemini",
    "kiro": "kiro",
}

#: The largest payload read; a bigger one is denied unread (a 5 MB command is not sent).
MAX_PAYLOAD_BYTES = 1024 * 1024

DEFAULT_TIMEOUT = 8.0


class HookTimeoutError(Exception):
    """The hook's own deadline passed (raised from the alarm handler)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Answer one tool call; returns the exit status the agent reads."""
    args = list(sys.argv[1:] if argv is None else argv)
    agent = args[0] if args else "claude-code"
    try:
        adapter: Any = _adapter(agent)
    except Exception as exc:
        return _last_resort(f"interlock hook: {exc}")
    answer = _answer_safely(adapter)
    try:
        out, code = adapter.render(answer)
        if out:
            sys.stdout.write(out + "\n")
            sys.stdout.flush()
        if code == 2:
            sys.stderr.write(answer.reason + "\n")
        return int(code)
    except BaseException as exc:
        return _last_resort(f"interlock hook could not answer: {exc!r}; {answer.reason}")


def _answer_safely(adapter: Any) -> Any:
    from interlock.integrations.calls import deny

    try:
        settings = load_settings()
    except Exception as exc:
        return deny(f"interlock hook settings are invalid: {exc}")
    previous = _arm(settings.timeout)
    try:
        return _answer(adapter, settings)
    except HookTimeoutError:
        return deny(f"interlock hook timed out after {settings.timeout:g} s; not allowed")
    except RecursionError:
        return deny("interlock hook: the payload is nested too deeply")
    except Exception as exc:
        return deny(f"interlock hook failed, so this is not allowed: {_describe(exc)}")
    finally:
        _disarm(previous)


def _answer(adapter: Any, settings: Any) -> Any:
    from interlock.integrations.calls import deny
    from interlock.integrations.gate import judge
    from interlock.integrations.jsonlite import loads

    raw = sys.stdin.buffer.read(MAX_PAYLOAD_BYTES + 1)
    if len(raw) > MAX_PAYLOAD_BYTES:
        return deny(f"interlock: the tool call is larger than {MAX_PAYLOAD_BYTES} bytes")
    try:
        payload = loads(raw)
    except ValueError:
        return deny("interlock: the hook input is not valid JSON")
    if not isinstance(payload, dict):
        return deny("interlock: the hook input is not a JSON object")
    return judge(adapter.parse(payload), settings)


def load_settings() -> Any:
    """Hook settings from the environment, then the user's ``hook.json``."""
    from interlock.integrations.gate import HookSettings
    from interlock.integrations.jsonlite import loads

    file: dict[str, Any] = {}
    try:
        with open(f"{user_dir('XDG_CONFIG_HOME', '.config')}/interlock/hook.json", "rb") as fh:
            loaded = loads(fh.read())
        file = loaded if isinstance(loaded, dict) else {}
    except FileNotFoundError:
        pass
    timeout = float(getenv("INTERLOCK_HOOK_TIMEOUT") or file.get("timeout") or DEFAULT_TIMEOUT)
    offline = getenv("INTERLOCK_HOOK_OFFLINE") or str(file.get("offline", ""))
    return HookSettings(
        url=getenv("INTERLOCK_URL") or file.get("url") or None,
        token=getenv("INTERLOCK_TOKEN") or file.get("token") or None,
        timeout=max(0.1, min(timeout, 55.0)),
        offline=offline.lower() in ("1", "true", "yes", "on"),
        config=getenv("INTERLOCK_CONFIG") or file.get("config") or None,
        environment=getenv("INTERLOCK_ENV") or file.get("environment") or None,
    )


def _adapter(agent: str) -> Any:
    module = ADAPTERS.get(agent)
    if module is None:
        raise ValueError(f"unknown agent {agent!r}; one of {', '.join(sorted(ADAPTERS))}")
    name = f"interlock.integrations.{module}"
    __import__(name)  # ``importlib`` would import ``warnings`` for nothing
    return sys.modules[name]


def _expired(signum: int, frame: FrameType | None) -> None:
    raise HookTimeoutError


def _arm(seconds: float) -> Any:
    previous = _signal.signal(_signal.SIGALRM, _expired)
    _signal.setitimer(_signal.ITIMER_REAL, seconds)
    return previous


def _disarm(previous: Any) -> None:
    _signal.setitimer(_signal.ITIMER_REAL, 0)
    _signal.signal(_signal.SIGALRM, previous)


def _describe(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:500]


def _last_resort(reason: str) -> int:
    try:
        sys.stderr.write(reason + "\n")
        sys.stderr.flush()
    except BaseException:  # noqa: S110 - nothing is left to tell; exit 2 still blocks
        pass
    return 2
