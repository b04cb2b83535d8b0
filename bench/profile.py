"""`python -m bench profile`: where consentry's time goes under load, from cProfile in the server.

For each scenario a consentry server (one pinned worker, as in the benchmark) runs with cProfile
enabled (`bench/cprofile_app.py`), is warmed up and loaded by wrk, and on shutdown writes its
statistics; the report lists the functions with the most own time and consentry's functions by
inclusive time, as a share of the profiled time and in µs per request (cProfile's own overhead
included: read the shares). py-spy's GIL sampling saw almost nothing on these machines.
"""

from __future__ import annotations

import pstats
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import BENCH, build_target, discard_bulk
from bench.processes import BenchError, Supervisor
from bench.runner import WARM_POOL_MAX_SECONDS, Plan, ScenarioRunner
from bench.scenarios import Pool, Scenario
from bench.targets.consentry import ConsentryTarget
from bench.wrk import ensure_wrk

TOP = 25
PROFILED_APP = "bench.cprofile_app:app"


def _name(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    short = filename.split("site-packages/")[-1].split("/src/")[-1]
    return f"{function} ({short}:{line})" if line else function


def _tables(stats_file: Path, requests: int) -> list[str]:
    stats = pstats.Stats(str(stats_file))
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in entries.values()) or 1.0
    per = 1e6 / max(requests, 1)
    own = sorted(entries.items(), key=lambda item: -item[1][2])[:TOP]
    ours = sorted(
        ((k, v) for k, v in entries.items() if "consentry/" in k[0]), key=lambda kv: -kv[1][3]
    )[:TOP]
    lines = ["#### Own time (tottime)", "", "| % | µs/request | function |", "|--:|--:|---|"]
    lines += [f"| {100 * v[2] / total:.1f} | {v[2] * per:.0f} | `{_name(k)}` |" for k, v in own]
    lines += ["", "#### consentry's functions, inclusive (cumtime)", ""]
    lines += ["| µs/request | calls/request | function |", "|--:|--:|---|"]
    lines += [
        f"| {v[3] * per:.0f} | {v[1] / max(requests, 1):.1f} | `{_name(k)}` |" for k, v in ours
    ]
    return [*lines, ""]


def _profile(
    runner: ScenarioRunner,
    target: ConsentryTarget,
    scenario: Scenario,
    plan: Plan,
    work: Path,
    supervisor: Supervisor,
) -> list[str]:
    """Start a profiled server, warm it up and load it; the report section."""
    out = work / f"{scenario.name}.pstats"
    with supervisor.scope():
        target.start(supervisor, app=PROFILED_APP, extra={"CONSENTRY_BENCH_PROFILE_OUT": str(out)})
        refusal = runner.refusal(target, scenario)
        if refusal:
            return [f"### {scenario.name}", "", f"not supported yet: {refusal}", ""]
        warmup = plan.warmup_seconds
        if scenario.pool is Pool.ACCESS:  # every token once, as the main run's warm-up does
            warmup = max(warmup, WARM_POOL_MAX_SECONDS)
        warm = runner.load(target, scenario, warmup, f"profile-{scenario.name}-w")
        result = runner.load(
            target, scenario, plan.seconds, f"profile-{scenario.name}", fresh=False
        )
    if not out.exists():
        raise BenchError(f"the profiled server wrote no statistics to {out}")
    requests = warm.requests + result.requests
    return [
        f"### {scenario.name}: {result.rps:.0f} req/s under cProfile, {requests} requests profiled",
        "",
        *_tables(out, requests),
    ]


def main_profile(backend: str, scenarios: tuple[str, ...], plan: Plan, results_dir: Path) -> int:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    work = BENCH / ".work" / f"{stamp}-profile"
    try:
        wrk = ensure_wrk()
        sections = [f"# consentry profile {stamp} ({backend}, {plan.seconds} s per scenario)", ""]
        with Supervisor(work / "logs") as supervisor:
            target = build_target(f"consentry-{backend}", supervisor, work)
            if not isinstance(target, ConsentryTarget):
                raise BenchError("only consentry is profiled")
            target.prepare(supervisor)
            runner = ScenarioRunner(supervisor, wrk, plan, work)
            for scenario in target.scenarios:
                if scenario.name not in scenarios:
                    continue
                print(f"  {scenario.name}", flush=True)  # a fresh server per scenario
                sections += _profile(runner, target, scenario, plan, work, supervisor)
    except BenchError as error:
        print(f"profile failed: {error}", file=sys.stderr)
        return 1
    finally:
        discard_bulk(work)
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / f"{stamp}-profile.md"
    out.write_text("\n".join(sections) + "\n")
    print("\n".join(sections))
    print(f"written: {out}")
    return 0
