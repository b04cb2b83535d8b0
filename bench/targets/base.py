"""What the runner needs from a server under test, and the pieces the Python servers share."""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from bench.processes import Supervisor
from bench.scenarios import Client, Pool, Scenario

SERVER_CORE = 0
LOAD_CORE = 1
# Codes must outlive a run: consentry's default lifetime is 30 s, oidc-provider's 60 s.
CODE_TTL_SECONDS = 3600


class Target(Protocol):
    @property
    def name(self) -> str:  # e.g. "consentry-sqlite"
        ...

    title: str
    pid: int  # the server process once started (taskset execs it: same process)
    scenarios: tuple[Scenario, ...]
    expected_rps: int  # a generous guess, to size the warm-up's token pool

    @property
    def base_url(self) -> str: ...

    def prepare(self, supervisor: Supervisor) -> None:
        """One-time setup: install, migrate, seed (before the first start)."""
        ...

    def start(self, supervisor: Supervisor) -> None:
        """Start a fresh server process (once per scenario); the supervisor's scope stops it."""
        ...

    def client(self, scenario: Scenario) -> Client: ...

    def path(self, scenario: Scenario) -> str: ...

    def mint(self, pool: Pool, count: int, into: Path) -> None:
        """Write `count` fresh pool values, one a line, to `into`."""
        ...

    def describe(self) -> dict[str, str]: ...


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads included (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def uvicorn_argv(app: str, port: int, *, workers: int = 1) -> list[str]:
    """consentry's production-like serving command: one worker pinned to the server core, or
    `workers` processes free to use every core (the scaling measurement)."""
    pin = ["taskset", "-c", str(SERVER_CORE)] if workers == 1 else []
    return [
        *pin,
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        app,
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        # As `consentry serve` runs it: no X-Forwarded-* processing, no Server header.
        "--no-proxy-headers",
        "--no-server-header",
        "--workers",
        str(workers),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process and of its children (uvicorn's worker processes)."""
    total = cpu_seconds(pid)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == str(pid):  # ppid
            total += cpu_seconds(int(stat.parent.name))
    return total


def child_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any CONSENTRY_* variable, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTRY_")}
    env.update(extra)
    return env


def post_form(url: str, body: str, timeout: float = 10.0) -> tuple[int, dict[str, object]]:
    """One form POST (for probes); the status and the JSON body ({} when it is not JSON)."""
    request = urllib.request.Request(  # noqa: S310 - a loopback http URL we built
        url,
        data=body.encode("ascii"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = {}
    return status, parsed if isinstance(parsed, dict) else {}


def write_lines(path: Path, values: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(values) + "\n")
