"""What the in-memory store adds to the contract: isolation, locking, misuse and seeding checks."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from consentry.core.model import (
    Advertiser,
    App,
    AuthMethod,
    AuthorizationCode,
    Credential,
    Grant,
    PendingAuthorization,
    RefreshToken,
    Role,
    User,
)
from consentry.core.ports.sessions import WebSession
from consentry.core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from consentry.storage.errors import Conflict, NotFound
from consentry.storage.memory import InMemoryStore

NOW = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def store() -> InMemoryStore:
    store = InMemoryStore()
    store.add_organization(1, "Acme")
    store.add_user(User(10, "c@example.test", "C", "h"))
    store.add_advertiser(Advertiser(20, "Zebra"))
    store.add_app(
        App(30, 1, "Acme", "App", "", "C-Growth", AuthMethod.AUTHORIZATION_CODE, (), False, True)
    )
    store.add_credential(Credential(40, 30, "client", b"s" * 32, "", NOW))
    return store


def grant(**changes: object) -> Grant:
    values: dict[str, object] = {
        "id": "g1",
        "user_id": 10,
        "credential_id": 40,
        "app_id": 30,
        "scopes": (),
        "advertiser_ids": (20,),
        "created_at": NOW,
    }
    return Grant(**{**values, **changes})  # type: ignore[arg-type]


def test_unit_of_work_method_is_a_factory(store: InMemoryStore) -> None:
    factory: UnitOfWorkFactory = store.unit_of_work
    uow: UnitOfWork = factory(read_only=True)
    assert uow is not None


async def test_stores_share_no_state() -> None:
    first, second = InMemoryStore(), InMemoryStore()
    first.add_organization(1, "Acme")
    first.add_user(User(1, "a@example.test", "A", "h"))
    async with second.unit_of_work(read_only=True) as uow:
        assert await uow.users.get(1) is None


async def test_read_only_unit_of_work_refuses_writes(store: InMemoryStore) -> None:
    async with store.unit_of_work(read_only=True) as uow:
        with pytest.raises(RuntimeError, match="read-only"):
            await uow.grants.add(grant())
        with pytest.raises(RuntimeError, match="read-only"):
            await uow.clients.touch_credential(40, NOW)


async def test_repositories_stop_working_after_the_block(store: InMemoryStore) -> None:
    async with store.unit_of_work() as uow:
        grants = uow.grants
    with pytest.raises(RuntimeError, match="outside"):
        await grants.get("g1")


async def test_unit_of_work_cannot_be_entered_twice(store: InMemoryStore) -> None:
    uow = store.unit_of_work(read_only=True)
    async with uow:
        with pytest.raises(RuntimeError, match="entered twice"):
            await uow.__aenter__()


async def test_unit_of_work_cannot_be_exited_before_entering(store: InMemoryStore) -> None:
    with pytest.raises(RuntimeError, match="without being entered"):
        await store.unit_of_work().__aexit__(None, None, None)


async def test_readers_do_not_see_uncommitted_writes(store: InMemoryStore) -> None:
    async with store.unit_of_work() as writer:
        await writer.grants.add(grant())
        assert await writer.grants.get("g1") is not None
        async with store.unit_of_work(read_only=True) as reader:
            assert await reader.grants.get("g1") is None
    async with store.unit_of_work(read_only=True) as reader:
        assert await reader.grants.get("g1") is not None


async def test_writers_take_turns(store: InMemoryStore) -> None:
    events: list[str] = []

    async def write(name: str) -> None:
        async with store.unit_of_work():
            events.append(f"{name} in")
            await asyncio.sleep(0.01)
            events.append(f"{name} out")

    await asyncio.gather(write("a"), write("b"))
    assert events == ["a in", "a out", "b in", "b out"]


async def test_a_rolled_back_writer_releases_the_lock(store: InMemoryStore) -> None:
    with pytest.raises(ValueError, match="boom"):
        async with store.unit_of_work():
            raise ValueError("boom")
    async with asyncio.timeout(1):
        async with store.unit_of_work() as uow:
            await uow.grants.add(grant())


def code(**changes: object) -> AuthorizationCode:
    values: dict[str, object] = {
        "code_hash": b"c" * 32,
        "grant_id": "g1",
        "credential_id": 40,
        "redirect_uri": "https://a.example/cb",
        "code_challenge": None,
        "created_at": NOW,
        "expires_at": NOW + timedelta(seconds=30),
    }
    return AuthorizationCode(**{**values, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        pytest.param({"credential_id": 99}, "credential", id="credential"),
        pytest.param({"app_id": 99}, "app", id="app"),
        pytest.param({"user_id": 99}, "user", id="user"),
        pytest.param({"advertiser_ids": (20, 99)}, "advertiser", id="advertiser"),
    ],
)
async def test_grant_referencing_a_missing_row_is_not_found(
    store: InMemoryStore, changes: dict[str, object], missing: str
) -> None:
    with pytest.raises(NotFound, match=f"no {missing}"):
        async with store.unit_of_work() as uow:
            await uow.grants.add(grant(**changes))


async def test_grant_naming_an_advertiser_twice_is_a_conflict(store: InMemoryStore) -> None:
    with pytest.raises(Conflict, match="twice"):
        async with store.unit_of_work() as uow:
            await uow.grants.add(grant(advertiser_ids=(20, 20)))


async def test_app_level_grant_needs_no_credential(store: InMemoryStore) -> None:
    async with store.unit_of_work() as uow:
        await uow.grants.add(grant(credential_id=None, user_id=None))
        assert [g.id for g in await uow.grants.app_level(30)] == ["g1"]


async def test_values_referencing_missing_rows_are_not_found(store: InMemoryStore) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(NotFound, match="no grant"):
            await uow.codes.add(code())
        with pytest.raises(NotFound, match="no grant"):
            await uow.refresh_tokens.add(RefreshToken(b"r" * 32, "g1", 40, NOW, NOW))
        await uow.grants.add(grant())
        with pytest.raises(NotFound, match="no credential"):
            await uow.codes.add(code(credential_id=99))
        with pytest.raises(NotFound, match="no credential"):
            await uow.refresh_tokens.add(RefreshToken(b"r" * 32, "g1", 99, NOW, NOW))
        with pytest.raises(NotFound, match="no credential"):
            await uow.pending.add(
                PendingAuthorization(
                    b"p" * 32, 99, "client", "https://a/", None, None, (), NOW, NOW
                )
            )
        with pytest.raises(NotFound, match="no user"):
            await uow.web_sessions.add(WebSession(b"w" * 32, 99, "csrf", NOW, NOW))


def test_seeding_helpers_check_keys_and_references(store: InMemoryStore) -> None:
    app = App(31, 1, "", "Other", "", "C-Max", AuthMethod.CLIENT_CREDENTIALS, (), False, False)
    with pytest.raises(Conflict):
        store.add_organization(1, "Again")
    with pytest.raises(NotFound, match="no organization"):
        store.add_user(User(11, "d@example.test", "D", "h", organization_id=99))
    with pytest.raises(Conflict, match="already exists"):
        store.add_user(User(11, "c@example.test", "C again", "h"))
    with pytest.raises(Conflict):
        store.add_advertiser(Advertiser(20, "Zebra again"))
    with pytest.raises(NotFound, match="no user"):
        store.add_portfolio_entry(99, 20, Role.ADMIN)
    with pytest.raises(NotFound, match="no advertiser"):
        store.add_portfolio_entry(10, 99, Role.ADMIN)
    store.add_portfolio_entry(10, 20, Role.ADMIN)
    with pytest.raises(Conflict):
        store.add_portfolio_entry(10, 20, Role.VIEWER)
    with pytest.raises(NotFound, match="no organization"):
        store.add_app(replace(app, organization_id=99))
    with pytest.raises(NotFound, match="no app"):
        store.add_credential(Credential(41, 99, "other", b"s" * 32, "", NOW))
    with pytest.raises(Conflict, match="client_id"):
        store.add_credential(Credential(41, 30, "client", b"s" * 32, "", NOW))
    with pytest.raises(NotFound, match="no app"):
        store.add_redirect_uri(99, "https://a.example/cb")
    store.add_redirect_uri(30, "https://a.example/cb")
    with pytest.raises(Conflict, match="already registered"):
        store.add_redirect_uri(30, "https://a.example/cb")
    store.add_user(User(11, "d@example.test", "D", "h", organization_id=1))
