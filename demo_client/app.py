"""Composition root of the demo web app: ``create_app(settings)`` wires routes and middleware.

The consentry transport and the clock are injectable; nothing happens at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from demo_client.oauth import ConsentryClient
from demo_client.pages import Pages
from demo_client.security import SecurityHeadersMiddleware
from demo_client.settings import DemoClientSettings
from demo_client.tokens import TokenStore
from demo_client.views import Views

STATIC_DIR = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "demo_client_session"
SESSION_MAX_AGE = 24 * 60 * 60
HTTP_TIMEOUT = httpx.Timeout(10.0)
_RESERVED_PATHS = frozenset({"/", "/connect", "/refresh", "/disconnect"})


def utc_now() -> datetime:
    """The default clock: an aware UTC ``datetime``."""
    return datetime.now(UTC)


def create_app(
    settings: DemoClientSettings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    now: Callable[[], datetime] = utc_now,
) -> Starlette:
    """Build a demo-client app. ``transport`` reaches consentry; ``now`` must return aware UTC.

    ``app.state`` exposes ``settings``, ``token_store`` and ``consentry`` (the HTTP client, closed
    by the app's lifespan).
    """
    callback_path = settings.callback_path
    if callback_path in _RESERVED_PATHS or callback_path.startswith("/static"):
        raise ValueError(f"redirect_uri path {callback_path!r} clashes with a demo page")

    consentry = ConsentryClient(
        httpx.AsyncClient(transport=transport, timeout=HTTP_TIMEOUT),
        consentry_url=settings.consentry_url,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        redirect_uri=settings.redirect_uri,
        api_version=settings.api_version,
    )
    store = TokenStore()
    pages = Pages(consentry=consentry, store=store, views=Views.create(settings), now=now)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await consentry.aclose()

    app = Starlette(
        routes=[
            Route("/", pages.index, methods=["GET"], name="index"),
            Route("/connect", pages.connect, methods=["GET"], name="connect"),
            Route(callback_path, pages.callback, methods=["GET"], name="callback"),
            Route("/refresh", pages.refresh, methods=["POST"], name="refresh"),
            Route("/disconnect", pages.disconnect, methods=["POST"], name="disconnect"),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        middleware=[
            Middleware(SecurityHeadersMiddleware),
            Middleware(
                SessionMiddleware,
                secret_key=settings.session_secret.get_secret_value(),
                session_cookie=SESSION_COOKIE,
                max_age=SESSION_MAX_AGE,
                same_site="lax",
                https_only=False,  # the demo runs on http://localhost
            ),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.token_store = store
    app.state.consentry = consentry
    return app
