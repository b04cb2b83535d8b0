"""The results: ratios to oidc-provider and to the ceiling, the issue's targets, Markdown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.scenarios import ALL, BY_NAME, TOKEN_SCENARIOS

TARGET_ORDER = ("consentry-sqlite", "consentry-postgresql", "oidc-provider", "ceiling")
MIN_VS_OIDC = {"consentry-sqlite": 1.0, "consentry-postgresql": 0.7}
API_VS_CLIENT_CREDENTIALS = 1.5
P99_LIMIT_MS = 20.0
REGRESSION = 0.10

Row = dict[str, Any]


def _ratio(value: float, reference: float) -> float | None:
    return round(value / reference, 3) if reference else None


def add_ratios(rows: list[Row]) -> None:
    """Each row with a median gets `vs_oidc` and `vs_ceiling`: value ÷ reference, per metric."""
    by_key = {(row["target"], row["scenario"]): row for row in rows}
    ceiling = (by_key.get(("ceiling", "ceiling")) or {}).get("median")
    for row in rows:
        median = row.get("median")
        if not median:
            continue
        oidc = (by_key.get(("oidc-provider", row["scenario"])) or {}).get("median")
        if oidc and row["target"] != "oidc-provider":
            row["vs_oidc"] = _ratios(median, oidc)
        if ceiling and row["target"] != "ceiling":
            row["vs_ceiling"] = _ratios(median, ceiling)


def _ratios(median: Row, reference: Row) -> Row:
    metrics = ("rps", "p50_ms", "p99_ms", "cpu_ms")
    return {m: _ratio(median.get(m) or 0.0, reference.get(m) or 0.0) for m in metrics}


def check_targets(rows: list[Row], previous: list[Row] | None) -> list[Row]:
    """The targets of issue 6, each met (True), missed (False) or not measurable (None)."""
    by_key = {(row["target"], row["scenario"]): row for row in rows}
    checks: list[Row] = []

    def rps(target: str, scenario: str) -> float | None:
        row = by_key.get((target, scenario))
        return row["median"]["rps"] if row and row.get("median") else None

    def valid(*keys: tuple[str, str]) -> bool:
        return all((by_key.get(key) or {}).get("status") == "ok" for key in keys)

    for target, minimum in MIN_VS_OIDC.items():
        for scenario in TOKEN_SCENARIOS:
            ours, theirs = rps(target, scenario.name), rps("oidc-provider", scenario.name)
            value = _ratio(ours, theirs) if ours is not None and theirs else None
            checks.append(
                _check(
                    f"{target} {scenario.name} ≥ {minimum}× oidc-provider",
                    value,
                    minimum,
                    valid((target, scenario.name), ("oidc-provider", scenario.name)),
                )
            )
        api, cc = rps(target, "partner_api"), rps(target, "client_credentials")
        value = _ratio(api, cc) if api is not None and cc else None
        checks.append(
            _check(
                f"{target} partner API ≥ {API_VS_CLIENT_CREDENTIALS}× its client_credentials",
                value,
                API_VS_CLIENT_CREDENTIALS,
                valid((target, "partner_api"), (target, "client_credentials")),
            )
        )
    for row in rows:
        if row["target"].startswith("consentry") and row.get("median"):
            p99 = row["median"]["p99_ms"]
            checks.append(
                {
                    "target": f"{row['target']} {row['scenario']} p99 ≤ {P99_LIMIT_MS:g} ms",
                    "value": p99,
                    "met": p99 <= P99_LIMIT_MS,
                    "valid": row["status"] == "ok",
                }
            )
    checks += _regressions(rows, previous)
    return checks


def _check(text: str, value: float | None, minimum: float, valid: bool) -> Row:
    met = None if value is None else value >= minimum
    return {"target": text, "value": value, "met": met, "valid": valid}


def _regressions(rows: list[Row], previous: list[Row] | None) -> list[Row]:
    """consentry's req/s ratios against the previous results file: a drop of more than 10 %."""
    if not previous:
        return []
    before = {(row["target"], row["scenario"]): row for row in previous}
    checks = []
    for row in rows:
        old = before.get((row["target"], row["scenario"]))
        if not row["target"].startswith("consentry") or not old:
            continue
        for key in ("vs_oidc", "vs_ceiling"):
            now_ratio = (row.get(key) or {}).get("rps")
            old_ratio = (old.get(key) or {}).get("rps")
            if now_ratio is None or not old_ratio:
                continue
            change = _ratio(now_ratio, old_ratio)
            checks.append(
                {
                    "target": f"{row['target']} {row['scenario']} req/s {key} within 10 % of "
                    "the previous run",
                    "value": change,
                    "met": change is not None and change >= 1 - REGRESSION,
                    "valid": row["status"] == "ok",
                }
            )
    return checks


