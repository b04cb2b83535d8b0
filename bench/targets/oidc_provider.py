"""node oidc-provider v9 under test, installed by the benchmark from the npm registry.

The package goes into bench/.oidc-provider/app (git-ignored) from bench/oidc_provider/package.json,
without a lock file. oidc-provider 9 asks for Node.js 22 LTS or later; when the machine's node is
older, the Node.js 22 binary package (node-linux-<arch>) is installed beside it the same way.
"""

from __future__ import annotations

import json
import platform
import secrets
import shutil
import urllib.request
from pathlib import Path

from bench.processes import BenchError, Supervisor, free_port, run_checked, wait_for_port
from bench.scenarios import TOKEN_SCENARIOS, Client, Pool, Scenario
from bench.targets.base import CODE_TTL_SECONDS, SERVER_CORE, child_environment, write_lines

BENCH = Path(__file__).resolve().parents[1]
SOURCE = BENCH / "oidc_provider"
INSTALL = BENCH / ".oidc-provider"
NPM_FLAGS = ["--no-package-lock", "--no-audit", "--no-fund", "--loglevel=error"]
MINT_CHUNK = 100_000
REDIRECT_URI = "http://localhost:3000/criteo-auth/callback"


def _node_major(node: str) -> int:
    version = run_checked([node, "--version"], timeout=30).strip().lstrip("v")
    return int(version.split(".")[0])


def install() -> str:
    """Install oidc-provider (when package.json changed) and return the node binary to use."""
    npm = shutil.which("npm")
    if npm is None:
        raise BenchError("npm is missing: apt-get install -y nodejs npm")
    app = INSTALL / "app"
    app.mkdir(parents=True, exist_ok=True)
    manifest = (SOURCE / "package.json").read_text()
    installed = app / "node_modules" / "oidc-provider" / "package.json"
    if not installed.exists() or (app / "package.json").read_text() != manifest:
        (app / "package.json").write_text(manifest)
        print("installing oidc-provider from the npm registry", flush=True)
        run_checked([npm, "install", *NPM_FLAGS], timeout=300, cwd=app)
    shutil.copyfile(SOURCE / "server.mjs", app / "server.mjs")
    system_node = shutil.which("node")
    if system_node and _node_major(system_node) >= 22:
        return system_node
    arch = {"x86_64": "x64", "aarch64": "arm64"}.get(platform.machine())
    if arch is None:
        raise BenchError(f"no Node.js 22 package for {platform.machine()}")
    runtime = INSTALL / "runtime"
    node = runtime / "node_modules" / f"node-linux-{arch}" / "bin" / "node"
    if not node.exists():
        runtime.mkdir(parents=True, exist_ok=True)
        print("installing Node.js 22 for oidc-provider from the npm registry", flush=True)
        run_checked(
            [npm, "install", "--no-save", *NPM_FLAGS, f"node-linux-{arch}@22"],
            timeout=300,
            cwd=runtime,
        )
    return str(node)


class OidcProviderTarget:
    name = "oidc-provider"
    title = "node oidc-provider v9 (in memory)"
    scenarios: tuple[Scenario, ...] = TOKEN_SCENARIOS
    expected_rps = 5_000

    def __init__(self) -> None:
        self._port = free_port()
        self._control_port = free_port()
        self._client = Client("bench-client", secrets.token_urlsafe(32), REDIRECT_URI)
        self._node = ""
        self.pid = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def prepare(self, supervisor: Supervisor) -> None:
        self._node = install()

    def start(self, supervisor: Supervisor) -> None:
        env = child_environment(
            {
                "NODE_ENV": "production",
                "PORT": str(self._port),
                "CONTROL_PORT": str(self._control_port),
                "CLIENT_ID": self._client.client_id,
                "CLIENT_SECRET": self._client.client_secret,
                "REDIRECT_URI": REDIRECT_URI,
                "CODE_TTL_SECONDS": str(CODE_TTL_SECONDS),
            }
        )
        child = supervisor.start(
            self.name,
            ["taskset", "-c", str(SERVER_CORE), self._node, "server.mjs"],
            env=env,
            cwd=INSTALL / "app",
        )
        wait_for_port(child, self._port)
        wait_for_port(child, self._control_port)
        self.pid = child.process.pid

    def client(self, scenario: Scenario) -> Client:
        return self._client

    def path(self, scenario: Scenario) -> str:
        return "/token"

    def mint(self, pool: Pool, count: int, into: Path) -> None:
        kind = {Pool.CODES: "code", Pool.REFRESH: "refresh"}.get(pool)
        if kind is None:
            raise ValueError(f"oidc-provider has no {pool} pool")
        values: list[str] = []
        while len(values) < count:
            chunk = min(MINT_CHUNK, count - len(values))
            url = f"http://127.0.0.1:{self._control_port}/mint?kind={kind}&count={chunk}"
            with urllib.request.urlopen(url, timeout=120) as response:
                values += response.read().decode("ascii").split()
        write_lines(into, values[:count])

    def describe(self) -> dict[str, str]:
        package = INSTALL / "app" / "node_modules" / "oidc-provider" / "package.json"
        version = json.loads(package.read_text())["version"] if package.exists() else "?"
        node = run_checked([self._node, "--version"], timeout=30).strip() if self._node else "?"
        return {
            "server": f"oidc-provider {version} on Node.js {node}",
            "storage": "in memory (Map adapter), ES256 JWT access tokens, rotating refresh tokens",
            "authorization_code_ttl_seconds": str(CODE_TTL_SECONDS),
        }
