"""The hook's judgement of one tool call: through the gateway, or offline when configured.

Shell commands and destructive-looking MCP tools go to the gateway (``POST
/api/v1/requests``) and its decision stands: ``allow``, ``ask`` (the operator
confirms in the agent's own UI), ``hold`` (remembered for the session; the agent is
told the request id, what needs approving, where, and to retry after approval) or
``deny``. A retry of a held call asks about that request instead of filing a new
one; once approved, its grant is consumed through the API and the call allowed
exactly once. A shell call that runs a local script (``bash ./deploy.sh``,
``./deploy.sh``, ``source env.sh``, ``python3 tool.py``) is judged, offline too, by
the script's code, which the hook reads and puts in the text (``scriptfile``); so is
one that runs package.json scripts (``npm test``, ``yarn build``: ``pkgscripts``).
File tools are judged here: a write to interlock's own files or hook settings is
self-tamper and denied (``interlock.classify.selfprotect``, floor rule 4); a write
outside the working directory is put to the operator. Read-only tools are allowed;
unknown tools are put to the operator.

With no gateway configured, the hook denies, unless offline mode is on, in which case
``interlock.classify`` and ``interlock.policy`` decide locally and a hold becomes a
deny (nothing can be approved without the gateway). Standard library only on the
shell path; the file and offline paths import the classifier lazily.
"""

from __future__ import annotations

from interlock.integrations.calls import VERDICTS, Answer, ToolCall, deny, mcp_verdict
from interlock.integrations.state import Held, SessionState

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from interlock.integrations.scriptfile import Script


class HookSettings:
    """Where the gateway is and how long the hook may take."""

    __slots__ = ("config", "environment", "offline", "timeout", "token", "url")

    def __init__(
        self,
        *,
        url: str | None = None,
        token: str | None = None,
        timeout: float = 8.0,
        offline: bool = False,
        config: str | None = None,
        environment: str | None = None,
    ) -> None:
        self.url, self.token, self.timeout, self.offline = url, token, timeout, offline
        self.config, self.environment = config, environment


def judge(call: ToolCall, settings: HookSettings, state: SessionState | None = None) -> Answer:
    """The answer for ``call``; every path that is not understood ends in deny or ask."""
    if call.kind == "read":
        return Answer("allow", f"interlock: {call.tool} only reads")
    if call.kind == "file-write":
        return judge_file(call, settings)
    if call.kind == "unknown":
        return Answer("ask", f"interlock: {call.tool} is not a tool interlock knows; confirm it")
    if call.kind == "mcp-tool":
        verdict, why = mcp_verdict(call.tool)
        if verdict != "hold":
            answer = Answer(verdict, f"interlock: {why}")
            if call.carried is None:
                return answer
            # a tool that runs a command line is judged by that line as well: a
            # shell server must not be a way around the rules for Bash
            inner = judge(call.as_shell(), settings, state)
            stricter = VERDICTS.index(inner.verdict) > VERDICTS.index(verdict)
            return inner if stricter else answer
    elif call.kind != "shell":
        return deny(f"interlock: unknown call kind {call.kind!r}")
    read = with_script(call)
    if isinstance(read, str):  # a script runs that cannot be read: never judged unread
        return Answer("ask", f"interlock: {read}, so its code was not read; confirm it")
    if not settings.url:
        return _offline(read, settings)
    return via_gateway(read, settings, state or SessionState(call.session_id))


def judge_file(call: ToolCall, settings: HookSettings) -> Answer:
    """Self-tamper is denied; a write outside the working directory is asked."""
    from interlock.classify.selfprotect import is_protected

    config = _config(settings)
    for path in call.paths:
        if any(is_protected(p, config, call.cwd) for p in (path, *_resolved(path, call.cwd))):
            return deny(
                f"interlock: {path} is one of interlock's own files or hook settings; "
                "an agent may never change them (self-tamper, rule self-tamper-file-write)"
            )
    outside = [p for p in call.paths if not _inside(p, call.cwd) or _leaves(p, call.cwd)]
    if outside:
        return Answer("ask", f"interlock: {outside[0]} is outside the working directory")
    from interlock.classify.commands.paths import runs_later

    for path in call.paths:
        later = runs_later(path, call.cwd)
        if later:
            return Answer("ask", f"interlock: {path} is {later}, outside any check")
    return Answer("allow", f"interlock: {call.tool} writes inside the working directory")


