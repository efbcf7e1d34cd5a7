"""Gateway server processes forked from a parent that has already imported the app.

Starting ``interlock serve`` costs a second or two of imports on a loaded 2-core
machine; the crash suite needs over a hundred server processes. So a *zygote*
(``python -m tests.scale.zygote URL CONFIG``, single-threaded, no database connection
of its own) imports the app, uvicorn and the classifier once, then forks one child
per ``spawn`` line it reads on stdin and answers with the child's pid. The child is a
real gateway: ``create_app`` on the world's database with its own store, event bus
(its ``LISTEN`` thread) and webhook thread, served by uvicorn on the port asked for,
as ``interlock serve`` runs it (less the migration check: the world is migrated).

A spawn may *arm* the child to ``SIGKILL`` itself (what ``kill -9`` sends) at the
``nth`` time it reaches one point, counted over all its threads:

* after executing a statement (SQLAlchemy's ``after_cursor_execute``):
  ``request-lock`` (``SELECT ... FROM requests ... FOR UPDATE``), ``request-insert``,
  ``request-update``, ``vote-insert``, ``grant-insert``, ``grant-update``,
  ``head-lock`` (the audit head's ``FOR UPDATE``), ``audit-insert``, ``head-update``
  (on PostgreSQL one statement writes both), ``checkpoint-insert``: the transaction
  is open, partly written, never committed;
* ``commit``: everything is written, the ``COMMIT`` is not yet sent (transactions that
  wrote nothing, such as health checks, are not counted);
* ``answer``: the transaction has committed, the HTTP answer is not yet sent.

The parent kills children itself for the remaining, unarmed case (a ``kill -9`` at a
random moment). Children are reaped by the zygote (``SIGCHLD`` ignored); the zygote
kills every child it forked when its stdin closes (the test ended, or died).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.scale.cluster import ROOT, World, wait_healthy

#: PostgreSQL writes a log append's entries and head in one statement (``audit.log``):
#: the ``audit-insert`` and ``head-update`` points are both just after it there.
_APPEND = "WITH appended AS (INSERT INTO audit_entries"

#: Statement points: name -> what the executed SQL starts with (one of) / contains.
STATEMENT_POINTS: dict[str, tuple[str | tuple[str, ...], str]] = {
    "request-lock": ("SELECT requests.id", "FOR UPDATE"),
    "request-insert": ("INSERT INTO requests", ""),
    "request-update": ("UPDATE requests", ""),
    "vote-insert": ("INSERT INTO votes", ""),
    "grant-insert": ("INSERT INTO grants", ""),
    "grant-update": ("UPDATE grants", ""),
    "head-lock": ("SELECT audit_head.id", "FOR UPDATE"),
    "audit-insert": (("INSERT INTO audit_entries", _APPEND), ""),
    "head-update": (("UPDATE audit_head", _APPEND), ""),
    "checkpoint-insert": ("INSERT INTO audit_checkpoints", ""),
}
POINTS: tuple[str, ...] = (*STATEMENT_POINTS, "commit", "answer")

#: What an armed child writes to its log just before it kills itself.
KILLED_AT = "KILLED-AT"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Armed:
    """Kill the child at the ``nth`` time it reaches ``point``."""

    point: str
    nth: int


@dataclass(frozen=True)
class Child:
    """A forked gateway: its pid, its port and its log file."""

    pid: int
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return alive(self.pid)

    def wait_healthy(self, timeout: float = 30.0) -> None:
        wait_healthy(self.url, timeout, self.alive, self.log)


class Zygote:
    """The parent side: start the zygote, spawn and kill children."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.scale.zygote", world.url, str(world.config_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=world.workdir,
            env=world.env(),
        )
        self.spawned = 0

    def spawn(self, port: int, armed: Armed | None = None, poll_seconds: float = 1.0) -> Child:
        """Fork a gateway child on ``port`` (it may still be starting)."""
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.spawned += 1
        log = self.world.workdir / f"child-{self.spawned}-{port}.log"
        order = {"port": port, "poll": poll_seconds, "log": str(log)}
        if armed is not None:
            order |= {"point": armed.point, "nth": armed.nth}
        self.proc.stdin.write(json.dumps(order) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"the zygote exited ({self.proc.poll()})"
        return Child(int(json.loads(line)["pid"]), port, log)

    def close(self) -> None:
        """Close the zygote's stdin (it kills its children) and wait for it."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def alive(pid: int) -> bool:
    """Whether process ``pid`` still exists (the zygote reaps its children at once)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def kill(pid: int) -> None:
    """``kill -9`` a child."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


# --- the zygote process --------------------------------------------------------------


def _main(url: str, config_path: str) -> None:
    import uvicorn
    import uvicorn.lifespan.on
    import uvicorn.loops.auto
    import uvicorn.protocols.http.auto  # noqa: F401  (imported once, here, not per child)

    from interlock.config import load_config
    from interlock.server import app as _app  # noqa: F401
    from interlock.server import pages as _pages  # noqa: F401

    config = load_config(config_path)
    _warm(config)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    children: list[int] = []
    for line in sys.stdin:
        order = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(url, config, order)
        children.append(pid)
        print(json.dumps({"pid": pid}), flush=True)
    for pid in children:
        kill(pid)


def _warm(config: Any) -> None:
    """Classify and decide once, so the parser and policy tables are built before forking."""
    from datetime import UTC, datetime

    from interlock.classify import assess
    from interlock.identity.principals import from_config
    from interlock.models import Action, ActionKind, Target
    from interlock.policy import decide

    action = Action(ActionKind.SHELL, "kubectl delete namespace x", Target(environment="prod"))
    agent = from_config(config, "kiro")
    decide(assess(action, config), config, requester=agent, now=datetime.now(UTC))


def _child(url: str, config: Any, order: dict[str, Any]) -> None:
    """Become a gateway on ``order["port"]``, armed as ordered; never returns."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        log = os.open(order["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        _serve(url, config, order)
    finally:
        os._exit(0)


def _serve(url: str, config: Any, order: dict[str, Any]) -> None:
    import uvicorn

    from interlock.server.app import create_app
    from interlock.server.settings import Settings
    from interlock.store import Store
    from interlock.store.database import create_store_engine, database_url

    settings = Settings(
        config=config, database_url=url, port=order["port"], poll_seconds=order["poll"]
    )
    # The world's database is migrated already: skip the per-process migration check.
    store = Store(create_store_engine(database_url(url, {})))
    app: Any = create_app(settings, store=store)
    if "point" in order:
        hit = _trigger(order["point"], order["nth"])
        if order["point"] == "answer":
            app = _kill_before_answer(app, hit)
        else:
            _arm_engine(app.state.gateway.store.engine, order["point"], hit)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=order["port"],
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=3,
        )
    )
    server.run()


