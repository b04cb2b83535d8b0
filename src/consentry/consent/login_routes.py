"""Routes: sign in and sign out (server-side sessions, CSRF-protected forms)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from consentry.audit.service import record_sign_in
from consentry.consent.login import safe_next
from consentry.consent.throttle import LoginThrottled
from consentry.web.deps import ServicesDep
from consentry.web.errors import NO_STORE
from consentry.web.forms import parse_form_pairs

router = APIRouter(include_in_schema=False)


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="/")


@router.get("/login")
async def login_page(request: Request, services: ServicesDep, next: str = "/") -> Response:
    async with services.uow() as uow:
        active = await services.sessions.ensure(uow, request)
    response = services.templates.TemplateResponse(
        request,
        "login.html",
        {"csrf_token": active.csrf_token, "next": safe_next(next), "error": None, "email": ""},
        headers=NO_STORE,
    )
    services.sessions.set_cookie(response, active)
    return response


@router.post("/login")
async def login(request: Request, services: ServicesDep) -> Response:
    form = dict(await parse_form_pairs(request, services.settings.max_form_bytes))
    next_path = safe_next(form.get("next"))
    email = form.get("email", "")[:320]
    throttled: LoginThrottled | None = None
    user = None
    async with services.portal_uow() as uow:  # sign-in failures are counted in the database
        active = await services.sessions.load(uow, request)
        csrf_ok = services.sessions.check_csrf(active, form.get("csrf_token"))
        if csrf_ok:
            address = request.client.host if request.client else "unknown"
            try:
                user = await services.login_throttle.sign_in(
                    uow, email, form.get("password", ""), address
                )
            except LoginThrottled as refusal:
                throttled = refusal
        now = services.clock.now()
        if user is None or active is None:
            retry = active or await services.sessions.start(uow, user_id=None)
            if csrf_ok and throttled is None:  # audited last: it locks the chain head
                await record_sign_in(uow, email=email, user=None, at=now, surface="consent")
            error = "Incorrect e-mail or password." if csrf_ok else "Your form expired; try again."
            status, headers = (401 if csrf_ok else 400), dict(NO_STORE)
            if throttled is not None:  # refused before the password was checked
                error, status = str(throttled), 429
                headers["Retry-After"] = str(throttled.retry_after)
            response: Response = services.templates.TemplateResponse(
                request,
                "login.html",
                {"csrf_token": retry.csrf_token, "next": next_path, "error": error, "email": email},
                status_code=status,
                headers=headers,
            )
            services.sessions.set_cookie(response, retry)
            return response
        # Session fixation defence: the signed-in session gets a brand-new id.
        await services.sessions.end(uow, active)
        signed_in = await services.sessions.start(uow, user_id=user.id)
        await record_sign_in(uow, email=email, user=user, at=now, surface="consent")
    response = RedirectResponse(next_path, status_code=303, headers=NO_STORE)
    services.sessions.set_cookie(response, signed_in)
    return response


@router.post("/logout")
async def logout(request: Request, services: ServicesDep) -> Response:
    form = dict(await parse_form_pairs(request, services.settings.max_form_bytes))
    async with services.uow() as uow:
        active = await services.sessions.load(uow, request)
        if active is not None and services.sessions.check_csrf(active, form.get("csrf_token")):
            await services.sessions.end(uow, active)
    response = RedirectResponse("/", status_code=303, headers=NO_STORE)
    services.sessions.clear_cookie(response)
    return response
