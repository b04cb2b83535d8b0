"""API versions: 404 unknown, 410 decommissioned, Deprecation/Sunset in the last three months.

Defaults: 2025-10 (gone since 2026-10-01), 2026-07 (sunset 2027-07-01), 2026-10 (2027-10-01),
2027-01 (2028-01-01). The test clock starts on 2027-01-15.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest

from consentry.clock import FixedClock
from consentry.partner_api.errors import ApiVersionGone, UnknownApiVersion
from consentry.partner_api.versions import ApiVersion, VersionPolicy, http_date, months_before
from consentry.settings import Settings
from tests.conftest import TEST_SECRET, Demo
from tests.partner_api.conftest import Caller, consent
from tests.partner_api.test_errors import assert_criteo_error

ME = "/advertisers/me"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 7, 1), date(2027, 4, 1)),
        (date(2027, 5, 31), date(2027, 2, 28)),
        (date(2028, 5, 31), date(2028, 2, 29)),
        (date(2028, 1, 15), date(2027, 10, 15)),
    ],
)
def test_months_before(day: date, expected: date) -> None:
    assert months_before(day, 3) == expected


def test_sunset_is_an_http_date() -> None:
    assert http_date(date(2027, 7, 1)) == "Thu, 01 Jul 2027 00:00:00 GMT"


def test_policy_decisions() -> None:
    policy = VersionPolicy(
        [
            ApiVersion("2026-07", sunset=date(2027, 7, 1)),
            ApiVersion("2026-10", sunset=date(2027, 1, 1), decommissioned=date(2027, 3, 1)),
            ApiVersion("2027-01"),
        ]
    )
    assert policy.names == ["2026-07", "2026-10", "2027-01"]
    assert policy.check("2026-07", date(2027, 3, 31)) == {}
    deprecated = {"Deprecation": "true", "Sunset": "Thu, 01 Jul 2027 00:00:00 GMT"}
    assert policy.check("2026-07", date(2027, 4, 1)) == deprecated
    assert policy.check("2026-10", date(2027, 2, 1))["Deprecation"] == "true"  # past sunset
    assert policy.check("2027-01", date(2099, 1, 1)) == {}  # no end announced
    with pytest.raises(ApiVersionGone):
        policy.check("2026-07", date(2027, 7, 1))
    with pytest.raises(ApiVersionGone):
        policy.check("2026-10", date(2027, 3, 1))
    with pytest.raises(UnknownApiVersion):
        policy.check("2027-04", date(2027, 1, 1))


async def test_current_versions_carry_no_deprecation_headers(
    client: httpx.AsyncClient, demo_token: Caller
) -> None:
    response = await client.get(f"/2027-01{ME}", headers=demo_token.headers)
    assert response.status_code == 200
    assert "deprecation" not in response.headers and "sunset" not in response.headers


async def test_a_version_in_its_last_three_months_is_marked_deprecated(
    client: httpx.AsyncClient, demo: Demo, clock: FixedClock
) -> None:
    clock.set(datetime(2027, 4, 2, 9, 0, tzinfo=UTC))
    caller = await consent(client, demo, None, ("Maison Lumière",))
    response = await client.get(f"/2026-07{ME}", headers=caller.headers)
    assert response.status_code == 200
    assert response.headers["deprecation"] == "true"
    assert response.headers["sunset"] == "Thu, 01 Jul 2027 00:00:00 GMT"
    refused = await client.get(f"/2026-07{ME}")  # errors carry them too
    assert refused.status_code == 401 and refused.headers["deprecation"] == "true"
    newer = await client.get(f"/2026-10{ME}", headers=caller.headers)
    assert "deprecation" not in newer.headers


async def test_a_decommissioned_version_is_410_even_without_a_token(
    client: httpx.AsyncClient,
) -> None:
    error = assert_criteo_error(await client.get(f"/2025-10{ME}"), 410)
    assert error["type"] == "deprecation" and error["code"] == "endpoint-deprecated"
    assert "2026-10-01" in str(error["detail"])


@pytest.mark.parametrize("version", ["2024-01", "2027-04", "1999-99"])
async def test_unknown_versions_are_404(client: httpx.AsyncClient, version: str) -> None:
    error = assert_criteo_error(await client.get(f"/{version}{ME}"), 404)
    assert error["code"] == "unknown-version"


def test_versions_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "CONSENTRY_API_VERSIONS",
        '["2027-01", {"name": "2026-10", "sunset": "2027-10-01", "decommissioned": "2027-12-01"}]',
    )
    settings = Settings(secret_key=TEST_SECRET, _env_file=None)  # type: ignore[arg-type]
    names = [(v.name, v.sunset, v.decommissioned) for v in settings.api_versions]
    assert names == [("2027-01", None, None), ("2026-10", date(2027, 10, 1), date(2027, 12, 1))]
    monkeypatch.setenv("CONSENTRY_API_VERSIONS", '["27-01"]')
    with pytest.raises(ValueError, match="pattern"):
        Settings(secret_key=TEST_SECRET, _env_file=None)  # type: ignore[arg-type]
