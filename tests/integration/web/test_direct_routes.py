"""Direct routes (web/routing.py) answer exactly what FastAPI's own handler answers.

Each request goes to two apps on the same database: the real one, and one with a (never used)
dependency override, which makes every `DirectRoute` hand its request to FastAPI's dependency
solving. Status, body and headers must agree (apart from the per-request values: tokens,
trace ids, dates).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.responses import PlainTextResponse, Response

from consentry.clock import FixedClock
from consentry.composition.app import create_app
from consentry.keys.keyring import KeyRing
from consentry.settings import Settings
from consentry.web.routing import DirectRoute, RouteTable
from tests.conftest import ISSUER, Demo
from tests.integration.conftest import run_code_flow
from tests.support.flow import bearer

VARIABLE_HEADERS = {"date", "content-length"}


def _never_called() -> None:
    raise AssertionError("an override only makes FastAPI solve the dependencies itself")


@pytest.fixture
async def routed(settings: Settings, clock: FixedClock) -> AsyncIterator[httpx.AsyncClient]:
    """The app with FastAPI solving every route's dependencies (an override is in place)."""
    application = create_app(settings, clock=clock)
    application.dependency_overrides[_never_called] = _never_called
    await application.state.components.get(KeyRing).ready()
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as http:
        yield http
    await application.state.database.close()


