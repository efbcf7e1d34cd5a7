"""``interlock mcp``: interlock's tools for MCP clients, over stdio or streamable HTTP.

Tools (official ``mcp`` SDK, ``MCPServer``):

- ``run_command``: submit a command; when the gateway allows it, or a held request
  for the same command has been approved, consume the grant and run it (argv, never
  a shell) with the environment's credentials; otherwise say what is pending.
- ``terraform_plan``: run ``plan -out`` and ``show -json`` in a directory, store both
  content-addressed, and return the assessment (findings, risk) and the plan id.
- ``apply_plan``: submit the stored plan for approval (asking the user first through
  elicitation where the client supports it) and, only with its grant, run
  ``terraform apply`` of exactly that stored file: never a re-plan.
- ``request_status`` and ``list_my_requests``: read requests.

The server is a client of the gateway API (``client.py``) rather than an embedded
store: approvals, grants and the audit stay in the one gateway process, and the MCP
server holds only the agent's token. Credentials come from the gateway's
interlock.yaml given to this process (``execute.credentials``) and reach only the
executed process; results carry redacted output, never a credential value.
Annotations mark what is destructive (``destructiveHint``) and what only reads.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field

from interlock.config import Config, load_config
from interlock.errors import InputError, InterlockError
from interlock.execute import credentials
from interlock.execute.executor import Executor
from interlock.execute.plans import PlanStore, apply_argv, make_plan
from interlock.execute.runner import RunResult
from interlock.integrations.client import GatewayClient

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True)
DESTRUCTIVE = ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=True)
PLANNING = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=True)


@dataclass(frozen=True, slots=True)
class McpSettings:
    """The gateway, the agent's token, the credentials config and the plan store."""

    url: str
    token: str | None
    config: Config
    plans: PlanStore
    terraform: str = "terraform"

    @classmethod
    def build(
        cls,
        *,
        url: str,
        token: str | None,
        config: str | None,
        plans: str | None,
        terraform: str | None,
    ) -> McpSettings:
        """Settings from command-line values (defaults: built-in config, cache dir)."""
        base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
        root = plans or os.path.join(base, "interlock", "plans")
        binary = terraform or os.environ.get("INTERLOCK_TERRAFORM") or "terraform"
        return cls(url, token, load_config(config), PlanStore(root), binary)


class Confirm(BaseModel):
    """What the user is asked before a plan is submitted for approval."""

    submit: bool = Field(description="submit this plan to interlock for two-person approval")


@dataclass
class InterlockTools:
    """The tools' logic, synchronous, over one gateway client."""

    settings: McpSettings
    held: dict[str, str] = field(default_factory=dict)

    @property
    def client(self) -> GatewayClient:
        """A gateway client with the agent's token."""
        return GatewayClient(self.settings.url, self.settings.token)

    def executor(self) -> Executor:
        """An executor over the gateway and the credentials config."""
        return Executor(self.client, self.settings.config)

    def run_command(
        self,
        command: str,
        cwd: str | None,
        env: str | None,
        task: str | None,
        rationale: str | None,
    ) -> dict[str, Any]:
        """Submit (or follow up) ``command``; run it only with a grant."""
        argv = shlex.split(command)
        if not argv:
            raise InputError("the command is empty")
        key = f"cmd\0{env}\0{cwd}\0{command}"
        found = self._follow_or_submit(
            key, "shell", command=command, cwd=cwd, env=env, task=task, rationale=rationale
        )
        if found.get("status") != "approved":
            return self._not_run(key, found)
        self.held.pop(key, None)
        result = self.executor().run_granted(found, argv, environment=env, cwd=cwd)
        return _ran(found, result)

    def terraform_plan(self, directory: str, env: str | None) -> dict[str, Any]:
        """Plan in ``directory``, store the files, return the assessment and plan id."""
        from interlock.classify import assess
        from interlock.models import Action, ActionKind, Target

        injected = credentials.for_environment(self.settings.config, env)
        planned = make_plan(self.settings.terraform, directory, injected, self.settings.plans)
        action = Action(ActionKind.TERRAFORM_PLAN, planned.document, Target(directory, env))
        assessment = assess(action, self.settings.config)
        return {
            "plan_id": planned.plan_sha256,
            "risk": assessment.risk.value,
            "environments": list(assessment.environments),
            "counts": dict(assessment.blast_radius.counts),
            "findings": [
                {
                    "rule_id": f.rule_id,
                    "category": f.category.value,
                    "target": f.target,
                    "environment": f.environment,
                    "explanation": f.explanation,
                }
                for f in assessment.findings[:50]
            ],
            "next": "call apply_plan with this plan_id to submit it for approval",
        }

    def apply_plan(
        self, plan_id: str, env: str | None, task: str | None, rationale: str | None
    ) -> dict[str, Any]:
        """Submit plan ``plan_id`` (or follow it up); apply the stored file with a grant."""
        store = self.settings.plans
        path = store.path_of(plan_id)
        meta = store.meta_of(plan_id)
        key = f"plan\0{env}\0{plan_id}"
        found = self._follow_or_submit(
            key,
            "terraform-plan",
            plan=store.document_of(plan_id),
            cwd=meta["directory"],
            env=env,
            task=task,
            rationale=rationale,
        )
        if found.get("status") != "approved":
            return self._not_run(key, found)
        self.held.pop(key, None)
        argv = apply_argv(self.settings.terraform, path)
        result = self.executor().run_granted(found, argv, environment=env, cwd=meta["directory"])
        return _ran(found, result) | {"plan_id": plan_id}

    def is_held(self, key_prefix: str, ident: str) -> bool:
        """Whether a request for ``ident`` is already waiting (no need to ask again)."""
        return any(k.startswith(key_prefix) and k.endswith(ident) for k in self.held)

    def request_status(self, request_id: str) -> dict[str, Any]:
        """The request as the gateway shows it."""
        return _public(self.client.get(request_id))

    def list_my_requests(self, status: str | None) -> dict[str, Any]:
        """The newest requests (the gateway scopes what the token may see)."""
        return {"requests": [_public(r) for r in self.client.list(status=status, limit=50)]}

    def _follow_or_submit(self, key: str, kind: str, **fields: Any) -> dict[str, Any]:
        request_id = self.held.get(key)
        if request_id is not None:
            found = self.client.get(request_id)
            if found.get("status") in ("pending", "approved"):
                return found
            self.held.pop(key, None)
        return self.client.submit(kind, **fields)

    def _not_run(self, key: str, found: dict[str, Any]) -> dict[str, Any]:
        status = found.get("status")
        if status == "pending":
            self.held[key] = str(found.get("id"))
            note = (
                f"held: needs {found.get('required_approvals')} approvals; approve at "
                f"{found.get('url')}, then call this tool again with the same arguments"
            )
        else:
            note = f"not run: the request is {status}"
        return _public(found) | {"ran": False, "note": note}


