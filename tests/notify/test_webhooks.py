"""Delivering events to a real webhook receiver on loopback, which verifies each one.

Also the events the gateway emits: a held request, its approval, a break-glass alert
and a denied attempt at interlock's own files, each with a link to the request page.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from interlock.config import WebhookConfig, parse_config
from interlock.errors import ConfigError
from interlock.notify import Notifier
from interlock.notify.messages import body, slack_text
from interlock.notify.signing import new_secret
from tests.notify.receiver import receiver
from tests.server.apiworld import DEMO, api_world


def test_every_delivery_is_signed_and_verified() -> None:
    secret = new_secret()
    with receiver(secret) as hook:
        notifier = Notifier([WebhookConfig(hook.url, secret, ())])
        ids = [
            notifier.emit("request.pending", {"id": f"req-{i}", "summary": "ls"}) for i in range(5)
        ]
        assert notifier.flush(10)
        notifier.close()
        got = hook.wait_for(5)
    assert len(got) == 5
    assert all(d.verified for d in got)
    assert sorted(d.headers["webhook-id"] for d in got) == sorted(i for i in ids if i)
    assert {d.json["data"]["id"] for d in got} == {f"req-{i}" for i in range(5)}
    assert notifier.stats.delivered == 5


def test_failures_are_retried_with_the_same_id() -> None:
    secret = new_secret()
    with receiver(secret, fail_first=2) as hook:
        notifier = Notifier([WebhookConfig(hook.url, secret, ())], backoff=0.05)
        started = time.monotonic()
        msg_id = notifier.emit("alert.break-glass", {"id": "req-1"})
        assert notifier.flush(10)
        notifier.close()
        got = hook.wait_for(1)
    assert [d.answered for d in got] == [500, 500, 204]
    assert {d.headers["webhook-id"] for d in got} == {msg_id}
    assert all(d.verified for d in got)
    assert notifier.stats.retried == 2
    assert notifier.stats.delivered == 1
    assert time.monotonic() - started < 5


def test_a_dead_receiver_never_blocks_and_is_given_up_on() -> None:
    notifier = Notifier(
        [WebhookConfig("http://127.0.0.1:9/hook", new_secret(), ())], attempts=2, backoff=0.01
    )
    started = time.monotonic()
    notifier.emit("request.pending", {"id": "req-1"})
    assert time.monotonic() - started < 0.1
    assert notifier.flush(10)
    notifier.close()
    assert notifier.stats.dropped == 1
    assert notifier.stats.delivered == 0


def test_a_webhook_gets_only_the_events_it_asked_for() -> None:
    secret = new_secret()
    with receiver(secret) as hook:
        notifier = Notifier([WebhookConfig(hook.url, secret, ("alert.break-glass",))])
        assert notifier.emit("request.pending", {"id": "req-1"}) is None
        notifier.emit("alert.break-glass", {"id": "req-2"})
        notifier.flush(10)
        notifier.close()
        got = hook.wait_for(1)
    assert [d.json["type"] for d in got] == ["alert.break-glass"]


@pytest.mark.parametrize(
    ("hook", "fragment"),
    [
        (WebhookConfig("ftp://example.test/x", new_secret(), ()), r"not an http\(s\) URL"),
        (WebhookConfig("http://127.0.0.1/x", "plain", ()), "whsec_"),
        (WebhookConfig("http://127.0.0.1/x", new_secret(), ("request.maybe",)), "unknown event"),
    ],
)
def test_bad_webhook_configuration_is_refused(hook: WebhookConfig, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        Notifier([hook])


def test_messages_are_slack_compatible_with_a_link() -> None:
    data = {
        "id": "req-1",
        "url": "http://127.0.0.1:8420/requests/req-1",
        "requester": "alice",
        "agent": "kiro",
        "environments": ["production"],
        "summary": "terraform apply <plan>",
    }
    message = body("request.pending", data)
    assert message["type"] == "request.pending"
    assert message["data"] == data
    assert message["text"].startswith(
        "needs approval: <http://127.0.0.1:8420/requests/req-1|req-1>"
    )
    assert "requested by alice via kiro" in message["text"]
    assert "&lt;plan&gt;" in message["text"]
    assert message["blocks"][0]["text"]["text"] == message["text"]
    assert slack_text("alert.self-tamper", {"id": "req-2"}).startswith(":rotating_light:")


def test_the_gateway_notifies_held_approved_break_glass_and_self_tamper(tmp_path: Path) -> None:
    secret = new_secret()
    with receiver(secret) as hook:
        text = DEMO.read_text() + (
            f"\nnotify:\n  webhooks:\n    - url: {hook.url}\n      secret: {secret}\n"
        )
        config = parse_config(text, source="demo.yaml")
        with api_world(f"sqlite:///{tmp_path / 'db.sqlite'}", config=config) as world:
            rid = world.submit_incident()["id"]
            world.vote("bob", rid)
            world.vote("carol", rid)
            world.submit(
                "alice",
                kind="shell",
                command="terraform destroy -auto-approve",
                env="production",
                break_glass=True,
            )
            world.submit("kiro", kind="file-write", command="interlock.yaml")
            world.submit("kiro", kind="shell", command="rm -rf .interlock")
            world.gateway.notifier.flush(10)
            types = [d.json["type"] for d in hook.wait_for(4)]
        deliveries = hook.deliveries
    assert all(d.verified for d in deliveries)
    assert types[:2] == ["request.pending", "request.approved"]
    assert "alert.break-glass" in types
    assert "alert.self-tamper" in types
    held = next(d.json for d in deliveries if d.json["type"] == "request.pending")
    assert held["data"]["url"].endswith(f"/requests/{rid}")
    assert f"|{rid}>" in held["text"]


def test_an_action_in_a_frozen_session_raises_an_alert(tmp_path: Path) -> None:
    from interlock.identity.clock import utcnow
    from interlock.watch import breaker

    secret = new_secret()
    with receiver(secret) as hook:
        text = DEMO.read_text() + (
            f"\nnotify:\n  webhooks:\n    - url: {hook.url}\n      secret: {secret}\n"
            "      events: [alert.session-frozen]\n"
        )
        config = parse_config(text, source="demo.yaml")
        with api_world(f"sqlite:///{tmp_path / 'db.sqlite'}", config=config) as world:
            with world.gateway.store.transaction() as conn:
                breaker.freeze(conn, "s-1", by="bob", reason="looping", now=utcnow())
            held = world.submit("kiro", kind="shell", command="touch notes.txt", session_id="s-1")
            assert held.json()["status"] == "pending"
            world.gateway.notifier.flush(10)
            got = hook.wait_for(1)
    assert [d.json["type"] for d in got] == ["alert.session-frozen"]
    assert got[0].verified
    assert got[0].json["data"]["id"] == held.json()["id"]
