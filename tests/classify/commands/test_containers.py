"""docker/podman/compose: reads, local work, deletions, host access, remote daemons."""

from __future__ import annotations

import pytest

from interlock.models import Scope, Verdict
from tests.classify.commands.localtools import (
    findings,
    rule_ids,
    verdict,
)


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ("docker ps -a", Verdict.ALLOW, "container-read"),
        ("docker --context mycontext ps", Verdict.ALLOW, "container-read"),
        ("docker image ls", Verdict.ALLOW, "container-read"),
        ("docker logs --tail 100 web", Verdict.ALLOW, "container-read"),
        ("docker compose ps", Verdict.ALLOW, "container-read"),
        ("docker-compose -f docker-compose.yml logs", Verdict.ALLOW, "container-read"),
        ("docker build -t app .", Verdict.ALLOW, "container-local"),
        ("docker run --rm alpine echo hi", Verdict.ALLOW, "container-local"),
        ("docker compose up -d", Verdict.ALLOW, "container-local"),
        ("docker image prune", Verdict.ALLOW, "container-delete"),
        ("docker stop web", Verdict.ASK, "container-host-change"),
        ("docker push me/app", Verdict.ASK, "container-host-change"),
        ("docker rm -f web", Verdict.ASK, "container-delete"),
        ("docker rmi app:old", Verdict.ASK, "container-delete"),
        ("docker system prune -af", Verdict.ASK, "container-delete"),
        ("docker volume rm app_data", Verdict.ASK, "container-delete"),
        ("docker compose down -v", Verdict.ASK, "container-delete"),
        ("podman volume prune", Verdict.ASK, "container-delete"),
        ("docker run --privileged alpine", Verdict.ASK, "container-host-access"),
        ("docker run -v /:/host alpine", Verdict.ASK, "container-host-access"),
        ("docker run -v /var/run/docker.sock:/var/run/docker.sock x", Verdict.ASK,
         "container-host-access"),
        ("docker run -v ./data:/data alpine", Verdict.ALLOW, "container-local"),
        ("docker service rm api", Verdict.HOLD, "container-cluster"),
        ("docker stack deploy -c x.yml app", Verdict.ASK, "container-cluster"),
        ("docker -H tcp://docker.prod.internal:2376 rm -f web", Verdict.HOLD,
         "container-delete"),
    ],
)  # fmt: skip
def test_container_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected


def test_remote_daemon_is_remote() -> None:
    (found,) = findings("DOCKER_HOST=ssh://ops@docker.prod.internal docker volume rm db")
    assert (found.scope, found.environment) == (Scope.REMOTE, "production")
