"""The statistics report: daily ad-set rows grouped by the requested dimensions, with metrics.

Pure functions over `StatRow`s. Amounts stay in the advertisers' currency (EUR in the demo data):
consentry does not convert currencies, so the `Currency` column tells which one the numbers use.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from consentry.core.ports.partner import StatRow

DATA_CURRENCY = "EUR"

DIMENSIONS: dict[str, Callable[[StatRow], str]] = {
    "AdvertiserId": lambda row: str(row.advertiser_id),
    "Advertiser": lambda row: row.advertiser_name,
    "CampaignId": lambda row: str(row.campaign_id),
    "Campaign": lambda row: row.campaign_name,
    "AdsetId": lambda row: str(row.ad_set_id),
    "Adset": lambda row: row.ad_set_name,
    "Day": lambda row: row.day.isoformat(),
    "Month": lambda row: row.day.strftime("%Y-%m"),
    "Year": lambda row: str(row.day.year),
}


@dataclass(slots=True)
class Totals:
    displays: int = 0
    clicks: int = 0
    cost_cents: int = 0
    sales: int = 0
    revenue_cents: int = 0

    def add(self, row: StatRow) -> None:
        self.displays += row.displays
        self.clicks += row.clicks
        self.cost_cents += row.cost_cents
        self.sales += row.sales
        self.revenue_cents += row.revenue_cents


def _ratio(numerator: float, denominator: float, scale: float = 1.0, digits: int = 4) -> float:
    return round(numerator * scale / denominator, digits) if denominator else 0.0


METRICS: dict[str, Callable[[Totals], int | float]] = {
    "Displays": lambda t: t.displays,
    "Clicks": lambda t: t.clicks,
    "AdvertiserCost": lambda t: t.cost_cents / 100,
    "SalesPc30d": lambda t: t.sales,
    "RevenueGeneratedPc30d": lambda t: t.revenue_cents / 100,
    "ClickThroughRate": lambda t: _ratio(t.clicks, t.displays),
    "Cpc": lambda t: _ratio(t.cost_cents, t.clicks, 0.01, 2),
    "ECpm": lambda t: _ratio(t.cost_cents, t.displays, 10.0, 2),
    "ConversionRatePc30d": lambda t: _ratio(t.sales, t.clicks),
    "CostPerOrderPc30d": lambda t: _ratio(t.cost_cents, t.sales, 0.01, 2),
    "RoasPc30d": lambda t: _ratio(t.revenue_cents, t.cost_cents, 1.0, 2),
    "ECosPc30d": lambda t: _ratio(t.cost_cents, t.revenue_cents),
}


def unsupported(names: Iterable[str], known: Mapping[str, object]) -> list[str]:
    return [name for name in names if name not in known]


@dataclass(frozen=True, slots=True)
class Report:
    """Rows in first-seen order of their dimension values, and the total over all rows."""

    columns: list[str]
    rows: list[dict[str, str | int | float]]
    total: dict[str, str | int | float]

    def as_json(self) -> dict[str, object]:
        return {"Rows": self.rows, "Total": self.total}

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=self.columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue()


def build_report(rows: Iterable[StatRow], dimensions: list[str], metrics: list[str]) -> Report:
    """Group `rows` by `dimensions` and compute `metrics` per group; names must be known."""
    groups: dict[tuple[str, ...], Totals] = {}
    overall = Totals()
    for row in rows:
        key = tuple(DIMENSIONS[d](row) for d in dimensions)
        groups.setdefault(key, Totals()).add(row)
        overall.add(row)

    def line(values: dict[str, str], totals: Totals) -> dict[str, str | int | float]:
        result: dict[str, str | int | float] = {**values, "Currency": DATA_CURRENCY}
        result.update({m: METRICS[m](totals) for m in metrics})
        return result

    body = [line(dict(zip(dimensions, key, strict=True)), t) for key, t in groups.items()]
    return Report(columns=[*dimensions, "Currency", *metrics], rows=body, total=line({}, overall))
