"""The growth report in Markdown: a table per series, each metric also ÷ the series' first point."""

from __future__ import annotations

from typing import Any

from bench.report import closing_sections
from bench.scenarios import ALL, BY_NAME

Row = dict[str, Any]
TARGET_ORDER = ("consentry-sqlite", "consentry-postgresql")
METRICS = (("rps", 0), ("p50_ms", 2), ("p99_ms", 2), ("cpu_ms", 3))


def series_rows(points: list[Row], series: str) -> list[Row]:
    """The points of `series`, in order; the data series starts with connections' 32 point."""
    if series == "connections":
        chosen = [p for p in points if p["series"] == "connections"]
        key = "connections"
    else:
        chosen = [
            {**p, "series": "data"}
            for p in points
            if p["series"] == "connections" and p["connections"] == _size_connections(points)
        ]
        chosen += [p for p in points if p["series"] == "data"]
        key = "factor"
    scenarios = {s.name: i for i, s in enumerate(ALL)}
    targets = {t: i for i, t in enumerate(TARGET_ORDER)}
    return sorted(
        chosen, key=lambda p: (targets.get(p["target"], 9), scenarios[p["scenario"]], p[key])
    )


def _size_connections(points: list[Row]) -> int:
    sizes = [p["connections"] for p in points if p["series"] == "data"]
    return sizes[0] if sizes else 32


def first_points(rows: list[Row]) -> dict[tuple[str, str], Row]:
    """Per (target, scenario), the first point of the series (rows in series order)."""
    first: dict[tuple[str, str], Row] = {}
    for row in rows:
        first.setdefault((row["target"], row["scenario"]), row)
    return first


def _fmt(value: float | None, digits: int) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def _ratio(value: float | None, reference: float | None) -> str:
    if value is None or not reference:
        return "—"
    return f"{value / reference:.2f}×"


def _table(rows: list[Row], series: str, ceiling_rps: float | None) -> list[str]:
    first = first_points(rows)
    label = "connections" if series == "connections" else "data size (grants: start → end)"
    lines = [
        f"| scenario | server | {label} | req/s | ÷ first | p50 ms | ÷ first | p99 ms | ÷ first "
        "| CPU ms/req | ÷ first | req/s ÷ ceiling | status |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for row in rows:
        median = row.get("median") or {}
        base = (first[(row["target"], row["scenario"])].get("median")) or {}
        cells = []
        for metric, digits in METRICS:
            cells += [
                _fmt(median.get(metric), digits),
                _ratio(median.get(metric), base.get(metric)),
            ]
        if series == "connections":
            x = str(row["connections"])
        else:
            start, end = row["rows_start"].get("grants", 0), row["rows_end"].get("grants", 0)
            x = f"{row['factor']}× ({start:,} → {end:,})"
        status = "valid" if row["status"] == "ok" else f"**{row['status']}**"
        lines.append(
            f"| {BY_NAME[row['scenario']].title} | {row['target']} | {x} | "
            + " | ".join(cells)
            + f" | {_ratio(median.get('rps'), ceiling_rps).rstrip('×')} | {status} |"
        )
    return lines


def _rows_table(points: list[Row]) -> list[str]:
    """What each data size holds at the start of a point (same for every scenario)."""
    seen: dict[tuple[str, int], dict[str, int]] = {}
    for point in series_rows(points, "data"):
        seen.setdefault((point["target"], point["factor"]), point["rows_start"])
    if not seen:
        return []
    names = list(next(iter(seen.values())))
    lines = [
        "| server | size | " + " | ".join(names) + " |",
        "|---|--:|" + "--:|" * len(names),
    ]
    for (target, factor), counted in seen.items():
        values = " | ".join(f"{counted.get(n, 0):,}" for n in names)
        lines.append(f"| {target} | {factor}× | {values} |")
    return lines


def markdown(data: dict[str, Any], chart_name: str | None) -> str:
    settings = data["settings"]
    points: list[Row] = data["points"]
    ceiling = data.get("ceiling") or {}
    ceiling_rps = (ceiling.get("median") or {}).get("rps")
    minutes = data["duration_seconds"] / 60
    lines = [
        f"# Growth {data['started']}",
        "",
        f"Machine: {data['machine']['cpu']}, {data['machine']['cores']} cores; server pinned to "
        f"core {settings['server_core']}, wrk (1 thread) and PostgreSQL to core "
        f"{settings['load_core']}. Per point a fresh server, warm-up {settings['warmup_seconds']} s"
        f", then {settings['runs']} × {settings['seconds']} s (medians); pools sized from the "
        f"warm-up's rate. consentry commit `{data['consentry_commit']}`; the run took "
        f"{minutes:.0f} minutes.",
        "",
        f"Ceiling (raw ASGI app, {settings['size_connections']} connections): "
        + (f"{ceiling_rps:,.0f} req/s." if ceiling_rps else "not measured."),
        "",
        "`÷ first` is the value ÷ the series' first point (1 connection, or the base data size): "
        "for every column above 1 means it grew. CPU ms/req is the server process's CPU time ÷ "
        "the requests answered (PostgreSQL's own processes not included).",
        "",
        "## Connections (base data size)",
        "",
        *_table(series_rows(points, "connections"), "connections", ceiling_rps),
        "",
        f"## Data size ({settings['size_connections']} connections)",
        "",
        f"Base: the seeded database plus the point's own pools (N = {settings['base_grants']:,} "
        "grants is about what a point's pools hold); 10× and 100× are filled with filler grants "
        "up to 10 N and 100 N before the point (grants start → end: before the point, and "
        "with its pools). Rows at the start of each point:",
        "",
        *_rows_table(points),
        "",
        *_table(series_rows(points, "data"), "data", ceiling_rps),
    ]
    notes = [
        f"- {p['target']} {p['scenario']} ({p['connections']} connections, {p['factor']}×): "
        f"{p['status']}: {p['note'][:400]}"
        for p in points
        if p["status"] != "ok"
    ]
    lines += closing_sections(notes, data)
    if chart_name:
        lines += ["", f"![CPU ms per request against connections and data size]({chart_name})"]
    return "\n".join(lines) + "\n"
