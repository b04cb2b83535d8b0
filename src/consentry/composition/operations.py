"""Routes for the people who run a node: health, readiness, Prometheus metrics, OpenAPI.

`/openapi.json` and `/docs` are registered here, after every API route, rather than by FastAPI
in front of them (each route in front of the hot ones costs every request a match).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import literal, select
from starlette.responses import Response

from consentry.core.ports.unit_of_work import UnitOfWorkFactory
from consentry.keys.keyring import KeyRing
from consentry.storage.sql.database import DATABASE_ERRORS
from consentry.storage.sql.statements import Statement
from consentry.storage.sql.unit_of_work import SqlUnitOfWork
from consentry.web.components import components_of
from consentry.web.headers import NO_STORE
from consentry.web.metrics import RequestMetrics
from consentry.web.routing import RouteTable

routes = RouteTable(include_in_schema=False)
_PING = Statement(select(literal(1)))


@routes.get("/healthz")
async def health() -> Response:
    return Response("ok", media_type="text/plain")


@routes.get("/readyz")
async def ready(request: Request) -> Response:
    """Readiness: the database answers `SELECT 1` (read-only) and a signing key is loaded."""
    components = components_of(request)
    problems: list[str] = []
    try:
        async with components.get(UnitOfWorkFactory)(read_only=True) as uow:
            if isinstance(uow, SqlUnitOfWork):
                await uow.connection.fetchval(_PING)
    except DATABASE_ERRORS:
        problems.append("database unavailable")
    if not components.get(KeyRing).has_signing_key:
        problems.append("no signing key loaded")
    if problems:
        body = "not ready: " + "; ".join(problems)
        return Response(body, status_code=503, media_type="text/plain", headers=NO_STORE)
    return Response("ready", media_type="text/plain", headers=NO_STORE)


@routes.get("/metrics")
async def metrics(request: Request) -> Response:
    collected = components_of(request).get(RequestMetrics)
    return Response(collected.exposition(), media_type=CONTENT_TYPE_LATEST)


@routes.get("/openapi.json")
async def openapi(request: Request) -> Response:
    app: FastAPI = request.app
    return JSONResponse(app.openapi())


@routes.get("/docs")
async def docs() -> Response:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="consentry · API")
