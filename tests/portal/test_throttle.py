"""Sign-in throttling: after N failures per account or per client address within the window,
attempts are refused (429) until the window passes; counted in the database, timed by the clock."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from consentry.clock import FixedClock
from consentry.core.sign_in import LoginThrottled
from tests.conftest import Demo
from tests.portal.conftest import PASSWORD, csrf_of, sign_up, unit
from tests.support.services import Services


async def _fail(services: Services, email: str, address: str = "10.0.0.1") -> None:
    """Record one failure, as `sign_in` does after a wrong password (without argon2's cost)."""
    async with unit(services) as uow:
        await services.login_throttle.failed(uow, email, address)


async def test_a_wrong_password_is_counted(services: Services) -> None:
    await sign_up(services, "ada@acme.test", "Acme")
    async with unit(services) as uow:
        assert (
            await services.login_throttle.sign_in(uow, "ada@acme.test", "wrong", "10.0.0.1") is None
        )
        failures, _ = await uow.login_failures.recent(
            account_hash=services.login_throttle._keys("ada@acme.test", "10.0.0.1")[0],
            address_hash=b"",
            since=services.clock.now() - timedelta(minutes=1),
        )
    assert len(failures) == 1


async def test_an_account_is_locked_after_five_failures_until_the_window_passes(
    services: Services, clock: FixedClock
) -> None:
    developer = await sign_up(services, "ada@acme.test", "Acme")
    for _ in range(5):
        await _fail(services, "ada@acme.test")
        clock.advance(timedelta(minutes=1))
    async with unit(services) as uow:
        with pytest.raises(LoginThrottled) as refused:
            await services.login_throttle.sign_in(uow, "ADA@acme.test", PASSWORD, "10.9.9.9")
    # Failures at minutes 0-4, now minute 5: the oldest leaves the 15-minute window in 10.
    assert refused.value.retry_after == 10 * 60
    assert "10 minutes" in str(refused.value)
    clock.advance(timedelta(minutes=10))
    async with unit(services) as uow:
        user = await services.login_throttle.sign_in(uow, "ada@acme.test", PASSWORD, "10.9.9.9")
    assert user is not None and user.id == developer.id


async def test_a_successful_sign_in_clears_the_accounts_failures(
    services: Services,
) -> None:
    await sign_up(services, "ada@acme.test", "Acme")
    for _ in range(4):
        await _fail(services, "ada@acme.test")
    async with unit(services) as uow:
        assert await services.login_throttle.sign_in(uow, "ada@acme.test", PASSWORD, "10.0.0.1")
    for _ in range(4):
        await _fail(services, "ada@acme.test")
    async with unit(services) as uow:
        assert await services.login_throttle.sign_in(uow, "ada@acme.test", PASSWORD, "10.0.0.1")


async def test_one_address_trying_many_accounts_is_locked(services: Services) -> None:
    limit = services.settings.login_max_failures_per_address
    for n in range(limit):
        await _fail(services, f"user{n}@example.test", address="192.0.2.7")
    async with unit(services) as uow:
        with pytest.raises(LoginThrottled):
            await services.login_throttle.check(uow, "someone-else@example.test", "192.0.2.7")
        await services.login_throttle.check(uow, "someone-else@example.test", "192.0.2.8")


async def _post_login(
    http: httpx.AsyncClient, path: str, email: str, password: str
) -> httpx.Response:
    page = await http.get(path)
    form = {"csrf_token": csrf_of(page.text), "email": email, "password": password}
    return await http.post(path, data=form)


@pytest.mark.parametrize("path", ["/login", "/portal/login"])
async def test_both_sign_in_pages_answer_429_when_throttled(
    client: httpx.AsyncClient, demo: Demo, path: str
) -> None:
    for _ in range(5):
        response = await _post_login(client, path, demo.customer_email, "nope")
        assert response.status_code == 401
    refused = await _post_login(client, path, demo.customer_email, demo.customer_password)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) == 15 * 60
    assert "Too many failed sign-in attempts" in refused.text
