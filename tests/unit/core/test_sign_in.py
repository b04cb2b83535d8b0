"""`authenticate`: bounded inputs never reach the password check; unknown accounts still do."""

from __future__ import annotations

import pytest

from consentry.core.sign_in import MAX_PASSWORD_LENGTH, authenticate
from consentry.storage.memory import InMemoryStore
from tests.factories import World


class RecordingCheck:
    """A password check that answers `matches` and remembers what it was asked."""

    def __init__(self, matches: bool) -> None:
        self.matches = matches
        self.asked: list[tuple[str, str | None]] = []

    def __call__(self, password: str, stored_hash: str | None) -> bool:
        self.asked.append((password, stored_hash))
        return self.matches


@pytest.mark.parametrize(
    ("email", "password"),
    [
        pytest.param("", "secret", id="empty-email"),
        pytest.param("a" * 310 + "@example.com", "secret", id="email-over-320"),
        pytest.param("ops@example.com", "p" * (MAX_PASSWORD_LENGTH + 1), id="password-too-long"),
    ],
)
async def test_out_of_bounds_input_is_refused_before_any_lookup(
    store: InMemoryStore, email: str, password: str
) -> None:
    check = RecordingCheck(matches=True)
    async with store.unit_of_work(read_only=True) as uow:
        assert await authenticate(uow, email, password, check) is None
    assert check.asked == []


async def test_unknown_account_is_checked_against_no_hash(store: InMemoryStore) -> None:
    check = RecordingCheck(matches=True)
    async with store.unit_of_work(read_only=True) as uow:
        assert await authenticate(uow, "nobody@example.com", "secret", check) is None
    assert check.asked == [("secret", None)]


@pytest.mark.parametrize("matches", [True, False])
async def test_known_account_is_returned_only_when_the_password_matches(
    store: InMemoryStore, world: World, matches: bool
) -> None:
    check = RecordingCheck(matches=matches)
    async with store.unit_of_work(read_only=True) as uow:
        user = await authenticate(uow, world.customer.email, "secret", check)
    assert user == (world.customer if matches else None)
    assert check.asked == [("secret", world.customer.password_hash)]
