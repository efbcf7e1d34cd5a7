"""Inline Python (``python -c``, heredocs fed to ``python -``) read with the ``ast`` module.

Python source is parsed, never searched: a call is found by its resolved dotted name
after ``import shutil as sh`` / ``from os import remove`` aliases, so ``sh.rmtree(p)``
and ``remove(p)`` are seen for what they are, and the words of a string or comment
never count. What the code does is judged by the same rules as the shell:

* file deletion (``os.remove``, ``shutil.rmtree``, ``Path(...).unlink()`` ...) and
  writes (``open(p, "w")``, ``Path(...).write_text``) by the place of their path;
* commands (``os.system``, ``subprocess.run``, ``os.exec*``) by classifying the
  command string as shell, recursively, when it is a literal;
* cloud and cluster SDK calls and SQL sent to database drivers as pysdk.py reads them;
* code built at run time (``exec``, ``eval``, ``compile``, ``__import__``, a computed
  ``getattr``, ``ctypes``, base64/marshal/pickle decoding) and commands or paths that
  are not literals are opaque: never allowed.

Code that does none of this (arithmetic, printing, parsing JSON) is a read.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from interlock.classify.commands.paths import word_table
from interlock.classify.commands.pysdk import Reach, RemoteCall, reach, remote_call

#: Calls whose first argument is a path they delete.
DELETES: frozenset[str] = word_table(
    """
        os.remove os.unlink os.rmdir os.removedirs shutil.rmtree shutil.move os.rename
        os.replace os.renames os.truncate pathlib.Path.unlink pathlib.Path.rmdir .unlink
        .rmdir .rmtree .truncate
    """
)
#: Calls whose path argument (position given) they write.
WRITES: dict[str, int] = {
    "shutil.copy": 1,
    "shutil.copy2": 1,
    "shutil.copyfile": 1,
    "shutil.copytree": 1,
    "os.makedirs": 0,
    "os.mkdir": 0,
    "os.symlink": 1,
    "os.link": 1,
    "os.chmod": 0,
    "os.chown": 0,
    "os.utime": 0,
    ".write_text": -1,
    ".write_bytes": -1,
    ".touch": -1,
    ".mkdir": -1,
    ".chmod": -1,
    ".symlink_to": -1,
    ".rename": -1,
    ".replace": -1,
}
#: Calls that run a command: the command is their first argument.
RUNS: frozenset[str] = word_table(
    """
        os.system os.popen subprocess.run subprocess.call subprocess.check_call
        subprocess.check_output subprocess.Popen subprocess.getoutput
        subprocess.getstatusoutput os.execv os.execve os.execvp os.execvpe os.execl
        os.execle os.execlp os.execlpe os.spawnv os.spawnl os.spawnvp os.spawnlp pty.spawn
        commands.getoutput asyncio.create_subprocess_shell asyncio.create_subprocess_exec
    """
)
#: Calls that build code at run time: whatever they run cannot be known.
DYNAMIC: frozenset[str] = word_table(
    """
        exec eval compile __import__ importlib.import_module base64.b64decode
        base64.b32decode base64.b16decode base64.a85decode base64.b85decode
        base64.decodebytes codecs.decode marshal.loads pickle.loads zlib.decompress
        bytes.fromhex runpy.run_path runpy.run_module ctypes.CDLL ctypes.cdll os.fork
        builtins.exec builtins.eval
    """
)
_DYNAMIC_MODULES = ("ctypes", "cffi", "importlib")
_HTTP = ("requests.", "httpx.", "urllib.request.", "urllib3.", "http.client.", "aiohttp.")
_HTTP_WRITES = (".post", ".put", ".patch", ".delete", ".request")


@dataclass(frozen=True, slots=True)
class Effect:
    """One thing the code does: ``kind`` is delete, write, run, dynamic, network."""

    kind: str
    call: str
    value: str | None  # the literal path or command; None when computed
    remote: RemoteCall | None = None  # for kind "remote": what pysdk.py read


def analyse(source: str) -> list[Effect] | None:
    """Effects of ``source``, or ``None`` when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    aliases = _aliases(tree)
    seen = reach(tree, aliases)
    effects: list[Effect] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            effects.extend(_judge_call(node, aliases, seen))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names]
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if any((module or n).split(".")[0] in _DYNAMIC_MODULES for n in names):
                effects.append(Effect("dynamic", module or names[0], None))
    return effects


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> dotted name, from every import in the code."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                out[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                out[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return out