def _shape(value: object) -> object:
    """The body with per-request values (tokens, trace ids) replaced by their type."""
    if isinstance(value, dict):
        return {
            k: type(v).__name__ if k in {"access_token", "refresh_token", "traceId"} else _shape(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return value


def _comparable(response: httpx.Response) -> tuple[int, object, dict[str, str]]:
    try:
        body: object = _shape(response.json())
    except json.JSONDecodeError:
        body = response.text
    headers = {k: v for k, v in response.headers.items() if k not in VARIABLE_HEADERS}
    return response.status_code, body, headers


async def _both(
    lane: httpx.AsyncClient, routed: httpx.AsyncClient, method: str, path: str, **kwargs: object
) -> tuple[httpx.Response, httpx.Response]:
    first = await lane.request(method, path, **kwargs)  # type: ignore[arg-type]
    second = await routed.request(method, path, **kwargs)  # type: ignore[arg-type]
    return first, second


@pytest.mark.parametrize(
    "form",
    [
        pytest.param({"grant_type": "client_credentials"}, id="unauthorized-client"),
        pytest.param({"grant_type": "nope"}, id="unsupported-grant-type"),
        pytest.param({"grant_type": "refresh_token"}, id="missing-refresh-token"),
        pytest.param({"grant_type": "refresh_token", "refresh_token": "x"}, id="invalid-grant"),
    ],
)
async def test_token_endpoint_answers_alike(
    client: httpx.AsyncClient, routed: httpx.AsyncClient, demo: Demo, form: dict[str, str]
) -> None:
    data = {**form, "client_id": demo.client_id, "client_secret": demo.client_secret}
    lane, fastapi = await _both(client, routed, "POST", "/oauth2/token", data=data)
    assert lane.status_code >= 400
    assert _comparable(lane) == _comparable(fastapi)


async def test_bad_requests_to_the_token_endpoint_answer_alike(
    client: httpx.AsyncClient, routed: httpx.AsyncClient
) -> None:
    for kwargs in (
        {"content": b"grant_type=client_credentials", "headers": {"content-type": "text/plain"}},
        {"data": {"client_id": "nobody", "client_secret": "x", "grant_type": "x"}},
        {"content": b"\xff\xfe", "headers": {"content-type": "application/x-www-form-urlencoded"}},
    ):
        lane, fastapi = await _both(client, routed, "POST", "/oauth2/token", **kwargs)
        assert lane.status_code in (400, 401)
        assert _comparable(lane) == _comparable(fastapi)


async def test_a_successful_exchange_has_the_same_shape_and_headers(
    client: httpx.AsyncClient, routed: httpx.AsyncClient, demo: Demo
) -> None:
    lane_tokens = await run_code_flow(client, demo)
    routed_tokens = await run_code_flow(routed, demo)
    data = {
        "grant_type": "refresh_token",
        "client_id": demo.client_id,
        "client_secret": demo.client_secret,
    }
    lane = await client.post(
        "/oauth2/token", data={**data, "refresh_token": lane_tokens.refresh_token}
    )
    fastapi = await routed.post(
        "/oauth2/token", data={**data, "refresh_token": routed_tokens.refresh_token}
    )
    assert lane.status_code == fastapi.status_code == 200
    assert _comparable(lane) == _comparable(fastapi)


@pytest.mark.parametrize(
    "path",
    [
        "/2027-01/advertisers/me",
        "/2027-01/marketing-solutions/me",
        "/2027-01/retail-media/me",
        "/2025-10/advertisers/me",  # decommissioned: 410
        "/1999-01/advertisers/me",  # unknown version: 404
    ],
)
async def test_partner_me_calls_answer_alike(
    client: httpx.AsyncClient, routed: httpx.AsyncClient, demo: Demo, path: str
) -> None:
    tokens = await run_code_flow(client, demo)
    headers = bearer(tokens.access_token)
    lane, fastapi = await _both(client, routed, "GET", path, headers=headers)
    lane_view, fastapi_view = _comparable(lane), _comparable(fastapi)
    for view in (lane_view, fastapi_view):
        view[2].pop("x-ratelimit-remaining", None)  # the second call counts one more
    assert lane_view == fastapi_view
    missing, routed_missing = await _both(client, routed, "GET", path)
    assert missing.status_code in (401, 404, 410)
    assert _comparable(missing) == _comparable(routed_missing)


async def test_other_methods_and_paths_are_refused_as_before(client: httpx.AsyncClient) -> None:
    assert (await client.get("/oauth2/token")).status_code == 405
    assert (await client.get("/2027-01/advertisers/me/extra")).status_code == 404
    assert (await client.post("/2027-01/advertisers/me")).status_code == 405


async def test_a_path_that_is_not_a_version_never_reaches_a_partner_route(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    tokens = await run_code_flow(client, demo)
    for path in ("/v1/advertisers/me", "/2027-1/advertisers/me", "/2027-01x/advertisers/me"):
        answer = await client.get(path, headers=bearer(tokens.access_token))
        assert answer.status_code == 404, path


def test_the_hot_routes_are_direct_and_come_first(app: FastAPI) -> None:
    routes = [r for r in app.router.routes if isinstance(r, APIRoute)]
    assert [r.path for r in routes[:4]] == [
        "/oauth2/token",
        "/{version:api_version}/advertisers/me",
        "/{version:api_version}/marketing-solutions/me",
        "/{version:api_version}/retail-media/me",
    ]
    assert all(isinstance(r, DirectRoute) and r.is_direct for r in routes[:4])


def test_a_route_with_more_than_components_is_solved_by_fastapi() -> None:
    table = RouteTable()

    @table.get("/plain")
    async def plain(request: object) -> Response:
        return PlainTextResponse("plain")

    @table.get("/query")
    async def with_query(q: str) -> Response:
        return PlainTextResponse(q)

    @table.get("/model")
    async def returns_a_model() -> dict[str, str]:
        return {"a": "b"}

    app = FastAPI()
    table.add_to(app.router)
    found = {r.path: r for r in app.router.routes if isinstance(r, DirectRoute)}
    assert not found["/query"].is_direct
    assert not found["/model"].is_direct


async def test_a_route_declared_with_fastapi_parameters_still_works(settings: Settings) -> None:
    table = RouteTable()

    @table.get("/echo/{word}")
    async def echo(word: str, times: int = 1) -> Response:
        return PlainTextResponse(word * times)

    app = FastAPI()
    table.add_to(app.router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as http:
        assert (await http.get("/echo/ab?times=2")).text == "abab"
        assert (await http.get("/echo/ab?times=x")).status_code == 422
