"""Helpers of the portal's pages: the signed-in developer, CSRF checks and rendering."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from consentry.core.ports.unit_of_work import PortalUnitOfWork
from consentry.portal.accounts import Developer
from consentry.portal.errors import CsrfRejected, NotADeveloper, NotAuthenticated
from consentry.web.errors import NO_STORE
from consentry.web.services import Services
from consentry.web.sessions import ActiveSession

HOME = "/portal/apps"


@dataclass(frozen=True, slots=True)
class SignedIn:
    active: ActiveSession
    developer: Developer


async def signed_in(services: Services, uow: PortalUnitOfWork, request: Request) -> SignedIn:
    """The signed-in developer; NotAuthenticated sends the browser to the portal's sign-in."""
    active = await services.sessions.load(uow, request)
    if active is None or active.user_id is None:
        raise NotAuthenticated("Sign in to the developer portal.")
    developer = await services.portal.accounts.developer(uow, active.user_id)
    if developer is None:
        raise NotADeveloper(
            "This is a customer account. Sign out, then sign in or sign up as a developer."
        )
    return SignedIn(active, developer)


async def signed_in_with_csrf(
    services: Services, uow: PortalUnitOfWork, request: Request, form: Mapping[str, object]
) -> SignedIn:
    """As `signed_in`, for a form post: the form must carry the session's CSRF token."""
    current = await signed_in(services, uow, request)
    token = form.get("csrf_token")
    if not services.sessions.check_csrf(current.active, token if isinstance(token, str) else None):
        raise CsrfRejected("This form has expired. Go back, reload the page and try again.")
    return current


def render(
    request: Request,
    services: Services,
    template: str,
    context: Mapping[str, object],
    *,
    active: ActiveSession,
    developer: Developer | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A portal page: never cached, with the session's CSRF token for its forms."""
    response = services.templates.TemplateResponse(
        request,
        template,
        {**context, "csrf_token": active.csrf_token, "developer": developer},
        status_code=status,
        headers={**NO_STORE, **(headers or {})},
    )
    services.sessions.set_cookie(response, active)
    return response


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
