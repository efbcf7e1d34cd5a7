"""Held requests remembered per agent session, so an approved retry runs once.

When the gate holds a tool call, the hook records the request id and digest under
the session id and a fingerprint of the call (agent, kind, cwd, text). When the agent
retries the same call, the hook finds the request, and if it is approved, consumes
its single-use grant through the API and allows that one run; the entry is removed
either way once the request has left ``pending``. The file lives under the user's
cache directory (``$XDG_CACHE_HOME/interlock/hook``), one per session, mode 0600,
replaced atomically under an exclusive lock because hooks of parallel tool calls
run at the same time. It holds ids and digests only, never a token or a command.
"""

from __future__ import annotations

import time

from interlock.integrations import jsonlite
from interlock.integrations.environ import user_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from interlock.integrations.calls import ToolCall

#: Entries older than this are dropped: a request expires long before.
MAX_AGE_SECONDS = 7 * 24 * 3600


class Held:
    """A request the gate held for one tool call."""

    __slots__ = ("digest", "request_id", "url")

    def __init__(self, request_id: str, digest: str, url: str) -> None:
        self.request_id, self.digest, self.url = request_id, digest, url


def cache_dir() -> str:
    """``$XDG_CACHE_HOME/interlock/hook`` (default ``~/.cache/interlock/hook``)."""
    return f"{user_dir('XDG_CACHE_HOME', '.cache')}/interlock/hook"


def fingerprint(call: ToolCall) -> str:
    """What makes two calls "the same": agent, kind, working directory and text."""
    import hashlib

    parts = (call.agent, call.kind, call.cwd or "", call.text)
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


class SessionState:
    """The held requests of one agent session."""

    def __init__(self, session_id: str | None, root: str | None = None) -> None:
        self.root = root or cache_dir()
        self.path = f"{self.root}/{_file_key(session_id or 'no-session')}.json"

    def recall(self, call: ToolCall) -> Held | None:
        """The request held for ``call`` in this session, if any."""
        data = self._load()
        if not data:
            return None
        entry = data.get(fingerprint(call))
        if not isinstance(entry, dict):
            return None
        try:
            return Held(str(entry["id"]), str(entry["digest"]), str(entry.get("url", "")))
        except KeyError:
            return None

    def remember(self, call: ToolCall, held: Held) -> None:
        """Record that ``call`` is waiting for ``held``."""
        entry = {"id": held.request_id, "digest": held.digest, "url": held.url}
        self._update(fingerprint(call), entry | {"at": time.time()})

    def forget(self, call: ToolCall) -> None:
        """Drop the entry of ``call``; the next try is a new request."""
        self._update(fingerprint(call), None)

    def _load(self) -> dict[str, Any]:
        try:
            with open(self.path, "rb") as fh:
                value = jsonlite.loads(fh.read())
        except (OSError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    def _update(self, key: str, entry: dict[str, Any] | None) -> None:
        """Set or drop one entry under an exclusive lock; the file is replaced atomically."""
        import fcntl
        import os  # only here: the hook's allow path never writes (environ.py)

        os.makedirs(self.root, mode=0o700, exist_ok=True)
        with open(os.path.join(self.root, ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._load()
            if entry is None:
                data.pop(key, None)
            else:
                data[key] = entry
            now = time.time()
            fresh = {k: v for k, v in data.items() if now - float(v.get("at", 0)) < MAX_AGE_SECONDS}
            tmp = f"{self.path}.{os.getpid()}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(jsonlite.dumps(fresh))
            os.replace(tmp, self.path)


def _file_key(session_id: str) -> str:
    """The session id itself when it is a plain id (a UUID), else its hash."""
    if 0 < len(session_id) <= 64 and all(c.isalnum() or c in "-_" for c in session_id):
        return session_id
    import hashlib

    return "h-" + hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]
