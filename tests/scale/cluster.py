"""A throwaway PostgreSQL database and several real ``interlock serve`` processes on it.

What the scale suites (and ``benchmarks/load.py``) share:

* :func:`throwaway_database`: a new database on the PostgreSQL server of
  ``INTERLOCK_TEST_POSTGRES_URL`` (default 127.0.0.1:5432), dropped afterwards.
* :func:`make_world`: in a work directory, an ``interlock.yaml`` with one requester
  (alice), her agent (kiro) and ``approvers`` people in the ``sre`` group that must
  approve production, twice; an audit signing key (checkpoints are signed every
  ``CHECKPOINT_EVERY`` entries, so crashes land in checkpoint writes too); the store
  migrated; a token for everyone. The :class:`World` is all a server or client needs.
* :class:`Cluster`: ``interlock serve`` subprocesses on free loopback ports against
  the world's database, started together, stopped with Ctrl-C (SIGINT), killed with
  SIGKILL, restarted on a new port. Their output goes to a log file each, quoted when
  a process does not come up.

Nothing is mocked: the servers are the installed CLI, the database is PostgreSQL.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

#: The PostgreSQL server the scale suites use (CI must provide one).
SERVER_URL = os.environ.get("INTERLOCK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")

#: Approvers in the world's ``sre`` group (the issue's "50 approvers").
APPROVERS = 50
REQUESTER = "alice"
AGENT = "kiro"
#: Distinct humans a production-destructive request needs (the floor's two).
REQUIRED = 2
#: Audit entries between signed checkpoints: small, so checkpoint writes race and crash too.
CHECKPOINT_EVERY = 25

INTERLOCK = Path(sys.executable).with_name("interlock")
ROOT = Path(__file__).resolve().parents[2]


class DatabaseUnavailableError(Exception):
    """No PostgreSQL server reachable at ``SERVER_URL``."""


@contextmanager
def throwaway_database(server: str = SERVER_URL, prefix: str = "interlock_scale") -> Iterator[str]:
    """The URL of a new, empty database, dropped (connections and all) when the block ends."""
    import psycopg

    base = server.rstrip("/")
    admin_url = base if base.count("/") > 2 else f"{base}/postgres"
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailableError(str(exc).strip().splitlines()[0]) from exc
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def approver_names(count: int) -> list[str]:
    """``approver01`` ... in order."""
    return [f"approver{i:02d}" for i in range(1, count + 1)]


def config_text(approvers: int) -> str:
    """The world's configuration: production needs two ``sre`` approvers.

    The session watch's rate thresholds are lifted: one agent submits hundreds of
    destructive commands here on purpose, and these suites measure approvals, not the
    breaker that would freeze such an agent (its own tests do that).
    """
    people = "".join(f"  {name}:\n    groups: [sre]\n" for name in approver_names(approvers))
    return f"""\
version: 1
environments:
  production:
    protected: true
    approvals: {REQUIRED}
    approver_groups: [sre]
    match:
      names: [prod]
people:
  {REQUESTER}:
    groups: [dev]
{people}agents:
  {AGENT}:
    for: {REQUESTER}
    profile: coding
groups:
  dev:
    permissions:
      "*": [read, plan, change, destroy]
  sre:
    permissions:
      "*": [read, plan, change, destroy, approve]
profiles:
  coding:
    permissions:
      "*": [read, plan, change, destroy]
watch:
  session_threshold: 1000000
  agent_threshold: 1000000