def _trigger(point: str, nth: int) -> Callable[[], None]:
    """A function that SIGKILLs this process the ``nth`` time it is called.

    It first writes ``KILLED-AT <point> <nth>`` to the log (fd 2), so the parent can
    tell a kill at the armed point from its own.
    """
    counter = itertools.count(1)
    lock = threading.Lock()

    def hit() -> None:
        with lock:
            n = next(counter)
        if n == nth:
            os.write(2, f"{KILLED_AT} {point} {nth}\n".encode())
            os.kill(os.getpid(), signal.SIGKILL)

    return hit


def _arm_engine(engine: Any, point: str, hit: Callable[[], None]) -> None:
    from sqlalchemy import event

    if point == "commit":
        _arm_commit(engine, hit)
        return
    starts, contains = STATEMENT_POINTS[point]

    def after(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith(starts) and contains in statement:
            hit()

    event.listen(engine, "after_cursor_execute", after)


def _arm_commit(engine: Any, hit: Callable[[], None]) -> None:
    """Count only the commits of transactions that wrote (not health checks and reads)."""
    from sqlalchemy import event

    def after(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith(("INSERT", "UPDATE", "DELETE", _APPEND)):
            conn.info["scale.wrote"] = True

    def commit(conn: Any) -> None:
        if conn.info.pop("scale.wrote", False):
            hit()

    event.listen(engine, "after_cursor_execute", after)
    event.listen(engine, "commit", commit)
    event.listen(engine, "rollback", lambda conn: conn.info.pop("scale.wrote", None))


def _kill_before_answer(app: Asgi, hit: Callable[[], None]) -> Asgi:
    """``app`` that dies before answering a POST (its transaction has committed)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await app(scope, receive, send)
            return

        async def send_or_die(message: Message) -> None:
            if message["type"] == "http.response.start":
                hit()
            await send(message)

        await app(scope, receive, send_or_die)

    return wrapped


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    _main(sys.argv[1], sys.argv[2])
