"""The audit trail's hash chain: canonical events, linked hashes, and the check of each link."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from consentry.core.audit import (
    GENESIS_HASH,
    AuditEvent,
    AuditKind,
    BrokenLink,
    StoredAuditEvent,
    canonical_json,
    chain_hash,
    check_link,
    record,
)
from consentry.storage.memory import InMemoryStore

AT = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
EVENT = AuditEvent(
    AuditKind.CONSENT_GRANTED,
    AT,
    app_id=1,
    user_id=2,
    client_id="c",
    grant_id="g",
    detail={"é": "x"},
)


def test_canonical_json_is_sorted_compact_and_utc() -> None:
    paris = timezone(timedelta(hours=1))
    event = replace(EVENT, occurred_at=AT.astimezone(paris))
    text = canonical_json(event)
    assert text == canonical_json(EVENT)  # the same instant in another zone: the same text
    assert json.loads(text) == {
        "kind": "consent.granted",
        "occurred_at": "2027-01-15T12:00:00.000000+00:00",
        "app_id": 1,
        "user_id": 2,
        "client_id": "c",
        "grant_id": "g",
        "detail": {"é": "x"},
    }
    assert " " not in text and "é" in text


def test_chain_hash_covers_the_previous_hash_and_the_event() -> None:
    expected = hashlib.sha256((GENESIS_HASH + canonical_json(EVENT)).encode()).hexdigest()
    assert chain_hash(GENESIS_HASH, EVENT) == expected
    assert chain_hash("1" * 64, EVENT) != expected
    assert chain_hash(GENESIS_HASH, replace(EVENT, user_id=3)) != expected


def stored(seq: int = 1, prev: str = GENESIS_HASH, event: AuditEvent = EVENT) -> StoredAuditEvent:
    return StoredAuditEvent(seq, event, prev, chain_hash(prev, event))


@pytest.mark.parametrize(
    ("link", "broken"),
    [
        pytest.param(stored(), None, id="intact"),
        pytest.param(stored(seq=2), BrokenLink(1, "event 1 is missing"), id="missing-event"),
        pytest.param(
            stored(prev="1" * 64),
            BrokenLink(1, "prev_hash does not match the previous event's hash"),
            id="relinked",
        ),
        pytest.param(
            replace(stored(), event=replace(EVENT, user_id=99)),
            BrokenLink(1, "the event was altered: its hash does not match"),
            id="altered",
        ),
    ],
)
def test_check_link(link: StoredAuditEvent, broken: BrokenLink | None) -> None:
    assert check_link(1, GENESIS_HASH, link) == broken


async def test_record_appends_to_the_chain_in_the_callers_transaction() -> None:
    store = InMemoryStore()
    async with store.unit_of_work() as uow:
        first = await record(uow, AuditKind.SIGN_IN_FAILED, at=AT, detail={"reason": "password"})
        second = await record(uow, AuditKind.KEY_ROTATED, at=AT, app_id=5)
    assert first == stored(
        event=AuditEvent(AuditKind.SIGN_IN_FAILED, AT, detail={"reason": "password"})
    )
    assert (second.seq, second.prev_hash, second.event.app_id, second.event.detail) == (
        2,
        first.hash,
        5,
        {},
    )
