"""The API's request bodies (api.md), validated before any route runs.

Field names are the contract shared with the hooks, MCP server and ``interlock
exec``: add fields, never rename. Strings must be UTF-8 text without NUL characters
(the store cannot hold them, and a command containing one is not what a shell runs);
anything else is a 400 naming the field. Unknown fields are ignored so that newer
clients keep working with older servers.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from interlock.errors import InputError
from interlock.models import Action, ActionKind, Target

#: Kinds whose payload is a document (sent base64 in ``plan_b64``).
DOCUMENT_KINDS = frozenset(
    {
        ActionKind.TERRAFORM_PLAN,
        ActionKind.CLOUDFORMATION,
        ActionKind.PULUMI,
        ActionKind.KUBERNETES,
    }
)

#: Longest short text field (paths, environment names, session ids).
SHORT = 4096
#: Longest prose field (task, rationale, comments).
PROSE = 65536


def _text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid UTF-8 text") from exc
    return value


Text = Annotated[str, AfterValidator(_text)]
ShortText = Annotated[str, Field(max_length=SHORT), AfterValidator(_text)]
Prose = Annotated[str, Field(max_length=PROSE), AfterValidator(_text)]
Kind = Literal[
    "shell",
    "terraform-plan",
    "cloudformation",
    "pulumi",
    "kubernetes",
    "sql",
    "mcp-tool",
    "file-write",
]


class SubmitIn(BaseModel):
    """``POST /api/v1/requests``: an action to decide."""

    kind: Kind = Field(description="what sort of action")
    command: Text | None = Field(
        default=None, description="shell/sql: the command; mcp-tool: tool name then JSON args"
    )
    plan_b64: str | None = Field(
        default=None, description="plan kinds: the document's bytes, base64"
    )
    env: ShortText | None = Field(default=None, description="the environment it runs in")
    cwd: ShortText | None = Field(default=None, description="the directory it runs in")
    task: Prose | None = Field(default=None, description="the human's task")
    rationale: Prose | None = Field(default=None, description="why the agent wants this")
    session_id: ShortText | None = Field(default=None, description="the agent session")
    credential_scope: ShortText | None = Field(
        default=None, description="the credentials the action will run with"
    )
    break_glass: bool = Field(default=False, description="emergency path; raises an alert")

    def action(self) -> Action:
        """The action this body describes; inconsistent bodies raise ``InputError``."""
        kind = ActionKind(self.kind)
        payload: str | bytes
        if kind in DOCUMENT_KINDS:
            if self.plan_b64 is None:
                raise InputError(f"plan_b64: a {kind.value} request needs the document, base64")
            if self.command is not None:
                raise InputError("command: send either command or plan_b64, not both")
            payload = _decode(self.plan_b64)
        else:
            if self.plan_b64 is not None:
                raise InputError(f"plan_b64: a {kind.value} request takes command, not plan_b64")
            if self.command is None or not self.command.strip():
                raise InputError(f"command: a {kind.value} request needs a non-empty command")
            payload = self.command
        target = Target(cwd=self.cwd, environment=self.env)
        return Action(
            kind,
            payload,
            target,
            task=self.task,
            rationale=self.rationale,
            session_id=self.session_id,
        )


def _decode(text: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError("plan_b64: not valid base64") from exc
    if not data:
        raise InputError("plan_b64: the document is empty")
    return data


class VoteIn(BaseModel):
    """``POST /api/v1/requests/{id}/votes``."""

    vote: Literal["approve", "deny"]
    comment: Prose | None = None


class GrantIn(BaseModel):
    """``POST /api/v1/requests/{id}/grant``: the digest the executor will run."""

    digest: Annotated[str, Field(min_length=1, max_length=256), AfterValidator(_text)]


class FinishIn(BaseModel):
    """``POST /api/v1/requests/{id}/finish``: how a granted execution ended."""

    ok: bool
    exit_status: int = Field(default=0, ge=-(2**31), le=2**31 - 1)
    output_sha256: Annotated[str, Field(max_length=128), AfterValidator(_text)] | None = None
    excerpt: Annotated[str, Field(max_length=4096), AfterValidator(_text)] | None = None

    def note(self) -> str:
        """The status reason recorded with the outcome."""
        parts = [f"exit status {self.exit_status}"]
        if self.output_sha256:
            parts.append(f"output sha256 {self.output_sha256}")
        if self.excerpt:
            parts.append(self.excerpt[:1000])
        return "; ".join(parts)
