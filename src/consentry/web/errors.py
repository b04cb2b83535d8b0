"""The one place where errors become HTTP responses.

Errors that any face may raise (`OAuthError` and its subclasses, FastAPI's `HTTPException` and
`RequestValidationError`, anything unexpected) are answered by the *surface* that owns the
request's path: a face that answers in its own format registers one (the partner API's Criteo
envelope, the portal API's problem JSON, the HTML pages), and every other path gets RFC 6749
§5.2 JSON. Errors of one face only (a portal error, a partner-API error, a consent link's page
or redirect) are answered by a handler that face registers. The composition root assembles the
mapping from what the faces provide, so `web` knows no face. An unexpected exception is logged
and answered with no detail (`server_error`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from consentry.core.errors import (
    InvalidClient,
    InvalidRequest,
    OAuthError,
    ServerError,
    TemporarilyUnavailable,
    TooManyRequests,
)
from consentry.core.ports.unit_of_work import StorageUnavailable
from consentry.web.headers import NO_STORE
from consentry.web.templates import Templates

log = logging.getLogger("consentry.errors")

Handler = Callable[[Request, Any], Response]


class ErrorSurface(Protocol):
    """How the routes under some paths answer the errors every face can raise."""

    def owns(self, path: str) -> bool: ...
    def oauth_error(self, request: Request, error: OAuthError) -> Response: ...
    def http_error(self, request: Request, error: HTTPException) -> Response: ...
    def invalid_request(self, request: Request, error: RequestValidationError) -> Response: ...
    def unexpected(self, request: Request) -> Response: ...


def oauth_json(error: OAuthError) -> JSONResponse:
    """RFC 6749 §5.2: `{"error", "error_description"}`, never cached."""
    body = {"error": error.error, "error_description": error.description}
    response = JSONResponse(body, status_code=error.status_code, headers=NO_STORE)
    if isinstance(error, InvalidClient) and error.used_basic:
        # RFC 6749 §5.2: a client that tried Basic is told how to authenticate.
        response.headers["WWW-Authenticate"] = 'Basic realm="consentry", charset="UTF-8"'
    if isinstance(error, TooManyRequests | TemporarilyUnavailable):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


class JsonSurface:
    """Every path no face claims: the OAuth endpoints' JSON (an unknown URL gets the 404 page)."""

    def __init__(self, templates: Templates) -> None:
        self._templates = templates

    def owns(self, path: str) -> bool:
        return True

    def oauth_error(self, request: Request, error: OAuthError) -> Response:
        return oauth_json(error)

    def http_error(self, request: Request, error: HTTPException) -> Response:
        detail = error.detail if isinstance(error.detail, str) else "Error"
        if error.status_code == 404:  # mostly a browser that followed a wrong link
            return self._templates.error_page(request, 404, detail, detail)
        return JSONResponse({"detail": detail}, status_code=error.status_code, headers=NO_STORE)

    def invalid_request(self, request: Request, error: RequestValidationError) -> Response:
        return oauth_json(InvalidRequest("The request is malformed."))

    def unexpected(self, request: Request) -> Response:
        return oauth_json(ServerError())


class PageSurface:
    """The HTML pages (the consent link, sign-in, consent, dashboard, portal): an error page."""

    def __init__(self, templates: Templates, prefixes: Sequence[str], exact: Sequence[str]) -> None:
        self._templates = templates
        self._prefixes = tuple(prefixes)
        self._exact = frozenset(exact)

    def owns(self, path: str) -> bool:
        return path in self._exact or path.startswith(self._prefixes)

    def oauth_error(self, request: Request, error: OAuthError) -> Response:
        return self._templates.error_page(
            request, error.status_code, error.error, error.description
        )

    def http_error(self, request: Request, error: HTTPException) -> Response:
        detail = error.detail if isinstance(error.detail, str) else "Error"
        return self._templates.error_page(request, error.status_code, detail, detail)

    def invalid_request(self, request: Request, error: RequestValidationError) -> Response:
        # A page's path or form that does not parse (`/portal/apps/not-a-number`) names nothing.
        return self._templates.error_page(request, 404, "Not found", "There is no such page.")

    def unexpected(self, request: Request) -> Response:
        return self._templates.error_page(
            request, 500, "Something went wrong", "An unexpected error occurred."
        )


class ErrorMapping:
    """Exception class → response; the most specific class in an exception's MRO wins."""

    def __init__(self, surfaces: Sequence[ErrorSurface], default: ErrorSurface) -> None:
        self._surfaces = (*surfaces, default)
        self._handlers: dict[type[Exception], Handler] = {
            OAuthError: lambda request, exc: self.surface(request).oauth_error(request, exc),
            HTTPException: lambda request, exc: self.surface(request).http_error(request, exc),
            RequestValidationError: (
                lambda request, exc: self.surface(request).invalid_request(request, exc)
            ),
            StorageUnavailable: self._unavailable,
            Exception: self._unexpected,
        }

    def surface(self, request: Request) -> ErrorSurface:
        path = request.url.path
        return next(s for s in self._surfaces if s.owns(path))

    def handle(self, kind: type[Exception], handler: Handler) -> None:
        """Answer `kind` (a face's own error) with `handler`."""
        self._handlers[kind] = handler

    def _unavailable(self, request: Request, exc: StorageUnavailable) -> Response:
        """A saturated or locked store: 503 in the surface's format, and when to retry."""
        log.warning("storage unavailable on %s %s: %s", request.method, request.url.path, exc)
        error = TemporarilyUnavailable(exc.retry_after)
        response = self.surface(request).oauth_error(request, error)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    def _unexpected(self, request: Request, exc: Exception) -> Response:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return self.surface(request).unexpected(request)

    def response(self, request: Request, exc: Exception) -> Response:
        for cls in type(exc).__mro__:
            handler = self._handlers.get(cls)
            if handler is not None:
                if isinstance(exc, OAuthError) and exc.debug:
                    log.info("oauth error %s: %s", exc.error, exc.debug)
                return handler(request, exc)
        return self._unexpected(request, exc)

    def install(self, app: FastAPI) -> None:
        for cls in self._handlers:
            app.add_exception_handler(cls, self._as_async(cls))

    def _as_async(self, kind: type[Exception]) -> Callable[[Request, Any], Awaitable[Response]]:
        async def handle(request: Request, exc: Any) -> Response:
            return self.response(request, exc)

        return handle
