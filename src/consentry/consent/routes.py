"""Routes: the consent page (`/consent/{handle}`) and the user's decision on it."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from consentry.consent.login_routes import login_url
from consentry.consent.service import ConsentError, ConsentExpired, ConsentView
from consentry.core.model import User
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.web.deps import ServicesDep
from consentry.web.errors import NO_STORE, render_error_page
from consentry.web.forms import parse_form_pairs
from consentry.web.security_headers import DEFAULT_CSP
from consentry.web.services import Services
from consentry.web.sessions import ActiveSession

router = APIRouter(include_in_schema=False)

EXPIRED_TITLE = "This consent request has expired"
EXPIRED_DETAIL = (
    "It was already answered or is too old. Go back to the application and start again."
)


def _render(
    request: Request,
    services: Services,
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
    return services.templates.TemplateResponse(
        request,
        "consent.html",
        {
            "view": view,
            "user": user,
            "csrf_token": active.csrf_token,
            "error": error,
            "selected": selected,
        },
        status_code=400 if error else 200,
        headers={**NO_STORE, "Content-Security-Policy": csp},
    )


async def _signed_in(
    services: Services, uow: UnitOfWork, request: Request
) -> tuple[ActiveSession, User] | None:
    active = await services.sessions.load(uow, request)
    if active is None or active.user_id is None:
        return None
    user = await uow.users.get(active.user_id)
    return (active, user) if user is not None else None


@router.get("/consent/{handle}")
async def consent_page(handle: str, request: Request, services: ServicesDep) -> Response:
    async with services.uow() as uow:
        signed_in = await _signed_in(services, uow, request)
        if signed_in is None:
            return RedirectResponse(
                login_url(f"/consent/{handle}"), status_code=303, headers=NO_STORE
            )
        active, user = signed_in
        try:
            view = await services.consent.view(uow, handle, user)
        except ConsentExpired:
            return render_error_page(request, 400, EXPIRED_TITLE, EXPIRED_DETAIL)
    return _render(request, services, view, active, user, selected=view.previously_granted)


@router.post("/consent/{handle}")
async def consent_decision(handle: str, request: Request, services: ServicesDep) -> Response:
    pairs = await parse_form_pairs(request, services.settings.max_form_bytes)
    form = dict(pairs)
    selected = [value for name, value in pairs if name == "advertiser"]
    async with services.uow() as uow:
        signed_in = await _signed_in(services, uow, request)
        if signed_in is None:
            return RedirectResponse(
                login_url(f"/consent/{handle}"), status_code=303, headers=NO_STORE
            )
        active, user = signed_in
        if not services.sessions.check_csrf(active, form.get("csrf_token")):
            return render_error_page(request, 403, "Form expired", "Reload the page and try again.")
        try:
            if form.get("decision") == "deny":
                target = await services.consent.deny(uow, handle, user)
            elif form.get("decision") == "approve":
                target = await services.consent.approve(uow, handle, user, selected)
            else:
                return render_error_page(request, 400, "Invalid form", "Choose Approve or Deny.")
        except ConsentExpired:
            return render_error_page(request, 400, EXPIRED_TITLE, EXPIRED_DETAIL)
        except ConsentError as error:
            view = await services.consent.view(uow, handle, user)
            chosen = frozenset(
                int(v) for v in selected if v.isascii() and v.isdigit() and len(v) < 19
            )
            return _render(request, services, view, active, user, error=str(error), selected=chosen)
    return RedirectResponse(target.url, status_code=303, headers=NO_STORE)
