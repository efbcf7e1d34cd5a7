"""The gateway server (issue 6): the HTTP API, live updates, metrics, approver pages.

``app.create_app(settings)`` builds the FastAPI app that ``interlock serve`` runs
with uvicorn. ``gateway`` holds what routes share (store, approvals, tokens, event
bus, webhooks); ``auth`` turns bearer tokens into principals; ``errors`` renders the
one error tree (``interlock.errors``) and limits body size; ``events`` wakes long
polls and event streams; ``metrics`` serves Prometheus. The API contract is api.md:
JSON under ``/api/v1`` with bearer tokens.
"""

from __future__ import annotations
