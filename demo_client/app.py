"""The demo web app: connect button, OAuth callback, token panel, refresh and disconnect.

Build it with ``create_app(settings)``; the consentry transport and the clock are injectable.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from demo_client.oauth import (
    Advertiser,
    ConsentryClient,
    OAuthError,
    code_challenge_s256,
    new_code_verifier,
    new_state,
)
from demo_client.security import (
    CSRF_FORM_FIELD,
    CSRF_SESSION_KEY,
    SecurityHeadersMiddleware,
    csrf_token_valid,
    ensure_csrf_token,
)
from demo_client.settings import DemoClientSettings
from demo_client.tokens import TokenRecord, TokenStore

PACKAGE_DIR = Path(__file__).resolve().parent
SESSION_COOKIE = "demo_client_session"
SESSION_MAX_AGE = 24 * 60 * 60
HTTP_TIMEOUT = httpx.Timeout(10.0)

# Session keys. The signed cookie holds only these, never a token.
STATE_KEY = "oauth_state"
VERIFIER_KEY = "pkce_verifier"
STORE_KEY = "store_key"
FLASH_KEY = "flash"

_RESERVED_PATHS = frozenset({"/", "/connect", "/refresh", "/disconnect"})


def utc_now() -> datetime:
    """The default clock: an aware UTC ``datetime``."""
    return datetime.now(UTC)


def _session_str(request: Request, key: str) -> str | None:
    value = request.session.get(key)
    return value if isinstance(value, str) and value else None


def _upstream_status(exc: OAuthError) -> int:
    """Page status for a consentry failure: 400 if consentry refused the request, else 502."""
    if exc.status_code is not None and 400 <= exc.status_code < 500:
        return 400
    return 502


@dataclass(frozen=True)
class _Pages:
    """Route handlers closing over one app instance's collaborators."""

    settings: DemoClientSettings
    consentry: ConsentryClient
    store: TokenStore
    templates: Jinja2Templates
    now: Callable[[], datetime]

    def _render(
        self, request: Request, name: str, context: dict[str, Any], status_code: int = 200
    ) -> Response:
        context.setdefault("settings", self.settings)
        return self.templates.TemplateResponse(request, name, context, status_code=status_code)

    def _error_page(
        self,
        request: Request,
        *,
        status_code: int,
        title: str,
        error: str,
        description: str = "",
    ) -> Response:
        return self._render(
            request,
            "error.html",
            {"page_title": title, "error": error, "error_description": description},
            status_code=status_code,
        )

    def _upstream_error_page(self, request: Request, exc: OAuthError, title: str) -> Response:
        return self._error_page(
            request,
            status_code=_upstream_status(exc),
            title=title,
            error=exc.error,
            description=exc.error_description,
        )

    def _current_record(self, request: Request) -> tuple[str, TokenRecord] | None:
        key = _session_str(request, STORE_KEY)
        record = self.store.get(key)
        if key is None or record is None:
            request.session.pop(STORE_KEY, None)
            return None
        return key, record

    async def index(self, request: Request) -> Response:
        csrf_token = ensure_csrf_token(request.session)
        flash = request.session.pop(FLASH_KEY, None)
        context: dict[str, Any] = {
            "page_title": "Home",
            "csrf_token": csrf_token,
            "flash": flash if isinstance(flash, str) else None,
            "connected": False,
        }
        current = self._current_record(request)
        if current is not None:
            _, record = current
            advertisers: list[Advertiser] = []
            advertisers_error: OAuthError | None = None
            try:
                advertisers = await self.consentry.list_advertisers(record.access_token)
            except OAuthError as exc:
                advertisers_error = exc
            expires_at = record.expires_at.astimezone(UTC)
            context.update(
                connected=True,
                token_type=record.token_type,
                expires_in=record.expires_in,
                expires_at=expires_at.isoformat(timespec="seconds"),
                expired=self.now() >= expires_at,
                has_refresh_token=record.refresh_token is not None,
                advertisers=advertisers,
                advertisers_error=advertisers_error,
            )
        return self._render(request, "index.html", context)

    async def connect(self, request: Request) -> Response:
        state = new_state()
        verifier = new_code_verifier()
        request.session[STATE_KEY] = state
        request.session[VERIFIER_KEY] = verifier
        link = self.consentry.consent_link(
            state=state, code_challenge=code_challenge_s256(verifier)
        )
        return RedirectResponse(link, status_code=303)

    async def callback(self, request: Request) -> Response:
        params = request.query_params
        received_state = params.get("state")
        expected_state = _session_str(request, STATE_KEY)
        if (
            not received_state
            or expected_state is None
            or not secrets.compare_digest(received_state.encode(), expected_state.encode())
        ):
            return self._error_page(
                request,
                status_code=400,
                title="State mismatch",
                error="state_mismatch",
                description="The state returned by consentry does not match this browser "
                "session. Start again from the home page.",
            )
        request.session.pop(STATE_KEY, None)
        verifier = request.session.pop(VERIFIER_KEY, None)

        error = params.get("error")
        if error:
            title = "Access denied" if error == "access_denied" else "Authorization failed"
            return self._render(
                request,
                "denied.html",
                {
                    "page_title": title,
                    "error": error[:100],
                    "error_description": (params.get("error_description") or "")[:300],
                },
            )

        code = params.get("code")
        if not code or not isinstance(verifier, str):
            return self._error_page(
                request,
                status_code=400,
                title="Missing authorization code",
                error="invalid_request",
                description="The callback carried neither a code nor an error.",
            )
        try:
            tokens = await self.consentry.exchange_code(code, verifier)
        except OAuthError as exc:
            return self._upstream_error_page(request, exc, "Token exchange failed")

        record = TokenRecord.from_response(tokens, obtained_at=self.now())
        self.store.discard(_session_str(request, STORE_KEY))
        request.session[STORE_KEY] = self.store.add(record)
        request.session[CSRF_SESSION_KEY] = secrets.token_urlsafe(32)
        request.session[FLASH_KEY] = "Connected: consentry issued a token pair."
        return RedirectResponse("/", status_code=303)

    async def _csrf_refused(self, request: Request) -> Response | None:
        async with request.form(max_files=0, max_fields=10) as form:
            submitted = form.get(CSRF_FORM_FIELD)
        if csrf_token_valid(request.session, submitted):
            return None
        return self._error_page(
            request,
            status_code=403,
            title="Request refused",
            error="csrf_token_invalid",
            description="The form's CSRF token is missing or stale. Reload the home page.",
        )

    async def refresh(self, request: Request) -> Response:
        refused = await self._csrf_refused(request)
        if refused is not None:
            return refused
        current = self._current_record(request)
        if current is None:
            return self._error_page(
                request,
                status_code=400,
                title="Not connected",
                error="not_connected",
                description="There is no token to refresh. Connect first.",
            )
        key, record = current
        if record.refresh_token is None:
            return self._error_page(
                request,
                status_code=400,
                title="No refresh token",
                error="no_refresh_token",
                description="consentry did not issue a refresh token.",
            )
        try:
            tokens = await self.consentry.refresh(record.refresh_token)
        except OAuthError as exc:
            return self._upstream_error_page(request, exc, "Token refresh failed")
        self.store.replace(
            key,
            TokenRecord.from_response(
                tokens, obtained_at=self.now(), previous_refresh_token=record.refresh_token
            ),
        )
        request.session[FLASH_KEY] = "Token refreshed."
        return RedirectResponse("/", status_code=303)

    async def disconnect(self, request: Request) -> Response:
        refused = await self._csrf_refused(request)
        if refused is not None:
            return refused
        self.store.discard(_session_str(request, STORE_KEY))
        request.session.pop(STORE_KEY, None)
        request.session[FLASH_KEY] = "Disconnected: the demo forgot its tokens."
        return RedirectResponse("/", status_code=303)