def _ran(found: dict[str, Any], result: RunResult) -> dict[str, Any]:
    return _public(found) | {
        "ran": True,
        "exit_status": result.exit_status,
        "output": result.output,
        "output_sha256": result.output_sha256,
    }


def _public(found: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "id",
        "decision",
        "status",
        "digest",
        "required_approvals",
        "approvals",
        "risk",
        "url",
        "reasons",
    )
    return {k: found.get(k) for k in keys if k in found}


def build_server(settings: McpSettings) -> MCPServer:
    """The MCP server with interlock's five tools."""
    tools = InterlockTools(settings)
    server: MCPServer = MCPServer(
        "interlock",
        instructions="Changes to infrastructure go through interlock: plan, then apply_plan; "
        "held requests need two other people to approve before they run.",
    )

    @server.tool(annotations=DESTRUCTIVE)
    async def run_command(
        command: str,
        cwd: str | None = None,
        env: str | None = None,
        task: str | None = None,
        rationale: str | None = None,
    ) -> dict[str, Any]:
        """Run a command through interlock: it runs only once allowed or approved."""
        return await _call(tools.run_command, command, cwd, env, task, rationale)

    @server.tool(annotations=PLANNING)
    async def terraform_plan(directory: str, env: str | None = None) -> dict[str, Any]:
        """Plan a Terraform/OpenTofu directory; returns the assessment and a plan_id."""
        return await _call(tools.terraform_plan, directory, env)

    @server.tool(annotations=DESTRUCTIVE)
    async def apply_plan(
        plan_id: str,
        ctx: Context,
        env: str | None = None,
        task: str | None = None,
        rationale: str | None = None,
    ) -> dict[str, Any]:
        """Submit a stored plan for approval; applies exactly that file once approved."""
        if not tools.is_held("plan\0", plan_id) and not await _confirmed(ctx, plan_id):
            return {"ran": False, "note": "not submitted: the user declined"}
        return await _call(tools.apply_plan, plan_id, env, task, rationale)

    @server.tool(annotations=READ_ONLY)
    async def request_status(request_id: str) -> dict[str, Any]:
        """The status, votes and decision of one request."""
        return await _call(tools.request_status, request_id)

    @server.tool(annotations=READ_ONLY)
    async def list_my_requests(status: str | None = None) -> dict[str, Any]:
        """The newest requests, optionally only those with ``status``."""
        return await _call(tools.list_my_requests, status)

    return server


async def _call(fn: Any, *args: Any) -> dict[str, Any]:
    """Run a blocking tool off the event loop; interlock errors become tool errors."""
    try:
        result: dict[str, Any] = await anyio.to_thread.run_sync(fn, *args)
    except InterlockError as exc:
        raise ValueError(exc.diagnostics()) from None
    return result


async def _confirmed(ctx: Context, plan_id: str) -> bool:
    """Ask the user (elicitation) before submitting; clients without it are not asked."""
    caps = ctx.client_capabilities
    if caps is None or caps.elicitation is None:
        return True
    answer = await ctx.elicit(
        f"Submit plan {plan_id[:16]} to interlock for approval? It runs only after "
        "the required people approve it.",
        schema=Confirm,
    )
    data = getattr(answer, "data", None)
    return answer.action == "accept" and isinstance(data, Confirm) and data.submit


def serve(settings: McpSettings, *, http: str | None = None) -> None:
    """Serve on stdio, or streamable HTTP at ``HOST:PORT`` (path ``/mcp``)."""
    server = build_server(settings)
    if http is None:
        server.run("stdio")
        return
    host, _, port = http.rpartition(":")
    if not port.isdigit():
        raise InputError(f"--http {http!r} is not HOST:PORT")
    server.run("streamable-http", host=host or "127.0.0.1", port=int(port))
