"""Watched sessions over HTTP: ``/api/v1/sessions`` and the request page's unfreeze form.

The API runs on SQLite and PostgreSQL (``store_url``) with the demo's people: agent
kiro acts for alice in a session, bob (a human) lists, shows, freezes and unfreezes
it, and kiro's own token is refused (403) on every route, so an agent cannot unfreeze
its own session. The page tests sign bob in over HTTPS and use the form, checking
that a forged CSRF token and an agent's sealed session change nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from interlock.server import session as cookies
from interlock.server.session import SECURE_COOKIE, SessionSealer
from interlock.server.sessions_routes import FreezeOut, SessionListOut, SessionOut
from interlock.watch.breaker import FROZEN_RULE
from interlock.watch.sequence import RULE_ID as RECREATE_RULE
from tests.server.apiworld import ApiWorld, api_world
from tests.server.test_pages import csrf_of, sign_in

SECRET = "test-secret-for-session-pages"
SID = "s-api-1"
WRITE = "kubectl scale deployment/web --replicas=3 --context staging"
DELETE_LEDGER = "aws rds delete-db-instance --db-instance-identifier ledger --profile prod"
CREATE_LEDGER = (
    "aws rds create-db-instance --db-instance-identifier ledger --db-instance-class "
    "db.t3.micro --engine postgres --profile prod"
)


def run(world: ApiWorld, command: str, session: str = SID, **extra: Any) -> dict[str, Any]:
    """kiro submits a shell command in ``session``; the decided request."""
    answer = world.submit("kiro", kind="shell", command=command, session_id=session, **extra)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def post(world: ApiWorld, who: str, path: str, reason: str = "looked at it") -> Any:
    return world.client.post(
        f"/api/v1/sessions/{path}", headers=world.auth(who), json={"reason": reason}
    )


def show(world: ApiWorld, who: str = "bob", session: str = SID) -> Any:
    return world.client.get(f"/api/v1/sessions/{session}", headers=world.auth(who))


def rule_ids(request: dict[str, Any]) -> set[str]:
    return {r["rule_id"] for r in request["reasons"]} | {f["rule_id"] for f in request["findings"]}


def test_a_human_freezes_and_unfreezes_through_the_api(store_url: str) -> None:
    with api_world(store_url) as world:
        first = run(world, "ls -la")
        listed = world.client.get("/api/v1/sessions", headers=world.auth("bob"))
        assert listed.status_code == 200
        SessionListOut.model_validate(listed.json(), strict=True)
        (row,) = [r for r in listed.json()["sessions"] if r["session"] == SID]
        assert (row["agent"], row["human"], row["actions"], row["frozen"]) == (
            "kiro",
            "alice",
            1,
            False,
        )

        frozen = post(world, "bob", f"{SID}/freeze", "kiro is looping on deletes")
        assert frozen.status_code == 200, frozen.text
        FreezeOut.model_validate(frozen.json(), strict=True)
        assert frozen.json()["frozen_by"] == "bob"
        assert frozen.json()["unfrozen_at"] is None

        held = run(world, WRITE)
        assert held["decision"] == "hold"
        assert FROZEN_RULE in rule_ids(held)
        read = run(world, "ls -la")
        assert FROZEN_RULE not in rule_ids(read)

        shown = show(world)
        assert shown.status_code == 200
        SessionOut.model_validate(shown.json(), strict=True)
        view = shown.json()
        assert view["frozen"] is True
        assert view["freeze"]["reason"] == "kiro is looping on deletes"
        assert view["shown"] == 3
        assert view["agents"] == ["kiro"]
        assert [a["request"] for a in view["actions"]] == [read["id"], held["id"], first["id"]]

        lifted = post(world, "bob", f"{SID}/unfreeze", "talked to alice")
        assert lifted.status_code == 200, lifted.text
        assert (lifted.json()["unfrozen_by"], lifted.json()["unfreeze_reason"]) == (
            "bob",
            "talked to alice",
        )
        after = show(world).json()
        assert after["frozen"] is False
        assert after["freeze"] is None
        assert after["freezes"][0]["unfrozen_by"] == "bob"
        assert FROZEN_RULE not in rule_ids(run(world, WRITE))
        again = post(world, "bob", f"{SID}/unfreeze")
        assert again.status_code == 400
        assert "not frozen" in again.json()["error"]["message"]


def test_an_agent_token_is_refused_on_every_session_route(store_url: str) -> None:
    with api_world(store_url) as world:
        run(world, "ls")
        assert post(world, "bob", f"{SID}/freeze", "hold on").status_code == 200
        answers = [
            world.client.get("/api/v1/sessions", headers=world.auth("kiro")),
            show(world, "kiro"),
            post(world, "kiro", f"{SID}/unfreeze", "I am fine"),
            post(world, "kiro", f"{SID}/freeze", "freeze myself"),
        ]
        for answer in answers:
            assert answer.status_code == 403, answer.text
            assert answer.json()["error"]["type"] == "ForbiddenError"
            assert "kiro" in answer.json()["error"]["message"]
        assert show(world).json()["frozen"] is True
        assert show(world).json()["freeze"]["frozen_by"] == "bob"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ApiWorld]:
    url = f"sqlite:///{tmp_path / 'sessions.db'}"
    with api_world(url, session_secret=SECRET, poll_seconds=0.2) as built:
        yield built


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("nobody-here", None, 404),
        (f"{SID}/freeze", {"reason": "   "}, 400),
        (f"{SID}/freeze", {}, 400),
        (f"{SID}/unfreeze", {"reason": "not frozen yet"}, 400),
    ],
)
def test_refusals(world: ApiWorld, path: str, body: dict[str, str] | None, status: int) -> None:
    run(world, "ls")
    url, auth = f"/api/v1/sessions/{path}", world.auth("bob")
    answer = (
        world.client.get(url, headers=auth)
        if body is None
        else world.client.post(url, headers=auth, json=body)
    )
    assert answer.status_code == status, answer.text
    assert show(world).json()["frozen"] is False


def test_no_token_is_401(world: ApiWorld) -> None:
    assert world.client.get("/api/v1/sessions").status_code == 401
    assert (
        world.client.post(f"/api/v1/sessions/{SID}/unfreeze", json={"reason": "x"}).status_code
        == 401
    )


def browser(world: ApiWorld) -> TestClient:
    return TestClient(world.client.app, base_url="https://testserver")


def frozen_request(world: ApiWorld) -> dict[str, Any]:
    """A request of kiro's held because bob froze its session."""
    run(world, "ls")
    assert post(world, "bob", f"{SID}/freeze", "ten deletes in a minute").status_code == 200
    held = run(world, WRITE)
    assert FROZEN_RULE in rule_ids(held)
    return held


