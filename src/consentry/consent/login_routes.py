"""Routes: customers sign in and out (server-side sessions, CSRF-protected forms)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from consentry.core.audit_trail import record_sign_in
from consentry.core.sign_in import LoginThrottled
from consentry.web.deps import (
    ClockDep,
    FormLimitsDep,
    LoginThrottleDep,
    PortalUnitsOfWorkDep,
    SessionsDep,
    TemplatesDep,
    UnitsOfWorkDep,
)
from consentry.web.forms import parse_form_pairs
from consentry.web.headers import NO_STORE
from consentry.web.navigation import CUSTOMER_SIGN_IN, safe_next
from consentry.web.routing import RouteTable

routes = RouteTable(include_in_schema=False)


@routes.get(CUSTOMER_SIGN_IN)
async def login_page(
    request: Request,
    units: UnitsOfWorkDep,
    sessions: SessionsDep,
    templates: TemplatesDep,
    next: str = "/",
) -> Response:
    async with units() as uow:
        active = await sessions.ensure(uow, request)
    context = {"csrf_token": active.csrf_token, "next": safe_next(next), "error": None, "email": ""}
    response = templates.page(request, "login.html", context)
    sessions.set_cookie(response, active)
    return response


@routes.post(CUSTOMER_SIGN_IN)
async def login(
    request: Request,
    portal_units: PortalUnitsOfWorkDep,
    sessions: SessionsDep,
    templates: TemplatesDep,
    throttle: LoginThrottleDep,
    clock: ClockDep,
    forms: FormLimitsDep,
) -> Response:
    form = dict(await parse_form_pairs(request, forms.max_bytes))
    next_path = safe_next(form.get("next"))
    email = form.get("email", "")[:320]
    throttled: LoginThrottled | None = None
    user = None
    async with portal_units() as uow:  # sign-in failures are counted in the database
        active = await sessions.load(uow, request)
        csrf_ok = sessions.check_csrf(active, form.get("csrf_token"))
        if csrf_ok:
            address = request.client.host if request.client else "unknown"
            try:
                user = await throttle.sign_in(uow, email, form.get("password", ""), address)
            except LoginThrottled as refusal:
                throttled = refusal
        now = clock.now()
        if user is None or active is None:
            retry = active or await sessions.start(uow, user_id=None)
            if csrf_ok and throttled is None:  # audited last: it locks the chain head
                await record_sign_in(uow, email=email, user=None, at=now, surface="consent")
            error = "Incorrect e-mail or password." if csrf_ok else "Your form expired; try again."
            status, headers = (401 if csrf_ok else 400), {}
            if throttled is not None:  # refused before the password was checked
                error, status = str(throttled), 429
                headers["Retry-After"] = str(throttled.retry_after)
            context = {"csrf_token": retry.csrf_token, "next": next_path, "error": error}
            response = templates.page(
                request, "login.html", {**context, "email": email}, status=status, headers=headers
            )
            sessions.set_cookie(response, retry)
            return response
        # Session fixation defence: the signed-in session gets a brand-new id.
        await sessions.end(uow, active)
        signed_in = await sessions.start(uow, user_id=user.id)
        await record_sign_in(uow, email=email, user=user, at=now, surface="consent")
    redirect = RedirectResponse(next_path, status_code=303, headers=NO_STORE)
    sessions.set_cookie(redirect, signed_in)
    return redirect


@routes.post("/logout")
async def logout(
    request: Request, units: UnitsOfWorkDep, sessions: SessionsDep, forms: FormLimitsDep
) -> Response:
    form = dict(await parse_form_pairs(request, forms.max_bytes))
    async with units() as uow:
        active = await sessions.load(uow, request)
        if active is not None and sessions.check_csrf(active, form.get("csrf_token")):
            await sessions.end(uow, active)
    response = RedirectResponse("/", status_code=303, headers=NO_STORE)
    sessions.clear_cookie(response)
    return response
