"""Credential pairs (≤ 5, secret shown once, stored as a keyed hash) and redirect URIs (≤ 30,
HTTPS or loopback http, stored normalized), with limits that hold when requests race."""

from __future__ import annotations

import asyncio

import pytest

from consentry.composition.derived import hasher_from
from consentry.core.audit_trail import events_for_app
from consentry.portal.accounts import Developer
from consentry.portal.apps import AppForm
from consentry.portal.errors import AlreadyExists, InvalidInput, LimitReached, NotFoundError
from tests.portal.conftest import create_app, unit
from tests.support.services import Services


async def test_a_pair_is_returned_once_and_only_its_hash_is_stored(
    services: Services, developer: Developer
) -> None:
    app_id = await create_app(services, developer)
    async with unit(services) as uow:
        created = await services.portal.credentials.create(uow, developer, app_id, " ci ")
        stored = (await services.portal.apps.details(uow, developer, app_id)).credentials
    assert [c.client_id for c in stored] == [created.credential.client_id]
    assert stored[0].label == "ci" and stored[0].last_used_at is None
    assert len(created.client_secret) >= 43  # 256 bits, URL-safe
    assert stored[0].secret_hash != created.client_secret.encode()
    assert hasher_from(services.settings).verify(created.client_secret, stored[0].secret_hash)


async def test_the_sixth_pair_is_refused(services: Services, developer: Developer) -> None:
    app_id = await create_app(services, developer)
    async with unit(services) as uow:
        for _ in range(5):
            await services.portal.credentials.create(uow, developer, app_id)
        with pytest.raises(LimitReached, match="at most 5") as refused:
            await services.portal.credentials.create(uow, developer, app_id)
    assert refused.value.errors[0].field == "credentials"


async def test_racing_requests_cannot_exceed_five_pairs(
    services: Services, developer: Developer
) -> None:
    app_id = await create_app(services, developer)

    async def one() -> bool:
        try:
            async with unit(services) as uow:
                await services.portal.credentials.create(uow, developer, app_id)
        except LimitReached:
            return False
        return True

    outcomes = await asyncio.gather(*(one() for _ in range(8)))
    assert outcomes.count(True) == 5
    async with unit(services) as uow:
        assert len((await services.portal.apps.details(uow, developer, app_id)).credentials) == 5


async def test_a_label_is_at_most_100_characters(services: Services, developer: Developer) -> None:
    app_id = await create_app(services, developer)
    async with unit(services) as uow:
        with pytest.raises(InvalidInput) as refused:
            await services.portal.credentials.create(uow, developer, app_id, "x" * 101)
    assert refused.value.errors[0].field == "label"


async def test_pairs_of_another_organization_are_not_found(
    services: Services, developer: Developer, rival: Developer
) -> None:
    app_id = await create_app(services, developer)
    credentials = services.portal.credentials
    async with unit(services) as uow:
        created = await credentials.create(uow, developer, app_id)
        client_id = created.credential.client_id
        for attempt in (
            credentials.create(uow, rival, app_id),
            credentials.get(uow, rival, app_id, client_id),
            credentials.delete(uow, rival, app_id, client_id),
            credentials.delete(uow, developer, app_id, "no-such-client"),
        ):
            with pytest.raises(NotFoundError):
                await attempt
        assert (await credentials.get(uow, developer, app_id, client_id)).client_id == client_id


# One app per table rather than one database per case: each case is a separate add.
NORMALIZED = [
    ("https://App.Example/cb", "https://app.example/cb"),
    ("https://app.example:443/cb?x=1", "https://app.example/cb?x=1"),
    ("http://localhost:3000/criteo-auth/callback", "http://localhost:3000/criteo-auth/callback"),
    ("http://127.0.0.1/cb", "http://127.0.0.1/cb"),
    ("http://[::1]:8080/cb", "http://[::1]:8080/cb"),
    ("https://app.example", "https://app.example/"),
]
REFUSED = [
    ("http://app.example/cb", "HTTPS is required"),
    ("https://app.example/cb#frag", "fragment"),
    ("https://user:pw@app.example/cb", "user name"),
    ("https://*.example/cb", "Wildcards"),
    ("ftp://app.example/cb", "absolute https"),
    ("/relative/cb", "absolute https"),
    ("", "Enter a redirect URI"),
    ("https://app.example/a b", "spaces"),
]


