"""How the consent link answers its own errors (RFC 6749 §4.1.2.1).

Until the client and its redirect URI are known to be good, an error is a page and never a
redirect (`AuthorizationPageError`); after that it goes back to the verified redirect URI with
`error`, `state` and `iss` (`RedirectableError`).
"""

from __future__ import annotations

from fastapi.responses import RedirectResponse
from starlette.requests import Request
from starlette.responses import Response

from consentry.core.authorize import AuthorizationEndpoint
from consentry.core.errors import AuthorizationPageError, RedirectableError
from consentry.web.errors import ErrorMapping
from consentry.web.headers import NO_STORE
from consentry.web.templates import Templates


def add_error_handlers(
    mapping: ErrorMapping, templates: Templates, authorization: AuthorizationEndpoint
) -> None:
    def on_page_error(request: Request, error: AuthorizationPageError) -> Response:
        return templates.error_page(request, 400, error.title, error.detail)

    def on_redirectable(request: Request, error: RedirectableError) -> Response:
        target = authorization.error_redirect(error.error, error.redirect_uri, error.state)
        return RedirectResponse(target.url, status_code=303, headers=NO_STORE)

    mapping.handle(AuthorizationPageError, on_page_error)
    mapping.handle(RedirectableError, on_redirectable)
