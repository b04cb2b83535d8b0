"""The hot lane (web/hot_lane.py) answers exactly what FastAPI's router answers for its routes.

Each request goes to two apps on the same database: the real one, and one whose hot lane was
taken out, so FastAPI routes the request itself. Status, body and headers must agree (apart
from the per-request values: tokens, trace ids, dates).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from consentry.clock import FixedClock
from consentry.settings import Settings
from consentry.web.app import create_app
from consentry.web.hot_lane import HotLane, HotRoute, _pattern
from tests.conftest import ISSUER, Demo
from tests.integration.conftest import run_code_flow
from tests.support.flow import bearer

VARIABLE_HEADERS = {"date", "content-length"}


@pytest.fixture
async def routed(settings: Settings, clock: FixedClock) -> AsyncIterator[httpx.AsyncClient]:
    """The app without its hot lane: FastAPI routes every request."""
    application = create_app(settings, clock=clock)
    application.user_middleware = [m for m in application.user_middleware if m.cls is not HotLane]
    await application.state.services.keyring.ready()
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


async def test_other_methods_and_paths_go_to_fastapi(client: httpx.AsyncClient) -> None:
    assert (await client.get("/oauth2/token")).status_code == 405
    assert (await client.get("/2027-01/advertisers/me/extra")).status_code == 404
    assert (await client.post("/2027-01/advertisers/me")).status_code == 405


def test_templates_match_whole_segments_only() -> None:
    pattern = _pattern("/{version}/advertisers/me")
    assert pattern is not None
    found = pattern.match("/2027-01/advertisers/me")
    assert found is not None and found.groupdict() == {"version": "2027-01"}
    assert pattern.match("/a/b/advertisers/me") is None
    assert pattern.match("/2027-01/advertisers/me/") is None
    assert _pattern("/oauth2/token") is None


async def test_an_endpoint_that_does_not_answer_a_response_is_a_server_error(
    app: FastAPI,
) -> None:
    async def wrong() -> dict[str, str]:
        return {"not": "a response"}

    lane = HotLane(app, routes=[HotRoute("GET", "/wrong", wrong)], arguments={})  # type: ignore[arg-type]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "method": "GET", "path": "/wrong", "raw_path": b"/wrong",
        "query_string": b"", "headers": [], "app": app, "scheme": "http",
        "server": ("testserver", 80), "client": ("127.0.0.1", 1), "root_path": "",
    }  # fmt: skip
    await lane(scope, receive, send)  # type: ignore[arg-type]
    assert sent[0]["status"] == 500