def via_gateway(call: ToolCall, settings: HookSettings, state: SessionState) -> Answer:
    """Ask the gateway; a remembered hold is followed up instead of filed again."""
    client = gateway_client(settings)
    plan: bytes | None = None
    if (
        call.kind == "shell"
        and "apply" in call.text
        and ("terraform" in call.text or "tofu" in call.text)
    ):
        from interlock.integrations.planfile import render

        rendered = render(call, timeout=settings.timeout / 2)
        if rendered is not None:
            call, plan = rendered
    held = state.recall(call)
    if held is not None:
        return _follow_up(call, held, client, state)
    found = client.submit(
        call.kind,
        command=None if plan is not None else call.text,
        plan=plan,
        cwd=call.cwd,
        env=settings.environment,
        session_id=call.session_id,
        rationale=call.description,
    )
    return _answer(call, found, state)


def with_script(call: ToolCall) -> ToolCall | str:
    """A shell call that runs a local script, with the script's code in its text
    (``integrations/scriptfile.py``), or package.json scripts, with theirs
    (``integrations/pkgscripts.py``); why such a script cannot be read; any other
    call as it is."""
    from interlock.integrations.runners import may_run_code, may_run_nested

    if call.kind != "shell" or not (may_run_code(call.text) or may_run_nested(call.text, call.cwd)):
        return call  # the readers' imports are for lines that may run a file
    from interlock.integrations.scriptfile import rewritten

    return rewritten(call, read_code(call.text, call.cwd)) or call


def read_code(text: str, cwd: str | None) -> Script | str | None:
    """The script (``scriptfile``), package.json scripts (``pkgscripts``), or a task
    runner's recipes (``makefile``, ``justfile``, ``taskfile``) ``text`` runs, read
    from ``cwd``, with every other local file the line or that code runs
    (``linecode``); why one cannot be read; ``None`` for a line that runs none. One
    reading for the hooks, ``interlock exec`` and ``interlock check``."""
    from interlock.integrations import justfile, makefile, pkgscripts, scriptfile, taskfile
    from interlock.integrations.runners import may_run_nested

    first = (
        scriptfile.read_script(text, cwd)
        or pkgscripts.read_scripts(text, cwd)
        or makefile.read_make_line(text, cwd)
        or justfile.read_just_line(text, cwd)
        or taskfile.read_task_line(text, cwd)
    )
    if isinstance(first, str) or (first is None and not may_run_nested(text, cwd)):
        return first
    from interlock.integrations.linecode import read_nested

    return read_nested(text, first, cwd)


def with_site_packages() -> None:
    """Make the classifier's dependencies importable in a hook started without its
    site (``python -I -S hook.py``): the interpreter's own site-packages, where pip
    put tree-sitter, go on the path, with the ``.pth`` files an editable install of
    interlock needs. Only the offline path and ``linecode`` ask for this; a hook
    through the gateway judges most lines without the classifier."""
    import importlib.util

    if importlib.util.find_spec("tree_sitter") is not None:
        return
    import os
    import site
    import sys
    import sysconfig

    # without ``site``, ``sys.prefix`` is the base interpreter's even in a virtualenv
    prefix = os.path.dirname(os.path.dirname(sys.executable))
    venv = os.path.isfile(os.path.join(prefix, "pyvenv.cfg"))
    paths = sysconfig.get_paths(vars={"base": prefix, "platbase": prefix} if venv else None)
    for folder in dict.fromkeys((paths["purelib"], paths["platlib"])):
        site.addsitedir(folder)


def gateway_client(settings: HookSettings) -> Any:
    """The lean socket client for ``http://`` gateways, ``urllib`` for anything else."""
    url = settings.url or ""
    if url.startswith("http://"):
        from interlock.integrations.wire import WireClient

        return WireClient(url, settings.token, timeout=settings.timeout)
    from interlock.integrations.client import GatewayClient

    return GatewayClient(url, settings.token, timeout=settings.timeout)


def _answer(call: ToolCall, found: dict[str, Any], state: SessionState) -> Answer:
    decision, request_id = found.get("decision"), str(found.get("id", ""))
    why = _reasons(found)
    if decision == "allow" and found.get("status") == "approved":
        verdict = "ask" if call.kind == "mcp-tool" else "allow"
        return Answer(verdict, f"interlock allowed this ({request_id}): {why}", request_id)
    if decision == "ask":
        return Answer("ask", f"interlock asks you to confirm ({request_id}): {why}", request_id)
    if decision == "hold" and found.get("status") == "pending":
        held = Held(request_id, str(found["digest"]), str(found.get("url", "")))
        state.remember(call, held)
        return Answer("hold", hold_reason(found), request_id)
    return Answer("deny", f"interlock denied this ({request_id or 'no request'}): {why}")


