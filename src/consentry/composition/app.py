"""`create_app(settings, clock=...)`: the one composition root of a consentry node.

It builds the node's components (`components.py`), assembles the error mapping from what each
face provides, installs the middlewares, and registers the faces' route tables flat on the
app's router, in the order requests should meet them: the token endpoint and the partner API's
`…/me` calls first, then the rest of the partner API, the other OAuth endpoints, the pages, the
portal and the operations routes (web/routing.py says why the order and the flatness matter).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from consentry import __version__
from consentry.clock import Clock, SystemClock
from consentry.composition import operations
from consentry.composition.components import Node, build_node
from consentry.consent import dashboard_routes, login_routes, pages
from consentry.consent import routes as consent_routes
from consentry.oauth import routes as oauth_routes
from consentry.oauth import token_routes
from consentry.oauth.errors import add_error_handlers as add_oauth_error_handlers
from consentry.partner_api import routes as partner_routes
from consentry.partner_api.errors import PartnerApiError
from consentry.partner_api.middleware import PartnerApiMiddleware
from consentry.partner_api.surface import PartnerSurface, partner_error
from consentry.portal import (
    api_apps,
    api_credentials,
    app_consent_routes,
    pages_apps,
    pages_auth,
    pages_settings,
    pages_tokens,
)
from consentry.portal.errors import PortalError
from consentry.portal.surface import PortalApiSurface, portal_error_handler
from consentry.portal.web import PAGE_PREFIXES as PORTAL_PAGES
from consentry.settings import Settings
from consentry.storage.sql.sqlite import SqliteDatabase
from consentry.web.access_log import AccessLog
from consentry.web.errors import ErrorMapping, JsonSurface, PageSurface
from consentry.web.metrics import RequestMetrics
from consentry.web.observation import ObservationMiddleware
from consentry.web.security_headers import SecurityHeadersMiddleware

STATIC = Path(__file__).resolve().parent.parent / "static"


def _error_mapping(node: Node) -> ErrorMapping:
    templates = node.templates
    pages_surface = PageSurface(
        templates,
        prefixes=(*oauth_routes.PAGE_PREFIXES, *pages.PAGE_PREFIXES, *PORTAL_PAGES),
        exact=pages.PAGE_PATHS,
    )
    mapping = ErrorMapping(
        [PortalApiSurface(), PartnerSurface(), pages_surface], default=JsonSurface(templates)
    )
    add_oauth_error_handlers(mapping, templates, node.authorization)
    mapping.handle(PartnerApiError, partner_error)
    mapping.handle(PortalError, portal_error_handler(templates))
    return mapping


def _add_routes(app: FastAPI) -> None:
    router = app.router
    token_routes.TOKEN.add_to(router)  # the hottest route of all
    partner_routes.add_hot_routes(router)
    partner_routes.add_routes(router)
    for table in (token_routes.routes, oauth_routes.routes):
        table.add_to(router)
    for table in (login_routes.routes, consent_routes.routes, dashboard_routes.routes):
        table.add_to(router)
    pages.routes.add_to(router)
    for module in (pages_auth, pages_apps, pages_settings, pages_tokens, app_consent_routes):
        module.routes.add_to(router)
    api_apps.routes.add_to(router)
    api_credentials.routes.add_to(router)
    operations.routes.add_to(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")


def _add_storage_metrics(metrics: RequestMetrics, node: Node) -> None:
    """SQLite's group commit: how many units of work each COMMIT carried, on average."""
    database = node.database
    if isinstance(database, SqliteDatabase):
        group = database.group
        metrics.add_counter(
            "consentry_sqlite_group_commits",
            "COMMITs of the SQLite writer that succeeded (each carries one or more units of work).",
            lambda: group.commits,
        )
        metrics.add_counter(
            "consentry_sqlite_group_commit_members",
            "Units of work whose writes those COMMITs carried.",
            lambda: group.members,
        )


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    clock = clock or SystemClock()
    node = build_node(settings, clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await node.keyring.ready()
        yield
        await node.database.close()

    app = FastAPI(
        title="consentry",
        version=__version__,
        description="OAuth 2.0 authorization server and partner API, wire-compatible with Criteo.",
        lifespan=lifespan,
        # Served by `operations.py` after the API routes, not in front of them.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        # FastAPI's native OpenTelemetry looks up the global providers on every request (about
        # 15 µs); consentry exports Prometheus metrics (/metrics) and turns it on only if asked.
        telemetry={
            "tracing": settings.opentelemetry,
            "metrics": settings.opentelemetry,
            "logs": settings.opentelemetry,
        },
    )
    metrics = node.components.add(RequestMetrics, RequestMetrics())  # per app: no global registry
    _add_storage_metrics(metrics, node)
    app.state.components = node.components
    app.state.database = node.database
    _error_mapping(node).install(app)
    # Added innermost first: the partner API's version guard sits right in front of the router.
    app.add_middleware(PartnerApiMiddleware, versions=node.versions, clock=clock)
    app.add_middleware(SecurityHeadersMiddleware, hsts=not settings.issuer_is_loopback)
    app.add_middleware(ObservationMiddleware, observers=(AccessLog(), metrics))
    _add_routes(app)
    return app
