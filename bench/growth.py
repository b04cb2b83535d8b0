"""`python -m bench growth`: how consentry's cost grows with connections and with the data size.

Per backend (SQLite, PostgreSQL) and scenario, two series of points, each point a fresh server
process measured by the main run's `ScenarioRunner` (warm-up, pools sized from its rate, runs):

- connections: 1, 8, 32 and 128 keep-alive connections on the base database;
- data size: at 32 connections, the base database (that point of the first series), then one
  filled to 10 × and 100 × `base_grants` grants with their advertisers, codes, refresh tokens and
  revocations (`bench/growth_fill.py`), inserted in bulk before the server starts.

Every point starts from a snapshot of its size (`bench/growth_snapshots.py`), so the pools an
earlier point minted do not grow the next one's tables. The raw ASGI ceiling is measured once, at
32 connections, in the same run. Results: `bench/results/<stamp>-growth.{md,json,png}`.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import growth_chart, growth_report
from bench.growth_fill import counts, fill
from bench.growth_snapshots import Snapshots, snapshots_for
from bench.harness import (
    BENCH,
    Options,
    build_target,
    consentry_commit,
    discard_bulk,
    machine,
    wait_until_quiet,
)
from bench.processes import BenchError, Supervisor
from bench.runner import Outcome, ScenarioRunner
from bench.scenarios import BY_NAME, CEILING, Scenario
from bench.targets.base import LOAD_CORE, SERVER_CORE
from bench.targets.consentry import ConsentryTarget
from bench.wrk import ensure_wrk

CONNECTIONS = (1, 8, 32, 128)
SIZE_CONNECTIONS = 32  # the data-size series, and the ceiling
FACTORS = (10, 100)  # the data-size series' points after the base
BASE_GRANTS = 20_000
TARGETS = ("consentry-sqlite", "consentry-postgresql")
BASE = "1x"


@dataclass(frozen=True, slots=True)
class GrowthOptions(Options):
    """The main run's options and the base data size."""

    base_grants: int = BASE_GRANTS


@dataclass(frozen=True, slots=True)
class Point:
    series: str  # "connections" or "data" (the data series' base is connections' 32 point)
    factor: int  # data size as a multiple of the base
    connections: int
    rows_start: dict[str, int]  # before the point's own pools were minted
    rows_end: dict[str, int]
    outcome: Outcome

    def as_dict(self) -> dict[str, Any]:
        return {
            "series": self.series,
            "factor": self.factor,
            "connections": self.connections,
            "rows_start": self.rows_start,
            "rows_end": self.rows_end,
            **self.outcome.as_dict(),
        }


class _Backend:
    """One consentry target: its snapshots, and one measured point at a time."""

    def __init__(
        self, supervisor: Supervisor, wrk: str, options: GrowthOptions, work: Path, name: str
    ) -> None:
        target = build_target(name, supervisor, work)
        if not isinstance(target, ConsentryTarget):
            raise BenchError(f"{name} is not a consentry target")
        target.prepare(supervisor)
        self.target = target
        self._supervisor = supervisor
        self._wrk = wrk
        self._options = options
        self._work = work
        self._snapshots: Snapshots = snapshots_for(target.database_url, work / "snapshots" / name)
        self._snapshots.save(BASE)

    def point(self, scenario: Scenario, series: str, factor: int, connections: int) -> Point:
        url = self.target.database_url
        self._snapshots.restore(f"{factor}x")
        start = counts(url)
        plan = dataclasses.replace(self._options.plan, connections=connections)
        runner = ScenarioRunner(self._supervisor, self._wrk, plan, self._work)
        print(f"  {scenario.name}, {connections} connections, {factor}× data", flush=True)
        with self._supervisor.scope():
            try:
                self.target.start(self._supervisor)
                outcome = runner.measure(self.target, scenario)
            except BenchError as error:
                outcome = Outcome(self.target.name, scenario.name, "error", str(error)[:2000])
                print(f"    error: {error}", flush=True)
        return Point(series, factor, connections, start, counts(url), outcome)

    def grow(self, factor: int, previous: int) -> float:
        """Fill the snapshot of `previous` up to `factor` × the base's grants; seconds taken."""
        began = time.monotonic()
        url = self.target.database_url
        self._snapshots.restore(f"{previous}x")
        missing = factor * self._options.base_grants - counts(url)["grants"]
        print(f"  filling to {factor}×: {max(missing, 0):,} grants", flush=True)
        fill(url, self.target.world, missing)
        self._snapshots.save(f"{factor}x", analyze=True)
        seconds = round(time.monotonic() - began, 1)
        print(f"  filled in {seconds} s", flush=True)
        return seconds


