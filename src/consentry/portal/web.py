"""Helpers of the portal's pages: the signed-in developer, CSRF checks and rendering."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from consentry.core.ports.unit_of_work import PortalUnitOfWork
from consentry.portal.accounts import Developer
from consentry.portal.errors import CsrfRejected, NotADeveloper, NotAuthenticated
from consentry.portal.service import Portal, PortalConfig
from consentry.web.sessions import ActiveSession, SessionManager
from consentry.web.templates import Templates

HOME = "/portal/apps"
PAGE_PREFIXES = ("/portal",)  # the portal's pages and API (its API answers problem JSON)


@dataclass(frozen=True, slots=True)
class PortalWeb:
    """What the portal's pages and API share: the portal services, the sessions, the
    templates and the portal's configuration (issuer, image size)."""

    portal: Portal
    sessions: SessionManager
    templates: Templates
    config: PortalConfig


@dataclass(frozen=True, slots=True)
class SignedIn:
    active: ActiveSession
    developer: Developer


async def signed_in(web: PortalWeb, uow: PortalUnitOfWork, request: Request) -> SignedIn:
    """The signed-in developer; NotAuthenticated sends the browser to the portal's sign-in."""
    active = await web.sessions.load(uow, request)
    if active is None or active.user_id is None:
        raise NotAuthenticated("Sign in to the developer portal.")
    developer = await web.portal.accounts.developer(uow, active.user_id)
    if developer is None:
        raise NotADeveloper(
            "This is a customer account. Sign out, then sign in or sign up as a developer."
        )
    return SignedIn(active, developer)


async def signed_in_with_csrf(
    web: PortalWeb, uow: PortalUnitOfWork, request: Request, form: Mapping[str, object]
) -> SignedIn:
    """As `signed_in`, for a form post: the form must carry the session's CSRF token."""
    current = await signed_in(web, uow, request)
    token = form.get("csrf_token")
    if not web.sessions.check_csrf(current.active, token if isinstance(token, str) else None):
        raise CsrfRejected("This form has expired. Go back, reload the page and try again.")
    return current


def render(
    request: Request,
    web: PortalWeb,
    template: str,
    context: Mapping[str, object],
    *,
    active: ActiveSession,
    developer: Developer | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A portal page: never cached, with the session's CSRF token for its forms."""
    response = web.templates.page(
        request,
        template,
        {**context, "csrf_token": active.csrf_token, "developer": developer},
        status=status,
        headers=headers,
    )
    web.sessions.set_cookie(response, active)
    return response


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
