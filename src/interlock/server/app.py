"""The gateway server's FastAPI application: ``create_app(settings)``.

It builds the :class:`~interlock.server.gateway.Gateway` (store, services, event bus,
webhooks), installs the error rendering and body limit (``errors``), the API router
(``api``), the session routes (``sessions_routes``) and, when the package has them,
the approver pages (``interlock.server.pages``). The gateway closes with the app's lifespan.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType

from fastapi import FastAPI

from interlock import __version__
from interlock.server import errors, sessions_routes
from interlock.server.api import BODIES_READ_BY_ROUTES, ERROR_RESPONSES, build_router
from interlock.server.gateway import Gateway
from interlock.server.rawbody import document_bodies
from interlock.server.settings import Settings
from interlock.store import Store


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """The app for ``settings``; ``store`` overrides opening ``settings.database_url``."""
    settings = settings or Settings()
    gateway = Gateway(settings, store)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            gateway.close()

    app = FastAPI(
        title="interlock gateway",
        version=__version__,
        description="Change control between AI coding agents and production.",
        lifespan=lifespan,
    )
    app.state.gateway = gateway
    app.state.settings = settings
    errors.install(app)
    app.add_middleware(errors.BodyLimit, limit=settings.max_body_bytes)
    app.include_router(build_router())
    document_bodies(app, BODIES_READ_BY_ROUTES)
    app.include_router(sessions_routes.router, responses=ERROR_RESPONSES)
    pages = _pages_module()
    if pages is not None:
        app.include_router(pages.router)
    return app


def _pages_module() -> ModuleType | None:
    """``interlock.server.pages`` if it is installed; any other import error raises."""
    try:
        return importlib.import_module("interlock.server.pages")
    except ModuleNotFoundError as exc:
        if exc.name == "interlock.server.pages":
            return None
        raise
