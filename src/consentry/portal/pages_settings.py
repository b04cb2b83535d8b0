"""Pages: the forms of the app page — credential pairs, redirect URIs, PKCE, activation, links."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from consentry.portal.app_page import render_app_page
from consentry.portal.deps import PortalWebDep
from consentry.portal.errors import FORM_ERRORS
from consentry.portal.forms import read_page_form
from consentry.portal.web import render, signed_in, signed_in_with_csrf
from consentry.web.deps import FormLimitsDep, PortalUnitsOfWorkDep
from consentry.web.headers import NO_STORE
from consentry.web.routing import RouteTable
from consentry.web.text import PlainText

routes = RouteTable(include_in_schema=False)
AppId = Annotated[int, Path(ge=1, le=2_147_483_647)]
ClientId = Annotated[PlainText, Path(min_length=1, max_length=64)]
UriId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _back(app_id: int, anchor: str) -> Response:
    return RedirectResponse(f"/portal/apps/{app_id}#{anchor}", status_code=303, headers=NO_STORE)


@routes.post("/portal/apps/{app_id}/credentials")
async def create_credential(
    app_id: AppId,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    forms: FormLimitsDep,
) -> Response:
    form = await read_page_form(request, forms.max_bytes)
    async with units() as uow:
        current = await signed_in_with_csrf(web, uow, request, form.fields)
        try:
            created = await web.portal.credentials.create(
                uow, current.developer, app_id, form.get("label")
            )
        except FORM_ERRORS as error:
            values = {"label": form.get("label")[:200]}
            return await render_app_page(
                request, web, uow, current, app_id, error=error, values=values
            )
        # The secret is shown on this response only; it is never stored in clear nor shown again.
        return await render_app_page(request, web, uow, current, app_id, new_credential=created)


@routes.get("/portal/apps/{app_id}/credentials/{client_id}/delete")
async def confirm_delete_credential(
    app_id: AppId,
    client_id: ClientId,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
) -> Response:
    async with units() as uow:
        current = await signed_in(web, uow, request)
        app = await web.portal.apps.get(uow, current.developer, app_id)
        credential = await web.portal.credentials.get(uow, current.developer, app_id, client_id)
    return render(
        request,
        web,
        "portal/confirm_delete.html",
        {"app": app, "credential": credential},
        active=current.active,
        developer=current.developer,
    )


@routes.post("/portal/apps/{app_id}/credentials/{client_id}/delete")
async def delete_credential(
    app_id: AppId,
    client_id: ClientId,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    forms: FormLimitsDep,
) -> Response:
    form = await read_page_form(request, forms.max_bytes)
    async with units() as uow:
        current = await signed_in_with_csrf(web, uow, request, form.fields)
        await web.portal.credentials.delete(uow, current.developer, app_id, client_id)
    return _back(app_id, "credentials")


@routes.post("/portal/apps/{app_id}/redirect-uris")
async def add_redirect_uri(
    app_id: AppId,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    forms: FormLimitsDep,
) -> Response:
    form = await read_page_form(request, forms.max_bytes)
    async with units() as uow:
        current = await signed_in_with_csrf(web, uow, request, form.fields)
        try:
            await web.portal.credentials.add_redirect_uri(
                uow, current.developer, app_id, form.get("redirect_uri")
            )
        except FORM_ERRORS as error:
            values = {"redirect_uri": form.get("redirect_uri")[:2100]}
            return await render_app_page(
                request, web, uow, current, app_id, error=error, values=values
            )
    return _back(app_id, "redirect-uris")


@routes.post("/portal/apps/{app_id}/redirect-uris/{uri_id}/delete")
async def remove_redirect_uri(
    app_id: AppId,
    uri_id: UriId,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    forms: FormLimitsDep,
) -> Response:
    form = await read_page_form(request, forms.max_bytes)
    async with units() as uow:
        current = await signed_in_with_csrf(web, uow, request, form.fields)
        await web.portal.credentials.remove_redirect_uri(uow, current.developer, app_id, uri_id)
    return _back(app_id, "redirect-uris")


@routes.post("/portal/apps/{app_id}/pkce")
async def set_pkce(
    app_id: AppId,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    forms: FormLimitsDep,
) -> Response:
    form = await read_page_form(request, forms.max_bytes)
    async with units() as uow:
        current = await signed_in_with_csrf(web, uow, request, form.fields)
        required = form.get("pkce_required") == "on"
        await web.portal.apps.set_pkce(uow, current.developer, app_id, required)
    return _back(app_id, "pkce")


@routes.post("/portal/apps/{app_id}/activation")
async def set_activation(
    app_id: AppId,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    forms: FormLimitsDep,
) -> Response:
    form = await read_page_form(request, forms.max_bytes)
    async with units() as uow:
        current = await signed_in_with_csrf(web, uow, request, form.fields)
        activated = form.get("activated") == "on"
        await web.portal.apps.set_activation(uow, current.developer, app_id, activated)
    return _back(app_id, "activation")


@routes.post("/portal/apps/{app_id}/consent-link")
async def build_consent_link(
    app_id: AppId,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    forms: FormLimitsDep,
) -> Response:
    form = await read_page_form(request, forms.max_bytes)
    links = web.portal.links
    async with units() as uow:
        current = await signed_in_with_csrf(web, uow, request, form.fields)
        app = await web.portal.apps.get(uow, current.developer, app_id)
        values = {k: form.get(k)[:2100] for k in ("client_id", "redirect_uri", "state")}
        try:
            if app.auth_method.value == "client_credentials":
                signed = await links.signed_link(uow, current.developer, app_id)
                return await render_app_page(request, web, uow, current, app_id, signed_link=signed)
            link = await links.authorization_link(
                uow,
                current.developer,
                app_id,
                client_id=form.get("client_id"),
                redirect_uri=form.get("redirect_uri"),
                state=form.get("state"),
            )
        except FORM_ERRORS as error:
            return await render_app_page(
                request, web, uow, current, app_id, error=error, values=values
            )
        return await render_app_page(
            request, web, uow, current, app_id, consent_link=link, values=values
        )
