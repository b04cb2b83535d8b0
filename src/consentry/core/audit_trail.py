"""Reading the audit trail (an app's events for its owners, all events for admins), verifying its
chain, and recording sign-in attempts.

`verify_chain` walks every event in order and reports the first broken link: a changed event
(its hash no longer matches), a removed or reordered one (`prev_hash` or `seq` out of line), or a
removed tail (the chain head records a later event than the last one found).
"""

from __future__ import annotations

from datetime import datetime

from consentry.core.audit import (
    GENESIS_HASH,
    AuditKind,
    BrokenLink,
    StoredAuditEvent,
    check_link,
    record,
)
from consentry.core.model import User
from consentry.core.ports.unit_of_work import UnitOfWork

PAGE = 500


async def events_for_app(
    uow: UnitOfWork, app_id: int, *, limit: int = 100
) -> list[StoredAuditEvent]:
    """The app's newest events first. The caller checks that the viewer owns the app."""
    return await uow.audit.recent(app_id=app_id, limit=limit)


async def all_events(uow: UnitOfWork, *, limit: int = 100) -> list[StoredAuditEvent]:
    """Every app's and every user's newest events first (administrators)."""
    return await uow.audit.recent(limit=limit)


async def verify_chain(uow: UnitOfWork) -> tuple[int, BrokenLink | None]:
    """(events checked, the first broken link or None when the whole chain verifies)."""
    expected_seq, expected_prev, checked = 1, GENESIS_HASH, 0
    while True:
        page = await uow.audit.page(after_seq=expected_seq - 1, limit=PAGE)
        for stored in page:
            broken = check_link(expected_seq, expected_prev, stored)
            if broken is not None:
                return checked, broken
            expected_seq, expected_prev, checked = stored.seq + 1, stored.hash, checked + 1
        if len(page) < PAGE:
            break
    last_seq, last_hash = await uow.audit.head()
    if last_seq != expected_seq - 1 or last_hash != expected_prev:
        return checked, BrokenLink(expected_seq, "events after this one were removed")
    return checked, None


async def record_sign_in(
    uow: UnitOfWork, *, email: str, user: User | None, at: datetime, surface: str
) -> None:
    """One sign-in attempt on `surface` ("consent" or "portal"). The password is never passed."""
    if user is not None:
        await record(
            uow, AuditKind.SIGN_IN_SUCCEEDED, at=at, user_id=user.id, detail={"via": surface}
        )
        return
    known = await uow.users.get_by_email(email) if email else None
    await record(
        uow,
        AuditKind.SIGN_IN_FAILED,
        at=at,
        user_id=known.id if known else None,
        detail={"via": surface, "account": "known" if known else "unknown"},
    )
