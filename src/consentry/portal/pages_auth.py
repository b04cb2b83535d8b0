"""Pages: developer sign-up, sign-in (throttled) and sign-out at `/portal/signup|login|logout`.

The portal shares the server-side session of the consent pages; signing in rotates it, signing out
revokes it in the database.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from consentry.core.audit_trail import record_sign_in
from consentry.core.sign_in import LoginThrottled
from consentry.portal.accounts import SignUpForm
from consentry.portal.deps import PortalWebDep
from consentry.portal.errors import PortalError
from consentry.portal.forms import read_page_form
from consentry.portal.web import HOME, PortalWeb, client_address, render
from consentry.web.deps import ClockDep, FormLimitsDep, LoginThrottleDep, PortalUnitsOfWorkDep
from consentry.web.headers import NO_STORE
from consentry.web.navigation import safe_next
from consentry.web.routing import RouteTable
from consentry.web.sessions import ActiveSession

routes = RouteTable(include_in_schema=False)

NOT_DEVELOPER = "This is a customer account, not a developer account. Sign up to create one."


def _redirect(target: str) -> Response:
    return RedirectResponse(target, status_code=303, headers=NO_STORE)


@routes.get("/portal")
async def portal_home() -> Response:
    return _redirect(HOME)


@routes.get("/portal/login")
async def login_page(
    request: Request, web: PortalWebDep, units: PortalUnitsOfWorkDep, next: str = HOME
) -> Response:
    async with units() as uow:
        active = await web.sessions.ensure(uow, request)
    context = {"next": safe_next(next, HOME), "email": "", "error": None}
    return render(request, web, "portal/login.html", context, active=active)


@routes.post("/portal/login")
async def login(
    request: Request,
    web: PortalWebDep,
    clock: ClockDep,
    throttle: LoginThrottleDep,
    units: PortalUnitsOfWorkDep,
    forms: FormLimitsDep,
) -> Response:
    form = await read_page_form(request, forms.max_bytes)
    next_path = safe_next(form.get("next"), HOME)
    email = form.get("email")[:320]
    status, error, headers = 401, "Incorrect e-mail or password.", {}
    async with units() as uow:
        active = await web.sessions.load(uow, request)
        if active is None or not web.sessions.check_csrf(active, form.get("csrf_token")):
            status, error = 400, "Your form expired; try again."
        else:
            try:
                user = await throttle.sign_in(
                    uow, email, form.get("password"), client_address(request)
                )
            except LoginThrottled as throttled:
                user, status, error = None, 429, str(throttled)
                headers = {"Retry-After": str(throttled.retry_after)}
            else:
                now = clock.now()
                await record_sign_in(uow, email=email, user=user, at=now, surface="portal")
            if user is not None and user.organization_id is None:
                user, status, error = None, 403, NOT_DEVELOPER
            if user is not None:
                # Session fixation defence: the signed-in session gets a brand-new id.
                await web.sessions.end(uow, active)
                signed = await web.sessions.start(uow, user_id=user.id)
                response = _redirect(next_path)
                web.sessions.set_cookie(response, signed)
                return response
        retry = active or await web.sessions.start(uow, user_id=None)
    context = {"next": next_path, "email": email, "error": error}
    return render(
        request,
        web,
        "portal/login.html",
        context,
        active=retry,
        status=status,
        headers=headers,
    )


def _signup_page(
    request: Request,
    web: PortalWeb,
    active: ActiveSession,
    values: dict[str, str],
    error: PortalError | None = None,
) -> Response:
    context = {"values": values, "error": error}
    status = error.status if error else 200
    return render(request, web, "portal/signup.html", context, active=active, status=status)


@routes.get("/portal/signup")
async def signup_page(request: Request, web: PortalWebDep, units: PortalUnitsOfWorkDep) -> Response:
    async with units() as uow:
        active = await web.sessions.ensure(uow, request)
    return _signup_page(request, web, active, {})


@routes.post("/portal/signup")
async def signup(
    request: Request, web: PortalWebDep, units: PortalUnitsOfWorkDep, forms: FormLimitsDep
) -> Response:
    form = await read_page_form(request, forms.max_bytes)
    values = {k: form.get(k)[:400] for k in ("organization", "display_name", "email")}
    async with units() as uow:
        active = await web.sessions.load(uow, request)
        if active is None or not web.sessions.check_csrf(active, form.get("csrf_token")):
            retry = active or await web.sessions.start(uow, user_id=None)
            expired = PortalError("Your form expired; try again.", status=400)
            return _signup_page(request, web, retry, values, expired)
        try:
            developer = await web.portal.accounts.sign_up(
                uow,
                SignUpForm(
                    values["organization"],
                    values["display_name"],
                    values["email"],
                    form.get("password"),
                ),
            )
        except PortalError as error:
            return _signup_page(request, web, active, values, error)
        await web.sessions.end(uow, active)
        signed = await web.sessions.start(uow, user_id=developer.id)
    response = _redirect(HOME)
    web.sessions.set_cookie(response, signed)
    return response


@routes.post("/portal/logout")
async def logout(
    request: Request, web: PortalWebDep, units: PortalUnitsOfWorkDep, forms: FormLimitsDep
) -> Response:
    form = await read_page_form(request, forms.max_bytes)
    async with units() as uow:
        active = await web.sessions.load(uow, request)
        if active is not None and web.sessions.check_csrf(active, form.get("csrf_token")):
            await web.sessions.end(uow, active)
    response = _redirect("/portal/login")
    web.sessions.clear_cookie(response)
    return response
