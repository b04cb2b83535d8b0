"""`python -m bench profile`: where consentry's time goes under load, from py-spy samples.

For each scenario, consentry (one pinned worker) is loaded by wrk as in the benchmark while
`py-spy record --gil` samples the thread holding the GIL (so idle threads and waits do not count);
the report lists the functions with the most samples, by own time (the frame on top) and by
inclusive time (anywhere on the stack).
"""

from __future__ import annotations

import re
import shutil
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import BENCH, build_target, discard_bulk
from bench.processes import BenchError, Supervisor
from bench.runner import Plan, ScenarioRunner
from bench.scenarios import Scenario
from bench.targets.base import LOAD_CORE
from bench.targets.consentry import ConsentryTarget
from bench.wrk import ensure_wrk

TOP = 25
_LINE = re.compile(r":\d+\)$")


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(found).exists():
        raise BenchError("py-spy is missing: pip install -e '.[bench]' (or pip install py-spy)")
    return found


@dataclass(frozen=True, slots=True)
class Summary:
    total: int
    own: list[tuple[str, int]]  # functions with the most samples on top of the stack
    packages: list[tuple[str, int]]  # own samples per top-level package
    consentry: list[tuple[str, int]]  # consentry's functions, by samples anywhere on the stack


def _package(frame: str) -> str:
    """`Connection._execute (aiosqlite/core.py)` -> `aiosqlite`."""
    where = frame.rpartition("(")[2].rstrip(")")
    return re.split(r"[/.]", where, maxsplit=1)[0] or where


def summarise(raw: Path) -> Summary:
    own: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_LINE.sub(")", frame) for frame in stack.split(";") if frame]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        packages[_package(frames[-1])] += count
        for frame in set(frames):
            if "(consentry/" in frame:
                inclusive[frame] += count
    return Summary(
        total, own.most_common(TOP), packages.most_common(12), inclusive.most_common(TOP)
    )


def _table(
    title: str, rows: list[tuple[str, int]], total: int, what: str = "function (file)"
) -> list[str]:
    lines = [f"#### {title}", "", f"| % of samples | {what} |", "|--:|---|"]
    lines += [f"| {100 * n / total:.1f} | `{frame}` |" for frame, n in rows]
    return [*lines, ""]


def _profile(
    runner: ScenarioRunner,
    target: ConsentryTarget,
    scenario: Scenario,
    spy: str,
    plan: Plan,
    work: Path,
    supervisor: Supervisor,
) -> list[str]:
    """Warm up, then load the scenario while py-spy samples the server; the report section."""
    refusal = runner.refusal(target, scenario)
    if refusal:
        return [f"### {scenario.name}", "", f"not supported yet: {refusal}", ""]
    runner.load(target, scenario, plan.warmup_seconds, f"profile-{scenario.name}-w")
    raw = work / f"{scenario.name}.raw"
    sampler = supervisor.start(
        f"py-spy-{scenario.name}",
        [
            "taskset", "-c", str(LOAD_CORE), spy, "record", "--gil",
            "--format", "raw", "--rate", "100", "--duration", str(plan.seconds),
            "--pid", str(target.pid), "--output", str(raw),
        ],
    )  # fmt: skip
    result = runner.load(target, scenario, plan.seconds, f"profile-{scenario.name}")
    sampler.process.wait(timeout=plan.seconds + 30)
    supervisor.stop(sampler)
    if not raw.exists():
        raise BenchError(f"py-spy wrote no profile:\n{sampler.tail()}")
    summary = summarise(raw)
    total = max(summary.total, 1)
    return [
        f"### {scenario.name}: {result.rps:.0f} req/s under the profiler, {summary.total} "
        f"samples in {plan.seconds} s at 100 Hz ({summary.total / plan.seconds:.0f} % GIL busy)",
        "",
        *_table("Own time by package", summary.packages, total, "package"),
        *_table("Own time (top of the stack)", summary.own, total),
        *_table(
            "consentry's functions, inclusive (anywhere on the stack)", summary.consentry, total
        ),
    ]


def main_profile(backend: str, scenarios: tuple[str, ...], plan: Plan, results_dir: Path) -> int:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    work = BENCH / ".work" / f"{stamp}-profile"
    try:
        spy, wrk = py_spy(), ensure_wrk()
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
                print(f"  {scenario.name}", flush=True)
                with supervisor.scope():  # a fresh server per scenario, as in the benchmark
                    target.start(supervisor)
                    sections += _profile(runner, target, scenario, spy, plan, work, supervisor)
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