def create_app(
    settings: DemoClientSettings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    now: Callable[[], datetime] = utc_now,
) -> Starlette:
    """Build a demo-client app. ``transport`` reaches consentry; ``now`` must return aware UTC."""
    callback_path = settings.callback_path
    if callback_path in _RESERVED_PATHS or callback_path.startswith("/static"):
        raise ValueError(f"redirect_uri path {callback_path!r} clashes with a demo page")
    http = httpx.AsyncClient(transport=transport, timeout=HTTP_TIMEOUT)
    consentry = ConsentryClient(
        http,
        consentry_url=settings.consentry_url,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        redirect_uri=settings.redirect_uri,
        api_version=settings.api_version,
    )
    store = TokenStore()
    pages = _Pages(
        settings=settings,
        consentry=consentry,
        store=store,
        templates=Jinja2Templates(directory=PACKAGE_DIR / "templates"),
        now=now,
    )

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
            Mount("/static", StaticFiles(directory=PACKAGE_DIR / "static"), name="static"),
        ],
        middleware=[
            Middleware(SecurityHeadersMiddleware),
            Middleware(
                SessionMiddleware,
                secret_key=settings.session_secret.get_secret_value(),
                session_cookie=SESSION_COOKIE,
                max_age=SESSION_MAX_AGE,
                same_site="lax",
                https_only=False,
            ),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.token_store = store
    app.state.consentry = consentry
    return app
