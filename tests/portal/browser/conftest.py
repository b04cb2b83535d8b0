"""Browser fixtures for the portal: a real consentry process on loopback and Debian's Chromium.

Each test gets its own database (tests/conftest.py's `database_url`, SQLite or PostgreSQL) with the
demo world seeded (its customer consents in the flows), and its own uvicorn process started the way
an operator starts it. Chromium runs once per session through Playwright's async API on the session
event loop, for the reasons given in tests/e2e/conftest.py.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, async_playwright

from consentry.clock import SystemClock
from consentry.composition.derived import hasher_from
from consentry.demo.seed import CUSTOMER_EMAIL, seed_demo
from consentry.settings import Settings
from consentry.storage.sql.engine import create_engine
from tests.conftest import CUSTOMER_PASSWORD, DEVELOPER_PASSWORD, TEST_SECRET, Demo

CHROMIUM = "/usr/bin/chromium"  # Debian's build; never `playwright install` (see TESTING.md)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
]
ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts"
DOCS_IMAGES = ROOT / "docs" / "images"
# The portal's screenshot in the docs is rewritten only when asked (it changes on every run):
# CONSENTRY_UPDATE_SCREENSHOTS=1 make test. Otherwise it goes to test-artifacts/.
SCREENSHOTS = DOCS_IMAGES if os.environ.get("CONSENTRY_UPDATE_SCREENSHOTS") == "1" else ARTIFACTS
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 375, "height": 812}

_failed = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember a failed phase, so that teardown keeps the server log and screenshots."""
    report = yield
    if report.failed:
        item.stash[_failed] = True
    return report


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Portal:
    """A running consentry and the demo world in its database."""

    url: str
    demo: Demo


@pytest.fixture
def port() -> int:
    return _free_port()


@pytest.fixture
async def seeded(database_url: str, port: int) -> Demo:
    settings = Settings(
        environment="test",
        database_url=database_url,
        issuer=f"http://localhost:{port}",
        secret_key=TEST_SECRET,
        _env_file=None,
    )
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            app = await seed_demo(
                conn,
                hasher_from(settings),
                SystemClock().now(),
                customer_password=CUSTOMER_PASSWORD,
                developer_password=DEVELOPER_PASSWORD,
            )
    finally:
        await engine.dispose()
    return Demo(app=app, customer_email=CUSTOMER_EMAIL, customer_password=CUSTOMER_PASSWORD)


@pytest.fixture
def portal(
    request: pytest.FixtureRequest, database_url: str, seeded: Demo, port: int, tmp_path: Path
) -> Iterator[Portal]:
    url = f"http://localhost:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTRY_")}
    env.update(
        PYTHONUNBUFFERED="1",
        CONSENTRY_DATABASE_URL=database_url,
        CONSENTRY_SECRET_KEY=TEST_SECRET,
        CONSENTRY_ISSUER=url,
        CONSENTRY_ENVIRONMENT="test",
    )
    log_path = tmp_path / "consentry.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "consentry.composition.factory:app_from_environment",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=tmp_path,  # no stray .env is read
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"consentry exited early:\n{log_path.read_text()}", pytrace=False)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"consentry did not start:\n{log_path.read_text()}", pytrace=False)
                time.sleep(0.05)
        yield Portal(url=url, demo=seeded)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if request.node.stash.get(_failed, False):
            print(f"----- consentry log -----\n{log_path.read_text(errors='replace')}")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def chromium() -> AsyncIterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install --no-install-recommends chromium")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


class Browsers:
    """Fresh browser contexts (each its own cookies: one per person) for one test."""

    def __init__(self, browser: Browser) -> None:
        self._browser = browser
        self.contexts: list[BrowserContext] = []

    async def new_tab(self) -> Page:
        context = await self._browser.new_context(viewport=DESKTOP, locale="en-US")
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        return await context.new_page()


@pytest_asyncio.fixture(loop_scope="session")
async def browsers(chromium: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Browsers]:
    opened = Browsers(chromium)
    try:
        yield opened
    finally:
        if request.node.stash.get(_failed, False):
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            for n, context in enumerate(opened.contexts):
                for tab in context.pages:
                    await tab.screenshot(path=ARTIFACTS / f"failed-{name}-{n}.png", full_page=True)
        for context in opened.contexts:
            await context.close()
