"""Rendering of the app page (`/portal/apps/{id}`), shared by the routes that act on an app.

A form on the page that fails is answered with the page itself, its message next to the field.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from consentry.core.audit_trail import events_for_app
from consentry.core.ports.unit_of_work import PortalUnitOfWork
from consentry.core.scopes import SERVICES
from consentry.portal.credentials import MAX_CREDENTIALS, MAX_REDIRECT_URIS
from consentry.portal.errors import PortalError
from consentry.portal.web import PortalWeb, SignedIn, render

AUDIT_EVENTS_SHOWN = 25


async def render_app_page(
    request: Request,
    web: PortalWeb,
    uow: PortalUnitOfWork,
    current: SignedIn,
    app_id: int,
    *,
    error: PortalError | None = None,
    values: Mapping[str, str] | None = None,
    **extra: object,
) -> Response:
    """The app page; `extra` carries one-time content (a new secret, a built consent link)."""
    details = await web.portal.apps.details(uow, current.developer, app_id)
    # Only the app's owners reach this point: `details` answers 404 for another organization.
    events = await events_for_app(uow, details.app.id, limit=AUDIT_EVENTS_SHOWN)
    context = {
        "details": details,
        "app": details.app,
        "services_by_code": SERVICES,
        "error": error,
        "values": values or {},
        "max_credentials": MAX_CREDENTIALS,
        "max_redirect_uris": MAX_REDIRECT_URIS,
        "issuer": web.config.issuer,
        "audit_events": events,
        **extra,
    }
    return render(
        request,
        web,
        "portal/app.html",
        context,
        active=current.active,
        developer=current.developer,
        status=error.status if error else 200,
    )
