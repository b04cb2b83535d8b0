"""Reading the audit trail and verifying its chain across pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from consentry.core import audit_trail
from consentry.core.audit import AuditKind, record
from consentry.storage.memory import InMemoryStore

AT = datetime(2026, 1, 1, tzinfo=UTC)


async def recorded(store: InMemoryStore, app_ids: list[int]) -> None:
    async with store.unit_of_work() as uow:
        for app_id in app_ids:
            await record(uow, AuditKind.KEY_ROTATED, at=AT, app_id=app_id)


async def test_all_events_spans_every_app_newest_first() -> None:
    store = InMemoryStore()
    await recorded(store, [1, 2, 1])
    async with store.unit_of_work(read_only=True) as uow:
        everything = await audit_trail.all_events(uow)
        of_app_one = await audit_trail.events_for_app(uow, 1)
    assert [e.seq for e in everything] == [3, 2, 1]
    assert [e.seq for e in of_app_one] == [3, 1]


@pytest.mark.parametrize("events", [4, 5], ids=["whole-pages", "partial-last-page"])
async def test_the_chain_verifies_page_after_page(
    monkeypatch: pytest.MonkeyPatch, events: int
) -> None:
    monkeypatch.setattr(audit_trail, "PAGE", 2)
    store = InMemoryStore()
    await recorded(store, list(range(events)))
    async with store.unit_of_work(read_only=True) as uow:
        assert await audit_trail.verify_chain(uow) == (events, None)
