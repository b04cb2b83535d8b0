"""Routes: a customer opens a client-credentials app's signed consent link and grants advertisers.

`/request?nonce=…&hmac=…` redirects here (`/consent-link`); the customer signs in, picks
advertisers of their portfolio and approves. The link is then used up.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from consentry.core.model import User
from consentry.core.ports.unit_of_work import PortalUnitOfWork
from consentry.core.scopes import SERVICES, describe
from consentry.portal.deps import PortalWebDep
from consentry.portal.errors import CsrfRejected, InvalidInput
from consentry.portal.forms import read_page_form
from consentry.portal.links import LinkConsentView
from consentry.portal.web import PortalWeb
from consentry.web.deps import FormLimitsDep, PortalUnitsOfWorkDep
from consentry.web.headers import NO_STORE
from consentry.web.navigation import customer_sign_in_url
from consentry.web.routing import RouteTable
from consentry.web.sessions import ActiveSession

routes = RouteTable(include_in_schema=False)
PATH = "/consent-link"


async def _customer(
    web: PortalWeb, uow: PortalUnitOfWork, request: Request
) -> tuple[ActiveSession, User] | None:
    active = await web.sessions.load(uow, request)
    user = await uow.users.get(active.user_id) if active and active.user_id else None
    return (active, user) if active and user else None


def _page(
    request: Request,
    web: PortalWeb,
    template: str,
    context: dict[str, object],
    *,
    status: int = 200,
) -> Response:
    return web.templates.page(request, template, context, status=status)


def _view_context(view: LinkConsentView, user: User, nonce: str, mac: str) -> dict[str, object]:
    service = SERVICES[view.app.service]
    return {
        "view": view,
        "user": user,
        "nonce": nonce,
        "hmac": mac,
        "service_title": f"{service.title} ({service.code})",
        "scopes": describe(view.app.scopes),
    }


@routes.get(PATH)
async def open_link(
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    nonce: str = "",
    hmac: str = "",
) -> Response:
    async with units() as uow:
        signed = await _customer(web, uow, request)
        if signed is None:
            back = PATH + "?" + urlencode({"nonce": nonce, "hmac": hmac})
            return RedirectResponse(customer_sign_in_url(back), status_code=303, headers=NO_STORE)
        active, user = signed
        view = await web.portal.links.open(uow, nonce, hmac, user)
    context = _view_context(view, user, nonce, hmac) | {"csrf_token": active.csrf_token}
    return _page(request, web, "portal/app_consent.html", context)


@routes.post(PATH)
async def decide(
    request: Request, web: PortalWebDep, units: PortalUnitsOfWorkDep, forms: FormLimitsDep
) -> Response:
    form = await read_page_form(request, forms.max_bytes)
    nonce, mac = form.get("nonce"), form.get("hmac")
    async with units() as uow:
        signed = await _customer(web, uow, request)
        if signed is None:
            back = PATH + "?" + urlencode({"nonce": nonce, "hmac": mac})
            return RedirectResponse(customer_sign_in_url(back), status_code=303, headers=NO_STORE)
        active, user = signed
        if not web.sessions.check_csrf(active, form.get("csrf_token")):
            raise CsrfRejected("This form has expired. Go back, reload the page and try again.")
        if form.get("decision") != "approve":
            view = await web.portal.links.open(uow, nonce, mac, user)
            context = {"app": view.app, "advertisers": [], "granted": False}
            return _page(request, web, "portal/app_consent_done.html", context)
        selected = form.all("advertiser")
        try:
            approval = await web.portal.links.approve(uow, nonce, mac, user, selected)
        except InvalidInput as error:
            view = await web.portal.links.open(uow, nonce, mac, user)
            context = _view_context(view, user, nonce, mac) | {
                "csrf_token": active.csrf_token,
                "error": error.message,
                "selected": {
                    int(v) for v in selected if v.isascii() and v.isdigit() and len(v) < 19
                },
            }
            return _page(request, web, "portal/app_consent.html", context, status=400)
        advertisers = await uow.users.advertisers(approval.grant.advertiser_ids)
    context = {"app": approval.app, "advertisers": advertisers, "granted": True}
    return _page(request, web, "portal/app_consent_done.html", context)
