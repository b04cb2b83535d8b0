"""The ceiling: bench/ceiling.py under the same uvicorn command as consentry."""

from __future__ import annotations

import os
from pathlib import Path

import uvicorn

from bench.processes import Supervisor, free_port, wait_for_port
from bench.scenarios import CEILING, Client, Pool, Scenario
from bench.targets.base import child_environment, uvicorn_argv

REPO = Path(__file__).resolve().parents[2]


class CeilingTarget:
    name = "ceiling"
    title = "raw ASGI app (uvicorn, 1 worker)"
    scenarios: tuple[Scenario, ...] = (CEILING,)
    expected_rps = 50_000

    def __init__(self) -> None:
        self._port = free_port()
        self.pid = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def prepare(self, supervisor: Supervisor) -> None:
        return None

    def start(self, supervisor: Supervisor) -> None:
        env = child_environment({"PYTHONPATH": _python_path()})
        child = supervisor.start(
            "ceiling", uvicorn_argv("bench.ceiling:app_factory", self._port), env=env, cwd=REPO
        )
        wait_for_port(child, self._port)
        self.pid = child.process.pid

    def client(self, scenario: Scenario) -> Client:
        raise ValueError("the ceiling has no clients")

    def path(self, scenario: Scenario) -> str:
        return "/"

    def mint(self, pool: Pool, count: int, into: Path) -> None:
        raise ValueError("the ceiling has no pools")

    def describe(self) -> dict[str, str]:
        return {"server": f"uvicorn {uvicorn.__version__}, uvloop, httptools, 1 worker"}


def _python_path() -> str:
    existing = os.environ.get("PYTHONPATH")
    return f"{REPO}:{existing}" if existing else str(REPO)
