"""Three consentry processes on one PostgreSQL behave as one authorization server.

Each test starts three real nodes (``python -m uvicorn --factory …``) on the test's own database,
all configured with the same secret key and the same issuer (node 1's URL: one public name behind a
load balancer), and shows that no state that must agree lives inside a process: single-use codes,
refresh rotation, revocation and the partner API's rate limits are all decided in the database.

The scale claim is about PostgreSQL, so these tests run only with ``--db=postgresql``. The servers
run on the real clock; every wait is bounded and the server logs are printed when a test fails.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from consentry.clock import SystemClock
from consentry.composition.derived import hasher_from
from consentry.demo.seed import CUSTOMER_EMAIL, seed_demo
from consentry.settings import Settings
from consentry.storage.sql.engine import create_engine
from tests.conftest import (
    CLIENT_REDIRECT_URI,
    CUSTOMER_PASSWORD,
    DEVELOPER_PASSWORD,
    TEST_SECRET,
    Demo,
)
from tests.e2e.conftest import STARTUP_TIMEOUT, ServerProcess, _clean_environment, _spawn
from tests.support.flow import (
    bearer,
    consent_link,
    decide,
    exchange_code,
    open_consent,
    query_of,
    refresh,
    sign_in,
)

pytestmark = pytest.mark.postgres_only

NODES = 3
PER_TOKEN_LIMIT = 6
ME = "/2027-01/advertisers/me"
REVOCATION_DEADLINE = 1.0  # seconds, from the revocation's answer to 401 on every other node


@dataclass(frozen=True)
class Cluster:
    urls: list[str]  # node 1 first; its URL is everyone's issuer
    demo: Demo


def _free_ports(count: int) -> list[int]:
    """Distinct free ports (all held open while choosing, so they cannot coincide)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@pytest.fixture
def postgres_backend(db_backend: str) -> None:
    if db_backend != "postgresql":
        pytest.skip(
            "multi-node scale is claimed for PostgreSQL only: run with --db=postgresql"
            " (SQLite is a single-node, single-file database)"
        )


@pytest.fixture
def servers(
    postgres_backend: None, database_url: str, tmp_path: Path
) -> Iterator[list[ServerProcess]]:
    """Three consentry nodes on the test's database; spawned, not yet waited for."""
    ports = _free_ports(NODES)
    issuer = f"http://localhost:{ports[0]}"
    env = _clean_environment(
        CONSENTRY_DATABASE_URL=database_url,
        CONSENTRY_SECRET_KEY=TEST_SECRET,
        CONSENTRY_ISSUER=issuer,
        CONSENTRY_ENVIRONMENT="test",
        CONSENTRY_RATE_LIMIT_PER_TOKEN_PER_MINUTE=str(PER_TOKEN_LIMIT),
        # No grace for a rotated refresh token: a second presentation is reuse at once.
        CONSENTRY_REFRESH_REUSE_WINDOW_SECONDS="0",
    )
    processes: list[ServerProcess] = []
    try:
        for number, port in enumerate(ports, start=1):
            argv = [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "consentry.composition.factory:app_from_environment",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ]
            processes.append(_spawn(f"node{number}", argv, env, port, tmp_path))
        yield processes
    finally:
        for process in processes:
            process.stop()
        for process in processes:  # pytest shows captured output only for failed tests
            print(f"----- {process.name} log -----\n{process.log()}")


@pytest.fixture
async def cluster(servers: list[ServerProcess], database_url: str) -> Cluster:
    """The demo world seeded (while the nodes import), then every node serving."""
    issuer = f"http://localhost:{servers[0].port}"
    settings = Settings(
        environment="test",
        database_url=database_url,
        issuer=issuer,
        secret_key=SecretStr(TEST_SECRET),
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
                redirect_uris=(CLIENT_REDIRECT_URI,),
            )
    finally:
        await engine.dispose()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    for server in servers:
        server.wait_until_serving(deadline)
    demo = Demo(app=app, customer_email=CUSTOMER_EMAIL, customer_password=CUSTOMER_PASSWORD)
    return Cluster(urls=[f"http://localhost:{s.port}" for s in servers], demo=demo)


