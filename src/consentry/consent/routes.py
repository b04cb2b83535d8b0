"""Routes: the consent page (`/consent/{handle}`) and the user's decision on it."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from consentry.consent.customer import signed_in_customer
from consentry.consent.deps import ConsentServiceDep
from consentry.consent.service import ConsentError, ConsentExpired, ConsentView
from consentry.core.model import User
from consentry.web.deps import FormLimitsDep, SessionsDep, TemplatesDep, UnitsOfWorkDep
from consentry.web.forms import parse_form_pairs
from consentry.web.headers import NO_STORE
from consentry.web.navigation import customer_sign_in_url
from consentry.web.routing import RouteTable
from consentry.web.security_headers import DEFAULT_CSP
from consentry.web.sessions import ActiveSession
from consentry.web.templates import Templates

routes = RouteTable(include_in_schema=False)

EXPIRED_TITLE = "This consent request has expired"
EXPIRED_DETAIL = (
    "It was already answered or is too old. Go back to the application and start again."
)


def _render(
    request: Request,
    templates: Templates,
    view: ConsentView,
    active: ActiveSession,
    user: User,
    *,
    error: str | None = None,
    selected: frozenset[int] = frozenset(),
) -> Response:
    # The decision redirects to the client: allow the form to lead there (CSP form-action).
    target = urlsplit(view.pending.redirect_uri)
    csp = DEFAULT_CSP.replace(
        "form-action 'self'", f"form-action 'self' {target.scheme}://{target.netloc}"
    )
    context = {
        "view": view,
        "user": user,
        "csrf_token": active.csrf_token,
        "error": error,
        "selected": selected,
    }
    return templates.page(
        request,
        "consent.html",
        context,
        status=400 if error else 200,
        headers={"Content-Security-Policy": csp},
    )


def _to_sign_in(handle: str) -> Response:
    target = customer_sign_in_url(f"/consent/{handle}")
    return RedirectResponse(target, status_code=303, headers=NO_STORE)


@routes.get("/consent/{handle}")
async def consent_page(
    handle: str,
    request: Request,
    consent: ConsentServiceDep,
    units: UnitsOfWorkDep,
    sessions: SessionsDep,
    templates: TemplatesDep,
) -> Response:
    async with units() as uow:
        signed_in = await signed_in_customer(sessions, uow, request)
        if signed_in is None:
            return _to_sign_in(handle)
        active, user = signed_in
        try:
            view = await consent.view(uow, handle, user)
        except ConsentExpired:
            return templates.error_page(request, 400, EXPIRED_TITLE, EXPIRED_DETAIL)
    return _render(request, templates, view, active, user, selected=view.previously_granted)


@routes.post("/consent/{handle}")
async def consent_decision(
    handle: str,
    request: Request,
    consent: ConsentServiceDep,
    units: UnitsOfWorkDep,
    sessions: SessionsDep,
    templates: TemplatesDep,
    forms: FormLimitsDep,
) -> Response:
    pairs = await parse_form_pairs(request, forms.max_bytes)
    form = dict(pairs)
    selected = [value for name, value in pairs if name == "advertiser"]
    async with units() as uow:
        signed_in = await signed_in_customer(sessions, uow, request)
        if signed_in is None:
            return _to_sign_in(handle)
        active, user = signed_in
        if not sessions.check_csrf(active, form.get("csrf_token")):
            return templates.error_page(
                request, 403, "Form expired", "Reload the page and try again."
            )
        try:
            if form.get("decision") == "deny":
                target = await consent.deny(uow, handle, user)
            elif form.get("decision") == "approve":
                target = await consent.approve(uow, handle, user, selected)
            else:
                return templates.error_page(request, 400, "Invalid form", "Choose Approve or Deny.")
        except ConsentExpired:
            return templates.error_page(request, 400, EXPIRED_TITLE, EXPIRED_DETAIL)
        except ConsentError as error:
            view = await consent.view(uow, handle, user)
            chosen = frozenset(
                int(v) for v in selected if v.isascii() and v.isdigit() and len(v) < 19
            )
            return _render(
                request, templates, view, active, user, error=str(error), selected=chosen
            )
    return RedirectResponse(target.url, status_code=303, headers=NO_STORE)
