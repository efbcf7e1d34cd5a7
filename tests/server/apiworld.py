"""A gateway app over a fresh store with the demo's people, for the API tests.

alice (dev) works with agent kiro; bob and carol (sre) approve production. Built with
the real config loader, store, identity and approvals: nothing is mocked.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from interlock.config import Config, load_config
from interlock.demo import incident
from interlock.identity.service import wanted_agent, wanted_human
from interlock.server.app import create_app
from interlock.server.gateway import Gateway
from interlock.server.settings import Settings

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.yaml"

#: The task the incident's human gave, as the issue's walkthrough words it.
TASK = "fix a minor bug"


@dataclass
class ApiWorld:
    """A client of the app, the gateway behind it and a token per principal."""

    client: TestClient
    gateway: Gateway
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def submit(self, who: str, **body: Any) -> Any:
        return self.client.post("/api/v1/requests", headers=self.auth(who), json=body)

    def submit_incident(self, who: str = "kiro") -> dict[str, Any]:
        answer = self.submit(
            who,
            kind="terraform-plan",
            plan_b64=incident_b64(),
            env="production",
            task=TASK,
            rationale="the plan the fix produced",
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def vote(self, who: str, request_id: str, vote: str = "approve", **extra: Any) -> Any:
        return self.client.post(
            f"/api/v1/requests/{request_id}/votes",
            headers=self.auth(who),
            json={"vote": vote, **extra},
        )


def incident_b64() -> str:
    return base64.b64encode(incident.to_bytes(incident.incident_plan())).decode()


def demo_config() -> Config:
    return load_config(DEMO)


@contextmanager
def api_world(store_url: str, **settings: Any) -> Iterator[ApiWorld]:
    """The app over ``store_url`` with tokens for alice, bob, carol and kiro."""
    config = settings.pop("config", None) or demo_config()
    app = create_app(Settings(config=config, database_url=store_url, **settings))
    gateway: Gateway = app.state.gateway
    tokens = {
        n: gateway.tokens.issue(wanted_human(n), expires_in=None).token
        for n in ("alice", "bob", "carol")
    }
    tokens["kiro"] = gateway.tokens.issue(wanted_agent("kiro", "alice"), expires_in=None).token
    with TestClient(app) as client:
        yield ApiWorld(client, gateway, tokens)
