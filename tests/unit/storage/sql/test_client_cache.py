"""The token endpoint's client lookups, kept for at most a second (storage/sql/client_cache.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from consentry.clock import FixedClock
from consentry.core.model import Client
from consentry.storage.sql.client_cache import ClientCache
from tests.factories import World


def _client(world: World, client_id: str, app_id: int = 1) -> Client:
    client = world.client.model
    credential = replace(client.credential, client_id=client_id)
    return replace(client, credential=credential, app=replace(client.app, id=app_id))


def test_a_lookup_is_kept_for_less_than_a_second(world: World, clock: FixedClock) -> None:
    cache = ClientCache(clock)
    client = _client(world, "a")
    cache.remember(client)
    clock.advance(timedelta(milliseconds=999))
    assert cache.get("a") == client
    clock.advance(timedelta(milliseconds=1))
    assert cache.get("a") is None
    assert cache.get("never") is None


def test_a_clock_that_went_back_reads_again(world: World, clock: FixedClock) -> None:
    cache = ClientCache(clock)
    cache.remember(_client(world, "a"))
    clock.advance(timedelta(seconds=-1))
    assert cache.get("a") is None


def test_changes_to_an_app_forget_its_pairs(world: World, clock: FixedClock) -> None:
    cache = ClientCache(clock)
    cache.remember(_client(world, "a", app_id=1))
    cache.remember(_client(world, "b", app_id=1))
    cache.remember(_client(world, "c", app_id=2))
    cache.forget_app(1)
    assert (cache.get("a"), cache.get("b")) == (None, None)
    assert cache.get("c") is not None


def test_the_memory_is_bounded(world: World, clock: FixedClock) -> None:
    cache = ClientCache(clock, capacity=2)
    for client_id in ("a", "b", "c"):
        cache.remember(_client(world, client_id))
    assert cache.get("a") is None
    assert cache.get("b") is not None and cache.get("c") is not None
    assert ClientCache(clock, capacity=0).get("x") is None
