"""Pages: "My apps", creating an app (with its image and domains), the app page, editing an app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from consentry.core.scopes import SERVICES
from consentry.portal.app_page import render_app_page
from consentry.portal.apps import AppEdit, AppForm, domain_levels
from consentry.portal.deps import PortalWebDep
from consentry.portal.errors import InvalidInput, PortalError
from consentry.portal.forms import PageForm, read_upload_form
from consentry.portal.web import PortalWeb, SignedIn, render, signed_in, signed_in_with_csrf
from consentry.web.deps import FormLimitsDep, PortalUnitsOfWorkDep
from consentry.web.forms import FormLimits
from consentry.web.headers import NO_STORE
from consentry.web.routing import RouteTable

routes = RouteTable(include_in_schema=False)
AppId = Annotated[int, Path(ge=1, le=2_147_483_647)]
TEXT_FIELDS = ("name", "description", "service", "auth_method")


def _domains(form: PageForm, service: str) -> dict[str, str]:
    """The levels ("none", "read", "manage") of the fields named `domains.<service>.<Domain>`.

    The new-app form lists the domains of both services; its script shows the chosen one's only.
    """
    prefix = f"domains.{service}."
    return {k.removeprefix(prefix): v for k, v in form.fields.items() if k.startswith(prefix)}


def _form_page(
    request: Request,
    web: PortalWeb,
    current: SignedIn,
    values: dict[str, object],
    *,
    app_id: int | None = None,
    error: PortalError | None = None,
) -> Response:
    context = {"values": values, "error": error, "services_by_code": SERVICES, "app_id": app_id}
    return render(
        request,
        web,
        "portal/app_form.html",
        context,
        active=current.active,
        developer=current.developer,
        status=error.status if error else 200,
    )


async def _upload_form(request: Request, web: PortalWeb, forms: FormLimits) -> PageForm:
    return await read_upload_form(request, forms.max_bytes, web.config.max_image_bytes)


@routes.get("/portal/apps")
async def list_apps(request: Request, web: PortalWebDep, units: PortalUnitsOfWorkDep) -> Response:
    async with units() as uow:
        current = await signed_in(web, uow, request)
        apps = await web.portal.apps.all(uow, current.developer)
    return render(
        request,
        web,
        "portal/apps.html",
        {"apps": apps, "services_by_code": SERVICES},
        active=current.active,
        developer=current.developer,
    )


@routes.get("/portal/apps/new")
async def new_app_page(
    request: Request, web: PortalWebDep, units: PortalUnitsOfWorkDep
) -> Response:
    async with units() as uow:
        current = await signed_in(web, uow, request)
    values: dict[str, object] = {"service": "C-Growth", "auth_method": "authorization_code"}
    return _form_page(request, web, current, values)


@routes.post("/portal/apps/new")
async def create_app(
    request: Request, web: PortalWebDep, units: PortalUnitsOfWorkDep, forms: FormLimitsDep
) -> Response:
    upload_error: InvalidInput | None = None
    try:
        form = await _upload_form(request, web, forms)
    except InvalidInput as too_large:
        form, upload_error = PageForm(pairs=[]), too_large
    domains = _domains(form, form.get("service"))
    values: dict[str, object] = {k: form.get(k) for k in TEXT_FIELDS} | {"domains": domains}
    async with units() as uow:
        if upload_error:  # the body was refused unread: nothing to check a CSRF token against
            current = await signed_in(web, uow, request)
            return _form_page(request, web, current, values, error=upload_error)
        current = await signed_in_with_csrf(web, uow, request, form.fields)
        try:
            app = await web.portal.apps.create(
                uow,
                current.developer,
                AppForm(
                    form.get("name"),
                    form.get("description"),
                    form.get("service"),
                    form.get("auth_method"),
                    domains,
                ),
                form.upload,
            )
        except InvalidInput as error:
            return _form_page(request, web, current, values, error=error)
    return RedirectResponse(f"/portal/apps/{app.id}", status_code=303, headers=NO_STORE)


@routes.get("/portal/apps/{app_id}")
async def app_page(
    app_id: AppId, request: Request, web: PortalWebDep, units: PortalUnitsOfWorkDep
) -> Response:
    async with units() as uow:
        current = await signed_in(web, uow, request)
        return await render_app_page(request, web, uow, current, app_id)


@routes.get("/portal/apps/{app_id}/edit")
async def edit_app_page(
    app_id: AppId, request: Request, web: PortalWebDep, units: PortalUnitsOfWorkDep
) -> Response:
    async with units() as uow:
        current = await signed_in(web, uow, request)
        app = await web.portal.apps.get(uow, current.developer, app_id)
    values: dict[str, object] = {
        "name": app.name,
        "description": app.description,
        "service": app.service,
        "auth_method": app.auth_method.value,
        "domains": domain_levels(app),
        "activated": app.activated,
        "has_image": app.has_image,
    }
    return _form_page(request, web, current, values, app_id=app.id)


@routes.post("/portal/apps/{app_id}/edit")
async def edit_app(
    app_id: AppId,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    forms: FormLimitsDep,
) -> Response:
    upload_error: InvalidInput | None = None
    try:
        form = await _upload_form(request, web, forms)
    except InvalidInput as too_large:
        form, upload_error = PageForm(pairs=[]), too_large
    values: dict[str, object] = {k: form.get(k) for k in ("name", "description")}
    try:
        # An edit is all or nothing: a refused image rolls back the text changes too.
        async with units() as uow:
            if upload_error:  # refused unread: nothing to check a CSRF token against
                current = await signed_in(web, uow, request)
            else:
                current = await signed_in_with_csrf(web, uow, request, form.fields)
            app = await web.portal.apps.get(uow, current.developer, app_id)
            values |= {
                "domains": _domains(form, app.service),
                "service": app.service,
                "auth_method": app.auth_method.value,
                "activated": app.activated,
                "has_image": app.has_image,
            }
            if upload_error:
                values |= {"name": app.name, "description": app.description}
                values["domains"] = domain_levels(app)
                raise upload_error
            domains = _domains(form, app.service)
            edit = AppEdit(form.get("name"), form.get("description"), domains)
            await web.portal.apps.update(uow, current.developer, app_id, edit)
            if form.upload:
                await web.portal.apps.set_image(uow, current.developer, app_id, form.upload)
            elif form.get("remove_image") == "yes":
                await web.portal.apps.set_image(uow, current.developer, app_id, None)
    except InvalidInput as error:
        return _form_page(request, web, current, values, app_id=app_id, error=error)
    return RedirectResponse(f"/portal/apps/{app_id}", status_code=303, headers=NO_STORE)
