"""Routes: a customer opens a client-credentials app's signed consent link and grants advertisers.

`/request?nonce=…&hmac=…` redirects here (`/consent-link`); the customer signs in, picks
advertisers of their portfolio and approves. The link is then used up.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from consentry.consent.login_routes import login_url
from consentry.core.model import User
from consentry.core.ports.unit_of_work import PortalUnitOfWork
from consentry.core.scopes import SERVICES, describe
from consentry.portal.errors import CsrfRejected, InvalidInput
from consentry.portal.forms import read_page_form
from consentry.portal.links import LinkConsentView
from consentry.web.deps import ServicesDep
from consentry.web.errors import NO_STORE
from consentry.web.services import Services
from consentry.web.sessions import ActiveSession

router = APIRouter(include_in_schema=False)
PATH = "/consent-link"


async def _customer(
    services: Services, uow: PortalUnitOfWork, request: Request
) -> tuple[ActiveSession, User] | None:
    active = await services.sessions.load(uow, request)
    user = await uow.users.get(active.user_id) if active and active.user_id else None
    return (active, user) if active and user else None


def _page(
    request: Request,
    services: Services,
    template: str,
    context: dict[str, object],
    *,
    status: int = 200,
) -> Response:
    return services.templates.TemplateResponse(
        request, template, context, status_code=status, headers=NO_STORE
    )


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


@router.get(PATH)
async def open_link(
    request: Request, services: ServicesDep, nonce: str = "", hmac: str = ""
) -> Response:
    async with services.portal_uow() as uow:
        signed = await _customer(services, uow, request)
        if signed is None:
            back = PATH + "?" + urlencode({"nonce": nonce, "hmac": hmac})
            return RedirectResponse(login_url(back), status_code=303, headers=NO_STORE)
        active, user = signed
        view = await services.portal.links.open(uow, nonce, hmac, user)
    context = _view_context(view, user, nonce, hmac) | {"csrf_token": active.csrf_token}
    return _page(request, services, "portal/app_consent.html", context)


@router.post(PATH)
async def decide(request: Request, services: ServicesDep) -> Response:
    form = await read_page_form(request, services.settings.max_form_bytes)
    nonce, mac = form.get("nonce"), form.get("hmac")
    async with services.portal_uow() as uow:
        signed = await _customer(services, uow, request)
        if signed is None:
            back = PATH + "?" + urlencode({"nonce": nonce, "hmac": mac})
            return RedirectResponse(login_url(back), status_code=303, headers=NO_STORE)
        active, user = signed
        if not services.sessions.check_csrf(active, form.get("csrf_token")):
            raise CsrfRejected("This form has expired. Go back, reload the page and try again.")
        if form.get("decision") != "approve":
            view = await services.portal.links.open(uow, nonce, mac, user)
            context = {"app": view.app, "advertisers": [], "granted": False}
            return _page(request, services, "portal/app_consent_done.html", context)
        selected = form.all("advertiser")
        try:
            approval = await services.portal.links.approve(uow, nonce, mac, user, selected)
        except InvalidInput as error:
            view = await services.portal.links.open(uow, nonce, mac, user)
            context = _view_context(view, user, nonce, mac) | {
                "csrf_token": active.csrf_token,
                "error": error.message,
                "selected": {
                    int(v) for v in selected if v.isascii() and v.isdigit() and len(v) < 19
                },
            }
            return _page(request, services, "portal/app_consent.html", context, status=400)
        advertisers = await uow.users.advertisers(approval.grant.advertiser_ids)
    context = {"app": approval.app, "advertisers": advertisers, "granted": True}
    return _page(request, services, "portal/app_consent_done.html", context)
