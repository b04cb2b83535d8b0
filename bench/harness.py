"""`make bench`: every server, every scenario, one run; then the table, the chart and the files."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import chart, report
from bench.processes import BenchError, Supervisor
from bench.runner import Outcome, Plan, ScenarioRunner
from bench.scenarios import BY_NAME
from bench.targets.base import CODE_TTL_SECONDS, LOAD_CORE, SERVER_CORE, Target
from bench.wrk import ensure_wrk

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
TARGETS = ("ceiling", "oidc-provider", "consentry-sqlite", "consentry-postgresql")


@dataclass(frozen=True, slots=True)
class Options:
    plan: Plan
    targets: tuple[str, ...]
    scenarios: tuple[str, ...]
    results_dir: Path
    wait_quiet_seconds: int = 0


def build_target(name: str, supervisor: Supervisor, work: Path) -> Target:
    """The server under test `name`, with what it needs started (PostgreSQL for its consentry)."""
    if name == "ceiling":
        from bench.targets.ceiling import CeilingTarget

        return CeilingTarget()
    if name == "oidc-provider":
        from bench.targets.oidc_provider import OidcProviderTarget

        return OidcProviderTarget()
    from bench.targets.consentry import ConsentryTarget

    if name == "consentry-sqlite":
        url = f"sqlite+aiosqlite:///{work / 'sqlite' / 'consentry.sqlite3'}"
        return ConsentryTarget("sqlite", url, work / "sqlite")
    from bench.postgres import start_cluster

    cluster = start_cluster(supervisor, core=LOAD_CORE)
    return ConsentryTarget("postgresql", cluster.url, work / "postgresql", cluster.version)


def run(options: Options) -> int:
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    work = BENCH / ".work" / stamp
    if (os.cpu_count() or 1) < 2 or shutil.which("taskset") is None:
        raise BenchError("needs 2 cores and taskset (util-linux): server and load get one each")
    wrk = ensure_wrk()
    background = wait_until_quiet(options.wait_quiet_seconds)
    print(f"background CPU per core before the run: {background} %", flush=True)
    outcomes: list[Outcome] = []
    failures: list[str] = []
    servers: dict[str, dict[str, str]] = {}
    with Supervisor(work / "logs") as supervisor:
        runner = ScenarioRunner(supervisor, wrk, options.plan, work)
        for name in options.targets:
            print(f"== {name}", flush=True)
            with supervisor.scope():
                try:
                    target = build_target(name, supervisor, work)
                    target.prepare(supervisor)
                    servers[name] = target.describe()
                except Exception as error:
                    print(f"   could not prepare: {error!r}", flush=True)
                    failures.append(f"{name} could not be prepared: {error!r}"[:2000])
                    continue
                for scenario in target.scenarios:
                    if scenario.name not in options.scenarios:
                        continue
                    print(f"  {scenario.name}", flush=True)
                    with supervisor.scope():  # a fresh server process for every scenario
                        try:
                            target.start(supervisor)
                        except Exception as error:
                            print(f"   could not start: {error!r}", flush=True)
                            failures.append(f"{name} could not start: {error!r}"[:2000])
                            continue
                        outcomes.append(runner.measure(target, scenario))
    discard_bulk(work)
    rows = [outcome.as_dict() for outcome in outcomes]
    report.add_ratios(rows)
    options.results_dir.mkdir(parents=True, exist_ok=True)
    json_path = options.results_dir / f"{stamp}.json"
    previous = report.previous_rows(options.results_dir, json_path)
    data: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "consentry_commit": consentry_commit(),
        "machine": machine(background),
        "settings": {
            **asdict(options.plan),
            "server_core": SERVER_CORE,
            "load_core": LOAD_CORE,
            "authorization_code_ttl_seconds": CODE_TTL_SECONDS,
            "load_generator": "wrk (Debian), 1 thread, Lua scripts in bench/lua",
        },
        "servers": servers,
        "failures": failures,
        "results": rows,
    }
    data["targets_check"] = report.check_targets(rows, previous)
    json_path.write_text(json.dumps(data, indent=2) + "\n")
    png_path = options.results_dir / f"{stamp}.png"
    drawn = chart.draw(rows, f"consentry benchmark {data['started']}", png_path)
    if not drawn:
        print("matplotlib is not installed: no chart (pip install -e '.[bench]')", flush=True)
    markdown = report.markdown(data, png_path.name if drawn else None)
    (options.results_dir / f"{stamp}.md").write_text(markdown)
    print("\n" + markdown, flush=True)
    print(f"results: {json_path.with_suffix('')}.*", flush=True)
    return 2 if failures or any(o.status == "error" for o in outcomes) else 0


def discard_bulk(work: Path) -> None:
    """Drop the pools, databases and snapshots of a finished run (hundreds of MB); keep its logs."""
    for name in ("pools", "sqlite", "postgresql", "snapshots"):
        shutil.rmtree(work / name, ignore_errors=True)


def wait_until_quiet(limit_seconds: int, busy_percent: float = 25.0) -> list[float]:
    """Wait up to `limit_seconds` for every core to be less than `busy_percent` busy."""
    deadline = time.monotonic() + limit_seconds
    busy = background_cpu_percent()
    while max(busy) >= busy_percent and time.monotonic() < deadline:
        print(f"machine busy ({busy} % per core): waiting for it to quieten", flush=True)
        time.sleep(4)
        busy = background_cpu_percent()
    return busy


def background_cpu_percent(seconds: float = 1.0) -> list[float]:
    """How busy each core is before we start anything (other processes on a shared machine)."""

    def sample() -> list[tuple[int, int]]:
        lines = Path("/proc/stat").read_text().splitlines()
        values = []
        for line in lines:
            if line.startswith("cpu") and line[3].isdigit():
                fields = [int(v) for v in line.split()[1:]]
                idle = fields[3] + fields[4]
                values.append((sum(fields), idle))
        return values

    before = sample()
    time.sleep(seconds)
    after = sample()
    busy = []
    for (total0, idle0), (total1, idle1) in zip(before, after, strict=True):
        total = max(total1 - total0, 1)
        busy.append(round(100 * (1 - (idle1 - idle0) / total), 1))
    return busy


def machine(background: list[float]) -> dict[str, Any]:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "background_cpu_percent": background,
    }


def consentry_commit() -> str:
    """The checked-out commit, `+dirty` when src/ has uncommitted changes (read-only git)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}+dirty" if dirty else head


def main_run(options: Options) -> int:
    try:
        return run(options)
    except BenchError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("benchmark interrupted; every process it started was stopped", file=sys.stderr)
        return 130


def scenario_names(values: list[str] | None) -> tuple[str, ...]:
    if not values:
        return tuple(BY_NAME)
    unknown = [v for v in values if v not in BY_NAME]
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    return (*values, "ceiling")
