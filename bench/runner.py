"""One scenario against one server: probe, warm up, then N measured runs, each with a fresh pool."""

from __future__ import annotations

import dataclasses
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from bench.processes import BenchError, Supervisor
from bench.scenarios import Pool, Scenario, form_template
from bench.server_metrics import members_per_commit, unlabelled_samples
from bench.targets.base import LOAD_CORE, Target, post_form, tree_cpu_seconds
from bench.wrk import WrkResult, run_wrk

NOT_SUPPORTED = ("unsupported_grant_type", "unauthorized_client")
# Each token ≤ 35 calls a minute (Criteo's per-token rate limit) up to about 7,000 req/s.
API_POOL_SIZE = 12_000
WARM_POOL_MAX_SECONDS = 30  # the partner API's warm-up presents every token once, within this
POOL_MARGIN = 1.5  # a measured run gets 1.5× the values the warm-up rate says it needs


@dataclass(frozen=True, slots=True)
class Plan:
    warmup_seconds: int
    runs: int
    seconds: int
    connections: int


@dataclass
class Outcome:
    target: str
    scenario: str
    status: str = "ok"  # ok | invalid | not supported yet | not applicable | error
    note: str = ""
    warmup: WrkResult | None = None
    runs: list[WrkResult] = field(default_factory=list)
    members_per_commit: float | None = None  # SQLite group commit, during the runs

    @property
    def median(self) -> dict[str, float] | None:
        if not self.runs:
            return None
        return {
            "rps": round(statistics.median(r.rps for r in self.runs), 1),
            "p50_ms": round(statistics.median(r.p50_ms for r in self.runs), 3),
            "p99_ms": round(statistics.median(r.p99_ms for r in self.runs), 3),
            "cpu_ms": round(
                statistics.median(r.server_cpu_ms_per_request or 0 for r in self.runs), 3
            ),
        }

    def as_dict(self) -> dict[str, object]:
        return {
            "target": self.target,
            "scenario": self.scenario,
            "status": self.status,
            "note": self.note,
            "median": self.median,
            "warmup": self.warmup.as_dict() if self.warmup else None,
            "runs": [r.as_dict() for r in self.runs],
            "members_per_commit": self.members_per_commit,
        }


