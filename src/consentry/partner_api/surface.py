"""How the partner API answers errors: Criteo's envelope `{"errors": [{traceId, type, code,
title, detail}]}`, with RFC 6750 `WWW-Authenticate` on 401/403 and `Cache-Control: no-store`.

`PartnerSurface` answers the errors every face can raise on partner paths (`web.errors`);
`partner_error` answers the partner API's own (`errors.PartnerApiError`).
"""

from __future__ import annotations

import re
import uuid

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from consentry.core.errors import InvalidToken, OAuthError
from consentry.partner_api.errors import PartnerApiError
from consentry.partner_api.versions import VERSION_PATTERN
from consentry.web.headers import NO_STORE

PARTNER_API_PATH = re.compile(rf"^/{VERSION_PATTERN}/")
# Criteo's error types (CommonProblem.type): quota for 429, deprecation for a retired version.
_KINDS = {401: "authentication", 403: "authorization", 410: "deprecation", 429: "quota"}


def envelope(status: int, code: str, title: str, detail: str) -> JSONResponse:
    """Criteo's error envelope, never cached."""
    kind = "availability" if status >= 500 else _KINDS.get(status, "validation")
    problem = {"traceId": uuid.uuid4().hex, "type": kind, "code": code}
    body = {"errors": [{**problem, "title": title, "detail": detail}]}
    return JSONResponse(body, status_code=status, headers=NO_STORE)


def partner_error(request: Request, error: PartnerApiError) -> Response:
    return envelope(error.status_code, error.code, error.title, error.detail)


class PartnerSurface:
    """The paths under a version prefix (`/2027-01/…`)."""

    def owns(self, path: str) -> bool:
        return PARTNER_API_PATH.match(path) is not None

    def oauth_error(self, request: Request, error: OAuthError) -> Response:
        response = envelope(error.status_code, error.error, error.description, error.description)
        if error.status_code in (401, 403):
            # RFC 6750 §3: tell the client what was wrong with its bearer token; a request
            # without one gets no error code (§3.1).
            challenge = 'Bearer realm="consentry"'
            if not (isinstance(error, InvalidToken) and "missing" in error.description):
                challenge += f', error="{error.error}", error_description="{error.description}"'
            response.headers["WWW-Authenticate"] = challenge
        return response

    def http_error(self, request: Request, error: HTTPException) -> Response:
        detail = error.detail if isinstance(error.detail, str) else "Error"
        return envelope(error.status_code, "not-found", detail, detail)

    def invalid_request(self, request: Request, error: RequestValidationError) -> Response:
        return envelope(400, "invalid-request", "Invalid request", "Invalid request")

    def unexpected(self, request: Request) -> Response:
        return envelope(500, "internal-error", "Internal error", "Internal error")
