"""Browser-facing safeguards: per-session CSRF tokens and security response headers.

The CSP forbids inline script; pages are served `no-store` with `Referrer-Policy: no-referrer`.
"""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_SESSION_KEY = "csrf_token"
CSRF_FORM_FIELD = "csrf_token"

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def ensure_csrf_token(session: MutableMapping[str, Any]) -> str:
    """Return the session's CSRF token, creating one if needed."""
    token = session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_SESSION_KEY] = token
    return token


def csrf_token_valid(session: MutableMapping[str, Any], submitted: object) -> bool:
    """True when ``submitted`` equals the session's CSRF token (compared in constant time)."""
    expected = session.get(CSRF_SESSION_KEY)
    if not isinstance(expected, str) or not expected or not isinstance(submitted, str):
        return False
    return secrets.compare_digest(expected.encode(), submitted.encode())


class SecurityHeadersMiddleware:
    """Add CSP, anti-framing, nosniff, no-referrer and (outside /static) no-store headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
