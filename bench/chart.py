"""The bar chart (PNG): per scenario and server, requests per second (the ceiling as a line) and
the server's CPU time per request.

matplotlib is a bench-only dependency (`pip install -e ".[bench]"`); without it no chart is drawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.report import TARGET_ORDER
from bench.scenarios import PARTNER_API, TOKEN_SCENARIOS

COLOURS = {
    "consentry-sqlite": "#ff5b00",
    "consentry-postgresql": "#b33f00",
    "oidc-provider": "#5a6b7d",
}
SCENARIOS = (*TOKEN_SCENARIOS, PARTNER_API)
Row = dict[str, Any]


def _bars(axes: Any, rows: list[Row], metric: str, digits: int) -> list[float]:
    """Grouped bars of `metric` (a key of a row's median); returns the values drawn."""
    by_key = {(r["target"], r["scenario"]): r for r in rows}
    targets = [t for t in TARGET_ORDER if t in COLOURS and any(r["target"] == t for r in rows)]
    width = 0.8 / max(len(targets), 1)
    drawn: list[float] = []
    for index, target in enumerate(targets):
        xs, heights, labels = [], [], []
        for position, scenario in enumerate(SCENARIOS):
            row = by_key.get((target, scenario.name)) or {}
            value = (row.get("median") or {}).get(metric)
            if not value:
                continue
            xs.append(position + (index - (len(targets) - 1) / 2) * width)
            heights.append(value)
            labels.append(f"{value:.{digits}f}" + ("" if row["status"] == "ok" else "*"))
        bars = axes.bar(xs, heights, width * 0.95, label=target, color=COLOURS[target])
        axes.bar_label(bars, labels=labels, fontsize=7, padding=2)
        drawn += heights
    axes.set_yscale("log")
    if drawn:
        axes.set_ylim(bottom=min(drawn) / 2, top=max(drawn) * 3)
    axes.set_xticks(range(len(SCENARIOS)))
    axes.set_xticklabels([s.title for s in SCENARIOS], fontsize=8)
    axes.legend(fontsize=7, loc="upper left", ncols=max(len(targets), 1))
    axes.grid(axis="y", which="both", alpha=0.2)
    return drawn


def draw(rows: list[Row], title: str, into: Path) -> bool:
    """Write the chart to `into`; False when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.transforms import blended_transform_factory
    except ImportError:
        return False
    figure, (rate, cost) = plt.subplots(2, 1, figsize=(10, 8.5), dpi=110)
    drawn = _bars(rate, rows, "rps", 0)
    ceiling = next((r["median"] for r in rows if r["target"] == "ceiling" and r["median"]), None)
    if ceiling:
        rate.axhline(ceiling["rps"], color="#222222", linestyle="--", linewidth=1)
        rate.text(
            0.99,
            ceiling["rps"] * 1.08,
            f"ceiling (raw ASGI app): {ceiling['rps']:.0f} req/s",
            transform=blended_transform_factory(rate.transAxes, rate.transData),
            ha="right",
            fontsize=8,
        )
        rate.set_ylim(top=max([*drawn, ceiling["rps"]]) * 3)
    rate.set_ylabel("requests per second (median, log)")
    rate.set_title(title, fontsize=10)
    _bars(cost, rows, "cpu_ms", 2)
    cost.set_ylabel("server CPU ms per request (log)")
    cost.set_title("CPU time of the server process per request (lower is better)", fontsize=9)
    figure.text(0.01, 0.005, "* run invalid (non-2xx, errors or pool exhausted)", fontsize=7)
    figure.tight_layout()
    into.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(into)
    plt.close(figure)
    return True
