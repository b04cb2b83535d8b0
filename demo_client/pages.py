"""Route handlers: home/token panel, connect, OAuth callback, refresh and disconnect.

Each handler parses the request, calls the consentry client or the token store, and renders.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from demo_client.oauth import (
    Advertiser,
    ConsentryClient,
    OAuthError,
    code_challenge_s256,
    new_code_verifier,
    new_state,
)
from demo_client.partner import ShownCall, showcase
from demo_client.security import (
    CSRF_FORM_FIELD,
    CSRF_SESSION_KEY,
    csrf_token_valid,
    ensure_csrf_token,
)
from demo_client.tokens import TokenRecord, TokenStore
from demo_client.views import Views

# Session keys. The signed session cookie holds only these, never a token.
STATE_KEY = "oauth_state"
VERIFIER_KEY = "pkce_verifier"
STORE_KEY = "store_key"
FLASH_KEY = "flash"


def _session_str(request: Request, key: str) -> str | None:
    value = request.session.get(key)
    return value if isinstance(value, str) and value else None


def _home() -> Response:
    return RedirectResponse("/", status_code=303)


@dataclass(frozen=True)
class Pages:
    """The handlers of one app instance, closing over its client, store, views and clock."""

    consentry: ConsentryClient
    store: TokenStore
    views: Views
    now: Callable[[], datetime]

    def _current(self, request: Request) -> tuple[str, TokenRecord] | None:
        key = _session_str(request, STORE_KEY)
        record = self.store.get(key)
        if key is None or record is None:
            request.session.pop(STORE_KEY, None)
            return None
        return key, record

    async def index(self, request: Request) -> Response:
        flash = request.session.pop(FLASH_KEY, None)
        context: dict[str, Any] = {
            "page_title": "Home",
            "csrf_token": ensure_csrf_token(request.session),
            "flash": flash if isinstance(flash, str) else None,
            "connected": False,
        }
        current = self._current(request)
        if current is not None:
            record = current[1]
            advertisers: list[Advertiser] = []
            advertisers_error: OAuthError | None = None
            calls: list[ShownCall] = []
            try:
                advertisers = await self.consentry.list_advertisers(record.access_token)
            except OAuthError as exc:
                advertisers_error = exc
            if advertisers:
                ids = [a.id for a in advertisers]
                calls = await showcase(self.consentry, record.access_token, ids, self.now().date())
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
                api_version=self.consentry.api_version,
                calls=calls,
            )
        return self.views.render(request, "index.html", context)

    async def connect(self, request: Request) -> Response:
        # RFC 6749 §10.12 (state against CSRF) and RFC 7636 §4.1-4.2 (S256 challenge).
        state, verifier = new_state(), new_code_verifier()
        request.session[STATE_KEY] = state
        request.session[VERIFIER_KEY] = verifier
        challenge = code_challenge_s256(verifier)
        return RedirectResponse(
            self.consentry.consent_link(state=state, code_challenge=challenge), status_code=303
        )

    async def callback(self, request: Request) -> Response:
        params = request.query_params
        received, expected = params.get("state"), _session_str(request, STATE_KEY)
        # RFC 6749 §4.1.2: the client must check that state matches the one it sent.
        if (
            not received
            or expected is None
            or not secrets.compare_digest(received.encode(), expected.encode())
        ):
            return self.views.error(
                request,
                status_code=400,
                title="State mismatch",
                error="state_mismatch",
                description="The state returned by consentry does not match this browser "
                "session. Start again from the home page.",
            )
        request.session.pop(STATE_KEY, None)
        verifier = request.session.pop(VERIFIER_KEY, None)
        # RFC 9207 §2.4: consentry always sends `iss`; a response without it, or from another
        # issuer, may be a mix-up attack and is refused.
        if params.get("iss") != self.consentry.issuer:
            return self.views.error(
                request,
                status_code=400,
                title="Issuer mismatch",
                error="issuer_mismatch",
                description="The authorization response did not come from the expected "
                "consentry server. Start again from the home page.",
            )

        # RFC 6749 §4.1.2.1: the user (or consentry) refused; error=access_denied etc.
        if error := params.get("error"):
            description = params.get("error_description") or ""
            return self.views.denied(request, error=error[:100], description=description[:300])

        code = params.get("code")
        if not code or not isinstance(verifier, str):
            return self.views.error(
                request,
                status_code=400,
                title="Missing authorization code",
                error="invalid_request",
                description="The callback carried neither a code nor an error.",
            )
        try:
            tokens = await self.consentry.exchange_code(code, verifier)
        except OAuthError as exc:
            return self.views.upstream_error(request, exc, "Token exchange failed")

        record = TokenRecord.from_response(tokens, obtained_at=self.now())
        self.store.discard(_session_str(request, STORE_KEY))
        request.session[STORE_KEY] = self.store.add(record)
        request.session[CSRF_SESSION_KEY] = secrets.token_urlsafe(32)
        request.session[FLASH_KEY] = "Connected: consentry issued a token pair."
        return _home()

    async def _refuse_bad_csrf(self, request: Request) -> Response | None:
        async with request.form(max_files=0, max_fields=10) as form:
            submitted = form.get(CSRF_FORM_FIELD)
        if csrf_token_valid(request.session, submitted):
            return None
        return self.views.error(
            request,
            status_code=403,
            title="Request refused",
            error="csrf_token_invalid",
            description="The form's CSRF token is missing or stale. Reload the home page.",
        )

    async def refresh(self, request: Request) -> Response:
        if (refused := await self._refuse_bad_csrf(request)) is not None:
            return refused
        current = self._current(request)
        refresh_token = current[1].refresh_token if current is not None else None
        if current is None or refresh_token is None:
            return self.views.error(
                request,
                status_code=400,
                title="Nothing to refresh",
                error="not_connected" if current is None else "no_refresh_token",
                description="There is no refresh token to use. Connect first.",
            )
        key, record = current
        try:
            tokens = await self.consentry.refresh(refresh_token)
        except OAuthError as exc:
            return self.views.upstream_error(request, exc, "Token refresh failed")
        # RFC 6749 §6: the server may omit a new refresh token; keep the old one then.
        renewed = TokenRecord.from_response(
            tokens, obtained_at=self.now(), previous_refresh_token=record.refresh_token
        )
        self.store.replace(key, renewed)
        request.session[FLASH_KEY] = "Token refreshed."
        return _home()

    async def disconnect(self, request: Request) -> Response:
        if (refused := await self._refuse_bad_csrf(request)) is not None:
            return refused
        self.store.discard(_session_str(request, STORE_KEY))
        request.session.pop(STORE_KEY, None)
        request.session[FLASH_KEY] = "Disconnected: the demo forgot its tokens."
        return _home()
