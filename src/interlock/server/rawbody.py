"""The hot routes read their own JSON body and bearer token.

FastAPI resolves a route's declared parameters on every request: it walks the
dependency graph, parses the body into Python objects and validates it from them.
For ``POST /api/v1/requests``, which every agent command goes through, that cost
about 0.3 ms of server CPU per request, more than classifying and deciding the
command (measured over the ASGI app in process); ballots (``.../votes``) are the
other hot path. These routes take the ``Request``
and call :func:`bearer_of` and :func:`json_body`, which answer as the declared
parameters did (401 for a missing or malformed token, 400 naming each bad field,
through the app's handlers), and :func:`body_documented` with :func:`document_bodies`
put the body and the security scheme in the OpenAPI document as FastAPI would have.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from interlock.errors import AuthenticationError
from interlock.server.auth import bearer_scheme, check_token

_M = TypeVar("_M", bound=BaseModel)

#: Where FastAPI's OpenAPI document keeps model schemas.
_REF = "#/components/schemas/{model}"


def bearer_of(request: Request) -> str:
    """The request's bearer token, as ``auth.bearer_token`` reads it: a missing header,
    another scheme or an empty token is 401, and so is text no token could be."""
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials:
        raise AuthenticationError(
            "a bearer token is needed", hint="send Authorization: Bearer <token>"
        )
    return check_token(credentials)


async def json_body(request: Request, model: type[_M]) -> _M:
    """The body as ``model``, validated straight from the JSON bytes; errors are
    FastAPI's ``RequestValidationError`` (located under ``body``), so the app's
    handler answers them as it answers a declared body's."""
    raw = await request.body()
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors, body=raw) from None


def body_documented(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra=`` for a route that reads ``model`` with :func:`json_body` and
    its token with :func:`bearer_of`: the request body and security FastAPI would
    list for declared parameters (the schema itself comes from
    :func:`document_bodies`)."""
    schema = {"$ref": _REF.format(model=model.__name__)}
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
        "security": [{bearer_scheme.scheme_name: []}],
    }


#: ``responses=`` entry of a route that reads its own body: FastAPI lists 422 only
#: for declared parameters (the app answers validation errors with 400 either way).
VALIDATION_ERROR: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "Validation Error",
        "content": {
            "application/json": {"schema": {"$ref": _REF.format(model="HTTPValidationError")}}
        },
    }
}


def document_bodies(app: FastAPI, models: Sequence[type[BaseModel]]) -> None:
    """Add ``models``' schemas to ``app``'s OpenAPI document, where FastAPI puts those
    of declared bodies (no route declares them, so FastAPI does not)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = build()
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        for model in models:
            schema = model.model_json_schema(ref_template=_REF)
            for name, sub in schema.pop("$defs", {}).items():
                schemas.setdefault(name, sub)
            schemas.setdefault(model.__name__, schema)
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
