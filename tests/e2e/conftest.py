"""End-to-end fixtures: consentry and the demo client as real processes, Chromium via Playwright.

Each browser test gets its own database (the `database_url` fixture of tests/conftest.py, SQLite or
PostgreSQL, passed through unchanged), seeds the demo world into it, and starts two processes on
loopback exactly as a person would run them:

- consentry: ``python -m uvicorn --factory consentry.composition.factory:app_from_environment``
  with its settings in ``CONSENTRY_*`` environment variables;
- the demo client: ``python -m demo_client --config <json>``.

Why Playwright's *async* API and not pytest-playwright's ``page``/``browser`` fixtures: those are
built on the sync API, which leaves its own event loop marked as running in the main thread between
calls. With pytest-asyncio in auto mode every async fixture or test that runs after the first
browser test then fails ("Runner.run() cannot be called from a running event loop"), including the
rest of the suite (tests/integration and tests/unit run after tests/e2e). pytest-base-url's
``base_url`` fixture, which pytest-playwright pulls in, also trips ``filterwarnings = error`` on
pytest 9 (PytestRemovedIn10Warning). So the browser is launched here with the async API on
pytest-asyncio's session-scoped loop: Chromium starts once per session, each test gets a fresh
context (its own cookies), and nothing else in the suite is affected. The fixtures are named
``chromium`` and ``tab``: a fixture named ``page`` or ``browser`` would make pytest-playwright
parametrize the test with its own ``browser_name`` fixture.
"""

from __future__ import annotations

import json
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
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Page,
    Response,
    ViewportSize,
    async_playwright,
    expect,
)
from pydantic import SecretStr

from consentry.clock import SystemClock
from consentry.composition.derived import hasher_from
from consentry.demo.seed import CUSTOMER_EMAIL, seed_demo
from consentry.settings import Settings
from consentry.storage.sql.engine import create_engine
from tests.conftest import CUSTOMER_PASSWORD, DEVELOPER_PASSWORD, TEST_SECRET, Demo

CHROMIUM = "/usr/bin/chromium"  # Debian's build; never `playwright install` (see TESTING.md)
# The resolver rules keep every lookup on the machine: only 127.0.0.1 and localhost resolve.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"  # git-ignored: screenshots for a human to look at
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=375, height=812)
STARTUP_TIMEOUT = 60.0  # generous: CI machines can be busy
CALLBACK_PATH = "/criteo-auth/callback"

TIMEOUT_MS = 15_000  # per action and per expect(); a busy machine slows both servers down
expect.set_options(timeout=TIMEOUT_MS)

_failed = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember a failed phase so fixtures can keep logs and a screenshot at teardown."""
    report = yield
    if report.failed:
        item.stash[_failed] = True
    return report


def _test_failed(request: pytest.FixtureRequest) -> bool:
    return bool(request.node.stash.get(_failed, False))


# --------------------------------------------------------------------------- server processes


@dataclass
class ServerProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_until_serving(self, deadline: float) -> None:
        """Poll the port until it accepts connections; fail with the log if the process dies.

        uvicorn binds its socket only after the app's lifespan startup has finished (for
        consentry: the signing key exists), so an open port means the app is ready.
        """
        while True:
            code = self.process.poll()
            if code is not None:
                pytest.fail(
                    f"{self.name} exited with code {code} before serving:\n{self.log()}",
                    pytrace=False,
                )
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(
                    f"{self.name} did not listen on port {self.port} within"
                    f" {STARTUP_TIMEOUT:.0f} s:\n{self.log()}",
                    pytrace=False,
                )
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _clean_environment(**overrides: str) -> dict[str, str]:
    """The parent's environment without any CONSENTRY_* / DEMO_CLIENT_* setting, plus overrides."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CONSENTRY_", "DEMO_CLIENT_"))
    }
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


def _spawn(
    name: str, argv: list[str], env: dict[str, str], port: int, workdir: Path
) -> ServerProcess:
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv,
            cwd=workdir,  # no stray .env or config.local.json is picked up
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return ServerProcess(name, port, process, log_path)


@dataclass(frozen=True)
class Stack:
    """The two running servers and the seeded demo world behind them."""

    consentry_url: str
    demo_url: str
    demo: Demo

    @property
    def callback_url(self) -> str:
        return self.demo_url + CALLBACK_PATH


@dataclass(frozen=True)
class Ports:
    consentry: int
    demo: int


@pytest.fixture
def ports() -> Ports:
    """Two distinct free ports (both held open while choosing, so they cannot coincide)."""
    with socket.socket() as first, socket.socket() as second:
        first.bind(("127.0.0.1", 0))
        second.bind(("127.0.0.1", 0))
        return Ports(consentry=first.getsockname()[1], demo=second.getsockname()[1])


