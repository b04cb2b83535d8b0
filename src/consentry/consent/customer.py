"""The signed-in customer of a page, if any."""

from __future__ import annotations

from starlette.requests import Request

from consentry.core.model import User
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.web.sessions import ActiveSession, SessionManager


async def signed_in_customer(
    sessions: SessionManager, uow: UnitOfWork, request: Request
) -> tuple[ActiveSession, User] | None:
    """The session and its user, or None when nobody is signed in (or the user is gone)."""
    active = await sessions.load(uow, request)
    if active is None or active.user_id is None:
        return None
    user = await uow.users.get(active.user_id)
    return (active, user) if user is not None else None