@pytest.fixture
async def nodes(cluster: Cluster) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One HTTP client per node (cookies are per host: the browser part stays on node 1)."""
    clients = [httpx.AsyncClient(base_url=url, timeout=10.0) for url in cluster.urls]
    try:
        yield clients
    finally:
        for http in clients:
            await http.aclose()


async def new_code(node: httpx.AsyncClient, demo: Demo) -> str:
    """A fresh consent (a grant of its own) approved on `node`; the client must be signed in."""
    link = consent_link(demo.client_id, CLIENT_REDIRECT_URI)
    path, html = await open_consent(node, link)
    advertisers = [demo.advertiser("Maison Lumière")]
    response = await decide(node, path, html, "approve", advertisers)
    assert response.status_code == 303, response.text
    return query_of(response.headers["location"])["code"]


async def tokens_via(node: httpx.AsyncClient, code: str, demo: Demo) -> dict[str, str]:
    response = await exchange_code(
        node,
        code,
        client_id=demo.client_id,
        client_secret=demo.client_secret,
        redirect_uri=CLIENT_REDIRECT_URI,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def assert_invalid_grant(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant"


@pytest.fixture
async def signed_in(nodes: list[httpx.AsyncClient], cluster: Cluster) -> Demo:
    demo = cluster.demo
    await sign_in(nodes[0], demo.customer_email, demo.customer_password)
    return demo


async def test_a_code_redeemed_on_one_node_is_refused_on_the_others(
    nodes: list[httpx.AsyncClient], signed_in: Demo
) -> None:
    code = await new_code(nodes[0], signed_in)

    await tokens_via(nodes[0], code, signed_in)

    for other in nodes[1:]:
        assert_invalid_grant(
            await exchange_code(
                other,
                code,
                client_id=signed_in.client_id,
                client_secret=signed_in.client_secret,
                redirect_uri=CLIENT_REDIRECT_URI,
            )
        )


async def test_a_refresh_rotated_on_one_node_is_seen_by_the_others(
    nodes: list[httpx.AsyncClient], signed_in: Demo
) -> None:
    first = await tokens_via(nodes[0], await new_code(nodes[0], signed_in), signed_in)
    credentials = {"client_id": signed_in.client_id, "client_secret": signed_in.client_secret}

    rotated = await refresh(nodes[1], first["refresh_token"], **credentials)  # on node 2
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]

    # The new refresh token works on node 1 (and rotates again there).
    again = await refresh(nodes[0], second["refresh_token"], **credentials)
    assert again.status_code == 200, again.text
    third = again.json()

    # The old one is refused on node 3: with no reuse window, presenting it again is reuse …
    assert_invalid_grant(await refresh(nodes[2], first["refresh_token"], **credentials))
    # … which revokes the whole grant, and node 2 sees that too (RFC 9700 §4.14.2).
    assert_invalid_grant(await refresh(nodes[1], third["refresh_token"], **credentials))
    refused = await nodes[1].get(ME, headers=bearer(third["access_token"]))
    assert refused.status_code == 401, refused.text


async def test_a_revocation_on_one_node_is_enforced_by_the_others_within_a_second(
    nodes: list[httpx.AsyncClient], signed_in: Demo
) -> None:
    tokens = await tokens_via(nodes[0], await new_code(nodes[0], signed_in), signed_in)
    for other in nodes[1:]:
        allowed = await other.get(ME, headers=bearer(tokens["access_token"]))
        assert allowed.status_code == 200, allowed.text

    revoked = await nodes[0].post(
        "/oauth2/revoke",
        data={
            "token": tokens["refresh_token"],
            "token_type_hint": "refresh_token",
            "client_id": signed_in.client_id,
            "client_secret": signed_in.client_secret,
        },
    )
    assert revoked.status_code == 200, revoked.text
    deadline = time.monotonic() + REVOCATION_DEADLINE

    pending = set(range(1, NODES))
    while pending and time.monotonic() < deadline:
        for index in sorted(pending):
            answer = await nodes[index].get(ME, headers=bearer(tokens["access_token"]))
            if answer.status_code == 401:
                pending.discard(index)
        if pending:
            await asyncio.sleep(0.05)
    assert not pending, f"nodes {[i + 1 for i in sorted(pending)]} still accept the token"


async def test_rate_limits_count_across_nodes(
    nodes: list[httpx.AsyncClient], signed_in: Demo
) -> None:
    tokens = await tokens_via(nodes[0], await new_code(nodes[0], signed_in), signed_in)
    # The limiter counts in fixed one-minute windows: do not straddle a window's end.
    second = datetime.now(UTC).second
    if second >= 50:
        await asyncio.sleep(61 - second)

    statuses = []
    for call in range(PER_TOKEN_LIMIT + 3):
        node = nodes[call % NODES]
        statuses.append((await node.get(ME, headers=bearer(tokens["access_token"]))).status_code)

    assert statuses.count(200) == PER_TOKEN_LIMIT
    assert statuses == [200] * PER_TOKEN_LIMIT + [429] * 3
