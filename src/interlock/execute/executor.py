"""Drive one action through the gateway and run it only with its grant.

``submit`` files the request (``POST /api/v1/requests``); ``wait`` long-polls it out
of ``pending`` with a progress line per poll; ``run_granted`` consumes the
single-use grant for the request's digest (``POST .../grant``; a refusal raises and
nothing runs), runs the process with the environment's credentials, and reports the
end (``POST .../finish`` with the exit status, the output's SHA-256 and a redacted
excerpt), which the gateway audits. Used by ``interlock exec`` and the MCP server.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from interlock.config import Config
from interlock.errors import DecisionError, GrantRefusedError
from interlock.execute import credentials
from interlock.execute.runner import RunResult, run
from interlock.integrations.client import GatewayClient

Progress = Callable[[str], None]


class Executor:
    """Submit, wait, run with a grant, report; over one gateway client and config."""

    def __init__(
        self,
        client: GatewayClient,
        config: Config,
        *,
        progress: Progress | None = None,
        sts: Any = None,
    ) -> None:
        self.client = client
        self.config = config
        self.progress = progress or (lambda _line: None)
        self._sts = sts

    def wait(self, request_id: str, *, timeout: float) -> dict[str, Any]:
        """The request once it has left ``pending``, or as it is at ``timeout``."""
        deadline = time.monotonic() + timeout
        found = self.client.get(request_id)
        while found.get("status") == "pending":
            left = deadline - time.monotonic()
            if left <= 0:
                break
            have, need = found.get("approvals", 0), found.get("required_approvals", "?")
            self.progress(
                f"waiting for approval of {request_id}: {have}/{need} "
                f"({int(left)} s left) {found.get('url', '')}"
            )
            found = self.client.wait(request_id, timeout=min(left, 30))
        return found

    def run_granted(
        self,
        found: dict[str, Any],
        argv: Sequence[str],
        *,
        environment: str | None = None,
        cwd: str | None = None,
        timeout: float = 3600.0,
    ) -> RunResult:
        """Consume the grant of ``found`` and run ``argv``; a refusal runs nothing."""
        request_id = str(found.get("id"))
        if found.get("status") != "approved":
            raise DecisionError(f"request {request_id} is {found.get('status')}, not approved")
        used = self.client.use_grant(request_id, str(found.get("digest")))
        if used.get("ok") is not True:
            raise GrantRefusedError(f"grant of {request_id} refused: {used.get('reason')}")
        where = environment or environment_of(found)
        injected = self.credentials_for(found, argv, where)
        result = run(argv, injected, cwd=cwd, timeout=timeout)
        self.client.finish(
            request_id,
            ok=result.ok,
            exit_status=result.exit_status,
            output_sha256=result.output_sha256,
            excerpt=result.excerpt,
        )
        return result

    def credentials_for(
        self, found: dict[str, Any], argv: Sequence[str], where: str | None
    ) -> credentials.Injected:
        """The environment's credentials, narrowed through STS when it names a role."""
        injected = credentials.for_environment(self.config, where)
        env = self.config.environment(where) if where else None
        if env is None or not env.credentials.aws_role_arn:
            return injected
        from interlock.execute import broker

        human = found.get("requester")
        if not isinstance(human, str) or not human:
            raise DecisionError(f"request {found.get('id')} names no requester to broker for")
        brokered = broker.for_run(
            self.config, env.name, human, argv, str(found.get("id")), self.sts()
        )
        return credentials.merged(injected, brokered)

    def sts(self) -> Any:
        """The STS client (boto3, from the gateway's own AWS configuration)."""
        if self._sts is None:
            try:
                import boto3  # type: ignore[import-untyped]
            except ImportError as exc:
                raise DecisionError("aws_role_arn needs boto3 installed") from exc
            self._sts = boto3.client("sts")
        return self._sts


def environment_of(found: dict[str, Any]) -> str | None:
    """The one environment a request touches, from its fields or its findings."""
    names = {e for e in found.get("environments") or [] if isinstance(e, str) and e}
    if not names:
        names = {
            f["environment"]
            for f in found.get("findings") or []
            if isinstance(f, dict) and isinstance(f.get("environment"), str)
        }
    if len(names) > 1:
        raise DecisionError(
            f"request {found.get('id')} touches several environments ({', '.join(sorted(names))})",
            hint="name the one to run in with --env",
        )
    return next(iter(names), None)