@pytest.fixture
def consentry_server(
    request: pytest.FixtureRequest, database_url: str, ports: Ports, tmp_path: Path
) -> Iterator[ServerProcess]:
    """consentry as `uvicorn --factory`, configured by CONSENTRY_* variables; not yet waited for.

    It is spawned before the demo data is seeded so that its start (mostly imports) overlaps the
    seeding; `stack` waits for it.
    """
    server = _spawn(
        "consentry",
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "consentry.composition.factory:app_from_environment",
            "--host",
            "127.0.0.1",
            "--port",
            str(ports.consentry),
        ],
        _clean_environment(
            CONSENTRY_DATABASE_URL=database_url,
            CONSENTRY_SECRET_KEY=TEST_SECRET,
            CONSENTRY_ISSUER=f"http://localhost:{ports.consentry}",
            CONSENTRY_ENVIRONMENT="test",
        ),
        ports.consentry,
        tmp_path,
    )
    try:
        yield server
    finally:
        server.stop()
        if _test_failed(request):
            print(f"----- {server.name} log -----\n{server.log()}")


@pytest.fixture
async def seeded(database_url: str, ports: Ports, consentry_server: ServerProcess) -> Demo:
    """The demo world in this test's database, its redirect URI pointing at the demo's port."""
    settings = Settings(
        environment="test",
        database_url=database_url,
        issuer=f"http://localhost:{ports.consentry}",
        secret_key=SecretStr(TEST_SECRET),
        _env_file=None,
    )
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            app = await seed_demo(
                conn,
                hasher_from(settings),
                SystemClock().now(),  # the servers run on the real clock
                customer_password=CUSTOMER_PASSWORD,
                developer_password=DEVELOPER_PASSWORD,
                redirect_uris=(f"http://localhost:{ports.demo}{CALLBACK_PATH}",),
            )
    finally:
        await engine.dispose()
    return Demo(app=app, customer_email=CUSTOMER_EMAIL, customer_password=CUSTOMER_PASSWORD)


@pytest.fixture
def stack(
    request: pytest.FixtureRequest,
    consentry_server: ServerProcess,
    seeded: Demo,
    ports: Ports,
    tmp_path: Path,
) -> Iterator[Stack]:
    """consentry and the demo client, started like a user starts them; stopped at teardown."""
    consentry_url = f"http://localhost:{ports.consentry}"
    demo_url = f"http://localhost:{ports.demo}"
    config = tmp_path / "demo-client.json"
    config.write_text(
        json.dumps(
            {
                "consentry_url": consentry_url,
                "client_id": seeded.client_id,
                "client_secret": seeded.client_secret,
                "redirect_uri": demo_url + CALLBACK_PATH,
                "host": "127.0.0.1",
                "port": ports.demo,
                "session_secret": "e2e-demo-client-session-secret-0123456789",
            }
        )
    )
    demo = _spawn(
        "demo-client",
        [sys.executable, "-m", "demo_client", "--config", str(config)],
        _clean_environment(),
        ports.demo,
        tmp_path,
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        consentry_server.wait_until_serving(deadline)
        demo.wait_until_serving(deadline)
        yield Stack(consentry_url=consentry_url, demo_url=demo_url, demo=seeded)
    finally:
        demo.stop()
        if _test_failed(request):
            print(f"----- {demo.name} log -----\n{demo.log()}")


# --------------------------------------------------------------------------- browser


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def chromium() -> AsyncIterator[Browser]:
    if not os.path.exists(CHROMIUM):
        # A missing component fails the run, never skips it: `make test` installs Chromium.
        pytest.fail(f"{CHROMIUM} is missing: run `make test-deps` (apt-get install chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest_asyncio.fixture(loop_scope="session")
async def tab(chromium: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    """A fresh browser context (no cookies) at desktop size.

    At teardown: a screenshot is kept if the test failed; otherwise the test fails if a page
    logged a console error (e.g. a CSP violation), raised, or a stylesheet or image failed to load.
    """
    context = await chromium.new_context(viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # HTTP statuses are checked below from the network events instead: a page that answers
        # 400 or 401 on purpose (a refused form) is logged as "Failed to load resource" too.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console error: {message.text} at {message.location}")

    def on_response(response: Response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            problems.append(f"{response.request.resource_type} {response.url}: {response.status}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on(
        "requestfailed", lambda req: problems.append(f"request failed: {req.url} {req.failure}")
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    try:
        yield page
    finally:
        if _test_failed(request):
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            await page.screenshot(path=ARTIFACTS / f"failed-{name}.png", full_page=True)
        await context.close()
    if problems and not _test_failed(request):
        pytest.fail("the browser reported problems:\n" + "\n".join(problems), pytrace=False)


async def page_width(page: Page) -> int:
    """The laid-out width of the document: wider than the viewport means sideways scrolling."""
    return int(await page.evaluate("document.documentElement.scrollWidth"))


async def screenshot(page: Page, name: str) -> dict[str, int]:
    """Full-page screenshots at desktop and phone width into test-artifacts/, back to desktop.

    Returns the document width seen at each viewport size.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    widths = {}
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        await page.set_viewport_size(size)
        widths[label] = await page_width(page)
        await page.screenshot(path=ARTIFACTS / f"{name}-{label}.png", full_page=True)
    await page.set_viewport_size(DESKTOP)
    return widths
