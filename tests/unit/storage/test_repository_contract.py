"""One contract for every repository, run against the in-memory and the SQL implementation.

The SQL run uses the suite's database (SQLite by default, PostgreSQL with `--db=postgresql`).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Generic, TypeVar, cast

import pytest

from consentry.clock import FixedClock
from consentry.core.audit import GENESIS_HASH, AuditEvent, AuditKind, chain_hash, check_link
from consentry.core.errors import InvalidGrant
from consentry.core.model import (
    AuthorizationCode,
    Client,
    Grant,
    PendingAuthorization,
    PortfolioEntry,
    RefreshToken,
    Role,
)
from consentry.core.ports.keys import StoredSigningKey
from consentry.core.ports.sessions import WebSession
from consentry.core.ports.throttling import FailureWindow
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.storage.errors import Conflict
from consentry.storage.sql.database import open_database
from consentry.storage.sql.engine import create_engine
from tests.unit.storage.backends import IMAGE, Backend, MemoryBackend, Seeded, SqlBackend, seed

SECOND = timedelta(seconds=1)


@pytest.fixture(params=["memory", "sql"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "memory":
        yield MemoryBackend()
        return
    url = request.getfixturevalue("database_url")
    engine = create_engine(url)
    database = open_database(url)
    try:
        yield SqlBackend(engine, database, request.getfixturevalue("clock"))
    finally:
        await database.close()
        await engine.dispose()


@pytest.fixture
async def seeded(backend: Backend, clock: FixedClock) -> Seeded:
    return await seed(backend, clock.now())


def grant_for(seeded: Seeded, now: datetime, **changes: object) -> Grant:
    grant = Grant(
        id="g" * 32,
        user_id=seeded.customer.id,
        credential_id=seeded.credential.id,
        app_id=seeded.app.id,
        scopes=seeded.app.scopes,
        advertiser_ids=tuple(a.id for a in seeded.advertisers),
        created_at=now,
    )
    return replace(grant, **changes)  # type: ignore[arg-type]


async def add_grant(backend: Backend, grant: Grant) -> Grant:
    async with backend.uow() as uow:
        await uow.grants.add(grant)
    return grant


def code_for(seeded: Seeded, grant: Grant, now: datetime, key: bytes = b"c") -> AuthorizationCode:
    return AuthorizationCode(
        code_hash=key * 32,
        grant_id=grant.id,
        credential_id=seeded.credential.id,
        redirect_uri="https://client.example/cb",
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        created_at=now,
        expires_at=now + timedelta(seconds=30),
    )


def token_for(seeded: Seeded, grant: Grant, now: datetime, key: bytes = b"r") -> RefreshToken:
    return RefreshToken(
        token_hash=key * 32,
        grant_id=grant.id,
        credential_id=seeded.credential.id,
        created_at=now,
        expires_at=now + timedelta(days=183),
    )


def pending_for(seeded: Seeded, now: datetime, key: bytes = b"p") -> PendingAuthorization:
    return PendingAuthorization(
        id_hash=key * 32,
        credential_id=seeded.credential.id,
        client_id=seeded.credential.client_id,
        redirect_uri="https://client.example/cb",
        state="a state ✓",
        code_challenge=None,
        scopes=seeded.app.scopes,
        created_at=now,
        expires_at=now + timedelta(minutes=10),
    )


# --- clients ---


async def test_client_lookup_returns_credential_app_and_redirect_uris(
    backend: Backend, seeded: Seeded
) -> None:
    async with backend.uow(read_only=True) as uow:
        client = await uow.clients.get_by_client_id("client-one")
    assert client == Client(seeded.credential, seeded.app, seeded.redirect_uris)
    assert client.app.organization_name == "Acme Ad Tools"
    assert client.app.has_image


async def test_client_lookup_for_the_token_endpoint_skips_redirect_uris(
    backend: Backend, seeded: Seeded
) -> None:
    async with backend.uow(read_only=True) as uow:
        client = await uow.clients.get_by_client_id("client-one", with_redirect_uris=False)
        missing = await uow.clients.get_by_client_id("nobody", with_redirect_uris=False)
    assert client == Client(seeded.credential, seeded.app, frozenset())
    assert missing is None


async def test_client_without_image_or_redirect_uris(backend: Backend, seeded: Seeded) -> None:
    async with backend.uow(read_only=True) as uow:
        client = await uow.clients.get_by_client_id("client-three")
        image = await uow.clients.get_image(seeded.bare_app.id)
    assert client == Client(seeded.bare_credential, seeded.bare_app, frozenset())
    assert image is None


@pytest.mark.parametrize("client_id", ["unknown", "", "CLIENT-ONE", "client-one "])
async def test_unknown_client_id_is_none(backend: Backend, seeded: Seeded, client_id: str) -> None:
    async with backend.uow(read_only=True) as uow:
        assert await uow.clients.get_by_client_id(client_id) is None


async def test_get_image(backend: Backend, seeded: Seeded) -> None:
    async with backend.uow(read_only=True) as uow:
        assert await uow.clients.get_image(seeded.app.id) == IMAGE
        assert await uow.clients.get_image(999_999) is None


async def test_touch_credential_records_last_use(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    clock.advance(timedelta(hours=1))
    async with backend.uow() as uow:
        await uow.clients.touch_credential(seeded.credential.id, clock.now())
        await uow.clients.touch_credential(999_999, clock.now())  # unknown: nothing happens
    async with backend.uow(read_only=True) as uow:
        client = await uow.clients.get_by_client_id("client-one")
        other = await uow.clients.get_by_client_id("client-two")
    assert client is not None and other is not None
    assert client.credential.last_used_at == clock.now()
    assert other.credential.last_used_at is None


# --- users ---


async def test_user_lookups(backend: Backend, seeded: Seeded) -> None:
    async with backend.uow(read_only=True) as uow:
        assert await uow.users.get(seeded.customer.id) == seeded.customer
        assert await uow.users.get(seeded.developer.id) == seeded.developer
        assert await uow.users.get(999_999) is None
        assert await uow.users.get_by_email("  Customer@Example.TEST ") == seeded.customer
        assert await uow.users.get_by_email("nobody@example.test") is None


async def test_portfolio_is_ordered_by_advertiser_name_then_id(
    backend: Backend, seeded: Seeded
) -> None:
    zebra, alpha_1, alpha_2 = seeded.advertisers
    async with backend.uow(read_only=True) as uow:
        assert await uow.users.portfolio(seeded.customer.id) == [
            PortfolioEntry(alpha_1, Role.VIEWER),
            PortfolioEntry(alpha_2, Role.TECHNICAL_MANAGER),
            PortfolioEntry(zebra, Role.ADMIN),
        ]
        assert await uow.users.portfolio(seeded.developer.id) == []


async def test_advertisers_by_id_skip_unknown_ids(backend: Backend, seeded: Seeded) -> None:
    zebra, alpha_1, _ = seeded.advertisers
    async with backend.uow(read_only=True) as uow:
        found = await uow.users.advertisers((seeded.outsider.id, zebra.id, 999_999, alpha_1.id))
        assert found == sorted([seeded.outsider, zebra, alpha_1], key=lambda a: a.id)
        assert await uow.users.advertisers(()) == []


# --- pending authorizations ---


async def test_pending_round_trip(backend: Backend, seeded: Seeded, clock: FixedClock) -> None:
    pending = pending_for(seeded, clock.now())
    async with backend.uow() as uow:
        await uow.pending.add(pending)
    async with backend.uow(read_only=True) as uow:
        assert await uow.pending.get(pending.id_hash) == pending
        assert await uow.pending.get(b"x" * 32) is None


async def test_pending_client_id_is_read_from_its_credential(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    pending = replace(pending_for(seeded, clock.now()), client_id="stale")
    async with backend.uow() as uow:
        await uow.pending.add(pending)
        assert await uow.pending.get(pending.id_hash) == replace(pending, client_id="client-one")


async def test_pending_is_consumed_only_once(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    pending = pending_for(seeded, clock.now())
    async with backend.uow() as uow:
        await uow.pending.add(pending)
    async with backend.uow() as uow:
        assert await uow.pending.consume(pending.id_hash, clock.now()) == pending
        assert await uow.pending.consume(pending.id_hash, clock.now()) is None
    async with backend.uow() as uow:
        assert await uow.pending.consume(pending.id_hash, clock.now()) is None
        assert await uow.pending.get(pending.id_hash) is None  # decided: no longer open


@pytest.mark.parametrize(
    ("age", "open_"),
    [
        pytest.param(timedelta(minutes=10) - SECOND, True, id="just-before-expiry"),
        pytest.param(timedelta(minutes=10), False, id="at-expiry"),
        pytest.param(timedelta(minutes=11), False, id="after-expiry"),
    ],
)
async def test_pending_is_not_consumed_after_expiry(
    backend: Backend, seeded: Seeded, clock: FixedClock, age: timedelta, open_: bool
) -> None:
    pending = pending_for(seeded, clock.now())
    async with backend.uow() as uow:
        await uow.pending.add(pending)
    async with backend.uow() as uow:
        consumed = await uow.pending.consume(pending.id_hash, clock.now() + age)
        assert (consumed is not None) is open_
        # get() does not look at the clock: expiry is the caller's check
        assert (await uow.pending.get(pending.id_hash) is not None) is not open_


async def test_unknown_pending_is_not_consumed(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    async with backend.uow() as uow:
        assert await uow.pending.consume(b"x" * 32, clock.now()) is None


# --- grants ---


async def test_grant_round_trip_with_advertisers_sorted(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    ids = sorted(a.id for a in seeded.advertisers)
    grant = await add_grant(
        backend, grant_for(seeded, clock.now(), advertiser_ids=tuple(reversed(ids)))
    )
    async with backend.uow(read_only=True) as uow:
        assert await uow.grants.get(grant.id) == replace(grant, advertiser_ids=tuple(ids))
        assert await uow.grants.get("unknown") is None


async def test_grant_without_user_or_advertisers(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    grant = await add_grant(
        backend, grant_for(seeded, clock.now(), user_id=None, advertiser_ids=())
    )
    async with backend.uow(read_only=True) as uow:
        assert await uow.grants.get(grant.id) == grant


async def test_grant_revocation_keeps_the_first_time(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    grant = await add_grant(backend, grant_for(seeded, clock.now()))
    first = clock.now() + timedelta(hours=1)
    async with backend.uow() as uow:
        await uow.grants.revoke(grant.id, first)
        await uow.grants.revoke(grant.id, first + timedelta(hours=1))
        await uow.grants.revoke("unknown", first)
    async with backend.uow(read_only=True) as uow:
        stored = await uow.grants.get(grant.id)
    assert stored is not None and stored.revoked_at == first and not stored.active


async def test_grant_touch_records_last_use(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    grant = await add_grant(backend, grant_for(seeded, clock.now()))
    assert await backend.grant_last_used_at(grant.id) is None
    later = clock.now() + timedelta(minutes=3)
    async with backend.uow() as uow:
        await uow.grants.touch(grant.id, later)
        await uow.grants.touch("unknown", later)
    assert await backend.grant_last_used_at(grant.id) == later
    async with backend.uow(read_only=True) as uow:
        assert await uow.grants.get(grant.id) == grant  # touching changes nothing else


async def test_app_level_grants_are_the_active_ones_without_credential(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    no_credential = cast(int, None)
    now = clock.now()
    later = await add_grant(
        backend, grant_for(seeded, now + SECOND, id="b" * 32, credential_id=no_credential)
    )
    earlier = await add_grant(
        backend, grant_for(seeded, now, id="c" * 32, credential_id=no_credential, user_id=None)
    )
    revoked = await add_grant(
        backend, grant_for(seeded, now, id="a" * 32, credential_id=no_credential)
    )
    await add_grant(backend, grant_for(seeded, now, id="d" * 32))  # a user grant of a pair
    async with backend.uow() as uow:
        await uow.grants.revoke(revoked.id, now)
        assert await uow.grants.app_level(seeded.app.id) == [earlier, later]
        assert await uow.grants.app_level(seeded.bare_app.id) == []


# --- authorization codes and refresh tokens: the same consume contract ---
# A code is consumed by `redeem`, a refresh token by `rotate`; both store the refresh token they
# issue with it. `consume` below runs either and reports what it found.

T = TypeVar("T", AuthorizationCode, RefreshToken)


@dataclass(frozen=True)
class Consumed(Generic[T]):
    """`record`: the value as this caller used it; `previous`: as it was when it lost."""

    record: T | None
    previous: T | None = None


_issued = itertools.count(1)


def issued_with(grant_id: str, credential_id: int, now: datetime) -> RefreshToken:
    """A fresh refresh token, as the token endpoint issues one on a redemption or rotation."""
    return RefreshToken(
        token_hash=next(_issued).to_bytes(32, "big"),
        grant_id=grant_id,
        credential_id=credential_id,
        created_at=now,
        expires_at=now + timedelta(days=183),
    )


OneTime = AuthorizationCode | RefreshToken


async def add_one_time(backend: Backend, seeded: Seeded, kind: str, now: datetime) -> OneTime:
    grant = await add_grant(backend, grant_for(seeded, now))
    async with backend.uow() as uow:
        if kind == "code":
            code = code_for(seeded, grant, now)
            await uow.codes.add(code)
            return code
        token = token_for(seeded, grant, now)
        await uow.refresh_tokens.add(token)
        return token


def key_of(record: OneTime) -> bytes:
    return record.code_hash if isinstance(record, AuthorizationCode) else record.token_hash


async def consume(
    uow: UnitOfWork, kind: str, key: bytes, credential_id: int, now: datetime
) -> Consumed[AuthorizationCode] | Consumed[RefreshToken]:
    if kind == "code":
        code = await uow.codes.get(key)
        if code is None:
            return Consumed(record=None)
        new = issued_with(code.grant_id, credential_id, now)
        if await uow.codes.redeem(key, credential_id, now, new):
            assert await uow.refresh_tokens.get(new.token_hash) == new
            return Consumed(record=await uow.codes.get(key))
        assert await uow.refresh_tokens.get(new.token_hash) is None
        return Consumed(record=None, previous=await uow.codes.get(key))
    token = await uow.refresh_tokens.get(key)
    if token is None:
        return Consumed(record=None)
    new = issued_with(token.grant_id, credential_id, now)
    if await uow.refresh_tokens.rotate(key, credential_id, now, None, new):
        assert await uow.refresh_tokens.get(new.token_hash) == new
        return Consumed(record=await uow.refresh_tokens.get(key))
    assert await uow.refresh_tokens.get(new.token_hash) is None
    return Consumed(record=None, previous=await uow.refresh_tokens.get(key))


KINDS = pytest.mark.parametrize("kind", ["code", "refresh_token"])


@KINDS
async def test_first_consume_wins_and_the_second_sees_it_used(
    backend: Backend, seeded: Seeded, clock: FixedClock, kind: str
) -> None:
    record = await add_one_time(backend, seeded, kind, clock.now())
    used_at = clock.now() + 5 * SECOND
    async with backend.uow() as uow:
        won = await consume(uow, kind, key_of(record), seeded.credential.id, used_at)
    assert won == Consumed(record=replace(record, used_at=used_at))
    async with backend.uow() as uow:
        lost = await consume(uow, kind, key_of(record), seeded.credential.id, used_at + SECOND)
    assert lost == Consumed(record=None, previous=replace(record, used_at=used_at))


@KINDS
@pytest.mark.parametrize(
    "age",
    [
        pytest.param(timedelta(seconds=30), id="at-code-expiry"),
        pytest.param(timedelta(days=183), id="at-refresh-expiry"),
        pytest.param(timedelta(days=400), id="long-after"),
    ],
)
async def test_expired_value_is_not_consumed(
    backend: Backend, seeded: Seeded, clock: FixedClock, kind: str, age: timedelta
) -> None:
    record = await add_one_time(backend, seeded, kind, clock.now())
    now = clock.now() + age
    expired = now >= record.expires_at
    async with backend.uow() as uow:
        result = await consume(uow, kind, key_of(record), seeded.credential.id, now)
    if expired:
        assert result == Consumed(record=None, previous=record)  # used_at stays empty
    else:
        assert result.record is not None


@KINDS
async def test_value_presented_by_another_credential_is_not_consumed(
    backend: Backend, seeded: Seeded, clock: FixedClock, kind: str
) -> None:
    record = await add_one_time(backend, seeded, kind, clock.now())
    async with backend.uow() as uow:
        other = await consume(uow, kind, key_of(record), seeded.other_credential.id, clock.now())
        assert other == Consumed(record=None, previous=record)
        rightful = await consume(uow, kind, key_of(record), seeded.credential.id, clock.now())
        assert rightful.record is not None


@KINDS
async def test_unknown_value_has_no_previous(
    backend: Backend, seeded: Seeded, clock: FixedClock, kind: str
) -> None:
    async with backend.uow() as uow:
        result = await consume(uow, kind, b"u" * 32, seeded.credential.id, clock.now())
    assert result == Consumed(record=None, previous=None)


@KINDS
async def test_two_racing_units_of_work_consume_once(
    backend: Backend, seeded: Seeded, clock: FixedClock, kind: str
) -> None:
    record = await add_one_time(backend, seeded, kind, clock.now())

    async def redeem() -> Consumed[AuthorizationCode] | Consumed[RefreshToken]:
        async with backend.uow() as uow:
            result = await consume(uow, kind, key_of(record), seeded.credential.id, clock.now())
            await asyncio.sleep(0.05)  # hold the transaction open while the other one runs
            return result

    results = await asyncio.gather(redeem(), redeem())
    assert sorted(r.record is not None for r in results) == [False, True]
    loser = next(r for r in results if r.record is None)
    assert loser.previous is not None and loser.previous.used_at == clock.now()


async def test_two_racing_units_of_work_decide_a_pending_authorization_once(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    pending = pending_for(seeded, clock.now())
    async with backend.uow() as uow:
        await uow.pending.add(pending)

    async def decide() -> PendingAuthorization | None:
        async with backend.uow() as uow:
            result = await uow.pending.consume(pending.id_hash, clock.now())
            await asyncio.sleep(0.05)
            return result

    results = await asyncio.gather(decide(), decide())
    assert sorted(r is not None for r in results) == [False, True]


@KINDS
async def test_a_value_is_found_with_its_grant_in_one_lookup(
    backend: Backend, seeded: Seeded, clock: FixedClock, kind: str
) -> None:
    zebra, alpha_1, _ = seeded.advertisers
    record = await add_one_time(backend, seeded, kind, clock.now())
    repository_of = (lambda u: u.codes) if kind == "code" else (lambda u: u.refresh_tokens)
    async with backend.uow() as uow:
        grant = await uow.grants.get(record.grant_id)
        assert grant is not None
        assert await uow.consents.revoke_advertiser(grant.id, alpha_1.id, clock.now())
        found = await repository_of(uow).get_with_grant(key_of(record))
        missing = await repository_of(uow).get_with_grant(b"u" * 32)
        live = await uow.grants.get(record.grant_id)
        await uow.grants.revoke(grant.id, clock.now())
        revoked = await repository_of(uow).get_with_grant(key_of(record))
    assert missing is None
    assert found == (record, live)
    assert live is not None and alpha_1.id not in live.advertiser_ids
    assert zebra.id in live.advertiser_ids
    assert revoked is not None and revoked[1] is not None and not revoked[1].active


async def test_rotating_a_refresh_token_keeps_its_successor(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    token = await add_one_time(backend, seeded, "refresh_token", clock.now())
    assert isinstance(token, RefreshToken)
    used_at = clock.now() + SECOND
    first = issued_with(token.grant_id, seeded.credential.id, used_at)
    second = issued_with(token.grant_id, seeded.credential.id, used_at)
    async with backend.uow() as uow:
        assert await uow.refresh_tokens.get(token.token_hash) == token
        assert await uow.refresh_tokens.get(b"u" * 32) is None
        assert await uow.refresh_tokens.rotate(
            token.token_hash, seeded.credential.id, used_at, b"sealed pair", first
        )
        assert not await uow.refresh_tokens.rotate(
            token.token_hash, seeded.credential.id, used_at, b"second pair", second
        )
        assert not await uow.refresh_tokens.rotate(
            b"u" * 32, seeded.credential.id, used_at, None, second
        )
    async with backend.uow(read_only=True) as uow:
        stored = await uow.refresh_tokens.get(token.token_hash)
        assert await uow.refresh_tokens.get(first.token_hash) == first
        assert await uow.refresh_tokens.get(second.token_hash) is None
    assert stored == replace(token, used_at=used_at, successor=b"sealed pair")


# --- signing keys ---


def signing_key(kid: str, created_at: datetime) -> StoredSigningKey:
    return StoredSigningKey(
        kid=kid,
        algorithm="ES256",
        encrypted_private_key=b"sealed-" + kid.encode(),
        public_jwk={"kty": "EC", "crv": "P-256", "kid": kid, "x": "x", "y": "y"},
        created_at=created_at,
    )


async def test_signing_keys_are_listed_oldest_first(backend: Backend, clock: FixedClock) -> None:
    async with backend.uow(read_only=True) as uow:
        assert await uow.signing_keys.list() == []
    newer = signing_key("newer", clock.now() + SECOND)
    older = signing_key("older", clock.now())
    async with backend.uow() as uow:
        await uow.signing_keys.add(newer)
        await uow.signing_keys.add(older)
    async with backend.uow(read_only=True) as uow:
        listed = await uow.signing_keys.list()
    assert listed == [older, newer]
    listed[0].public_jwk["kid"] = "changed by a caller"
    async with backend.uow(read_only=True) as uow:
        assert (await uow.signing_keys.list())[0] == older


async def test_retiring_a_signing_key_keeps_the_first_time(
    backend: Backend, clock: FixedClock
) -> None:
    key = signing_key("k1", clock.now())
    retired_at = clock.now() + timedelta(days=1)
    async with backend.uow() as uow:
        await uow.signing_keys.add(key)
        await uow.signing_keys.retire("k1", retired_at)
        await uow.signing_keys.retire("k1", retired_at + timedelta(days=1))
        await uow.signing_keys.retire("unknown", retired_at)
    async with backend.uow(read_only=True) as uow:
        assert await uow.signing_keys.list() == [replace(key, retired_at=retired_at)]


# --- web sessions ---


def web_session(user_id: int | None, now: datetime, key: bytes) -> WebSession:
    return WebSession(
        id_hash=key * 32,
        user_id=user_id,
        csrf_secret="csrf-" + key.decode(),
        created_at=now,
        expires_at=now + timedelta(hours=12),
    )


async def test_web_session_round_trip_and_revoke(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    signed_in = web_session(seeded.customer.id, clock.now(), b"s")
    anonymous = web_session(None, clock.now(), b"a")
    async with backend.uow() as uow:
        await uow.web_sessions.add(signed_in)
        await uow.web_sessions.add(anonymous)
    later = clock.now() + timedelta(minutes=5)
    async with backend.uow() as uow:
        assert await uow.web_sessions.get(signed_in.id_hash) == signed_in
        assert await uow.web_sessions.get(b"u" * 32) is None
        await uow.web_sessions.revoke(signed_in.id_hash, later)
        await uow.web_sessions.revoke(b"u" * 32, later)
    async with backend.uow(read_only=True) as uow:
        assert await uow.web_sessions.get(signed_in.id_hash) == replace(signed_in, revoked_at=later)
        assert await uow.web_sessions.get(anonymous.id_hash) == anonymous


async def test_revoke_all_ends_the_users_open_sessions_only(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    now = clock.now()
    mine = [web_session(seeded.customer.id, now, k) for k in (b"1", b"2", b"3")]
    theirs = web_session(seeded.developer.id, now, b"4")
    async with backend.uow() as uow:
        for session in [*mine, theirs]:
            await uow.web_sessions.add(session)
        await uow.web_sessions.revoke(mine[0].id_hash, now)
    later = now + timedelta(hours=1)
    async with backend.uow() as uow:
        assert await uow.web_sessions.revoke_all(seeded.customer.id, later) == 2
        assert await uow.web_sessions.revoke_all(seeded.customer.id, later) == 0
    async with backend.uow(read_only=True) as uow:
        stored = [await uow.web_sessions.get(s.id_hash) for s in [*mine, theirs]]
    assert [s.revoked_at if s else "missing" for s in stored] == [now, later, later, None]


# --- consents (the customer's dashboard) ---


@pytest.mark.parametrize(
    ("touched", "issued", "expected"),
    [
        pytest.param(None, None, None, id="never-used"),
        pytest.param(None, 3, 3, id="refresh-token-only"),
        pytest.param(5, None, 5, id="noted-only"),
        pytest.param(2, 7, 7, id="newer-refresh-token"),
        pytest.param(9, 7, 9, id="newer-note"),
    ],
)
async def test_grant_last_used_is_its_newest_refresh_token_or_the_noted_use(
    backend: Backend,
    seeded: Seeded,
    clock: FixedClock,
    touched: int | None,
    issued: int | None,
    expected: int | None,
) -> None:
    now = clock.now()
    grant = await add_grant(backend, grant_for(seeded, now))
    async with backend.uow() as uow:
        if touched is not None:
            await uow.grants.touch(grant.id, now + touched * SECOND)
        if issued is not None:
            await uow.refresh_tokens.add(token_for(seeded, grant, now + issued * SECOND))
            await uow.refresh_tokens.add(token_for(seeded, grant, now + SECOND, key=b"o"))
    async with backend.uow(read_only=True) as uow:
        [summary] = await uow.consents.for_user(seeded.customer.id)
    assert summary.last_used_at == (None if expected is None else now + expected * SECOND)


async def test_consents_for_user_newest_first_with_live_advertisers(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    zebra, alpha_1, alpha_2 = seeded.advertisers
    now = clock.now()
    async with backend.uow(read_only=True) as uow:
        assert await uow.consents.for_user(seeded.customer.id) == []
    old = await add_grant(backend, grant_for(seeded, now, id="o" * 32))
    new = await add_grant(
        backend, grant_for(seeded, now + SECOND, id="n" * 32, advertiser_ids=(zebra.id,))
    )
    gone = await add_grant(backend, grant_for(seeded, now, id="r" * 32))
    await add_grant(backend, grant_for(seeded, now, id="x" * 32, user_id=seeded.developer.id))
    async with backend.uow() as uow:
        await uow.grants.revoke(gone.id, now)
        await uow.grants.touch(old.id, now + timedelta(minutes=1))
        assert await uow.consents.revoke_advertiser(old.id, alpha_2.id, now) is True
        summaries = await uow.consents.for_user(seeded.customer.id)
    assert [s.grant_id for s in summaries] == [new.id, old.id]
    newest, oldest = summaries
    assert oldest.advertisers == (alpha_1, zebra)  # by name, alpha_2 taken back
    assert newest.advertisers == (zebra,)
    assert (oldest.app_id, oldest.app_name, oldest.organization_name, oldest.service) == (
        seeded.app.id,
        seeded.app.name,
        seeded.organization_name,
        seeded.app.service,
    )
    assert (oldest.scopes, oldest.created_at, oldest.app_level) == (seeded.app.scopes, now, False)
    assert (oldest.last_used_at, newest.last_used_at) == (now + timedelta(minutes=1), None)


async def test_revoking_an_advertiser_takes_it_out_of_the_grant(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    zebra, alpha_1, alpha_2 = seeded.advertisers
    grant = await add_grant(backend, grant_for(seeded, clock.now()))
    async with backend.uow() as uow:
        assert await uow.consents.revoke_advertiser(grant.id, zebra.id, clock.now()) is True
        assert await uow.consents.revoke_advertiser(grant.id, zebra.id, clock.now()) is False
        assert (
            await uow.consents.revoke_advertiser(grant.id, seeded.outsider.id, clock.now()) is False
        )
        assert await uow.consents.revoke_advertiser("unknown", zebra.id, clock.now()) is False
    async with backend.uow(read_only=True) as uow:
        stored = await uow.grants.get(grant.id)
    assert stored is not None
    assert stored.advertiser_ids == tuple(sorted((alpha_1.id, alpha_2.id)))


async def test_granted_advertisers_unite_the_active_grants_of_the_app(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    zebra, alpha_1, alpha_2 = seeded.advertisers
    now = clock.now()
    await add_grant(backend, grant_for(seeded, now, id="1" * 32, advertiser_ids=(zebra.id,)))
    both = await add_grant(
        backend, grant_for(seeded, now, id="2" * 32, advertiser_ids=(alpha_1.id, alpha_2.id))
    )
    revoked = await add_grant(
        backend, grant_for(seeded, now, id="3" * 32, advertiser_ids=(seeded.outsider.id,))
    )
    async with backend.uow() as uow:
        await uow.grants.revoke(revoked.id, now)
        await uow.consents.revoke_advertiser(both.id, alpha_2.id, now)
        granted = await uow.consents.granted_advertisers(seeded.customer.id, seeded.app.id)
        assert granted == frozenset({zebra.id, alpha_1.id})
        assert await uow.consents.granted_advertisers(seeded.customer.id, seeded.bare_app.id) == (
            frozenset()
        )
        assert await uow.consents.granted_advertisers(seeded.developer.id, seeded.app.id) == (
            frozenset()
        )


# --- token state (the partner API's per-request check) ---


async def test_live_advertisers_of_a_grant(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    zebra, alpha_1, alpha_2 = seeded.advertisers
    now = clock.now()
    grant = await add_grant(backend, grant_for(seeded, now))
    empty = await add_grant(backend, grant_for(seeded, now, id="e" * 32, advertiser_ids=()))
    async with backend.uow() as uow:
        assert await uow.token_state.live_advertisers(grant.id, "jti-1") == tuple(
            sorted(a.id for a in seeded.advertisers)
        )
        assert await uow.token_state.live_advertisers(empty.id, "jti-1") == ()
        assert await uow.token_state.live_advertisers("unknown", "jti-1") is None
        await uow.consents.revoke_advertiser(grant.id, zebra.id, now)
        assert await uow.token_state.live_advertisers(grant.id, "jti-1") == tuple(
            sorted((alpha_1.id, alpha_2.id))
        )
        await uow.token_state.revoke_token("jti-1", now + timedelta(minutes=15), now)
        assert await uow.token_state.live_advertisers(grant.id, "jti-1") is None
        assert await uow.token_state.live_advertisers(grant.id, "jti-2") is not None
        await uow.grants.revoke(grant.id, now)
        assert await uow.token_state.live_advertisers(grant.id, "jti-2") is None


async def test_revoked_token_is_forgotten_once_past_its_expiry(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    now = clock.now()
    grant = await add_grant(backend, grant_for(seeded, now))
    async with backend.uow() as uow:
        await uow.token_state.revoke_token("jti-1", now + timedelta(minutes=15), now)
        await uow.token_state.revoke_token("jti-1", now + timedelta(minutes=30), now)  # kept
        await uow.token_state.revoke_token("jti-2", now + timedelta(hours=1), now)
    async with backend.uow() as uow:
        # Past jti-1's first `until`: the next revocation purges it, but not jti-2.
        later = now + timedelta(minutes=20)
        await uow.token_state.revoke_token("jti-3", later + timedelta(minutes=15), later)
        assert await uow.token_state.live_advertisers(grant.id, "jti-1") is not None
        assert await uow.token_state.live_advertisers(grant.id, "jti-2") is None


async def test_live_app_advertisers_of_a_client(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    zebra, alpha_1, _ = seeded.advertisers
    no_credential = cast(int, None)
    now = clock.now()
    async with backend.uow() as uow:
        assert await uow.token_state.live_app_advertisers("client-one", "jti") == ()
        assert await uow.token_state.live_app_advertisers("unknown", "jti") is None
    await add_grant(
        backend,
        grant_for(
            seeded, now, id="1" * 32, credential_id=no_credential, advertiser_ids=(zebra.id,)
        ),
    )
    await add_grant(
        backend,
        grant_for(
            seeded,
            now,
            id="2" * 32,
            credential_id=no_credential,
            advertiser_ids=(zebra.id, alpha_1.id),
        ),
    )
    await add_grant(backend, grant_for(seeded, now, id="3" * 32))  # a pair's grant: not counted
    async with backend.uow() as uow:
        expected = tuple(sorted((zebra.id, alpha_1.id)))
        assert await uow.token_state.live_app_advertisers("client-two", "jti") == expected
        await uow.token_state.revoke_token("jti", now + timedelta(minutes=15), now)
        assert await uow.token_state.live_app_advertisers("client-two", "jti") is None


# --- client authentication failures ---


async def test_failures_are_counted_per_client_in_a_window(
    backend: Backend, clock: FixedClock
) -> None:
    window = timedelta(minutes=1)
    start = clock.now()
    async with backend.uow() as uow:
        record = uow.client_auth_failures.record
        assert await record("a", start, window) == FailureWindow(1, start)
        assert await record("a", start + 30 * SECOND, window) == FailureWindow(2, start)
        assert await record("b", start + 30 * SECOND, window) == FailureWindow(
            1, start + 30 * SECOND
        )
        assert await record("a", start + window - SECOND, window) == FailureWindow(3, start)
        restart = start + window
        assert await record("a", restart, window) == FailureWindow(1, restart)
        assert await record("a", restart + SECOND, window) == FailureWindow(2, restart)


# --- audit trail ---


def audit_event(kind: AuditKind, at: datetime, app_id: int | None) -> AuditEvent:
    return AuditEvent(kind=kind, occurred_at=at, app_id=app_id, detail={"why": "test"})


async def test_audit_chain_appends_and_reads_in_order(backend: Backend, clock: FixedClock) -> None:
    now = clock.now()
    async with backend.uow() as uow:
        assert await uow.audit.head() == (0, GENESIS_HASH)
        assert await uow.audit.page() == []
        first = await uow.audit.append(audit_event(AuditKind.CONSENT_GRANTED, now, 1))
        second = await uow.audit.append(audit_event(AuditKind.CODE_REPLAYED, now, 2))
        third = await uow.audit.append(audit_event(AuditKind.KEY_ROTATED, now, None))
    assert (first.seq, first.prev_hash) == (1, GENESIS_HASH)
    assert first.hash == chain_hash(GENESIS_HASH, first.event)
    assert (second.seq, second.prev_hash, third.prev_hash) == (2, first.hash, second.hash)
    async with backend.uow(read_only=True) as uow:
        assert await uow.audit.head() == (3, third.hash)
        stored = await uow.audit.page()
        assert stored == [first, second, third]
        assert await uow.audit.page(after_seq=1, limit=1) == [second]
        assert await uow.audit.page(app_id=2) == [second]
        assert await uow.audit.recent() == [third, second, first]
        assert await uow.audit.recent(app_id=1) == [first]
        assert await uow.audit.recent(limit=2) == [third, second]
    previous = GENESIS_HASH
    for seq, event in enumerate(stored, start=1):
        assert check_link(seq, previous, event) is None
        previous = event.hash


# --- the unit of work ---


async def test_changes_are_committed_on_a_clean_exit(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    grant = await add_grant(backend, grant_for(seeded, clock.now()))
    async with backend.uow(read_only=True) as uow:
        assert await uow.grants.get(grant.id) == grant


async def test_changes_are_rolled_back_on_an_exception(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    grant = await add_grant(backend, grant_for(seeded, clock.now()))
    code = code_for(seeded, grant, clock.now())
    with pytest.raises(RuntimeError, match="boom"):
        async with backend.uow() as uow:
            await uow.grants.revoke(grant.id, clock.now())
            await uow.codes.add(code)
            await uow.grants.add(grant_for(seeded, clock.now(), id="n" * 32))
            raise RuntimeError("boom")
    async with backend.uow() as uow:
        assert await uow.grants.get(grant.id) == grant
        assert await uow.grants.get("n" * 32) is None
        assert await uow.codes.get(code.code_hash) is None


async def test_a_refusal_keeps_what_was_written_before_it(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    # A decided refusal (core.errors.Refusal: every OAuthError) commits, then propagates: a
    # grant revoked because a refresh token was reused must stay revoked.
    grant = await add_grant(backend, grant_for(seeded, clock.now()))
    with pytest.raises(InvalidGrant):
        async with backend.uow() as uow:
            await uow.grants.revoke(grant.id, clock.now())
            raise InvalidGrant("The refresh token was already used.")
    async with backend.uow(read_only=True) as uow:
        stored = await uow.grants.get(grant.id)
    assert stored is not None and stored.revoked_at == clock.now()


async def test_consume_rolled_back_leaves_the_value_usable(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    record = await add_one_time(backend, seeded, "code", clock.now())
    with pytest.raises(RuntimeError):
        async with backend.uow() as uow:
            won = await consume(uow, "code", key_of(record), seeded.credential.id, clock.now())
            assert won.record is not None
            raise RuntimeError("after consuming")
    async with backend.uow() as uow:
        again = await consume(uow, "code", key_of(record), seeded.credential.id, clock.now())
    assert again.record is not None


async def test_read_only_unit_of_work_reads_committed_rows_during_a_write(
    backend: Backend, seeded: Seeded, clock: FixedClock
) -> None:
    """What the key ring does: read keys while the request's write transaction is open."""
    key = signing_key("k1", clock.now())
    async with backend.uow() as uow:
        await uow.signing_keys.add(key)
    async with backend.uow() as writer:
        await writer.grants.add(grant_for(seeded, clock.now()))
        async with backend.uow(read_only=True) as reader:
            assert await reader.signing_keys.list() == [key]


def adds(seeded: Seeded, now: datetime) -> list[Callable[[UnitOfWork], Awaitable[None]]]:
    grant = grant_for(seeded, now)
    return [
        lambda uow: uow.grants.add(grant),
        lambda uow: uow.codes.add(code_for(seeded, grant, now)),
        lambda uow: uow.refresh_tokens.add(token_for(seeded, grant, now)),
        lambda uow: uow.pending.add(pending_for(seeded, now)),
        lambda uow: uow.signing_keys.add(signing_key("k", now)),
        lambda uow: uow.web_sessions.add(web_session(None, now, b"w")),
    ]


@pytest.mark.parametrize(
    "index", range(6), ids=["grant", "code", "refresh", "pending", "key", "session"]
)
async def test_duplicate_key_is_a_conflict(
    request: pytest.FixtureRequest,
    backend: Backend,
    seeded: Seeded,
    clock: FixedClock,
    index: int,
) -> None:
    writes = adds(seeded, clock.now())
    async with backend.uow() as uow:
        for write in writes[: index + 1]:
            await write(uow)
    with pytest.raises(Conflict):
        async with backend.uow() as uow:
            await writes[index](uow)