def _follow_up(call: ToolCall, held: Held, client: Any, state: SessionState) -> Answer:
    found = client.get(held.request_id)
    status = found.get("status")
    if status == "pending":
        return Answer("hold", hold_reason(found), held.request_id)
    state.forget(call)
    if status != "approved":
        why = found.get("status_reason") or _reasons(found)
        return deny(f"interlock: request {held.request_id} is {status}: {why}")
    used = client.use_grant(held.request_id, held.digest)
    if used.get("ok") is not True:
        return deny(f"interlock: the grant of {held.request_id} was refused: {used.get('reason')}")
    return Answer(
        "allow",
        f"interlock: request {held.request_id} was approved; this run uses its grant (once)",
        held.request_id,
    )


def hold_reason(found: dict[str, Any]) -> str:
    """What the agent is told about a hold: id, what needs approving, where, what next."""
    need, have = found.get("required_approvals", "?"), found.get("approvals", 0)
    return (
        f"interlock held this for approval: request {found.get('id')} needs {need} "
        f"approvals by other people ({have} so far) because {_reasons(found)}. "
        f"Approve at {found.get('url') or 'the interlock gateway'}. "
        "Do not try another way: retry exactly the same command after it is approved."
    )


def _reasons(found: dict[str, Any]) -> str:
    reasons = found.get("reasons") or []
    texts = [f"{r.get('rule_id')}: {r.get('message')}" for r in reasons[:3] if isinstance(r, dict)]
    findings = [
        f"{f.get('rule_id')} on {f.get('target')}"
        for f in (found.get("findings") or [])[:3]
        if isinstance(f, dict)
    ]
    text = "; ".join(texts + findings)
    return text or "no reason given"


def _offline(call: ToolCall, settings: HookSettings) -> Answer:
    if not settings.offline:
        return deny(
            "interlock: no gateway configured (set INTERLOCK_URL and INTERLOCK_TOKEN, "
            "or enable offline mode); nothing runs unchecked"
        )
    with_site_packages()
    from interlock.classify import assess
    from interlock.models import Action, ActionKind, Target
    from interlock.policy import decide

    config = _config(settings)
    kind = ActionKind.SHELL if call.kind == "shell" else ActionKind.MCP_TOOL
    if kind is not ActionKind.SHELL:
        return deny(f"interlock (offline): {call.tool} needs approval, which needs the gateway")
    action = Action(kind, call.text, Target(cwd=call.cwd, environment=settings.environment))
    decision = decide(assess(action, config), config)
    why = "; ".join(f"{r.rule_id}: {r.message}" for r in decision.reasons[:3]) or "no findings"
    verdict = decision.verdict.value
    if verdict in ("allow", "ask"):
        return Answer(verdict, f"interlock (offline) {verdict}: {why}")
    return deny(f"interlock (offline) {verdict}: {why}; approval needs the gateway")


def _config(settings: HookSettings) -> Any:
    from interlock.config import load_config

    return load_config(settings.config)


def _resolved(path: str, cwd: str | None) -> tuple[str, ...]:
    """The file ``path`` really lands in when a symbolic link leads elsewhere (``x``
    linked to ``.claude`` makes ``x/settings.json`` the hook settings), or nothing.

    The hook runs on the agent's machine, so it can ask the file system; the path as
    written is judged as well, so a link never makes a protected name pass.
    """
    import os  # the file path only; the shell path stays without it (environ.py)

    full = os.path.join(cwd or "", os.path.expanduser(path))
    if not os.path.isabs(full):
        return ()
    try:
        real = os.path.realpath(full)
    except (OSError, ValueError):
        return ()
    return (real,) if real != os.path.normpath(full) else ()


def _leaves(path: str, cwd: str | None) -> bool:
    """Whether a symbolic link takes ``path`` out of the working directory (both
    resolved, so a working directory reached through a link is still inside)."""
    import os

    real = _resolved(path, cwd)
    return bool(real) and not _inside(real[0], os.path.realpath(cwd or "/"))


def _inside(path: str, cwd: str | None) -> bool:
    import os  # the file path only; the shell path stays without it (environ.py)

    if not cwd:
        return False
    full = os.path.normpath(os.path.join(cwd, os.path.expanduser(path)))
    root = os.path.normpath(cwd)
    return full == root or full.startswith(root.rstrip("/") + "/")