def previous_rows(results_dir: Path, current: Path) -> list[Row] | None:
    files = sorted(p for p in results_dir.glob("*.json") if p != current)
    if not files:
        return None
    try:
        data = json.loads(files[-1].read_text())
    except (OSError, ValueError):
        return None
    rows = data.get("results")
    return rows if isinstance(rows, list) else None


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def markdown(data: dict[str, Any], chart_name: str | None) -> str:
    rows: list[Row] = data["results"]
    settings = data["settings"]
    lines = [
        f"# Benchmark {data['started']}",
        "",
        f"Machine: {data['machine']['cpu']}, {data['machine']['cores']} cores; "
        f"servers pinned to core {settings['server_core']}, wrk to core {settings['load_core']} "
        f"({settings['connections']} keep-alive connections, 1 thread). "
        f"Warm-up {settings['warmup_seconds']} s, then {settings['runs']} × "
        f"{settings['seconds']} s; medians. consentry commit `{data['consentry_commit']}`.",
        "",
        f"Authorization codes live {settings['authorization_code_ttl_seconds']} s in this "
        "benchmark on both servers (consentry's default is 30 s, oidc-provider's 60 s), so that "
        "a pool minted before a run is still valid during it.",
        "",
        "Ratios are value ÷ reference measured in the same run: for req/s higher is better, "
        "for latency lower is better. CPU ms/req is the server process's CPU time during the "
        "runs ÷ the requests it answered (all its threads; PostgreSQL's own processes not "
        "included): 1000 ÷ it is roughly what the server could answer on a core of its own; it "
        "moves much less with the machine's other load than req/s does.",
        "",
        "| scenario | server | req/s | p50 ms | p99 ms | CPU ms/req | req/s ÷ oidc | p50 ÷ oidc "
        "| p99 ÷ oidc | CPU ÷ oidc | req/s ÷ ceiling | p50 ÷ ceiling | p99 ÷ ceiling | status |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    order = {name: i for i, name in enumerate(TARGET_ORDER)}
    scenario_order = {s.name: i for i, s in enumerate(ALL)}
    for row in sorted(
        rows, key=lambda r: (scenario_order[r["scenario"]], order.get(r["target"], 9))
    ):
        median = row.get("median") or {}
        oidc = row.get("vs_oidc") or {}
        ceiling = row.get("vs_ceiling") or {}
        status = row["status"] if row["status"] != "ok" else "valid"
        lines.append(
            f"| {BY_NAME[row['scenario']].title} | {row['target']} "
            f"| {_fmt(median.get('rps'), 0)} | {_fmt(median.get('p50_ms'))} "
            f"| {_fmt(median.get('p99_ms'))} | {_fmt(median.get('cpu_ms'), 3)} "
            f"| {_fmt(oidc.get('rps'))} | {_fmt(oidc.get('p50_ms'))} | {_fmt(oidc.get('p99_ms'))} "
            f"| {_fmt(oidc.get('cpu_ms'), 1)} "
            f"| {_fmt(ceiling.get('rps'), 3)} | {_fmt(ceiling.get('p50_ms'))} "
            f"| {_fmt(ceiling.get('p99_ms'))} | {status} |"
        )
    lines += ["", "## Targets (issue 6)", "", "| target | value | met |", "|---|--:|---|"]
    for check in data["targets_check"]:
        met = {True: "yes", False: "**no**", None: "not measured"}[check["met"]]
        if check["met"] is not None and not check.get("valid", True):
            met += " (invalid run)"
        lines.append(f"| {check['target']} | {_fmt(check['value'])} | {met} |")
    grouped = [r for r in rows if r.get("members_per_commit") is not None]
    if grouped:
        lines += [
            "",
            "## SQLite group commit",
            "",
            "| scenario | server | units of work per COMMIT |",
        ]
        lines += ["|---|---|--:|"]
        lines += [
            f"| {BY_NAME[r['scenario']].title} | {r['target']} | {r['members_per_commit']:.2f} |"
            for r in grouped
        ]
    notes = [
        f"- {r['target']} {r['scenario']}: {r['status']}: {r['note'][:400]}"
        for r in rows
        if r["status"] != "ok"
    ]
    lines += closing_sections(notes, data)
    if chart_name:
        lines += ["", f"![requests per second]({chart_name})"]
    return "\n".join(lines) + "\n"


def closing_sections(notes: list[str], data: dict[str, Any]) -> list[str]:
    """The notes (the points' own, then the run's failures), the servers and the machine's
    background load: the end of every report (this one and `growth_report.py`)."""
    notes = notes + [f"- {failure[:400]}" for failure in data.get("failures", [])]
    lines = ["", "## Notes", "", *notes] if notes else []
    lines += ["", "## Servers", ""]
    for name, info in data["servers"].items():
        lines.append(f"- **{name}**: " + "; ".join(f"{k}: {v}" for k, v in info.items()))
    busy = data["machine"].get("background_cpu_percent")
    if busy is not None:
        lines += [
            "",
            f"Background CPU use before the run (other processes): {busy} % per core"
            + (
                " — the machine was not quiet; absolute numbers are unreliable."
                if max(busy) > 15
                else "."
            ),
        ]
    return lines
