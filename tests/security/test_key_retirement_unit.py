"""When a signing key may leave the JWKS, decided with the test clock and the in-memory store.

↔ keys/rotation.py (unit tests: no database, no HTTP)
"""

from __future__ import annotations

from datetime import timedelta

from consentry.clock import FixedClock
from consentry.core.audit import AuditKind
from consentry.keys.derivation import derive_key
from consentry.keys.rotation import CACHE_TTL, retire_after, retire_expired, rotate
from consentry.keys.sealing import Sealer
from consentry.storage.memory import InMemoryStore

SEALER = Sealer(derive_key("a-server-secret-that-is-long-enough-000", "consentry/seal/v1"))
DELAY = retire_after(timedelta(seconds=900), timedelta(seconds=30))


def test_retire_after_covers_cache_lifetime_and_leeway() -> None:
    assert DELAY == CACHE_TTL + timedelta(seconds=930)


async def live_kids(store: InMemoryStore) -> list[str]:
    async with store.unit_of_work() as uow:
        return [k.kid for k in await uow.signing_keys.list() if k.retired_at is None]


async def test_a_key_retires_exactly_delay_after_its_successor(clock: FixedClock) -> None:
    store = InMemoryStore()
    async with store.unit_of_work() as uow:
        first = await rotate(uow, SEALER, clock, delay=DELAY)
    clock.advance(timedelta(seconds=5))
    async with store.unit_of_work() as uow:
        second = await rotate(uow, SEALER, clock, delay=DELAY)

    clock.advance(DELAY - timedelta(microseconds=1))
    async with store.unit_of_work() as uow:
        assert await retire_expired(uow, clock, delay=DELAY) == []
    clock.advance(timedelta(microseconds=1))
    async with store.unit_of_work() as uow:
        assert await retire_expired(uow, clock, delay=DELAY) == [first]
        events = await uow.audit.page()

    assert await live_kids(store) == [second]
    assert [e.event.kind for e in events] == [
        AuditKind.KEY_ROTATED,
        AuditKind.KEY_ROTATED,
        AuditKind.KEY_RETIRED,
    ]


async def test_the_newest_key_is_never_retired(clock: FixedClock) -> None:
    store = InMemoryStore()
    async with store.unit_of_work() as uow:
        only = await rotate(uow, SEALER, clock, delay=DELAY)
    clock.advance(timedelta(days=365))

    async with store.unit_of_work() as uow:
        assert await retire_expired(uow, clock, delay=DELAY) == []

    assert await live_kids(store) == [only]
