"""Pages: personal API tokens for scripts that call `/portal/api` (shown once, revocable)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from consentry.core.ports.unit_of_work import PortalUnitOfWork
from consentry.portal.errors import FORM_ERRORS, PortalError
from consentry.portal.forms import read_page_form
from consentry.portal.tokens import NewApiToken
from consentry.portal.web import SignedIn, render, signed_in, signed_in_with_csrf
from consentry.web.deps import ServicesDep
from consentry.web.errors import NO_STORE
from consentry.web.services import Services

router = APIRouter(include_in_schema=False)
TokenId = Annotated[int, Path(ge=1, le=2_147_483_647)]


async def _page(
    request: Request,
    services: Services,
    uow: PortalUnitOfWork,
    current: SignedIn,
    *,
    created: NewApiToken | None = None,
    error: PortalError | None = None,
    label: str = "",
) -> Response:
    tokens = await services.portal.tokens.list(uow, current.developer)
    return render(
        request,
        services,
        "portal/tokens.html",
        {"tokens": tokens, "created": created, "error": error, "label": label},
        active=current.active,
        developer=current.developer,
        status=error.status if error else 200,
    )


@router.get("/portal/tokens")
async def tokens_page(request: Request, services: ServicesDep) -> Response:
    async with services.portal_uow() as uow:
        current = await signed_in(services, uow, request)
        return await _page(request, services, uow, current)


@router.post("/portal/tokens")
async def create_token(request: Request, services: ServicesDep) -> Response:
    form = await read_page_form(request, services.settings.max_form_bytes)
    async with services.portal_uow() as uow:
        current = await signed_in_with_csrf(services, uow, request, form.fields)
        try:
            created = await services.portal.tokens.create(uow, current.developer, form.get("label"))
        except FORM_ERRORS as error:
            label = form.get("label")[:200]
            return await _page(request, services, uow, current, error=error, label=label)
        return await _page(request, services, uow, current, created=created)


@router.post("/portal/tokens/{token_id}/revoke")
async def revoke_token(token_id: TokenId, request: Request, services: ServicesDep) -> Response:
    form = await read_page_form(request, services.settings.max_form_bytes)
    async with services.portal_uow() as uow:
        current = await signed_in_with_csrf(services, uow, request, form.fields)
        await services.portal.tokens.revoke(uow, current.developer, token_id)
    return RedirectResponse("/portal/tokens", status_code=303, headers=NO_STORE)