def _measure_backend(
    supervisor: Supervisor, wrk: str, options: GrowthOptions, work: Path, name: str
) -> tuple[list[Point], dict[str, Any]]:
    backend = _Backend(supervisor, wrk, options, work, name)
    scenarios = [s for s in backend.target.scenarios if s.name in options.scenarios]
    points: list[Point] = []
    for scenario in scenarios:
        for connections in CONNECTIONS:
            points.append(backend.point(scenario, "connections", 1, connections))
    fill_seconds: dict[str, float] = {}
    previous = 1
    for factor in FACTORS:
        fill_seconds[f"{factor}x"] = backend.grow(factor, previous)
        for scenario in scenarios:
            points.append(backend.point(scenario, "data", factor, SIZE_CONNECTIONS))
        previous = factor
    info = {**backend.target.describe(), "fill_seconds": fill_seconds}
    return points, info


def _ceiling(supervisor: Supervisor, wrk: str, options: GrowthOptions, work: Path) -> Outcome:
    target = build_target("ceiling", supervisor, work)
    plan = dataclasses.replace(options.plan, connections=SIZE_CONNECTIONS)
    with supervisor.scope():
        target.start(supervisor)
        return ScenarioRunner(supervisor, wrk, plan, work).measure(target, CEILING)


def _collect(options: GrowthOptions, work: Path) -> dict[str, Any]:
    wrk = ensure_wrk()
    points: list[Point] = []
    servers: dict[str, Any] = {}
    failures: list[str] = []
    ceiling: Outcome | None = None
    with Supervisor(work / "logs") as supervisor:
        if "ceiling" in options.targets:
            print("== ceiling", flush=True)
            ceiling = _ceiling(supervisor, wrk, options, work)
        for name in options.targets:
            if name not in TARGETS:
                continue
            print(f"== {name}", flush=True)
            with supervisor.scope():  # PostgreSQL's cluster lives for its target's turn
                try:
                    measured, servers[name] = _measure_backend(supervisor, wrk, options, work, name)
                except BenchError as error:
                    print(f"   failed: {error}", flush=True)
                    failures.append(f"{name}: {error}"[:2000])
                    continue
                points += measured
    return {
        "ceiling": ceiling.as_dict() if ceiling else None,
        "points": [p.as_dict() for p in points],
        "servers": servers,
        "failures": failures,
    }


def run_growth(options: GrowthOptions) -> int:
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    work = BENCH / ".work" / f"{stamp}-growth"
    background = wait_until_quiet(options.wait_quiet_seconds)
    print(f"background CPU per core before the run: {background} %", flush=True)
    try:
        collected = _collect(options, work)
    finally:
        discard_bulk(work)
    finished = datetime.now(UTC)
    data: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "duration_seconds": round((finished - started).total_seconds()),
        "consentry_commit": consentry_commit(),
        "machine": machine(background),
        "settings": {
            **dataclasses.asdict(options.plan),
            "connections": list(CONNECTIONS),
            "size_connections": SIZE_CONNECTIONS,
            "factors": [1, *FACTORS],
            "base_grants": options.base_grants,
            "server_core": SERVER_CORE,
            "load_core": LOAD_CORE,
            "load_generator": "wrk (Debian), 1 thread, Lua scripts in bench/lua",
        },
        **collected,
    }
    options.results_dir.mkdir(parents=True, exist_ok=True)
    base = options.results_dir / f"{stamp}-growth"
    base.with_suffix(".json").write_text(json.dumps(data, indent=2) + "\n")
    png = base.with_suffix(".png")
    drawn = growth_chart.draw(data, f"consentry growth {data['started']}", png)
    if not drawn:
        print("matplotlib is not installed: no chart (pip install -e '.[bench]')", flush=True)
    markdown = growth_report.markdown(data, png.name if drawn else None)
    base.with_suffix(".md").write_text(markdown)
    print("\n" + markdown, flush=True)
    print(f"results: {base}.*", flush=True)
    errors = [p for p in data["points"] if p["status"] == "error"]
    return 2 if data["failures"] or errors else 0


def main_growth(options: GrowthOptions) -> int:
    try:
        return run_growth(options)
    except BenchError as error:
        print(f"benchmark failed: {error}")
        return 1
    except KeyboardInterrupt:
        print("benchmark interrupted; every process it started was stopped")
        return 130


def scenario_filter(names: tuple[str, ...]) -> tuple[str, ...]:
    """The consentry scenarios among `names` (the ceiling is measured on its own)."""
    return tuple(n for n in names if n in BY_NAME and n != CEILING.name)
