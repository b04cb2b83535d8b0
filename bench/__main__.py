"""`python -m bench`: the benchmark; `profile` and `statements`: where consentry's time goes;
`scaling` and `growth`: how it changes with workers, connections and data size."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from bench.harness import TARGETS, Options, main_run, scenario_names
from bench.runner import Plan

RESULTS = Path(__file__).resolve().parent / "results"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="consentry vs node oidc-provider vs the raw ASGI ceiling, on this machine.",
    )
    parser.add_argument(
        "command",
        nargs="?",
        choices=["run", "profile", "statements", "scaling", "growth", "lockstall"],
        default="run",
        help="run: the benchmark; profile: cProfile in the server under load; "
        "statements: SQL per request; "
        "scaling: 1 and 2 worker processes on PostgreSQL; "
        "growth: cost against connections (1-128) and data size (1, 10, 100x); "
        "lockstall: how long another process's SQLite writer stops the loop",
    )
    parser.add_argument("--quick", action="store_true", help="1 × 5 s after a 2 s warm-up")
    parser.add_argument("--runs", type=int, help="measured runs per scenario (default 3)")
    parser.add_argument("--seconds", type=int, help="length of a measured run (default 10)")
    parser.add_argument("--warmup", type=int, help="length of the warm-up (default 3)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--targets", nargs="+", choices=TARGETS, default=list(TARGETS), help="servers to measure"
    )
    parser.add_argument("--scenarios", nargs="+", help="scenarios to measure (default: all)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where results go")
    parser.add_argument(
        "--wait-quiet",
        type=int,
        default=0,
        metavar="SECONDS",
        help="first wait up to this long for other processes to leave the cores idle",
    )
    parser.add_argument(
        "--base-grants",
        type=int,
        default=20_000,
        help="growth: the base data size N in grants (the series fills to 10 N and 100 N)",
    )
    parser.add_argument(
        "--requests", type=int, default=500, help="statements: requests per scenario"
    )
    parser.add_argument(
        "--backend",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="profile: consentry's database",
    )
    args = parser.parse_args(argv)
    for name in ("runs", "seconds", "warmup"):
        value = getattr(args, name)
        if value is not None and not 1 <= value <= 120:
            parser.error(f"--{name} must be between 1 and 120")
    if not 1_000 <= args.base_grants <= 1_000_000:
        parser.error("--base-grants must be between 1000 and 1000000")
    if not 1 <= args.connections <= 1024:
        parser.error("--connections must be between 1 and 1024")
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    quick = args.quick
    plan = Plan(
        warmup_seconds=args.warmup or (2 if quick else 3),
        runs=args.runs or (1 if quick else 3),
        seconds=args.seconds or (5 if quick else 10),
        connections=args.connections,
    )
    scenarios = scenario_names(args.scenarios)
    if args.command == "statements":
        from bench.statements import main_statements

        return main_statements(max(1, min(args.requests, 20_000)))
    if args.command == "lockstall":
        from bench.lock_stall import main_lock_stall

        return main_lock_stall()
    if args.command == "scaling":
        from bench.scaling import main_scaling

        return main_scaling(plan, args.results)
    if args.command == "growth":
        from bench.growth import GrowthOptions, main_growth, scenario_filter

        # One run per point by default: 24 points per backend (see bench/README.md, Growth).
        growth_plan = dataclasses.replace(plan, runs=args.runs or 1)
        return main_growth(
            GrowthOptions(
                plan=growth_plan,
                targets=tuple(args.targets),
                scenarios=scenario_filter(scenarios),
                results_dir=args.results,
                wait_quiet_seconds=max(0, min(args.wait_quiet, 3600)),
                base_grants=args.base_grants,
            )
        )
    if args.command == "profile":
        from bench.profile import main_profile

        return main_profile(args.backend, scenarios, plan, args.results)
    targets = tuple(t for t in TARGETS if t in args.targets)
    wait = max(0, min(args.wait_quiet, 3600))
    return main_run(Options(plan, targets, scenarios, args.results, wait))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
