"""The HTTP API (api.md) through FastAPI's TestClient over real stores.

The incident walks through the API on SQLite and PostgreSQL: an agent submits the
plan that would replace the production database, is held for two humans, cannot vote,
its human cannot approve their own agent's request, two approvers do, the grant is
used once and the execution is recorded.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from interlock.audit import keys
from interlock.audit.merkle import verify_inclusion
from interlock.server.requests_routes import LOOP_CLASSIFIED_CHARS
from interlock.server.responses import RequestOut, RequestViewOut
from tests.server.apiworld import TASK, ApiWorld, api_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ApiWorld]:
    with api_world(f"sqlite:///{tmp_path / 'interlock.db'}", poll_seconds=0.2) as w:
        yield w


def test_health_names_the_store(world: ApiWorld) -> None:
    answer = world.client.get("/api/v1/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "version": "0.1.0", "store": "sqlite"}


def test_the_incident_through_the_api(store_url: str) -> None:
    with api_world(store_url) as world:
        held = world.submit_incident()
        RequestOut.model_validate(held, strict=True)
        assert (held["decision"], held["status"]) == ("hold", "pending")
        assert held["required_approvals"] == 2
        assert held["approvals"] == 0
        assert held["url"].endswith(f"/requests/{held['id']}")
        ledger = [f for f in held["findings"] if f["target"] == "aws_db_instance.ledger"]
        assert any(f["category"] == "replace" and f["stateful"] for f in ledger)
        rid = held["id"]

        agent = world.vote("kiro", rid)
        assert agent.status_code == 403
        assert agent.json()["error"]["type"] == "ForbiddenError"
        own = world.vote("alice", rid)
        assert own.status_code == 409
        assert "requester" in own.json()["error"]["message"]

        assert world.vote("bob", rid, comment="checked the plan").json() == {
            "status": "pending",
            "approvals": 1,
            "required": 2,
        }
        assert world.vote("bob", rid).status_code == 409
        assert world.vote("carol", rid).json()["status"] == "approved"

        grant_url = f"/api/v1/requests/{rid}/grant"
        wrong = world.client.post(grant_url, headers=world.auth("kiro"), json={"digest": "0" * 64})
        assert wrong.json()["ok"] is False
        used = world.client.post(
            grant_url, headers=world.auth("kiro"), json={"digest": held["digest"]}
        )
        assert used.json()["ok"] is True
        again = world.client.post(
            grant_url, headers=world.auth("kiro"), json={"digest": held["digest"]}
        )
        assert again.json()["ok"] is False
        assert "used already" in again.json()["reason"]

        done = world.client.post(
            f"/api/v1/requests/{rid}/finish",
            headers=world.auth("kiro"),
            json={
                "ok": True,
                "exit_status": 0,
                "output_sha256": "ab" * 32,
                "excerpt": "Apply complete!",
            },
        )
        assert done.status_code == 200
        assert done.json()["status"] == "executed"

        shown = world.client.get(f"/api/v1/requests/{rid}", headers=world.auth("bob")).json()
        RequestViewOut.model_validate(shown, strict=True)
        assert shown["task"] == TASK
        assert [(b["voter"], b["vote"]) for b in shown["ballots"]] == [
            ("bob", "approve"),
            ("carol", "approve"),
        ]
        assert shown["grant"]["used_at"] is not None
        assert shown["approvals"] == 2


@pytest.mark.parametrize(
    ("command", "decision"),
    [
        ("ls -la", "allow"),
        ("rm -rf /", "deny"),
        # longer than what the event loop classifies: a worker thread decides the same
        ("echo " + "a" * LOOP_CLASSIFIED_CHARS, "allow"),
        ("echo " + "a" * LOOP_CLASSIFIED_CHARS + " && rm -rf /", "deny"),
    ],
)
def test_shell_commands_short_and_long_are_decided_alike(
    world: ApiWorld, command: str, decision: str
) -> None:
    answer = world.submit("kiro", kind="shell", command=command, cwd="/tmp")
    assert answer.status_code == 200, answer.text
    assert answer.json()["decision"] == decision
    assert answer.json()["status"] == ("approved" if decision == "allow" else "denied")
    shown = world.client.get(f"/api/v1/requests/{answer.json()['id']}", headers=world.auth("bob"))
    assert shown.json()["decision"] == decision


def test_agent_tokens_never_vote_even_to_deny(world: ApiWorld) -> None:
    rid = world.submit_incident()["id"]
    answer = world.vote("kiro", rid, "deny", comment="looks wrong")
    assert answer.status_code == 403
    shown = world.client.get(f"/api/v1/requests/{rid}", headers=world.auth("bob")).json()
    assert shown["ballots"] == []
    assert shown["status"] == "pending"


def test_a_request_approved_directly_in_the_database_is_refused(world: ApiWorld) -> None:
    from sqlalchemy import update

    from interlock.store.records import requests

    rid = world.submit_incident()["id"]
    with world.gateway.store.transaction() as conn:
        conn.execute(update(requests).where(requests.c.id == rid).values(status="approved"))
    answer = world.vote("bob", rid)
    assert answer.status_code == 409
    assert answer.json()["error"]["type"] == "TamperError"
    assert f"request {rid} was changed outside interlock" in answer.json()["error"]["message"]
    shown = world.client.get(f"/api/v1/requests/{rid}", headers=world.auth("bob"))
    assert shown.status_code == 409  # not shown as approved either


def test_a_denial_needs_a_comment_and_then_closes_the_request(world: ApiWorld) -> None:
    rid = world.submit_incident()["id"]
    assert world.vote("bob", rid, "deny").status_code == 400
    assert (
        world.vote("bob", rid, "deny", comment="replaces the ledger").json()["status"] == "denied"
    )


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, "bearer token is needed"),
        ({"Authorization": "Bearer itk_nope"}, ""),
        ({"Authorization": "Basic YWxpY2U6eA=="}, "bearer token is needed"),
        ({"Authorization": "Bearer " + "x" * 600}, "not an interlock token"),
    ],
)
def test_missing_or_bad_tokens_are_401(
    world: ApiWorld, headers: dict[str, str], fragment: str
) -> None:
    answer = world.client.post(
        "/api/v1/requests", headers=headers, json={"kind": "shell", "command": "ls"}
    )
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert fragment in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/requests",
        "/api/v1/requests/req-0000000000",
        "/api/v1/requests/req-0000000000/wait?timeout=0",
        "/api/v1/requests/req-0000000000/events",
        "/api/v1/audit/checkpoint",
        "/api/v1/audit/key",
        "/api/v1/audit/entries/0/proof",
    ],
)
def test_reading_needs_a_valid_token(world: ApiWorld, path: str) -> None:
    answer = world.client.get(path, headers={"Authorization": "Bearer itk_not-a-real-token"})
    assert answer.status_code == 401
    assert answer.json()["error"]["type"] == "AuthenticationError"


def test_a_revoked_token_is_refused(world: ApiWorld) -> None:
    issued = world.gateway.tokens.list()
    bob = next(t for t, _ in issued if t.principal == "bob")
    world.gateway.tokens.revoke(bob.id)
    assert world.vote("bob", world.submit_incident()["id"]).status_code == 401


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"kind": "rm", "command": "ls"}, "kind"),
        ({"command": "ls"}, "kind: Field required"),
        ({"kind": "shell"}, "command: a shell request needs a non-empty command"),
        ({"kind": "shell", "command": "   "}, "non-empty command"),
        ({"kind": "shell", "command": "ls\x00-la"}, "NUL"),
        ({"kind": "shell", "command": "ls", "plan_b64": "AAAA"}, "takes command"),
        ({"kind": "terraform-plan"}, "plan_b64"),
        ({"kind": "terraform-plan", "plan_b64": "not base64!"}, "not valid base64"),
        ({"kind": "terraform-plan", "plan_b64": base64.b64encode(b"{}").decode()}, ""),
        ({"kind": "shell", "command": "ls", "break_glass": "maybe"}, "break_glass"),
    ],
)
def test_malformed_submissions_are_400_with_a_precise_message(
    world: ApiWorld, body: dict[str, object], fragment: str
) -> None:
    answer = world.client.post("/api/v1/requests", headers=world.auth("kiro"), json=body)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["type"] in ("InputError", "PlanFormatError")
    assert fragment in error["message"]
    listed = world.client.get("/api/v1/requests", headers=world.auth("bob")).json()
    assert listed["requests"] == []


def test_invalid_json_is_400(world: ApiWorld) -> None:
    answer = world.client.post(
        "/api/v1/requests",
        headers={**world.auth("kiro"), "content-type": "application/json"},
        content=b'{"kind": "shell", "command": ',
    )
    assert answer.status_code == 400
    assert "JSON" in answer.json()["error"]["message"]


def test_bodies_over_the_limit_are_413_and_nothing_is_written(tmp_path: Path) -> None:
    with api_world(f"sqlite:///{tmp_path / 'db.sqlite'}", max_body_bytes=4096) as world:
        big = {"kind": "terraform-plan", "plan_b64": "A" * 8192, "env": "production"}
        answer = world.submit("kiro", **big)
        assert answer.status_code == 413
        assert answer.json()["error"]["type"] == "PayloadTooLargeError"

        def chunks() -> Iterator[bytes]:
            yield b'{"kind": "shell", "command": "'
            for _ in range(10):
                yield b"x" * 1000
            yield b'"}'

        streamed = world.client.post(
            "/api/v1/requests",
            headers={**world.auth("kiro"), "content-type": "application/json"},
            content=chunks(),
        )
        assert streamed.status_code == 413
        assert world.submit("kiro", kind="shell", command="ls").status_code == 200
        listed = world.client.get("/api/v1/requests", headers=world.auth("bob")).json()
        assert [r["summary"] for r in listed["requests"]] == ["ls"]


def test_unknown_requests_and_routes_are_404(world: ApiWorld) -> None:
    missing = world.client.get("/api/v1/requests/req-0000000000", headers=world.auth("bob"))
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "NotFoundError"
    route = world.client.get("/api/v1/nowhere")
    assert route.status_code == 404
    assert route.json()["error"]["type"] == "NotFoundError"


def test_list_filters_by_status(world: ApiWorld) -> None:
    world.submit("kiro", kind="shell", command="ls")
    held = world.submit_incident()["id"]
    pending = world.client.get("/api/v1/requests?status=pending", headers=world.auth("bob"))
    assert [r["id"] for r in pending.json()["requests"]] == [held]
    bad = world.client.get("/api/v1/requests?status=sideways", headers=world.auth("bob"))
    assert bad.status_code == 400
    assert "status" in bad.json()["error"]["message"]


def test_long_poll_returns_at_once_when_the_status_already_differs(world: ApiWorld) -> None:
    allowed = world.submit("kiro", kind="shell", command="ls").json()
    started = time.monotonic()
    answer = world.client.get(
        f"/api/v1/requests/{allowed['id']}/wait?timeout=30", headers=world.auth("kiro")
    )
    assert answer.json()["status"] == "approved"
    assert time.monotonic() - started < 5


def test_long_poll_times_out_unchanged(world: ApiWorld) -> None:
    rid = world.submit_incident()["id"]
    started = time.monotonic()
    answer = world.client.get(
        f"/api/v1/requests/{rid}/wait?timeout=0.5", headers=world.auth("kiro")
    )
    assert answer.json()["status"] == "pending"
    assert 0.4 < time.monotonic() - started < 5


def test_long_poll_wakes_when_the_quorum_is_reached(store_url: str) -> None:
    with api_world(store_url, poll_seconds=5) as world:
        _wake_on_quorum(world)


def _wake_on_quorum(world: ApiWorld) -> None:
    rid = world.submit_incident()["id"]
    assert world.vote("bob", rid).status_code == 200

    def approve_later() -> None:
        time.sleep(0.3)
        world.vote("carol", rid)

    voter = threading.Thread(target=approve_later)
    voter.start()
    started = time.monotonic()
    answer = world.client.get(f"/api/v1/requests/{rid}/wait?timeout=20", headers=world.auth("kiro"))
    voter.join()
    assert answer.json()["status"] == "approved"
    assert time.monotonic() - started < 4  # woken by the vote, not by the 5 s re-read


def test_long_poll_timeout_is_bounded(world: ApiWorld) -> None:
    rid = world.submit_incident()["id"]
    answer = world.client.get(f"/api/v1/requests/{rid}/wait?timeout=61", headers=world.auth("kiro"))
    assert answer.status_code == 400
    assert "timeout" in answer.json()["error"]["message"]


def test_event_stream_of_a_settled_request_sends_it_and_ends(world: ApiWorld) -> None:
    rid = world.submit_incident()["id"]
    world.vote("bob", rid, "deny", comment="no")
    with world.client.stream(
        "GET", f"/api/v1/requests/{rid}/events", headers=world.auth("kiro")
    ) as s:
        assert s.headers["content-type"].startswith("text/event-stream")
        text = "".join(s.iter_text())
    assert text.startswith("event: status\ndata: {")
    assert '"status":"denied"' in text


def test_metrics_count_decisions_and_pending(world: ApiWorld) -> None:
    world.submit("kiro", kind="shell", command="ls")
    world.submit_incident()
    text = world.client.get("/metrics").text
    assert 'interlock_decisions_total{decision="allow"} 1.0' in text
    assert 'interlock_decisions_total{decision="hold"} 1.0' in text
    assert "interlock_pending_requests 1.0" in text
    assert "interlock_classification_seconds_count 2.0" in text


def test_audit_routes_serve_checkpoint_key_and_a_verifiable_proof(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer = keys.generate()
    key_file = tmp_path / "audit.key"
    keys.write_signer(key_file, signer, replace=False)
    monkeypatch.setenv("INTERLOCK_AUDIT_KEY", str(key_file))
    monkeypatch.setenv("INTERLOCK_AUDIT_CHECKPOINT_ENTRIES", "1")
    with api_world(f"sqlite:///{tmp_path / 'db.sqlite'}") as world:
        world.submit_incident()
        key = world.client.get("/api/v1/audit/key", headers=world.auth("bob"))
        assert key.text.strip() == signer.verifier_key()
        note = world.client.get("/api/v1/audit/checkpoint", headers=world.auth("bob")).text
        assert note.startswith(f"{signer.name}\n")
        proof = world.client.get("/api/v1/audit/entries/0/proof", headers=world.auth("bob")).json()
        path = [base64.b64decode(h) for h in proof["path"]]
        assert verify_inclusion(
            0,
            proof["tree_size"],
            base64.b64decode(proof["leaf_hash"]),
            path,
            base64.b64decode(proof["root_hash"]),
        )
        beyond = world.client.get("/api/v1/audit/entries/99999/proof", headers=world.auth("bob"))
        assert beyond.status_code == 404
        larger = world.client.get(
            "/api/v1/audit/entries/0/proof?size=99999", headers=world.auth("bob")
        )
        assert larger.status_code == 404


def test_audit_checkpoint_without_a_key_is_404(
    world: ApiWorld, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("INTERLOCK_AUDIT_KEY", str(tmp_path / "absent.key"))
    answer = world.client.get("/api/v1/audit/key", headers=world.auth("bob"))
    assert answer.status_code == 404
