"""Running a real ``interlock serve`` and a real browser for the end-to-end tests.

The browser tests (``test_browser.py``) and the README quick start
(``test_quickstart.py``) both start the server as a subprocess on a free loopback
port, read the URL and the one-time tokens it prints once (the only way a new user
gets them), wait for ``/api/v1/health``, and stop it with Ctrl-C (SIGINT) as a person
would. The browser is Debian's Chromium (``/usr/bin/chromium``, installed by ``make
browser``), never a build Playwright downloads.
"""

from __future__ import annotations

import queue
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_URL_LINE = re.compile(r"interlock gateway on (\S+)")
_TOKEN_LINE = re.compile(r"\s*token for (?:agent )?(\w+)\b.*: (\S+)\s*$")


@dataclass
class Server:
    """A running ``interlock serve``: the URL and the tokens it printed."""

    url: str
    tokens: dict[str, str]


def free_port() -> int:
    """A TCP port on loopback nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pump(stream: IO[str], into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)


def _read_banner(
    proc: subprocess.Popen[str], lines: queue.Queue[str], names: Sequence[str], timeout: float
) -> Server:
    """The URL and the tokens for ``names`` from what the server prints on start."""
    url = ""
    tokens: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while not url or not set(names) <= set(tokens):
        left = deadline - time.monotonic()
        assert left > 0, f"no URL or tokens printed in {timeout} s: {url!r} {sorted(tokens)}"
        assert proc.poll() is None, f"server exited with {proc.returncode}"
        try:
            line = lines.get(timeout=min(left, 0.5))
        except queue.Empty:
            continue
        if found := _URL_LINE.search(line):
            url = found.group(1)
        elif found := _TOKEN_LINE.match(line):
            tokens[found.group(1)] = found.group(2)
    return Server(url, tokens)


def _wait_healthy(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"server at {url} never became healthy")


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@contextmanager
def serving(
    command: Sequence[str],
    cwd: Path,
    names: Sequence[str],
    env: Mapping[str, str] | None = None,
) -> Iterator[Server]:
    """Run ``command`` (an ``interlock serve``) in ``cwd`` until the block ends."""
    proc = subprocess.Popen(
        list(command),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=cwd,
        env=None if env is None else dict(env),
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
    reader.start()
    try:
        server = _read_banner(proc, lines, names, timeout=30.0)
        _wait_healthy(server.url, timeout=15.0)
        yield server
    finally:
        _stop(proc)
        reader.join(timeout=5)
        assert proc.stdout is not None
        proc.stdout.close()


def sign_in(
    browser: Browser, url: str, token: str, viewport: ViewportSize, start: str = "/login"
) -> Page:
    """A fresh browser context that opens ``start`` and signs in there with ``token``."""
    context = browser.new_context(viewport=viewport, base_url=url)
    page = context.new_page()
    page.goto(start)
    page.fill("#token", token)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Waiting for approval")
    return page
