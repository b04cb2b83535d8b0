"""Who calls `/portal/api`: a personal API token (`Authorization: Bearer …`) or the browser session.

A session-authenticated unsafe request must also send the session's CSRF token in `X-CSRF-Token`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from consentry.core.ports.unit_of_work import PortalUnitOfWork
from consentry.portal.accounts import Developer
from consentry.portal.errors import CsrfRejected, NotADeveloper, NotAuthenticated
from consentry.portal.schemas import PortalProblem
from consentry.portal.web import PortalWeb
from consentry.web.sessions import ActiveSession

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="PersonalApiToken",
    description="A personal API token created on /portal/tokens. Without one, the browser "
    "session is used, and unsafe methods must send its CSRF token as X-CSRF-Token.",
)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]

PROBLEM_REF = "#/components/schemas/PortalProblem"
PROBLEMS: dict[int | str, dict[str, object]] = {
    status: {
        "model": PortalProblem,
        "content": {"application/problem+json": {"schema": {"$ref": PROBLEM_REF}}},
        "description": text,
    }
    for status, text in (
        (401, "Not authenticated"),
        (403, "Not a developer, or the CSRF check failed"),
        (404, "Not found in your organization"),
        (409, "A limit is reached or the value exists"),
        (422, "Invalid input; `errors` names the fields"),
    )
}


async def api_developer(
    request: Request,
    web: PortalWeb,
    uow: PortalUnitOfWork,
    credentials: HTTPAuthorizationCredentials | None,
) -> tuple[Developer, ActiveSession | None]:
    """The calling developer, and the session when that is how they authenticated."""
    active: ActiveSession | None = None
    if credentials is not None:
        user_id = await web.portal.tokens.user_for(uow, credentials.credentials)
        if user_id is None:
            raise NotAuthenticated("The API token is invalid or was revoked.")
    else:
        active = await web.sessions.load(uow, request)
        if active is None or active.user_id is None:
            raise NotAuthenticated("Send Authorization: Bearer <personal API token>, or sign in.")
        presented = request.headers.get("x-csrf-token")
        if request.method not in SAFE_METHODS and not web.sessions.check_csrf(active, presented):
            raise CsrfRejected("Send the session's CSRF token in the X-CSRF-Token header.")
        user_id = active.user_id
    developer = await web.portal.accounts.developer(uow, user_id)
    if developer is None:
        raise NotADeveloper("This account is not a developer account.")
    return developer, active
