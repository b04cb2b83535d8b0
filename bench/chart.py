"""The bar chart (PNG): requests per second per scenario and server, the ceiling as a line.

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


def draw(rows: list[dict[str, Any]], title: str, into: Path) -> bool:
    """Write the chart to `into`; False when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.transforms import blended_transform_factory
    except ImportError:
        return False
    scenarios = [*TOKEN_SCENARIOS, PARTNER_API]
    targets = [t for t in TARGET_ORDER if t in COLOURS and any(r["target"] == t for r in rows)]
    by_key = {(r["target"], r["scenario"]): r for r in rows}
    width = 0.8 / max(len(targets), 1)
    values = [r["median"]["rps"] for r in rows if r.get("median") and r["median"]["rps"] > 0]
    figure, axes = plt.subplots(figsize=(10, 5.2), dpi=110)
    for index, target in enumerate(targets):
        xs, heights, labels = [], [], []
        for position, scenario in enumerate(scenarios):
            row = by_key.get((target, scenario.name))
            median = (row or {}).get("median")
            if not median:
                continue
            xs.append(position + (index - (len(targets) - 1) / 2) * width)
            heights.append(median["rps"])
            labels.append(f"{median['rps']:.0f}" + ("" if row and row["status"] == "ok" else "*"))
        bars = axes.bar(xs, heights, width * 0.95, label=target, color=COLOURS[target])
        axes.bar_label(bars, labels=labels, fontsize=8, padding=2)
    ceiling = (by_key.get(("ceiling", "ceiling")) or {}).get("median")
    if ceiling:
        axes.axhline(ceiling["rps"], color="#222222", linestyle="--", linewidth=1)
        axes.text(
            0.99,
            ceiling["rps"] * 1.06,
            f"ceiling (raw ASGI app): {ceiling['rps']:.0f} req/s",
            transform=blended_transform_factory(axes.transAxes, axes.transData),
            ha="right",
            fontsize=8,
        )
    axes.set_yscale("log")
    if values:
        axes.set_ylim(bottom=min(values) / 2, top=max(values) * 2)
    axes.set_ylabel("requests per second (log scale, median)")
    axes.set_xticks(range(len(scenarios)))
    axes.set_xticklabels([s.title for s in scenarios], fontsize=9)
    axes.set_title(title, fontsize=10)
    axes.legend(fontsize=8, loc="upper left", ncols=len(targets))
    axes.grid(axis="y", which="both", alpha=0.2)
    figure.text(0.01, 0.01, "* run invalid (non-2xx, errors or pool exhausted)", fontsize=7)
    figure.tight_layout()
    into.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(into)
    plt.close(figure)
    return True
