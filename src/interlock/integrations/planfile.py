"""The plan behind ``terraform apply PLANFILE``, so the gate judges what would change.

``terraform apply tfplan`` says nothing by itself; the saved plan says everything
(the incident was a replace of the production database inside one). When a shell
call applies a saved plan file (``terraform`` or ``tofu``), the hook renders it with
``show -json`` (the same binary, in the call's directory, within the hook's time
budget) and submits it as a ``terraform-plan`` request. The JSON carries the binary
file's SHA-256 under ``interlock_plan_file`` (as ``interlock.execute.plans`` does),
so the request's digest binds the exact file, and the call's fingerprint includes
that hash: a plan file changed after approval is a new request. Standard library
only; anything unexpected returns ``None`` and the command is judged as text.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import shlex
import subprocess

from interlock.integrations.calls import ToolCall

#: Binaries whose ``apply PLANFILE`` is rendered.
PLAN_TOOLS: frozenset[str] = frozenset({"terraform", "tofu"})

#: Largest rendered plan the hook submits (the gateway's own limit applies too).
MAX_PLAN_JSON = 64 * 1024 * 1024


def saved_plan_of(command: str, cwd: str | None) -> tuple[list[str], str] | None:
    """``(argv, plan path)`` when ``command`` is one ``apply`` of a saved plan file."""
    try:
        argv = shlex.split(command)
    except ValueError:
        return None
    if len(argv) < 3 or posixpath.basename(argv[0]) not in PLAN_TOOLS:
        return None
    if any(word in command for word in (";", "&", "|", "`", "$(", "\n")):
        return None
    rest = [a for a in argv[1:] if not a.startswith("-")]
    if len(rest) != 2 or rest[0] != "apply":
        return None
    path = rest[1] if os.path.isabs(rest[1]) or not cwd else os.path.join(cwd, rest[1])
    return (argv, path) if os.path.isfile(path) else None


def render(call: ToolCall, timeout: float) -> tuple[ToolCall, bytes] | None:
    """The call re-keyed by the plan's hash and the bound plan JSON, or ``None``."""
    found = saved_plan_of(call.text, call.cwd)
    if found is None:
        return None
    argv, path = found
    with open(path, "rb") as fh:
        sha = hashlib.sha256(fh.read()).hexdigest()
    try:
        shown = subprocess.run(
            [argv[0], "show", "-json", path],
            cwd=call.cwd,
            capture_output=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if shown.returncode != 0 or len(shown.stdout) > MAX_PLAN_JSON:
        return None
    try:
        doc = json.loads(shown.stdout)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    doc["interlock_plan_file"] = {"sha256": sha}
    body = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("utf-8")
    keyed = ToolCall(
        call.agent,
        call.tool,
        "terraform-plan",
        f"{call.text}\0plan-sha256:{sha}",
        call.paths,
        call.session_id,
        call.cwd,
        call.description,
    )
    return keyed, body