"""


@dataclass(frozen=True)
class World:
    """A database, a configuration, a signing key and a token per principal."""

    url: str
    workdir: Path
    config_path: Path
    key_path: Path
    verifier_key: str
    tokens: dict[str, str]
    approvers: list[str]

    def env(self) -> dict[str, str]:
        """The environment servers and the CLI run with (signing and seal keys, cadence)."""
        return {
            **os.environ,
            "INTERLOCK_AUDIT_KEY": str(self.key_path),
            "INTERLOCK_AUDIT_CHECKPOINT_ENTRIES": str(CHECKPOINT_EVERY),
            # one row-seal key for every process on the store (the first creates it)
            "INTERLOCK_SEAL_KEY": str(self.workdir / "seal.key"),
            "PYTHONPATH": str(ROOT),
        }

    def verify_audit(self) -> dict[str, object]:
        """``interlock audit verify --json`` on the database; a failure fails the test."""
        done = subprocess.run(
            [
                str(INTERLOCK),
                "audit",
                "verify",
                "--json",
                "--database",
                self.url,
                "--key",
                self.verifier_key,
            ],
            capture_output=True,
            text=True,
            cwd=self.workdir,
            env=self.env(),
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"audit verify failed: {done.stdout}{done.stderr}"
        report: dict[str, object] = json.loads(done.stdout)
        assert report["ok"] is True
        return report


def make_world(url: str, workdir: Path, approvers: int = APPROVERS) -> World:
    """Write the config and key under ``workdir``, migrate ``url``, issue every token."""
    from interlock.audit import keys
    from interlock.config import load_config
    from interlock.identity.service import TokenService, wanted_agent, wanted_human
    from interlock.store import open_store

    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / "interlock.yaml"
    config_path.write_text(config_text(approvers), encoding="utf-8")
    signer = keys.generate("interlock.scale/audit")
    key_path = workdir / "audit.key"
    keys.write_signer(key_path, signer, replace=False)
    names = approver_names(approvers)
    config = load_config(config_path)
    with open_store(url) as store:
        service = TokenService(store, config)
        tokens = {n: service.issue(wanted_human(n), expires_in=None).token for n in names}
        tokens[REQUESTER] = service.issue(wanted_human(REQUESTER), expires_in=None).token
        tokens[AGENT] = service.issue(wanted_agent(AGENT, REQUESTER), expires_in=None).token
    return World(url, workdir, config_path, key_path, signer.verifier_key(), tokens, names)


def free_port() -> int:
    """A TCP port on loopback nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, timeout: float, alive: Callable[[], bool], log: Path | None) -> None:
    """Return once ``url`` answers its health check; a dead or silent server fails."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise AssertionError(f"server {url} exited while starting{_tail(log)}")
        if healthy(url):
            return
        time.sleep(0.02)
    raise AssertionError(f"server {url} not healthy after {timeout} s{_tail(log)}")


def healthy(url: str) -> bool:
    """One health check with the standard library (cheap enough to poll often)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=2.0)
    try:
        conn.request("GET", "/api/v1/health")
        with conn.getresponse() as answer:
            answer.read()
            return answer.status == 200
    except OSError:
        return False
    finally:
        conn.close()


def _tail(log: Path | None) -> str:
    if log is None or not log.exists():
        return ""
    return "; its log ends:\n" + log.read_text(errors="replace")[-3000:]


@dataclass
class ServeProcess:
    """One ``interlock serve`` subprocess of a :class:`Cluster`."""

    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc.poll() is None


@dataclass
class Cluster:
    """``interlock serve`` processes on one world's database."""

    world: World
    servers: list[ServeProcess] = field(default_factory=list)
    launched: int = 0

    @property
    def urls(self) -> list[str]:
        return [s.url for s in self.servers]

    def start(self, count: int) -> None:
        """Start ``count`` more servers at once and wait until each is healthy."""
        fresh = [self._launch() for _ in range(count)]
        for server in fresh:
            wait_healthy(server.url, 60.0, server.alive, server.log)
        self.servers += fresh

    def _launch(self) -> ServeProcess:
        port = free_port()
        self.launched += 1
        log = self.world.workdir / f"serve-{self.launched}-{port}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    str(INTERLOCK),
                    "serve",
                    "--config",
                    str(self.world.config_path),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--database-url",
                    self.world.url,
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.world.workdir,
                env=self.world.env(),
            )
        return ServeProcess(port, proc, log)

    def kill(self, index: int) -> None:
        """``kill -9`` server ``index`` and reap it."""
        server = self.servers[index]
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(10)

    def stop(self, index: int) -> None:
        """Ctrl-C server ``index``, as an operator would, and wait for it to exit."""
        server = self.servers[index]
        if server.alive():
            server.proc.send_signal(signal.SIGINT)
            try:
                server.proc.wait(15)
            except subprocess.TimeoutExpired:
                server.proc.kill()
                server.proc.wait(5)

    def restart(self, index: int) -> None:
        """Replace server ``index`` (stopped or killed) by a new process on a new port."""
        self.stop(index)
        fresh = self._launch()
        wait_healthy(fresh.url, 60.0, fresh.alive, fresh.log)
        self.servers[index] = fresh

    def close(self) -> None:
        """Stop every server still running."""
        for index in range(len(self.servers)):
            self.stop(index)


@contextmanager
def cluster(world: World, count: int) -> Iterator[Cluster]:
    """``count`` healthy servers on ``world``, stopped when the block ends."""
    running = Cluster(world)
    try:
        running.start(count)
        yield running
    finally:
        running.close()
