"""The one place where errors become HTTP responses.

OAuth errors become RFC 6749 §5.2 JSON (or RFC 6750 / Criteo error bodies on the partner API);
consent-link errors become a page or a redirect to a verified redirect URI; anything else is a
generic server_error with no detail.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from consentry.core.errors import (
    AuthorizationPageError,
    InvalidClient,
    InvalidToken,
    OAuthError,
    RedirectableError,
    TooManyRequests,
)
from consentry.partner_api.errors import PartnerApiError
from consentry.portal.errors import InvalidInput, NotAuthenticated, NotFoundError, PortalError
from consentry.portal.problems import MEDIA_TYPE, problem_body, validation_field_errors
from consentry.web.deps import get_services

log = logging.getLogger("consentry.errors")

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
PARTNER_API_PATH = re.compile(r"^/\d{4}-\d{2}/")
_HTML_PREFIXES = ("/request", "/consent", "/login", "/logout", "/portal")
PORTAL_API_PREFIX = "/portal/api/"


def _is_portal_api(request: Request) -> bool:
    return request.url.path.startswith(PORTAL_API_PREFIX)


def _wants_page(request: Request) -> bool:
    if _is_portal_api(request):
        return False
    return request.url.path == "/" or request.url.path.startswith(_HTML_PREFIXES)


def portal_problem(error: PortalError) -> JSONResponse:
    """RFC 9457 problem JSON for `/portal/api`, naming the fields at fault."""
    body = problem_body(error.status, error.title, error.message, error.errors)
    response = JSONResponse(body, status_code=error.status, media_type=MEDIA_TYPE, headers=NO_STORE)
    if isinstance(error, NotAuthenticated):
        response.headers["WWW-Authenticate"] = 'Bearer realm="consentry-portal"'
    return response


def portal_error_response(request: Request, error: PortalError) -> Response:
    """Problem JSON in the API; on pages, sign-in for the anonymous, else an error page."""
    if _is_portal_api(request):
        return portal_problem(error)
    if isinstance(error, NotAuthenticated):
        back = request.url.path if request.method == "GET" else "/portal/apps"
        target = "/portal/login?next=" + quote(back, safe="/")
        return RedirectResponse(target, status_code=303, headers=NO_STORE)
    return render_error_page(request, error.status, error.title, error.message)


def render_error_page(request: Request, status: int, title: str, detail: str) -> Response:
    services = get_services(request)
    return services.templates.TemplateResponse(
        request,
        "error.html",
        {"title": title, "detail": detail},
        status_code=status,
        headers=NO_STORE,
    )


def partner_api_error(status: int, code: str, title: str, detail: str) -> JSONResponse:
    """Criteo's error envelope: {"errors": [{traceId, type, code, title, detail}]}."""
    # Criteo's error types (CommonProblem.type): quota for 429, deprecation for a retired version.
    kind = {401: "authentication", 403: "authorization", 410: "deprecation", 429: "quota"}.get(
        status, "validation"
    )
    if status >= 500:
        kind = "availability"
    body = {
        "errors": [
            {
                "traceId": uuid.uuid4().hex,
                "type": kind,
                "code": code,
                "title": title,
                "detail": detail,
            }
        ]
    }
    return JSONResponse(body, status_code=status, headers=NO_STORE)


def oauth_error_response(request: Request, error: OAuthError) -> Response:
    if error.debug:
        log.info("oauth error %s: %s", error.error, error.debug)
    if PARTNER_API_PATH.match(request.url.path):
        response: Response = partner_api_error(
            error.status_code, error.error, error.description, error.description
        )
        if error.status_code in (401, 403):
            # RFC 6750 §3: tell the client what was wrong with its bearer token.
            response.headers["WWW-Authenticate"] = (
                f'Bearer realm="consentry", error="{error.error}", '
                f'error_description="{error.description}"'
            )
            if isinstance(error, InvalidToken) and "missing" in error.description:
                response.headers["WWW-Authenticate"] = 'Bearer realm="consentry"'
        return response
    if _wants_page(request):
        return render_error_page(request, error.status_code, error.error, error.description)
    body = {"error": error.error, "error_description": error.description}
    response = JSONResponse(body, status_code=error.status_code, headers=NO_STORE)
    if isinstance(error, InvalidClient) and error.used_basic:
        response.headers["WWW-Authenticate"] = 'Basic realm="consentry", charset="UTF-8"'
    if isinstance(error, TooManyRequests):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _on_page_error(request: Request, exc: AuthorizationPageError) -> Response:
    return render_error_page(request, 400, exc.title, exc.detail)


