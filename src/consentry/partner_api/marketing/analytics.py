"""`POST /{version}/statistics/report`: performance of granted advertisers over a date range.

Needs `MarketingSolutions_Analytics_Read`. Criteo's request body (StatisticsReportQueryMessage);
answers JSON (`{"Rows": [...], "Total": {...}}`, the default) or CSV. Days are UTC days; both
`startDate` and `endDate` are included; a range is at most one year.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import Field
from starlette.responses import Response

from consentry.core.scopes import MARKETING_SOLUTIONS
from consentry.partner_api.context import parse_ids, partner_call
from consentry.partner_api.deps import PartnerGateDep
from consentry.partner_api.errors import InvalidRequestBody
from consentry.partner_api.marketing.report import DIMENSIONS, METRICS, build_report, unsupported
from consentry.partner_api.schemas import RequestBody, Strict, documented
from consentry.web.routing import RouteTable

READ = "MarketingSolutions_Analytics_Read"
MAX_DAYS = 366

routes = RouteTable(tags=[MARKETING_SOLUTIONS.title])


class StatisticsReportQuery(RequestBody):
    """Criteo's StatisticsReportQueryMessage."""

    advertiserIds: str = Field(min_length=1, max_length=2000, description="Comma-separated ids")
    startDate: datetime
    endDate: datetime
    dimensions: list[str] = Field(min_length=1, max_length=6)
    metrics: list[str] = Field(min_length=1, max_length=30)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    format: str = "json"
    timezone: str | None = "UTC"
    adSetIds: list[str] | None = None
    adSetNames: list[str] | None = None
    adSetStatus: list[str] | None = None


class StatisticsReport(Strict):
    """The JSON report: one object per group, keyed by dimension and metric names."""

    Rows: list[dict[str, str | int | float]]
    Total: dict[str, str | int | float]


def _check(query: StatisticsReportQuery) -> None:
    bad = unsupported(query.dimensions, DIMENSIONS) + unsupported(query.metrics, METRICS)
    if bad:
        raise InvalidRequestBody(f"Unsupported dimensions or metrics: {', '.join(bad)}.")
    if query.format.lower() not in {"json", "csv"}:
        raise InvalidRequestBody("Only the json and csv formats are available.")
    days = (query.endDate.date() - query.startDate.date()).days
    if days < 0 or days >= MAX_DAYS:
        raise InvalidRequestBody("endDate must follow startDate, at most a year later.")


@routes.post(
    "/statistics/report",
    response_model=None,
    **documented(
        READ,
        "Statistics report of granted advertisers",
        responses={200: {"model": StatisticsReport, "content": {"text/csv": {}}}},
    ),
)
async def statistics_report(
    request: Request, gate: PartnerGateDep, query: StatisticsReportQuery
) -> Response:
    wanted = [part.strip() for part in query.advertiserIds.split(",") if part.strip()]
    async with partner_call(request, gate, READ) as call:
        _check(query)
        advertiser_ids = call.advertisers_in(wanted)
        ad_set_ids = parse_ids(query.adSetIds) if query.adSetIds is not None else None
        rows = await call.data.statistics.rows(
            advertiser_ids, query.startDate.date(), query.endDate.date(), ad_set_ids
        )
    report = build_report(rows, query.dimensions, query.metrics)
    if query.format.lower() == "csv":
        return Response(report.as_csv(), media_type="text/csv; charset=utf-8")
    return JSONResponse(report.as_json())