def test_the_page_says_the_session_is_frozen_and_a_human_unfreezes_it(world: ApiWorld) -> None:
    held = frozen_request(world)
    carol = browser(world)
    sign_in(carol, world.tokens["carol"])
    page = carol.get(f"/requests/{held['id']}").text
    assert f"<code>{SID}</code> is frozen" in page
    assert "Frozen by <strong>bob</strong>" in page
    assert "ten deletes in a minute" in page
    assert "Unfreeze session" in page
    assert page.index('id="frozen"') < page.index("The human asked")

    blank = carol.post(
        f"/requests/{held['id']}/unfreeze", data={"reason": " ", "csrf_token": csrf_of(page)}
    )
    assert blank.status_code == 400
    nul = carol.post(
        f"/requests/{held['id']}/unfreeze", data={"reason": "a\x00b", "csrf_token": csrf_of(page)}
    )
    assert nul.status_code == 400
    assert show(world).json()["frozen"] is True

    done = carol.post(
        f"/requests/{held['id']}/unfreeze",
        data={"reason": "alice confirmed the task", "csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/requests/{held['id']}?unfrozen=1"
    after = carol.get(done.headers["location"]).text
    assert "The session is unfrozen." in after
    assert 'id="frozen"' not in after
    state = show(world).json()
    assert state["frozen"] is False
    assert state["freezes"][0]["unfrozen_by"] == "carol"
    assert state["freezes"][0]["unfreeze_reason"] == "alice confirmed the task"


def test_the_unfreeze_form_needs_its_csrf_token(world: ApiWorld) -> None:
    held = frozen_request(world)
    carol = browser(world)
    sign_in(carol, world.tokens["carol"])
    carol.get(f"/requests/{held['id']}")
    reply = carol.post(
        f"/requests/{held['id']}/unfreeze", data={"reason": "please", "csrf_token": "forged"}
    )
    assert reply.status_code == 403
    assert "did not come from this site" in reply.text
    assert show(world).json()["frozen"] is True


def test_an_agent_cannot_unfreeze_through_the_page(world: ApiWorld) -> None:
    held = frozen_request(world)
    url = f"/requests/{held['id']}/unfreeze"
    anonymous = browser(world)
    form = csrf_of(anonymous.get("/login").text)
    reply = anonymous.post(url, data={"reason": "x", "csrf_token": form}, follow_redirects=False)
    assert reply.status_code == 303
    assert reply.headers["location"].startswith("/login")
    # A session cookie sealed around the agent's token, as if it had got past sign-in.
    agent = browser(world)
    sealer = SessionSealer(SECRET)
    sealed = cookies.signed_in(world.tokens["kiro"])
    agent.cookies.set(SECURE_COOKIE, sealer.seal(sealed))
    forged = agent.post(
        url,
        data={"reason": "let me go", "csrf_token": sealer.csrf_token(sealed)},
        follow_redirects=False,
    )
    assert forged.status_code == 303
    assert forged.headers["location"].startswith("/login")
    assert show(world).json()["frozen"] is True


def test_an_unwatched_or_unfrozen_request_offers_no_unfreeze(world: ApiWorld) -> None:
    plain = run(world, "ls")
    bob = browser(world)
    sign_in(bob, world.tokens["bob"])
    page = bob.get(f"/requests/{plain['id']}").text
    assert 'id="frozen"' not in page
    reply = bob.post(
        f"/requests/{plain['id']}/unfreeze", data={"reason": "why not", "csrf_token": csrf_of(page)}
    )
    assert reply.status_code == 400
    assert "not frozen" in reply.text


def test_watch_findings_are_near_the_top_of_the_page(world: ApiWorld) -> None:
    run(world, DELETE_LEDGER, task="refresh the staging environment")
    second = run(world, CREATE_LEDGER, task="refresh the staging environment")
    (recreate,) = [f for f in second["findings"] if f["rule_id"] == RECREATE_RULE]
    intents = [f for f in second["findings"] if f["rule_id"].startswith("intent-")]
    assert intents, "a production action under a staging task is an intent mismatch"
    bob = browser(world)
    sign_in(bob, world.tokens["bob"])
    page = bob.get(f"/requests/{second['id']}").text
    top = page.index("The human asked")
    assert -1 < page.find(escape(recreate["target"])) < top
    for finding in intents:
        assert -1 < page.find(escape(finding["explanation"])) < top
