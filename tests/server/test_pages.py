"""The approver pages through FastAPI's TestClient: sign-in, CSRF, who may vote.

Each test builds the real app over a fresh SQLite store with people alice (the
requester), bob and carol (approvers, group ``sre``), dave (not an approver) and
agent kiro acting for alice, and submits the incident plan through the real
approval service.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from interlock.config import parse_config
from interlock.demo import incident
from interlock.identity.service import wanted_agent, wanted_human
from interlock.models import Action, ActionKind, Target
from interlock.server.app import create_app
from interlock.server.gateway import Gateway
from interlock.server.session import SECURE_COOKIE, Session, SessionSealer
from interlock.server.settings import Settings

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
  dave: {groups: [dev]}
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


@dataclass
class Site:
    """The app, its gateway, tokens per principal and the incident request."""

    app_client: TestClient
    gateway: Gateway
    tokens: dict[str, str]
    request_id: str

    def browser(self) -> TestClient:
        """A fresh cookie jar over the same app (another person's browser)."""
        return TestClient(self.app_client.app, base_url="https://testserver")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    settings = Settings(
        config=parse_config(CONFIG),
        database_url=f"sqlite:///{tmp_path / 'pages.db'}",
        session_secret="test-secret-for-pages",
    )
    app = create_app(settings)
    with TestClient(app, base_url="https://testserver") as client:
        gateway: Gateway = app.state.gateway
        tokens = {
            name: gateway.tokens.issue(wanted_human(name), expires_in=None).token
            for name in ("alice", "bob", "carol", "dave")
        }
        tokens["kiro"] = gateway.tokens.issue(wanted_agent("kiro", "alice"), expires_in=None).token
        plan = incident.to_bytes(incident.incident_plan())
        action = Action(
            ActionKind.TERRAFORM_PLAN,
            plan,
            Target(environment="production"),
            task="fix a minor bug",
            rationale="the cost report rounding fix needs the new stack",
        )
        submitted = gateway.approvals.submit(tokens["kiro"], action)
        yield Site(client, gateway, tokens, submitted.record.id)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, token: str) -> None:
    form = client.get("/login")
    reply = client.post(
        "/login",
        data={"token": token, "csrf_token": csrf_of(form.text), "next": "/"},
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    assert reply.headers["location"] == "/"


def test_pages_need_sign_in(site: Site) -> None:
    client = site.browser()
    for path in ("/", f"/requests/{site.request_id}"):
        reply = client.get(path, follow_redirects=False)
        assert reply.status_code == 303
        assert reply.headers["location"].startswith("/login")
    assert client.get(f"/requests/{site.request_id}/live").status_code == 401


def test_login_sets_a_hardened_cookie(site: Site) -> None:
    client = site.browser()
    form = client.get("/login")
    reply = client.post(
        "/login",
        data={"token": site.tokens["bob"], "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    cookie = reply.headers["set-cookie"]
    assert cookie.startswith(f"{SECURE_COOKIE}=")
    for flag in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert flag.lower() in cookie.lower()
    assert site.tokens["bob"] not in cookie, "the cookie must not carry the token in clear"
    assert "Content-Security-Policy" in reply.headers


def test_login_refuses_bad_and_agent_tokens(site: Site) -> None:
    client = site.browser()
    form = csrf_of(client.get("/login").text)
    bad = client.post("/login", data={"token": "not-a-token", "csrf_token": form})
    assert bad.status_code == 401
    assert "unknown, expired or revoked" in bad.text
    agent = client.post("/login", data={"token": site.tokens["kiro"], "csrf_token": form})
    assert agent.status_code == 403
    assert "agent tokens cannot sign in" in agent.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_needs_csrf(site: Site) -> None:
    client = site.browser()
    client.get("/login")
    reply = client.post("/login", data={"token": site.tokens["bob"], "csrf_token": "forged"})
    assert reply.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 303


def test_approver_sees_the_incident_with_the_database_first(site: Site) -> None:
    client = site.browser()
    sign_in(client, site.tokens["bob"])
    queue = client.get("/")
    assert site.request_id in queue.text
    assert "fix a minor bug" in queue.text
    page = client.get(f"/requests/{site.request_id}").text
    danger = page.index("What this would destroy")
    assert page.index("aws_db_instance.ledger", danger) < page.index("aws_lb.public", danger)
    assert "stateful" in page
    assert "identifier, engine cannot be updated in place" in page
    assert "fix a minor bug" in page
    assert 'value="approve"' in page
    assert "0 of 2" in page
    assert incident.INCIDENT_PASSWORD not in page
    assert "all proofs verify" in page


def test_vote_without_csrf_is_refused(site: Site) -> None:
    client = site.browser()
    sign_in(client, site.tokens["bob"])
    reply = client.post(
        f"/requests/{site.request_id}/vote", data={"vote": "approve", "csrf_token": "nope"}
    )
    assert reply.status_code == 403
    assert "did not come from this site" in reply.text
    assert site.gateway.show(site.request_id).ballots == ()


def test_csrf_token_of_another_session_is_refused(site: Site) -> None:
    bob, carol = site.browser(), site.browser()
    sign_in(bob, site.tokens["bob"])
    sign_in(carol, site.tokens["carol"])
    carols = csrf_of(carol.get(f"/requests/{site.request_id}").text)
    reply = bob.post(
        f"/requests/{site.request_id}/vote", data={"vote": "approve", "csrf_token": carols}
    )
    assert reply.status_code == 403
    assert site.gateway.show(site.request_id).ballots == ()


def test_two_approvers_approve(site: Site) -> None:
    for name in ("bob", "carol"):
        client = site.browser()
        sign_in(client, site.tokens[name])
        page = client.get(f"/requests/{site.request_id}").text
        reply = client.post(
            f"/requests/{site.request_id}/vote",
            data={"vote": "approve", "comment": f"{name} checked", "csrf_token": csrf_of(page)},
            follow_redirects=False,
        )
        assert reply.status_code == 303
        after = client.get(reply.headers["location"]).text
        assert "Your approval is recorded." in after
    view = site.gateway.show(site.request_id)
    assert view.record.status.value == "approved"
    assert [b.voter for b in view.ballots] == ["bob", "carol"]
    assert {b.channel for b in view.ballots} == {"web"}


def test_requester_sees_no_approve_button_and_is_refused(site: Site) -> None:
    client = site.browser()
    sign_in(client, site.tokens["alice"])
    page = client.get(f"/requests/{site.request_id}").text
    assert 'value="approve"' not in page
    assert "You cannot vote on this request" in page
    assert "alice is the requester" in page
    reply = client.post(
        f"/requests/{site.request_id}/vote",
        data={"vote": "approve", "csrf_token": csrf_of(page)},
    )
    assert reply.status_code == 409
    assert "alice is the requester" in reply.text
    assert site.gateway.show(site.request_id).ballots == ()


def test_non_member_is_told_why(site: Site) -> None:
    client = site.browser()
    sign_in(client, site.tokens["dave"])
    page = client.get(f"/requests/{site.request_id}").text
    assert 'value="approve"' not in page
    assert "dave is not in any approver group this request needs (sre)" in page


def test_unknown_request_is_a_404_page(site: Site) -> None:
    client = site.browser()
    sign_in(client, site.tokens["bob"])
    reply = client.get("/requests/req-0000000000")
    assert reply.status_code == 404
    assert "no request req-0000000000" in reply.text


def test_denial_needs_a_comment(site: Site) -> None:
    client = site.browser()
    sign_in(client, site.tokens["bob"])
    page = client.get(f"/requests/{site.request_id}").text
    reply = client.post(
        f"/requests/{site.request_id}/vote", data={"vote": "deny", "csrf_token": csrf_of(page)}
    )
    assert reply.status_code == 400
    assert "a denial needs a comment" in reply.text
    assert site.gateway.show(site.request_id).record.status.value == "pending"


def test_agent_token_cannot_vote_through_the_api(site: Site) -> None:
    reply = site.app_client.post(
        f"/api/v1/requests/{site.request_id}/votes",
        json={"vote": "approve", "comment": "self-approve"},
        headers={"Authorization": f"Bearer {site.tokens['kiro']}"},
    )
    assert reply.status_code == 403


def test_forged_session_cookie_is_ignored(site: Site) -> None:
    client = site.browser()
    forged = SessionSealer("another-secret").seal(Session("n" * 32, site.tokens["bob"], 0))
    client.cookies.set(SECURE_COOKIE, forged)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_revoked_token_ends_the_session(site: Site) -> None:
    client = site.browser()
    sign_in(client, site.tokens["bob"])
    assert client.get("/", follow_redirects=False).status_code == 200
    token_ids = [info.id for info, _ in site.gateway.tokens.list() if info.principal == "bob"]
    for token_id in token_ids:
        site.gateway.tokens.revoke(token_id)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_logout_needs_csrf_and_ends_the_session(site: Site) -> None:
    client = site.browser()
    sign_in(client, site.tokens["bob"])
    page = client.get("/").text
    assert client.post("/logout", data={"csrf_token": "x"}).status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200
    reply = client.post("/logout", data={"csrf_token": csrf_of(page)}, follow_redirects=False)
    assert reply.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_login_never_redirects_off_site(site: Site, target: str) -> None:
    client = site.browser()
    form = csrf_of(client.get("/login").text)
    reply = client.post(
        "/login",
        data={"token": site.tokens["bob"], "csrf_token": form, "next": target},
        follow_redirects=False,
    )
    assert reply.headers["location"] == "/"


def test_plain_http_off_loopback_refuses_sign_in(site: Site) -> None:
    client = TestClient(site.app_client.app, base_url="http://gateway.example")
    page = client.get("/login")
    assert "Sign-in is refused" in page.text
    reply = client.post("/login", data={"token": site.tokens["bob"], "csrf_token": "x"})
    assert reply.status_code == 403
    sealer = SessionSealer("test-secret-for-pages")
    for header in reply.headers.get_list("set-cookie"):
        value = header.split(";", 1)[0].split("=", 1)[1]
        opened = sealer.open(value)
        assert opened is None or not opened.signed_in


def test_static_assets_are_local(site: Site) -> None:
    client = site.browser()
    css = client.get("/static/style.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert client.get("/static/live.js").status_code == 200
    assert client.get("/static/..%2Fpages.py").status_code == 404
    sign_in(client, site.tokens["bob"])
    page = client.get(f"/requests/{site.request_id}").text
    assert re.findall(r'(?:src|href)="(https?:)?//', page) == []


def test_sealed_session_round_trip_and_tamper() -> None:
    sealer = SessionSealer("k")
    value = sealer.seal(Session("abc", "tok", 10**10 // 10))
    opened = sealer.open(value, now=10**10 // 10 + 5)
    assert opened == Session("abc", "tok", 10**10 // 10)
    raw = bytearray(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    raw[-1] ^= 1
    tampered = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    assert sealer.open(tampered, now=10**10 // 10 + 5) is None
    assert sealer.open(value, now=10**10 // 10 + 13 * 3600) is None
    assert sealer.csrf_ok(opened, sealer.csrf_token(opened))
    assert not sealer.csrf_ok(opened, SessionSealer("other").csrf_token(opened))