def dotted(func: ast.expr, aliases: dict[str, str]) -> str:
    """``os.path.join`` for an attribute chain; ``.name`` when the base is computed."""
    parts: list[str] = []
    node = func
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(aliases.get(node.id, node.id))
        return ".".join(reversed(parts))
    if isinstance(node, ast.Call):  # Path("x").unlink(): judged by the method
        inner = dotted(node.func, aliases)
        if inner in ("pathlib.Path", "Path") and parts:
            return "pathlib.Path." + ".".join(reversed(parts))
    return "." + ".".join(reversed(parts)) if parts else ""


def _literal(node: ast.expr | None) -> str | None:
    """The string value of a literal, a literal list joined as a command, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        words = [_literal(e) for e in node.elts]
        if words and all(w is not None for w in words):
            import shlex

            return shlex.join([w for w in words if w is not None])
    if isinstance(node, ast.Call) and dotted(node.func, {}) in ("Path", "pathlib.Path"):
        return _literal(node.args[0]) if node.args else "."
    return None


def _receiver_path(node: ast.Call) -> ast.expr | None:
    """For ``Path("x").unlink()`` the ``"x"``; for ``p.unlink()`` nothing literal."""
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
        inner = func.value
        if inner.args:
            return inner.args[0]
    return None


def _judge_call(node: ast.Call, aliases: dict[str, str], seen: Reach) -> Iterator[Effect]:
    name = dotted(node.func, aliases)
    short = "." + name.rsplit(".", 1)[-1] if "." in name else name
    first = node.args[0] if node.args else None
    if name in DYNAMIC or name.split(".")[0] in _DYNAMIC_MODULES:
        yield Effect("dynamic", name, None)
    elif name == "getattr" and len(node.args) > 1 and _literal(node.args[1]) is None:
        yield Effect("dynamic", "getattr with a computed name", None)
    elif name in RUNS or (short in (".system", ".popen") and name.startswith("os")):
        yield Effect("run", name, _literal(first) if first is not None else None)
    elif name in DELETES or short in DELETES:
        path = first if name in DELETES and not name.startswith("pathlib") else None
        target = path if path is not None else _receiver_path(node)
        yield Effect("delete", name, _literal(target))
    elif name in WRITES or short in WRITES:
        yield from _write(node, name if name in WRITES else short)
    elif name in ("open", "io.open", "codecs.open", "os.open"):
        yield from _open(node)
    elif name.startswith(_HTTP):
        kind = "network-write" if name.endswith(_HTTP_WRITES) else "network"
        yield Effect(kind, name, _literal(first))
    elif (remote := remote_call(node, name, seen)) is not None:
        yield Effect("remote", remote.call, remote.value, remote)


def _write(node: ast.Call, key: str) -> Iterator[Effect]:
    index = WRITES[key]
    if index < 0:
        yield Effect("write", key, _literal(_receiver_path(node)))
    elif len(node.args) > index:
        yield Effect("write", key, _literal(node.args[index]))
    else:
        yield Effect("write", key, None)


def _open(node: ast.Call) -> Iterator[Effect]:
    mode_node = node.args[1] if len(node.args) > 1 else None
    for kw in node.keywords:
        if kw.arg == "mode":
            mode_node = kw.value
        if kw.arg == "flags":
            mode_node = kw.value
    if mode_node is None:
        return
    mode = _literal(mode_node)
    if mode is None and not isinstance(mode_node, ast.Constant):
        yield Effect(
            "write", "open with a computed mode", _literal(node.args[0] if node.args else None)
        )
    elif mode is not None and set(mode) & set("wax+"):
        yield Effect("write", "open", _literal(node.args[0] if node.args else None))
