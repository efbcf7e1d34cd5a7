"""Notifications: signed outgoing webhooks for requests and alerts (issue 6).

``signing`` implements the Standard Webhooks signature scheme (``webhook-id``,
``webhook-timestamp``, ``webhook-signature: v1,<base64 HMAC-SHA256>`` over
``id.timestamp.body`` with a ``whsec_`` base64 secret) and its verification;
``messages`` builds each event's body, which is also a Slack-compatible message
(``text`` and ``blocks`` with a link to the request page); ``webhooks.Notifier``
delivers them from a background thread with retries and backoff, so a slow or dead
receiver never delays a decision. Configured under ``notify.webhooks`` in
interlock.yaml.

Deliveries are queued in memory: a server restart drops undelivered events (the
audit log, not the webhook, is the record of what happened).
"""

from __future__ import annotations

from interlock.notify.messages import EVENT_TYPES
from interlock.notify.signing import sign, verify
from interlock.notify.webhooks import Notifier

__all__ = ["EVENT_TYPES", "Notifier", "sign", "verify"]
