"""Criteo's page metadata: totals and absolute links to the previous and next pages."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request

from consentry.partner_api.retail.schemas import PageMetadata

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


def _link(request: Request, base_url: str, page_index: int, page_size: int) -> str:
    query = [
        (k, v) for k, v in request.query_params.multi_items() if k not in {"pageIndex", "pageSize"}
    ]
    query += [("pageIndex", str(page_index)), ("pageSize", str(page_size))]
    return f"{base_url}{request.url.path}?{urlencode(query)}"


def page_metadata(
    request: Request, base_url: str, page_index: int, page_size: int, total: int, shown: int
) -> PageMetadata:
    """Metadata of page `page_index` (0-based) of `total` items; links are absolute URLs."""
    pages = (total + page_size - 1) // page_size
    return PageMetadata(
        totalItemsAcrossAllPages=total,
        currentPageSize=shown,
        currentPageIndex=page_index,
        totalPages=pages,
        nextPage=_link(request, base_url, page_index + 1, page_size)
        if page_index + 1 < pages
        else None,
        previousPage=_link(request, base_url, min(page_index, pages) - 1, page_size)
        if page_index > 0 and pages > 0
        else None,
    )
