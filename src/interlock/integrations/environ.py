"""The process environment and home directory for the hook, without importing ``os``.

``os`` and what it imports (``posixpath``, ``stat``, ``_collections_abc``) cost the
hook about a millisecond of the few it may spend per tool call, and the hook only
reads a handful of variables. The C module ``posix`` is loaded before any user code,
so its ``environ`` (bytes, as the kernel passed it) is free. When ``os`` is already
imported, as in a test or the ``interlock hook`` verb, ``os.environ`` is read
instead: it sees ``putenv`` calls made since the start, which ``posix.environ`` does not.
"""

import posix
import sys


def getenv(name: str) -> "str | None":
    """The variable ``name``, decoded as ``os.environ`` would, or ``None``."""
    loaded = sys.modules.get("os")
    if loaded is not None:
        value: str | None = loaded.environ.get(name)
        return value
    raw = posix.environ.get(name.encode())
    return None if raw is None else raw.decode("utf-8", "surrogateescape")


def home() -> str:
    """``~`` as ``os.path.expanduser`` finds it: ``$HOME``, else the password entry."""
    found = getenv("HOME")
    if found:
        return found.rstrip("/") or "/"
    import pwd

    try:
        return pwd.getpwuid(posix.getuid()).pw_dir.rstrip("/") or "/"
    except KeyError:
        return "/"


def user_dir(variable: str, default: str) -> str:
    """An XDG base directory: ``$variable`` when set, else ``~/default``."""
    return getenv(variable) or f"{home()}/{default}"
