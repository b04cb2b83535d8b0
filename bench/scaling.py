"""`python -m bench scaling`: one consentry node on PostgreSQL with 1, then 2 worker processes.

The numbers docs/deployment.md quotes. Unlike the main benchmark the workers are not pinned (two
workers need both cores); wrk stays on the load core and PostgreSQL beside it, so on a two-core
machine the second worker mostly competes with them: read the change, not the absolute rates.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import BENCH, discard_bulk
from bench.postgres import start_cluster
from bench.processes import Supervisor
from bench.runner import Outcome, Plan, ScenarioRunner
from bench.scenarios import BY_NAME
from bench.targets.base import LOAD_CORE
from bench.targets.consentry import ConsentryTarget
from bench.wrk import ensure_wrk

SCENARIOS = ("client_credentials", "refresh_token", "partner_api")
WORKERS = (1, 2)


def _measure(plan: Plan, work: Path) -> list[Outcome]:
    outcomes: list[Outcome] = []
    with Supervisor(work / "logs") as supervisor:
        runner = ScenarioRunner(supervisor, ensure_wrk(), plan, work)
        cluster = start_cluster(supervisor, core=LOAD_CORE)
        target = ConsentryTarget("postgresql", cluster.url, work / "postgresql", cluster.version)
        target.prepare(supervisor)
        for workers in WORKERS:
            target.workers = workers
            print(f"== {workers} worker(s)", flush=True)
            for name in SCENARIOS:
                print(f"  {name}", flush=True)
                with supervisor.scope():
                    target.start(supervisor)
                    outcomes.append(runner.measure(target, BY_NAME[name]))
    return outcomes


def _table(outcomes: list[Outcome]) -> list[str]:
    by_key = {(o.target, o.scenario): o.median for o in outcomes}
    lines = [
        "| scenario | 1 worker req/s (p50, p99 ms) | 2 workers req/s (p50, p99 ms) | change |",
        "|---|--:|--:|--:|",
    ]
    for name in SCENARIOS:
        one = by_key.get(("consentry-postgresql", name))
        two = by_key.get(("consentry-postgresql-2-workers", name))
        if not one or not two:
            lines.append(f"| {name} | — | — | — |")
            continue
        change = 100 * (two["rps"] / one["rps"] - 1)
        lines.append(
            f"| {name} | {one['rps']:,.0f} ({one['p50_ms']:.1f}, {one['p99_ms']:.1f}) "
            f"| {two['rps']:,.0f} ({two['p50_ms']:.1f}, {two['p99_ms']:.1f}) | {change:+.0f} % |"
        )
    return lines


def main_scaling(plan: Plan, results_dir: Path) -> int:
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    work = BENCH / ".work" / f"{stamp}-scaling"
    outcomes = _measure(plan, work)
    discard_bulk(work)
    lines = [
        f"# consentry scaling {stamp}: one node on PostgreSQL, 1 and 2 worker processes",
        "",
        f"wrk: {plan.connections} connections, {plan.warmup_seconds} s warm-up, "
        f"{plan.runs} × {plan.seconds} s, medians; workers not pinned, wrk and PostgreSQL on "
        f"core {LOAD_CORE}.",
        "",
        *_table(outcomes),
        "",
    ]
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / f"{stamp}-scaling.md").write_text("\n".join(lines))
    data = {"started": started.isoformat(), "results": [o.as_dict() for o in outcomes]}
    (results_dir / f"{stamp}-scaling.json").write_text(json.dumps(data, indent=2) + "\n")
    print("\n".join(lines), flush=True)
    return 0 if all(o.status == "ok" for o in outcomes) else 2
