"""Pages: developer sign-up, sign-in (throttled) and sign-out at `/portal/signup|login|logout`.

The portal shares the server-side session of the consent pages; signing in rotates it, signing out
revokes it in the database.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from consentry.audit.service import record_sign_in
from consentry.consent.login import safe_next
from consentry.consent.throttle import LoginThrottled
from consentry.portal.accounts import SignUpForm
from consentry.portal.errors import PortalError
from consentry.portal.forms import read_page_form
from consentry.portal.web import HOME, client_address, render
from consentry.web.deps import ServicesDep
from consentry.web.errors import NO_STORE
from consentry.web.services import Services
from consentry.web.sessions import ActiveSession

router = APIRouter(include_in_schema=False)

NOT_DEVELOPER = "This is a customer account, not a developer account. Sign up to create one."


def _redirect(target: str) -> Response:
    return RedirectResponse(target, status_code=303, headers=NO_STORE)


@router.get("/portal")
async def portal_home() -> Response:
    return _redirect(HOME)


@router.get("/portal/login")
async def login_page(request: Request, services: ServicesDep, next: str = HOME) -> Response:
    async with services.portal_uow() as uow:
        active = await services.sessions.ensure(uow, request)
    context = {"next": safe_next(next, HOME), "email": "", "error": None}
    return render(request, services, "portal/login.html", context, active=active)


@router.post("/portal/login")
async def login(request: Request, services: ServicesDep) -> Response:
    form = await read_page_form(request, services.settings.max_form_bytes)
    next_path = safe_next(form.get("next"), HOME)
    email = form.get("email")[:320]
    status, error, headers = 401, "Incorrect e-mail or password.", {}
    async with services.portal_uow() as uow:
        active = await services.sessions.load(uow, request)
        if active is None or not services.sessions.check_csrf(active, form.get("csrf_token")):
            status, error = 400, "Your form expired; try again."
        else:
            try:
                user = await services.login_throttle.sign_in(
                    uow, email, form.get("password"), client_address(request)
                )
            except LoginThrottled as throttled:
                user, status, error = None, 429, str(throttled)
                headers = {"Retry-After": str(throttled.retry_after)}
            else:
                now = services.clock.now()
                await record_sign_in(uow, email=email, user=user, at=now, surface="portal")
            if user is not None and user.organization_id is None:
                user, status, error = None, 403, NOT_DEVELOPER
            if user is not None:
                # Session fixation defence: the signed-in session gets a brand-new id.
                await services.sessions.end(uow, active)
                signed = await services.sessions.start(uow, user_id=user.id)
                response = _redirect(next_path)
                services.sessions.set_cookie(response, signed)
                return response
        retry = active or await services.sessions.start(uow, user_id=None)
    context = {"next": next_path, "email": email, "error": error}
    return render(
        request,
        services,
        "portal/login.html",
        context,
        active=retry,
        status=status,
        headers=headers,
    )


def _signup_page(
    request: Request,
    services: Services,
    active: ActiveSession,
    values: dict[str, str],
    error: PortalError | None = None,
) -> Response:
    context = {"values": values, "error": error}
    status = error.status if error else 200
    return render(request, services, "portal/signup.html", context, active=active, status=status)


@router.get("/portal/signup")
async def signup_page(request: Request, services: ServicesDep) -> Response:
    async with services.portal_uow() as uow:
        active = await services.sessions.ensure(uow, request)
    return _signup_page(request, services, active, {})


@router.post("/portal/signup")
async def signup(request: Request, services: ServicesDep) -> Response:
    form = await read_page_form(request, services.settings.max_form_bytes)
    values = {k: form.get(k)[:400] for k in ("organization", "display_name", "email")}
    async with services.portal_uow() as uow:
        active = await services.sessions.load(uow, request)
        if active is None or not services.sessions.check_csrf(active, form.get("csrf_token")):
            retry = active or await services.sessions.start(uow, user_id=None)
            expired = PortalError("Your form expired; try again.", status=400)
            return _signup_page(request, services, retry, values, expired)
        try:
            developer = await services.portal.accounts.sign_up(
                uow,
                SignUpForm(
                    values["organization"],
                    values["display_name"],
                    values["email"],
                    form.get("password"),
                ),
            )
        except PortalError as error:
            return _signup_page(request, services, active, values, error)
        await services.sessions.end(uow, active)
        signed = await services.sessions.start(uow, user_id=developer.id)
    response = _redirect(HOME)
    services.sessions.set_cookie(response, signed)
    return response


@router.post("/portal/logout")
async def logout(request: Request, services: ServicesDep) -> Response:
    form = await read_page_form(request, services.settings.max_form_bytes)
    async with services.portal_uow() as uow:
        active = await services.sessions.load(uow, request)
        if active is not None and services.sessions.check_csrf(active, form.get("csrf_token")):
            await services.sessions.end(uow, active)
    response = _redirect("/portal/login")
    services.sessions.clear_cookie(response)
    return response