async def test_redirect_uris_are_stored_normalized(
    services: Services, developer: Developer
) -> None:
    app_id = await create_app(services, developer)
    async with unit(services) as uow:
        for uri, stored in NORMALIZED:
            added = await services.portal.credentials.add_redirect_uri(uow, developer, app_id, uri)
            assert added.uri == stored, uri


async def test_each_refused_redirect_uri_says_why(services: Services, developer: Developer) -> None:
    app_id = await create_app(services, developer)
    async with unit(services) as uow:
        for uri, reason in REFUSED:
            with pytest.raises(InvalidInput, match=reason) as refused:
                await services.portal.credentials.add_redirect_uri(uow, developer, app_id, uri)
            assert refused.value.errors[0].field == "redirect_uri", uri
        assert (await services.portal.apps.details(uow, developer, app_id)).redirect_uris == []


async def test_the_thirty_first_redirect_uri_is_refused_and_duplicates_too(
    services: Services, developer: Developer
) -> None:
    app_id = await create_app(services, developer)
    credentials = services.portal.credentials
    async with unit(services) as uow:
        for n in range(30):
            await credentials.add_redirect_uri(uow, developer, app_id, f"https://a.example/{n}")
        with pytest.raises(AlreadyExists):
            await credentials.add_redirect_uri(uow, developer, app_id, "https://a.example/0")
        with pytest.raises(LimitReached, match="at most 30"):
            await credentials.add_redirect_uri(uow, developer, app_id, "https://a.example/30")
        first = (await services.portal.apps.details(uow, developer, app_id)).redirect_uris[0]
        await credentials.remove_redirect_uri(uow, developer, app_id, first.id)
        await credentials.add_redirect_uri(uow, developer, app_id, "https://a.example/30")
        with pytest.raises(NotFoundError):
            await credentials.remove_redirect_uri(uow, developer, app_id, first.id)


async def test_client_credentials_apps_take_no_redirect_uri(
    services: Services, developer: Developer
) -> None:
    form = AppForm("Server", "", "C-Growth", "client_credentials", {"Reco": "read"})
    app_id = await create_app(services, developer, form)
    async with unit(services) as uow:
        with pytest.raises(InvalidInput, match="no redirect URI"):
            await services.portal.credentials.add_redirect_uri(
                uow, developer, app_id, "https://a.example/cb"
            )


async def test_redirect_uris_of_another_organization_are_not_found(
    services: Services, developer: Developer, rival: Developer
) -> None:
    app_id = await create_app(services, developer)
    credentials = services.portal.credentials
    async with unit(services) as uow:
        added = await credentials.add_redirect_uri(uow, developer, app_id, "https://a.example/cb")
        with pytest.raises(NotFoundError):
            await credentials.add_redirect_uri(uow, rival, app_id, "https://evil.example/cb")
        with pytest.raises(NotFoundError):
            await credentials.remove_redirect_uri(uow, rival, app_id, added.id)


async def test_creating_and_deleting_pairs_is_in_the_audit_trail(
    services: Services, developer: Developer
) -> None:
    app_id = await create_app(services, developer)
    async with unit(services) as uow:
        created = await services.portal.credentials.create(uow, developer, app_id)
        client_id = created.credential.client_id
        await services.portal.credentials.delete(uow, developer, app_id, client_id)
        events = await events_for_app(uow, app_id)
    assert [(e.event.kind.value, e.event.client_id, e.event.user_id) for e in events] == [
        ("credential.deleted", client_id, developer.id),
        ("credential.created", client_id, developer.id),
    ]
    assert created.client_secret not in repr(events)