def _on_redirectable(request: Request, exc: RedirectableError) -> Response:
    endpoint = get_services(request).authorization
    target = endpoint.error_redirect(exc.error, exc.redirect_uri, exc.state)
    return RedirectResponse(target.url, status_code=303, headers=NO_STORE)


def _on_partner_error(request: Request, exc: PartnerApiError) -> Response:
    return partner_api_error(exc.status_code, exc.code, exc.title, exc.detail)


def _on_http_error(request: Request, exc: HTTPException) -> Response:
    detail = exc.detail if isinstance(exc.detail, str) else "Error"
    if _is_portal_api(request):
        return portal_problem(PortalError(detail, status=exc.status_code, title=detail))
    if PARTNER_API_PATH.match(request.url.path):
        return partner_api_error(exc.status_code, "not-found", detail, detail)
    if _wants_page(request) or exc.status_code == 404:
        return render_error_page(request, exc.status_code, detail, detail)
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=NO_STORE)


def _on_validation_error(request: Request, exc: RequestValidationError) -> Response:
    if PARTNER_API_PATH.match(request.url.path):
        return partner_api_error(400, "invalid-request", "Invalid request", "Invalid request")
    if _is_portal_api(request):
        invalid = InvalidInput("The request is not valid; see errors.")
        invalid.errors = validation_field_errors(exc.errors())
        return portal_problem(invalid)
    if _wants_page(request):  # e.g. /portal/apps/not-a-number
        return portal_error_response(request, NotFoundError("There is no such page."))
    return JSONResponse(
        {"error": "invalid_request", "error_description": "The request is malformed."},
        status_code=400,
        headers=NO_STORE,
    )


def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    if PARTNER_API_PATH.match(request.url.path):
        return partner_api_error(500, "internal-error", "Internal error", "Internal error")
    if _is_portal_api(request):
        failure = PortalError("An unexpected error occurred.", status=500)
        return portal_problem(failure)
    if _wants_page(request):
        return render_error_page(
            request, 500, "Something went wrong", "An unexpected error occurred."
        )
    return JSONResponse(
        {
            "error": "server_error",
            "error_description": "The server met an unexpected condition.",
        },
        status_code=500,
        headers=NO_STORE,
    )


Handler = Callable[[Request, Any], Response]
# Exception class → response; the most specific class in an exception's MRO wins.
HANDLERS: dict[type[Exception], Handler] = {
    OAuthError: oauth_error_response,
    AuthorizationPageError: _on_page_error,
    RedirectableError: _on_redirectable,
    PortalError: portal_error_response,
    PartnerApiError: _on_partner_error,
    HTTPException: _on_http_error,
    RequestValidationError: _on_validation_error,
    Exception: _on_unexpected,
}


def error_response(request: Request, exc: Exception) -> Response:
    """What the app answers for `exc` (for code that runs outside FastAPI's routing)."""
    for cls in type(exc).__mro__:
        handler = HANDLERS.get(cls)
        if handler is not None:
            return handler(request, exc)
    return _on_unexpected(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    for cls, handler in HANDLERS.items():
        app.add_exception_handler(cls, _as_async(handler))


def _as_async(handler: Handler) -> Callable[[Request, Any], Awaitable[Response]]:
    async def handle(request: Request, exc: Any) -> Response:
        return handler(request, exc)

    return handle
