"""The README's quick start, followed as written by a new user (issue 10).

The test reads the ``sh`` block under "Quick start" in README.md and the ``run``
target of the Makefile, and does what they say in a fresh working directory (holding
only the project's ``.venv`` and ``examples``, so every relative path in the README
means what it means in a checkout, and the store is that directory's own
``.interlock/interlock.db``):

1. start the gateway exactly as ``make run`` does, on a free loopback port, and read
   the URL and the one-time tokens it prints;
2. export the tokens the README names and run its ``interlock request`` line: the
   request is held for the number of approvals the README's comment promises;
3. open the printed URL in Chromium, sign in with bob's token, find the request in
   the queue and approve it;
4. run the README's ``interlock approve`` line with carol's token: the request is
   approved, with bob's vote from the web page and carol's from the command line,
   and bob's open page shows it without a reload;
5. run the README's ``interlock demo`` line: it exits 0.

A README or Makefile command that does not work as written fails here.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.e2e.serving import Server, free_port, serving, sign_in

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MAKEFILE = ROOT / "Makefile"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
#: What a checkout provides that the quick start's relative paths point into.
CHECKOUT = (".venv", "examples")


@dataclass(frozen=True)
class QuickStart:
    """The quick start block: the tokens it exports and its interlock lines."""

    exports: dict[str, str]  # shell variable -> the person or agent it holds a token for
    commands: list[tuple[list[str], str]]  # argv and the line's comment

    def command(self, verb: str) -> tuple[list[str], str]:
        """The one line that runs ``interlock VERB``."""
        found = [c for c in self.commands if Path(c[0][0]).name == "interlock" and c[0][1] == verb]
        assert len(found) == 1, f"the quick start has {len(found)} `interlock {verb}` lines"
        return found[0]


def _logical_lines(block: str) -> list[str]:
    """The block's lines with backslash continuations joined."""
    return block.replace("\\\n", " ").splitlines()


def quick_start(readme: str) -> QuickStart:
    """Parse the ``sh`` block under the README's "Quick start" heading."""
    section = readme.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```sh\n(.*?)```", section, re.S)
    assert found, "the quick start has no ```sh block"
    exports: dict[str, str] = {}
    commands: list[tuple[list[str], str]] = []
    for line in _logical_lines(found.group(1)):
        code, _, comment = line.partition("#")
        words = shlex.split(code)
        if not words:
            continue
        if words[0] == "export":
            exports.update({w.split("=")[0]: w.split("=")[0].lower() for w in words[1:]})
        elif words[0] != "make":
            commands.append((words, comment.strip()))
    assert "make run" in found.group(1), "the quick start does not start with `make run`"
    return QuickStart(exports, commands)


def make_run_command(makefile: str, port: int) -> list[str]:
    """The ``interlock serve`` line of the Makefile's ``run`` target, on ``port``."""
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    lines = [line.strip() for line in _logical_lines(recipe) if "interlock serve" in line]
    assert len(lines) == 1, "the run target has no single `interlock serve` line"
    line = lines[0].replace("$(BIN)", ".venv/bin")
    line, count = re.subn(r"\$\$\{PORT:-\d+\}", str(port), line)
    assert count == 1, f"the run target's port is not $${{PORT:-...}}: {line}"
    return shlex.split(line)


def _substituted(argv: list[str], values: Mapping[str, str]) -> list[str]:
    def one(word: str) -> str:
        return re.sub(r"\$(\w+)|\b(REQUEST_ID)\b", lambda m: values[m.group(1) or m.group(2)], word)

    return [one(word) for word in argv]


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A working directory where the README's relative paths resolve as in a checkout."""
    for name in CHECKOUT:
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    return tmp_path


@pytest.fixture
def environ() -> dict[str, str]:
    """The environment of a new user: no store, token or URL chosen for them."""
    return {k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_")}


@pytest.fixture
def gateway(checkout: Path, environ: dict[str, str]) -> Iterator[Server]:
    """``make run``'s server, running in ``checkout``."""
    command = make_run_command(MAKEFILE.read_text(encoding="utf-8"), free_port())
    names = [command[i + 1] for i, word in enumerate(command) if word == "--issue-token"]
    with serving(command, cwd=checkout, names=names, env=environ) as server:
        yield server


def _run(argv: list[str], cwd: Path, env: Mapping[str, str]) -> str:
    done = subprocess.run(
        argv, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, f"{shlex.join(argv)} exited {done.returncode}: {done.stderr}"
    return done.stdout


def _approve_in_browser(chromium: Browser, server: Server, token: str, request_id: str) -> Page:
    page = sign_in(chromium, server.url, token, DESKTOP, start="/")
    link = page.locator(f"a[href='/requests/{request_id}']")
    expect(link).to_have_count(1)
    link.click()
    expect(page.locator("[data-testid=status]")).to_have_text("pending")
    expect(page.locator("[data-testid=tally]")).to_contain_text("0 of 2")
    page.click("button[value=approve]")
    expect(page.locator("[data-testid=tally]")).to_contain_text("1 of 2")
    page.evaluate("window.notReloaded = true")
    return page


def test_the_readme_quick_start(
    checkout: Path, environ: dict[str, str], gateway: Server, chromium: Browser
) -> None:
    steps = quick_start(README.read_text(encoding="utf-8"))
    assert set(steps.exports.values()) <= set(gateway.tokens), steps.exports
    values = {var: gateway.tokens[name] for var, name in steps.exports.items()}

    argv, comment = steps.command("request")
    promised = re.fullmatch(r"-> REQUEST_ID\s+(\w+): needs (\d+) approvals", comment)
    assert promised, f"the request line's comment promises no outcome: {comment!r}"
    printed = _run(_substituted(argv, values), checkout, environ)
    first, *rest = printed.splitlines()
    held = re.fullmatch(r"(req-\S+)\s+(\w+)\s+\(pending\)", first)
    assert held, printed
    request_id = held.group(1)
    assert held.group(2) == promised.group(1) == "hold"
    assert rest[0].strip().startswith(f"needs {promised.group(2)} approvals"), printed

    bob = _approve_in_browser(chromium, gateway, gateway.tokens["bob"], request_id)

    argv, _ = steps.command("approve")
    _run(_substituted(argv, {**values, "REQUEST_ID": request_id}), checkout, environ)
    expect(bob.locator("[data-testid=status]")).to_have_text("approved", timeout=10_000)
    assert bob.evaluate("window.notReloaded === true"), "bob's page was reloaded"

    shown = json.loads(
        _run([".venv/bin/interlock", "requests", "show", request_id, "--json"], checkout, environ)
    )
    assert (shown["status"], shown["requester"], shown["agent"]) == ("approved", "alice", "kiro")
    assert [v["voter"] for v in shown["votes"]] == ["bob", "carol"]
    assert (checkout / ".interlock" / "interlock.db").is_file()


def test_the_readme_demo_line(checkout: Path, environ: dict[str, str]) -> None:
    argv, _ = quick_start(README.read_text(encoding="utf-8")).command("demo")
    printed = _run(argv, checkout, environ)
    assert printed.count("audit log verified") == 4, printed
