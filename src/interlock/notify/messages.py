"""Event bodies: one JSON document that is both a Standard Webhooks payload and a
Slack-compatible message.

Every body has ``type``, ``timestamp`` (ISO 8601, UTC) and ``data`` (the event's
facts: the request id, status, summary, requester, url ...), as Standard Webhooks
payloads do, plus ``text`` and ``blocks`` as Slack's incoming webhooks read them:
a line a person on call understands at a glance, with a link to the request page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

#: Every event type the server emits; a webhook's ``events`` list chooses among them.
EVENT_TYPES: tuple[str, ...] = (
    "request.pending",
    "request.approved",
    "request.denied",
    "request.executed",
    "request.failed",
    "alert.break-glass",
    "alert.session-frozen",
    "alert.self-tamper",
)

_HEADLINES: Mapping[str, str] = {
    "request.pending": "needs approval",
    "request.approved": "approved",
    "request.denied": "denied",
    "request.executed": "executed",
    "request.failed": "failed",
    "alert.break-glass": ":rotating_light: BREAK-GLASS request",
    "alert.session-frozen": ":rotating_light: agent session frozen",
    "alert.self-tamper": ":rotating_light: denied attempt to change interlock itself",
}

#: Longest summary quoted in a message; the page has the rest.
_SUMMARY_MAX = 300


def body(
    event_type: str, data: Mapping[str, Any], *, now: datetime | None = None
) -> dict[str, Any]:
    """The JSON body of ``event_type`` about ``data``."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    text = slack_text(event_type, data)
    return {
        "type": event_type,
        "timestamp": moment.isoformat().replace("+00:00", "Z"),
        "data": dict(data),
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def slack_text(event_type: str, data: Mapping[str, Any]) -> str:
    """The message line: what happened, to which request, by whom, with its link."""
    headline = _HEADLINES.get(event_type, event_type)
    request_id = str(data.get("id") or data.get("request") or "")
    url = data.get("url")
    ref = f"<{url}|{request_id}>" if url and request_id else request_id
    parts = [f"{headline}: {ref}".strip().rstrip(":")]
    who = data.get("requester")
    if who:
        agent = data.get("agent")
        parts.append(f"requested by {who}" + (f" via {agent}" if agent else ""))
    envs = data.get("environments")
    if envs:
        parts.append("in " + ", ".join(str(e) for e in envs))
    summary = str(data.get("summary") or "")
    line = " — ".join(parts)
    if summary:
        quoted = summary[:_SUMMARY_MAX] + ("…" if len(summary) > _SUMMARY_MAX else "")
        line += "\n```" + _escape(quoted) + "```"
    reason = data.get("reason")
    if reason:
        line += f"\n{_escape(str(reason))}"
    return line


def _escape(text: str) -> str:
    """Slack's three control characters, escaped as its mrkdwn wants."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
