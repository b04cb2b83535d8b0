"""How the portal answers errors: RFC 9457 problem JSON on `/portal/api/…` naming the fields at
fault; on the pages, the sign-in page for the anonymous and an error page otherwise.

`PortalApiSurface` answers the errors every face can raise on API paths (`web.errors`);
`portal_error_handler` answers the portal's own (`errors.PortalError`).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from consentry.core.errors import OAuthError
from consentry.portal.errors import InvalidInput, NotAuthenticated, PortalError
from consentry.portal.problems import MEDIA_TYPE, problem_body, validation_field_errors
from consentry.web.errors import oauth_json
from consentry.web.headers import NO_STORE
from consentry.web.templates import Templates

API_PREFIX = "/portal/api/"
SIGN_IN = "/portal/login"


def problem(error: PortalError) -> JSONResponse:
    """RFC 9457 problem JSON for `/portal/api`, naming the fields at fault."""
    body = problem_body(error.status, error.title, error.message, error.errors)
    response = JSONResponse(body, status_code=error.status, media_type=MEDIA_TYPE, headers=NO_STORE)
    if isinstance(error, NotAuthenticated):
        response.headers["WWW-Authenticate"] = 'Bearer realm="consentry-portal"'
    return response


class PortalApiSurface:
    """The portal's JSON API."""

    def owns(self, path: str) -> bool:
        return path.startswith(API_PREFIX)

    def oauth_error(self, request: Request, error: OAuthError) -> Response:
        return oauth_json(error)

    def http_error(self, request: Request, error: HTTPException) -> Response:
        detail = error.detail if isinstance(error.detail, str) else "Error"
        return problem(PortalError(detail, status=error.status_code, title=detail))

    def invalid_request(self, request: Request, error: RequestValidationError) -> Response:
        invalid = InvalidInput("The request is not valid; see errors.")
        invalid.errors = validation_field_errors(error.errors())
        return problem(invalid)

    def unexpected(self, request: Request) -> Response:
        return problem(PortalError("An unexpected error occurred.", status=500))


def portal_error_handler(templates: Templates) -> Callable[[Request, PortalError], Response]:
    """Problem JSON in the API; on pages, sign-in for the anonymous, else an error page."""

    def handle(request: Request, error: PortalError) -> Response:
        if request.url.path.startswith(API_PREFIX):
            return problem(error)
        if isinstance(error, NotAuthenticated):
            back = request.url.path if request.method == "GET" else "/portal/apps"
            target = SIGN_IN + "?next=" + quote(back, safe="/")
            return RedirectResponse(target, status_code=303, headers=NO_STORE)
        return templates.error_page(request, error.status, error.title, error.message)

    return handle
