"""The growth chart (PNG): server CPU ms per request against connections and against data size,
one line per scenario and backend (colour: scenario; solid: SQLite, dashed: PostgreSQL).

matplotlib is a bench-only dependency, as for bench/chart.py; without it no chart is drawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.growth_report import TARGET_ORDER, series_rows
from bench.scenarios import PARTNER_API, TOKEN_SCENARIOS

COLOURS = {
    "client_credentials": "#ff5b00",
    "refresh_token": "#2a7ab0",
    "authorization_code": "#3b9b3b",
    "partner_api": "#8a3fb3",
}
STYLES = {"consentry-sqlite": "-", "consentry-postgresql": "--"}
SCENARIOS = (*TOKEN_SCENARIOS, PARTNER_API)
Row = dict[str, Any]


def _lines(axes: Any, rows: list[Row], key: str) -> None:
    for target in TARGET_ORDER:
        for scenario in SCENARIOS:
            chosen = [
                r
                for r in rows
                if r["target"] == target and r["scenario"] == scenario.name and r.get("median")
            ]
            if not chosen:
                continue
            xs = [r[key] for r in chosen]
            ys = [r["median"]["cpu_ms"] for r in chosen]
            axes.plot(
                xs,
                ys,
                STYLES[target],
                marker="o",
                color=COLOURS[scenario.name],
                label=f"{scenario.name}, {target.removeprefix('consentry-')}",
            )
            for x, y, row in zip(xs, ys, chosen, strict=True):
                if row["status"] != "ok":  # invalid: non-2xx, errors or pool exhausted
                    axes.plot([x], [y], marker="x", color="#000000", markersize=9)
    axes.set_xscale("log")
    axes.set_ylim(bottom=0)
    axes.grid(which="both", alpha=0.2)


def draw(data: dict[str, Any], title: str, into: Path) -> bool:
    """Write the chart to `into`; False when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    points: list[Row] = data["points"]
    figure, (by_connections, by_size) = plt.subplots(1, 2, figsize=(12, 5.5), dpi=110)
    connections = series_rows(points, "connections")
    _lines(by_connections, connections, "connections")
    ticks = sorted({r["connections"] for r in connections})
    by_connections.set_xticks(ticks, [str(t) for t in ticks])
    by_connections.set_xlabel("keep-alive connections (wrk -c)")
    by_connections.set_ylabel("server CPU ms per request")
    by_connections.set_title("against connections (base data size)", fontsize=9)
    sizes = series_rows(points, "data")
    _lines(by_size, sizes, "factor")
    factors = sorted({r["factor"] for r in sizes})
    by_size.set_xticks(factors, [f"{f}×" for f in factors])
    by_size.set_xlabel(f"data size (× {data['settings']['base_grants']:,} grants)")
    by_size.set_title(
        f"against data size ({data['settings']['size_connections']} connections)", fontsize=9
    )
    handles, labels = by_connections.get_legend_handles_labels()
    if handles:
        figure.legend(handles, labels, loc="lower center", ncols=4, fontsize=7)
    figure.suptitle(f"{title} (x: invalid point)", fontsize=10)
    figure.tight_layout(rect=(0, 0.1, 1, 1))
    into.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(into)
    plt.close(figure)
    return True
