"""The API router: health, metrics, and the request and audit routes under ``/api/v1``.

The contract is /api.md of the project notes, mirrored in the OpenAPI document the
app serves at ``/openapi.json``. Routes live per noun (``requests_routes``,
``audit_routes``); this module assembles them and adds the two unauthenticated
endpoints a load balancer and Prometheus scrape.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import text

from interlock import __version__
from interlock.server import audit_routes, requests_routes
from interlock.server.gateway import Gateway, current_gateway
from interlock.server.metrics import CONTENT_TYPE
from interlock.server.responses import HealthOut, documented
from interlock.server.schemas import SubmitIn, VoteIn

Gw = Annotated[Gateway, Depends(current_gateway)]

#: Error statuses every route may answer, for the OpenAPI document.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "malformed input"},
    401: {"description": "unknown, expired or revoked token"},
    403: {"description": "the principal may not do this"},
    404: {"description": "no such request or entry"},
    409: {"description": "refused transition"},
    413: {"description": "body over the limit"},
    503: {"description": "the store failed; nothing was decided"},
}


#: Request bodies that routes read themselves (``rawbody``), for the OpenAPI document.
BODIES_READ_BY_ROUTES: tuple[type[BaseModel], ...] = (SubmitIn, VoteIn)


def build_router() -> APIRouter:
    """Every API route."""
    router = APIRouter()
    router.include_router(health_router)
    router.include_router(requests_routes.router, responses=ERROR_RESPONSES)
    router.include_router(audit_routes.router, responses=ERROR_RESPONSES)
    return router


health_router = APIRouter()


@health_router.get(
    "/api/v1/health",
    tags=["server"],
    summary="liveness and store check",
    response_model=None,
    responses=documented(HealthOut),
)
def health(gw: Gw) -> dict[str, str]:
    """``ok`` when the store answers."""
    with gw.store.read_transaction() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "store": gw.store.dialect}


@health_router.get(
    "/metrics", tags=["server"], summary="Prometheus metrics", response_class=Response
)
def metrics(gw: Gw) -> Response:
    """The Prometheus text exposition."""
    return Response(gw.metrics.render(), media_type=CONTENT_TYPE)
