"""Routes: the consent dashboard `/consents` (a signed-in customer's grants) and its forms.

Every form carries the session's CSRF token; every change redirects back (POST-redirect-GET).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from consentry.consent.dashboard import GrantNotFound
from consentry.consent.login_routes import login_url
from consentry.core.model import User
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.web.deps import ServicesDep
from consentry.web.errors import NO_STORE, render_error_page
from consentry.web.forms import parse_form_pairs
from consentry.web.services import Services
from consentry.web.sessions import ActiveSession

router = APIRouter(include_in_schema=False)

DASHBOARD = "/consents"
GONE = ("Nothing to revoke", "This access was already revoked, or is not yours.")


async def _signed_in(
    services: Services, uow: UnitOfWork, request: Request
) -> tuple[ActiveSession, User] | None:
    active = await services.sessions.load(uow, request)
    if active is None or active.user_id is None:
        return None
    user = await uow.users.get(active.user_id)
    return (active, user) if user is not None else None


def _to_login() -> Response:
    return RedirectResponse(login_url(DASHBOARD), status_code=303, headers=NO_STORE)


@router.get(DASHBOARD)
async def dashboard(request: Request, services: ServicesDep) -> Response:
    async with services.uow() as uow:
        signed_in = await _signed_in(services, uow, request)
        if signed_in is None:
            return _to_login()
        active, user = signed_in
        entries = await services.dashboard.entries(uow, user)
    return services.templates.TemplateResponse(
        request,
        "consents.html",
        {"user": user, "entries": entries, "csrf_token": active.csrf_token},
        headers=NO_STORE,
    )


Action = Callable[[UnitOfWork, User], Awaitable[object]]


async def _change(
    request: Request, services: Services, action: Action, *, signs_out: bool = False
) -> Response:
    """Check the session and the CSRF token, run one dashboard action, redirect back."""
    form = dict(await parse_form_pairs(request, services.settings.max_form_bytes))
    async with services.uow() as uow:
        signed_in = await _signed_in(services, uow, request)
        if signed_in is None:
            return _to_login()
        active, user = signed_in
        if not services.sessions.check_csrf(active, form.get("csrf_token")):
            return render_error_page(request, 403, "Form expired", "Reload the page and try again.")
        try:
            await action(uow, user)
        except GrantNotFound:
            return render_error_page(request, 404, *GONE)
    response = RedirectResponse(
        "/login" if signs_out else DASHBOARD, status_code=303, headers=NO_STORE
    )
    if signs_out:
        services.sessions.clear_cookie(response)
    return response


@router.post(DASHBOARD + "/{grant_id}/revoke")
async def revoke_grant(grant_id: str, request: Request, services: ServicesDep) -> Response:
    async def action(uow: UnitOfWork, user: User) -> None:
        await services.dashboard.revoke_grant(uow, user, grant_id)

    return await _change(request, services, action)


@router.post(DASHBOARD + "/{grant_id}/advertisers/{advertiser_id}/revoke")
async def revoke_advertiser(
    grant_id: str, advertiser_id: int, request: Request, services: ServicesDep
) -> Response:
    async def action(uow: UnitOfWork, user: User) -> None:
        await services.dashboard.revoke_advertiser(uow, user, grant_id, advertiser_id)

    return await _change(request, services, action)


@router.post(DASHBOARD + "/sign-out-everywhere")
async def sign_out_everywhere(request: Request, services: ServicesDep) -> Response:
    return await _change(request, services, services.dashboard.sign_out_everywhere, signs_out=True)
