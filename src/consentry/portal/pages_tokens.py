"""Pages: personal API tokens for scripts that call `/portal/api` (shown once, revocable)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from consentry.core.ports.unit_of_work import PortalUnitOfWork
from consentry.portal.deps import PortalWebDep
from consentry.portal.errors import FORM_ERRORS, PortalError
from consentry.portal.forms import read_page_form
from consentry.portal.tokens import NewApiToken
from consentry.portal.web import PortalWeb, SignedIn, render, signed_in, signed_in_with_csrf
from consentry.web.deps import FormLimitsDep, PortalUnitsOfWorkDep
from consentry.web.headers import NO_STORE
from consentry.web.routing import RouteTable

routes = RouteTable(include_in_schema=False)
TokenId = Annotated[int, Path(ge=1, le=2_147_483_647)]


async def _page(
    request: Request,
    web: PortalWeb,
    uow: PortalUnitOfWork,
    current: SignedIn,
    *,
    created: NewApiToken | None = None,
    error: PortalError | None = None,
    label: str = "",
) -> Response:
    tokens = await web.portal.tokens.list(uow, current.developer)
    return render(
        request,
        web,
        "portal/tokens.html",
        {"tokens": tokens, "created": created, "error": error, "label": label},
        active=current.active,
        developer=current.developer,
        status=error.status if error else 200,
    )


@routes.get("/portal/tokens")
async def tokens_page(request: Request, web: PortalWebDep, units: PortalUnitsOfWorkDep) -> Response:
    async with units() as uow:
        current = await signed_in(web, uow, request)
        return await _page(request, web, uow, current)


@routes.post("/portal/tokens")
async def create_token(
    request: Request, web: PortalWebDep, units: PortalUnitsOfWorkDep, forms: FormLimitsDep
) -> Response:
    form = await read_page_form(request, forms.max_bytes)
    async with units() as uow:
        current = await signed_in_with_csrf(web, uow, request, form.fields)
        try:
            created = await web.portal.tokens.create(uow, current.developer, form.get("label"))
        except FORM_ERRORS as error:
            label = form.get("label")[:200]
            return await _page(request, web, uow, current, error=error, label=label)
        return await _page(request, web, uow, current, created=created)


@routes.post("/portal/tokens/{token_id}/revoke")
async def revoke_token(
    token_id: TokenId,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    forms: FormLimitsDep,
) -> Response:
    form = await read_page_form(request, forms.max_bytes)
    async with units() as uow:
        current = await signed_in_with_csrf(web, uow, request, form.fields)
        await web.portal.tokens.revoke(uow, current.developer, token_id)
    return RedirectResponse("/portal/tokens", status_code=303, headers=NO_STORE)