class ScenarioRunner:
    def __init__(self, supervisor: Supervisor, wrk: str, plan: Plan, work_dir: Path) -> None:
        self._supervisor = supervisor
        self._wrk = wrk
        self._plan = plan
        self._work_dir = work_dir

    def measure(self, target: Target, scenario: Scenario) -> Outcome:
        outcome = Outcome(target.name, scenario.name)
        try:
            refusal = self._probe(target, scenario)
            if refusal:
                outcome.status, outcome.note = "not supported yet", refusal
                return outcome
            self._measure(target, scenario, outcome)
        except BenchError as error:
            outcome.status, outcome.note = "error", str(error)[:2000]
        return outcome

    def _probe(self, target: Target, scenario: Scenario) -> str:
        """For client_credentials: a refusal of the grant type itself means "not supported yet"."""
        if scenario.name != "client_credentials":
            return ""
        body = form_template(scenario, target.client(scenario))
        status, answer = post_form(target.base_url + target.path(scenario), body)
        error = str(answer.get("error", ""))
        if status == 400 and error in NOT_SUPPORTED:
            return f"{error}: {answer.get('error_description', '')}".strip()
        return ""

    def _measure(self, target: Target, scenario: Scenario, outcome: Outcome) -> None:
        tag = f"{target.name}-{scenario.name}"
        plan = self._plan
        if scenario.pool is Pool.ACCESS:
            self._mint(target, scenario.pool, API_POOL_SIZE, f"{tag}-access")
        pool_size = target.expected_rps * plan.warmup_seconds
        warmup = self._wrk_run(target, scenario, f"{tag}-warmup", plan.warmup_seconds, pool_size)
        if scenario.pool is Pool.ACCESS and warmup.requests < API_POOL_SIZE and warmup.rps > 0:
            # Every token once before the runs (each wrk run starts at the pool's first one):
            # a partner's token is verified on its first call, then used for up to 15 minutes,
            # so the runs measure calls with known tokens, as most calls are.
            seconds = min(WARM_POOL_MAX_SECONDS, math.ceil(1.1 * API_POOL_SIZE / warmup.rps))
            warmup = self._wrk_run(target, scenario, f"{tag}-warmup-pool", seconds, pool_size)
        outcome.warmup = warmup
        rate = warmup.rps
        if warmup.exhausted:  # we only know a lower bound: the whole pool went by in the warm-up
            rate = max(rate, pool_size / plan.warmup_seconds) * 2
        problems = []
        before = unlabelled_samples(target.base_url)
        for index in range(1, plan.runs + 1):
            need = math.ceil(rate * plan.seconds * POOL_MARGIN) + 200
            result = self._wrk_run(target, scenario, f"{tag}-{index}", plan.seconds, need)
            if result.exhausted:  # once: retry with room to spare, then count what we got
                rate = max(rate, result.rps) * 2
                need = math.ceil(rate * plan.seconds * POOL_MARGIN) + 200
                result = self._wrk_run(target, scenario, f"{tag}-{index}b", plan.seconds, need)
            outcome.runs.append(result)
            rate = max(rate, result.rps)
            if not result.valid:
                problems.append(f"run {index}: {result.problem}")
        outcome.members_per_commit = members_per_commit(before, unlabelled_samples(target.base_url))
        if problems:
            outcome.status, outcome.note = "invalid", "; ".join(problems)
        print(f"    {_summary(outcome)}", flush=True)

    def load(
        self, target: Target, scenario: Scenario, seconds: int, name: str, *, fresh: bool = True
    ) -> WrkResult:
        """Load for `seconds` with a pool sized from the target's expected rate (the profiler).

        `fresh=False` keeps the partner API's access tokens of the previous load, so that a
        warm-up that presented each of them once is followed by calls with known tokens.
        """
        if scenario.pool is Pool.ACCESS and fresh:
            self._mint(
                target, scenario.pool, API_POOL_SIZE, f"{target.name}-{scenario.name}-access"
            )
        return self._wrk_run(target, scenario, name, seconds, target.expected_rps * seconds)

    def refusal(self, target: Target, scenario: Scenario) -> str:
        """Why the server refuses the scenario altogether ("" when it does not)."""
        return self._probe(target, scenario)

    def _mint(self, target: Target, pool: Pool, count: int, name: str) -> Path:
        path = self._work_dir / "pools" / f"{name}.txt"
        target.mint(pool, count, path)
        return path

    def _wrk_run(
        self, target: Target, scenario: Scenario, name: str, seconds: int, pool_size: int
    ) -> WrkResult:
        path = target.path(scenario)
        args = [path]
        if scenario.pool is Pool.ACCESS:
            args.append(str(self._work_dir / "pools" / f"{target.name}-{scenario.name}-access.txt"))
        elif scenario.pool is not Pool.NONE:
            args.append(str(self._mint(target, scenario.pool, pool_size, name)))
        if scenario.form:
            args.append(form_template(scenario, target.client(scenario)))
        cpu_before = tree_cpu_seconds(target.pid)
        result = run_wrk(
            self._supervisor,
            wrk=self._wrk,
            core=LOAD_CORE,
            url=target.base_url + path,
            script=scenario.script,
            script_args=args,
            seconds=seconds,
            connections=self._plan.connections,
            name=f"wrk-{name}",
        )
        cpu = tree_cpu_seconds(target.pid) - cpu_before
        per_request = round(1000 * cpu / result.requests, 3) if result.requests else None
        return dataclasses.replace(result, server_cpu_ms_per_request=per_request)


def _summary(outcome: Outcome) -> str:
    median = outcome.median
    if median is None:
        return f"{outcome.status}: {outcome.note}"
    text = (
        f"{median['rps']:>9.1f} req/s  p50 {median['p50_ms']:.2f} ms  "
        f"p99 {median['p99_ms']:.2f} ms  server CPU {median['cpu_ms']:.3f} ms/req"
    )
    return text if outcome.status == "ok" else f"{text}  [{outcome.status}: {outcome.note[:200]}]"
