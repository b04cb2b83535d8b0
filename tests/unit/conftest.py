"""Unit-test fixtures: an in-memory store seeded with one world, and the core driven over it."""

from __future__ import annotations

import pytest

from consentry.clock import FixedClock
from consentry.storage.memory import InMemoryStore
from tests.factories import MemoryFactory, OAuthFlow, World, make_hasher


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def factory(store: InMemoryStore, clock: FixedClock) -> MemoryFactory:
    return MemoryFactory(store, make_hasher(), clock)


@pytest.fixture
def world(factory: MemoryFactory) -> World:
    return factory.world()


@pytest.fixture
def flow(store: InMemoryStore, clock: FixedClock, world: World) -> OAuthFlow:
    return OAuthFlow(store, clock, world)
