"""The approver pages in a real browser against a real ``interlock serve`` (issue 6).

Debian's headless Chromium (``/usr/bin/chromium``, installed by ``make browser``;
never a browser Playwright downloads) drives three people against one server
process on a free loopback port with a temporary SQLite store:

* bob, on a phone-sized screen, signs in; the agent kiro submits the incident plan
  for alice (task "fix a minor bug"); the request appears in his queue without a
  reload; he sees the database replacement first,
  highlighted, with the task shown against what the plan does;
* alice, the requester, is offered no approve button, and the API refuses her vote;
* bob approves; carol's page (another browser context) shows it without a reload;
  carol approves; both pages show the request approved, again without a reload.

Screenshots of the request page go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import base64
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from interlock.demo import incident
from tests.e2e.serving import Server, free_port, serving, sign_in

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CONFIG = """
version: 1
environments:
  production:
    protected: true
    approvals: 2
    approver_groups: [sre]
    match: {names: [production, prod]}
people:
  alice: {groups: [dev]}
  bob: {groups: [sre]}
  carol: {groups: [sre]}
agents:
  kiro: {for: alice, profile: coding}
groups:
  dev:
    permissions: {"*": [read, plan, change, destroy]}
  sre:
    permissions: {"*": [read, plan, change, destroy, approve]}
profiles:
  coding:
    permissions: {"*": [read, plan, change, destroy]}
"""
PEOPLE = ("alice", "bob", "carol", "kiro")
TASK = "fix a minor bug"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    config = tmp_path / "interlock.yaml"
    config.write_text(CONFIG)
    command = [
        sys.executable, "-m", "interlock", "serve",
        "--config", str(config), "--host", "127.0.0.1", "--port", str(free_port()),
        "--database-url", f"sqlite:///{tmp_path / 'store.db'}",
        *(arg for name in PEOPLE for arg in ("--issue-token", name)),
    ]  # fmt: skip
    with serving(command, cwd=tmp_path, names=PEOPLE) as running:
        yield running


def _submit_incident(server: Server) -> str:
    plan = incident.to_bytes(incident.incident_plan())
    reply = httpx.post(
        f"{server.url}/api/v1/requests",
        json={
            "kind": "terraform-plan",
            "plan_b64": base64.b64encode(plan).decode(),
            "env": "production",
            "task": TASK,
            "rationale": "the rounding fix needs the cost stack rebuilt on the new engine",
        },
        headers={"Authorization": f"Bearer {server.tokens['kiro']}"},
        timeout=30.0,
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["decision"] == "hold"
    assert body["required_approvals"] == 2
    return str(body["id"])


def _sign_in(browser: Browser, server: Server, name: str, viewport: ViewportSize) -> Page:
    return sign_in(browser, server.url, server.tokens[name], viewport)


def test_two_approvers_approve_the_incident_live(server: Server, chromium: Browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    bob = _sign_in(chromium, server, "bob", PHONE)
    bob.evaluate("window.notReloaded = true")
    request_id = _submit_incident(server)
    path = f"/requests/{request_id}"
    expect(bob.locator(f"a[href='{path}']")).to_contain_text(TASK, timeout=10_000)
    assert bob.evaluate("window.notReloaded === true"), "the queue was reloaded"
    bob.click(f"a[href='{path}']")
    danger = bob.locator("[data-testid=danger-item]").first
    expect(danger).to_contain_text("aws_db_instance.ledger")
    expect(danger).to_have_class(re.compile(r"\bdestructive\b.*\bstateful\b"))
    expect(bob.locator("[data-testid=task]")).to_contain_text(TASK)
    expect(bob.locator("[data-testid=does]")).to_contain_text("aws_db_instance.ledger")
    expect(bob.locator("[data-testid=tally]")).to_contain_text("0 of 2")
    bob.screenshot(path=ARTIFACTS / "request-approver-phone.png", full_page=True)
    bob.screenshot(path=ARTIFACTS / "request-approver-phone-first-screen.png")

    alice = _sign_in(chromium, server, "alice", DESKTOP)
    alice.goto(path)
    expect(alice.locator("[data-testid=cannot-vote]")).to_contain_text("alice is the requester")
    expect(alice.locator("button[value=approve]")).to_have_count(0)
    alice.screenshot(path=ARTIFACTS / "request-requester.png", full_page=True)
    for name, status in (("alice", 409), ("kiro", 403)):
        refused = httpx.post(
            f"{server.url}/api/v1/requests/{request_id}/votes",
            json={"vote": "approve", "comment": "looks fine to me"},
            headers={"Authorization": f"Bearer {server.tokens[name]}"},
            timeout=10.0,
        )
        assert refused.status_code == status, refused.text

    carol = _sign_in(chromium, server, "carol", DESKTOP)
    carol.goto(path)
    expect(carol.locator("[data-testid=tally]")).to_contain_text("0 of 2")
    carol.evaluate("window.notReloaded = true")

    bob.fill("#comment", "checked with the billing team")
    bob.click("button[value=approve]")
    expect(bob.locator("[data-testid=tally]")).to_contain_text("1 of 2")
    expect(carol.locator("[data-testid=tally]")).to_contain_text("1 of 2", timeout=10_000)
    expect(carol.locator("[data-testid=ballot]")).to_contain_text("bob")
    assert carol.evaluate("window.notReloaded === true"), "carol's page was reloaded"
    bob.evaluate("window.notReloaded = true")

    carol.fill("#comment", "second pair of eyes")
    carol.click("button[value=approve]")
    expect(carol.locator("[data-testid=status]")).to_have_text("approved")
    expect(bob.locator("[data-testid=status]")).to_have_text("approved", timeout=10_000)
    expect(bob.locator("[data-testid=tally]")).to_contain_text("2 of 2")
    assert bob.evaluate("window.notReloaded === true"), "bob's page was reloaded"
    expect(bob.locator("button[value=approve]")).to_have_count(0)
    bob.evaluate("window.scrollTo(0, 0)")
    bob.screenshot(path=ARTIFACTS / "request-approved-phone-first-screen.png")
    bob.screenshot(path=ARTIFACTS / "request-approved-phone.png", full_page=True)
    carol.screenshot(path=ARTIFACTS / "request-approved-desktop.png", full_page=True)

    shown = httpx.get(
        f"{server.url}/api/v1/requests/{request_id}",
        headers={"Authorization": f"Bearer {server.tokens['bob']}"},
        timeout=10.0,
    ).json()
    assert shown["status"] == "approved"
    assert [b["voter"] for b in shown["ballots"]] == ["bob", "carol"]
