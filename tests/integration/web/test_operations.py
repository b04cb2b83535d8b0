"""Operations endpoints: Prometheus `/metrics` and the `/readyz` readiness check."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from consentry.clock import FixedClock
from consentry.composition.app import create_app
from consentry.settings import Settings
from tests.conftest import ISSUER, TEST_SECRET, Demo
from tests.integration.conftest import run_code_flow
from tests.support.flow import bearer

ME = "/2027-01/advertisers/me"


def samples(text: str, name: str) -> dict[tuple[str, str, str], float]:
    """`{(method, route, status): value}` of one sample name in an exposition."""
    found: dict[tuple[str, str, str], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                labels = sample.labels
                found[(labels["method"], labels["route"], labels["status"])] = sample.value
    return found


@pytest.fixture
async def fresh_app(settings: Settings, clock: FixedClock) -> AsyncIterator[FastAPI]:
    """An app whose lifespan never ran: no signing key has been loaded."""
    application = create_app(settings, clock=clock)
    yield application
    await application.state.database.close()


def http_for(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url=ISSUER)


async def test_metrics_count_requests_per_route_template(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    issued = await run_code_flow(client, demo)
    assert (await client.get(ME, headers=bearer(issued.access_token))).status_code == 200
    assert (await client.get(ME)).status_code == 401

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    counts = samples(response.text, "consentry_http_requests_total")
    assert counts[("GET", "/{version}/advertisers/me", "200")] == 1
    assert counts[("GET", "/{version}/advertisers/me", "401")] == 1
    assert counts[("POST", "/oauth2/token", "200")] == 1
    assert counts[("GET", "/consent/{handle}", "200")] == 1
    assert counts[("POST", "/consent/{handle}", "303")] == 1
    histogram = samples(response.text, "consentry_http_request_duration_seconds_count")
    assert histogram[("POST", "/oauth2/token", "200")] == 1
    assert 'le="0.005"' in response.text and 'le="+Inf"' in response.text


async def test_metrics_never_carry_raw_paths_or_secrets(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    issued = await run_code_flow(client, demo)
    await client.get("/no/such/page?state=secret-state-value")

    text = (await client.get("/metrics")).text

    assert issued.code not in text
    assert "secret-state-value" not in text
    assert re.search(r'route="/consent/[^{]', text) is None
    assert 'route="<unmatched>"' in text
    routes = {route for _, route, _ in samples(text, "consentry_http_requests_total")}
    assert all(route == "<unmatched>" or route.startswith("/") for route in routes)
    assert all("?" not in route for route in routes)


async def test_each_app_has_its_own_registry(client: httpx.AsyncClient, fresh_app: FastAPI) -> None:
    await client.get("/healthz")
    await client.get("/healthz")
    async with http_for(fresh_app) as other:
        await other.get("/healthz")
        other_counts = samples((await other.get("/metrics")).text, "consentry_http_requests_total")
    counts = samples((await client.get("/metrics")).text, "consentry_http_requests_total")

    assert counts[("GET", "/healthz", "200")] == 2
    assert other_counts[("GET", "/healthz", "200")] == 1


async def test_operations_endpoints_are_not_in_the_openapi_schema(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    assert "/metrics" not in paths
    assert "/readyz" not in paths
    assert "/healthz" not in paths


async def test_ready_when_the_database_answers_and_a_key_is_loaded(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.text == "ready"
    assert response.headers["cache-control"] == "no-store"


async def test_not_ready_before_a_signing_key_is_loaded(fresh_app: FastAPI) -> None:
    async with http_for(fresh_app) as http:
        response = await http.get("/readyz")
        assert (await http.get("/healthz")).status_code == 200  # alive, just not ready

    assert response.status_code == 503
    assert response.text == "not ready: no signing key loaded"


async def test_not_ready_when_the_database_is_unreachable(
    db_backend: str, tmp_path: Path, clock: FixedClock
) -> None:
    if db_backend == "postgresql":
        unreachable = "postgresql://postgres@127.0.0.1:1/consentry"  # nothing listens on port 1
    else:
        unreachable = f"sqlite:///{tmp_path / 'missing-dir' / 'consentry.sqlite3'}"
    settings = Settings(
        environment="test",
        database_url=unreachable,
        issuer=ISSUER,
        secret_key=TEST_SECRET,
        _env_file=None,
    )
    application = create_app(settings, clock=clock)
    try:
        async with http_for(application) as http:
            response = await http.get("/readyz")
            alive = await http.get("/healthz")
    finally:
        await application.state.database.close()

    assert alive.status_code == 200
    assert response.status_code == 503
    assert response.text == "not ready: database unavailable; no signing key loaded"


def total(text: str, name: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return sample.value
    return None


async def test_sqlite_group_commit_counters_show_how_many_units_of_work_a_commit_carried(
    client: httpx.AsyncClient, demo: Demo, db_backend: str
) -> None:
    await run_code_flow(client, demo)  # its writes: the pending request, the grant, the code…
    text = (await client.get("/metrics")).text
    commits = total(text, "consentry_sqlite_group_commits_total")
    members = total(text, "consentry_sqlite_group_commit_members_total")
    if db_backend != "sqlite":
        assert (commits, members) == (None, None)  # PostgreSQL commits each on its own
        return
    assert commits is not None and members is not None
    assert 1 <= commits <= members
