"""web/observation.py: every observer sees each request once, a crash as a 500."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from consentry.web.observation import ObservationMiddleware


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, int]] = []

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        assert seconds >= 0
        self.seen.append((method, route, status))


async def teapot(request: Request) -> PlainTextResponse:
    return PlainTextResponse("short and stout", status_code=418)


async def crash(request: Request) -> PlainTextResponse:
    raise RuntimeError("boom")


async def test_each_observer_sees_the_route_template_and_status_once() -> None:
    first, second = Recorder(), Recorder()
    app = Starlette(routes=[Route("/pots/{pot}", teapot), Route("/crash", crash)])
    app.add_middleware(ObservationMiddleware, observers=(first, second))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/pots/secret-handle?state=x")).status_code == 418
        assert (await client.get("/crash")).status_code == 500
        assert (await client.get("/nowhere")).status_code == 404
    expected = [
        ("GET", "/pots/{pot}", 418),
        ("GET", "/crash", 500),
        ("GET", "<unmatched>", 404),
    ]
    assert first.seen == expected
    assert second.seen == expected


async def test_a_crash_is_observed_then_raised() -> None:
    recorder = Recorder()
    app = Starlette(routes=[Route("/crash", crash)])
    app.add_middleware(ObservationMiddleware, observers=(recorder,))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        with pytest.raises(RuntimeError):
            await client.get("/crash")
    assert recorder.seen == [("GET", "/crash", 500)]
