"""Routes: the consent dashboard `/consents` (a signed-in customer's grants) and its forms.

Every form carries the session's CSRF token; every change redirects back (POST-redirect-GET).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from consentry.consent.customer import signed_in_customer
from consentry.consent.dashboard import GrantNotFound
from consentry.consent.deps import DashboardDep
from consentry.core.model import User
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.web.deps import FormLimitsDep, SessionsDep, TemplatesDep, UnitsOfWorkDep
from consentry.web.forms import parse_form_pairs
from consentry.web.headers import NO_STORE
from consentry.web.navigation import CUSTOMER_SIGN_IN, customer_sign_in_url
from consentry.web.routing import RouteTable

routes = RouteTable(include_in_schema=False)

DASHBOARD = "/consents"
GONE = ("Nothing to revoke", "This access was already revoked, or is not yours.")


def _to_sign_in() -> Response:
    return RedirectResponse(customer_sign_in_url(DASHBOARD), status_code=303, headers=NO_STORE)


@routes.get(DASHBOARD)
async def dashboard(
    request: Request,
    board: DashboardDep,
    units: UnitsOfWorkDep,
    sessions: SessionsDep,
    templates: TemplatesDep,
) -> Response:
    async with units() as uow:
        signed_in = await signed_in_customer(sessions, uow, request)
        if signed_in is None:
            return _to_sign_in()
        active, user = signed_in
        entries = await board.entries(uow, user)
    context = {"user": user, "entries": entries, "csrf_token": active.csrf_token}
    return templates.page(request, "consents.html", context)


Action = Callable[[UnitOfWork, User], Awaitable[object]]


async def _change(
    request: Request,
    units: UnitsOfWorkDep,
    sessions: SessionsDep,
    templates: TemplatesDep,
    forms: FormLimitsDep,
    action: Action,
    *,
    signs_out: bool = False,
) -> Response:
    """Check the session and the CSRF token, run one dashboard action, redirect back."""
    form = dict(await parse_form_pairs(request, forms.max_bytes))
    async with units() as uow:
        signed_in = await signed_in_customer(sessions, uow, request)
        if signed_in is None:
            return _to_sign_in()
        active, user = signed_in
        if not sessions.check_csrf(active, form.get("csrf_token")):
            return templates.error_page(
                request, 403, "Form expired", "Reload the page and try again."
            )
        try:
            await action(uow, user)
        except GrantNotFound:
            return templates.error_page(request, 404, *GONE)
    target = CUSTOMER_SIGN_IN if signs_out else DASHBOARD
    response = RedirectResponse(target, status_code=303, headers=NO_STORE)
    if signs_out:
        sessions.clear_cookie(response)
    return response


@routes.post(DASHBOARD + "/{grant_id}/revoke")
async def revoke_grant(
    grant_id: str,
    request: Request,
    board: DashboardDep,
    units: UnitsOfWorkDep,
    sessions: SessionsDep,
    templates: TemplatesDep,
    forms: FormLimitsDep,
) -> Response:
    async def action(uow: UnitOfWork, user: User) -> None:
        await board.revoke_grant(uow, user, grant_id)

    return await _change(request, units, sessions, templates, forms, action)


@routes.post(DASHBOARD + "/{grant_id}/advertisers/{advertiser_id}/revoke")
async def revoke_advertiser(
    grant_id: str,
    advertiser_id: int,
    request: Request,
    board: DashboardDep,
    units: UnitsOfWorkDep,
    sessions: SessionsDep,
    templates: TemplatesDep,
    forms: FormLimitsDep,
) -> Response:
    async def action(uow: UnitOfWork, user: User) -> None:
        await board.revoke_advertiser(uow, user, grant_id, advertiser_id)

    return await _change(request, units, sessions, templates, forms, action)


@routes.post(DASHBOARD + "/sign-out-everywhere")
async def sign_out_everywhere(
    request: Request,
    board: DashboardDep,
    units: UnitsOfWorkDep,
    sessions: SessionsDep,
    templates: TemplatesDep,
    forms: FormLimitsDep,
) -> Response:
    action = board.sign_out_everywhere
    return await _change(request, units, sessions, templates, forms, action, signs_out=True)
