"""Gateway server throughput: submit-and-decide of a shell command vs hello-world.

One real server process (uvicorn, the app from ``create_app`` with the demo
configuration) also serves hello-world routes, so the figures share the process, the
event loop and the threadpool. Clients on loopback (``CLIENTS`` threads with
keep-alive connections; one client for latency alone, then four, then eight for the
saturated line) run each scenario for ``DURATION_S``:

* ``hello``: a GET of a constant JSON object from a plain ``def`` route, as FastAPI's
  own example writes it (FastAPI runs it in a worker thread);
* ``hello (async)``: the same from an ``async def`` route, which costs no thread
  switch. The submission route runs on the event loop too, so the second ratio
  compares like with like;
* ``submit``: the agent kiro's ``POST /api/v1/requests`` of ``ls -la``: authenticate,
  classify, decide (allow), record the request, its grant and audit entries in one
  transaction, answer.

Printed: requests/s and p50/p99 latency, and the submit/hello throughput ratios
(goal: >= 0.5, p99 <= 25 ms), on SQLite and on PostgreSQL
(``INTERLOCK_BENCH_POSTGRES_URL``, a throwaway database), with what each request cost
the whole machine in CPU (``machine.py``: the clients and the database share its two
cores with the server, so this is what bounds the rates) and what it cost the server
process alone (from ``/proc``: the clients' CPU is the same for every route, so this
is the figure a change to the server moves). A last line per dialect
times ``ApprovalService.submit`` in process with no HTTP, which shows how much of a
submit is the server and how much the approvals library and its store.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from benchmarks import machine
from benchmarks.databases import DatabaseUnavailableError, throwaway_postgres
from benchmarks.machine import CpuUse

CLIENTS = 4
#: A second, saturated line: enough clients that concurrent submissions share commits
#: (group commit), as a busy gateway's do; the throughput goal is judged here too.
SATURATED = 8
DURATION_S = 2.5
WARMUP_S = 0.5
DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo.yaml"
SHELL = {"kind": "shell", "command": "ls -la", "cwd": "/tmp"}
#: requests/s, p50 ms, p99 ms, requests measured, the machine's CPU meanwhile, and
#: the server process's own CPU seconds (``None`` where ``/proc`` does not tell).
Measured = tuple[float, float, float, int, CpuUse | None, float | None]


def run() -> list[str]:
    """Both scenarios on SQLite, then on PostgreSQL when a server is reachable."""
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        lines += _dialect("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}")
    try:
        with throwaway_postgres() as url:
            lines += _dialect("postgresql", url)
    except DatabaseUnavailableError as exc:
        lines.append(f"postgresql: skipped ({exc})")
    return lines


def _dialect(name: str, url: str) -> list[str]:
    token = _agent_token(url)
    with _server(url) as (base, pid):
        with httpx.Client(base_url=base) as client:
            assert client.get("/bench/hello").status_code == 200
        auth = {"Authorization": f"Bearer {token}"}
        lines = []
        for clients in (1, CLIENTS, SATURATED):
            hello = _measure(base, "GET", "/bench/hello", None, {}, clients=clients, pid=pid)
            bare = _measure(base, "GET", "/bench/hello-async", None, {}, clients=clients, pid=pid)
            submit = _measure(
                base, "POST", "/api/v1/requests", SHELL, auth, clients=clients, pid=pid
            )
            ratio = submit[0] / hello[0] if hello[0] else 0.0
            against_bare = submit[0] / bare[0] if bare[0] else 0.0
            lines += [
                f"{name}, {clients} client(s): hello-world   {_figures(hello)}",
                f"{name}, {clients} client(s): hello (async) {_figures(bare)}",
                f"{name}, {clients} client(s): submit shell  {_figures(submit)}",
                f"{name}, {clients} client(s): submit/hello ratio {ratio:.2f}"
                " (goal >= 0.5; submit p99 goal <= 25 ms);"
                f" against the async hello {against_bare:.2f}",
            ]
    library = _library_submit(url, token)
    lines.append(
        f"{name}: the same submit in process, no HTTP (ApprovalService): p50 {library:.2f} ms"
    )
    return lines


def _library_submit(url: str, token: str, count: int = 30) -> float:
    """Median ms of ``ApprovalService.submit`` alone: what the route adds HTTP to."""
    from interlock.approvals import ApprovalService
    from interlock.config import load_config
    from interlock.models import Action, ActionKind, Target
    from interlock.store import open_store

    action = Action(ActionKind.SHELL, SHELL["command"], Target(cwd=SHELL["cwd"]))
    with open_store(url) as store:
        service = ApprovalService(store, load_config(DEMO))
        took = []
        for _ in range(count):
            began = time.perf_counter()
            service.submit(token, action)
            took.append(time.perf_counter() - began)
    return statistics.median(took) * 1000


def _figures(result: Measured) -> str:
    rps, p50, p99, count, cpu, server = result
    spent = f"; {cpu.describe(count)}" if cpu else ""
    if server is not None and count:
        spent += f"; server process {server / count * 1000:.2f} ms/call"
    return f"{rps:8.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  ({count} requests{spent})"


def _measure(
    base: str,
    method: str,
    path: str,
    body: dict[str, str] | None,
    headers: dict[str, str],
    *,
    clients: int,
    pid: int | None = None,
) -> Measured:
    """(requests/s, p50 ms, p99 ms, count, machine CPU, server CPU) over ``DURATION_S``
    with ``clients`` threads; the machine's CPU is everything's (server, clients and,
    for PostgreSQL, the database) while the measured calls ran, the server's is that of
    process ``pid`` alone (the clients share the machine, so it says what the server
    itself spends per call)."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    start = threading.Barrier(clients + 1)
    window: dict[str, float] = {}

    def client(i: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            start.wait()
            while time.perf_counter() < window["end"]:
                began = time.perf_counter()
                answer = http.request(method, path, json=body)
                took = time.perf_counter() - began
                if answer.status_code != 200:
                    errors.append(f"{answer.status_code} {answer.text[:200]}")
                    return
                if began >= window["measure"]:
                    latencies[i].append(took)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    now = time.perf_counter()
    window.update(measure=now + WARMUP_S, end=now + WARMUP_S + DURATION_S)
    start.wait()
    time.sleep(max(0.0, window["measure"] - time.perf_counter()))
    before, served = machine.sample(), _seconds(pid)
    time.sleep(max(0.0, window["end"] - time.perf_counter()))
    after, finished = machine.sample(), _seconds(pid)
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{method} {path}: {errors[0]}")
    every = sorted(x for xs in latencies for x in xs)
    if not every:
        raise RuntimeError(f"{method} {path}: no request completed")
    p99 = every[min(len(every) - 1, int(len(every) * 0.99))]
    cpu = machine.used(before, after)
    server = finished - served if finished is not None and served is not None else None
    return (
        len(every) / DURATION_S,
        statistics.median(every) * 1000,
        p99 * 1000,
        len(every),
        cpu,
        server,
    )


def _seconds(pid: int | None) -> float | None:
    return machine.process_seconds(pid) if pid is not None else None


def _agent_token(url: str) -> str:
    from interlock.config import load_config
    from interlock.identity.service import TokenService, wanted_agent
    from interlock.store import open_store

    with open_store(url) as store:
        tokens = TokenService(store, load_config(DEMO))
        return tokens.issue(wanted_agent("kiro", "alice"), expires_in=None).token


@contextmanager
def _server(url: str) -> Iterator[tuple[str, int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "INTERLOCK_AUDIT_KEY": os.devnull + ".absent"}
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.server", url, str(port)],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/bench/hello", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("benchmark server did not start") from None
                time.sleep(0.1)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(15)


def _serve(url: str, port: int) -> None:
    """The server process: the real app plus one hello-world route."""
    import uvicorn

    from interlock.config import load_config
    from interlock.server.app import create_app
    from interlock.server.settings import Settings

    app = create_app(Settings(config=load_config(DEMO), database_url=url, port=port))

    @app.get("/bench/hello", include_in_schema=False)
    def hello() -> dict[str, str]:
        return {"hello": "world"}

    @app.get("/bench/hello-async", include_in_schema=False)
    async def hello_async() -> dict[str, str]:
        return {"hello": "world"}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    if len(sys.argv) == 3:
        _serve(sys.argv[1], int(sys.argv[2]))
    else:
        for text in run():
            print(text)
