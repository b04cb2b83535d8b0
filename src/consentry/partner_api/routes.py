"""The partner API's route tables: Criteo's paths under a `YYYY-MM` version prefix.

The version is checked once, for every path under a version prefix, by `versions.
PartnerApiMiddleware` (404 unknown, 410 retired, `Deprecation`/`Sunset` near the end); the
route templates only match version-shaped prefixes (the `api_version` convertor), so no path
reaches a partner route unchecked. Each route then runs `partner_call` (token, rate limit,
scope, granted advertisers). `HOT` holds the `…/me` calls, which the composition root registers
before every other route; `ROUTES` the rest, one module per domain.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.convertors import CONVERTOR_TYPES, StringConvertor, register_url_convertor

from consentry.partner_api import me
from consentry.partner_api.marketing import (
    ad_sets,
    analytics,
    audiences,
    campaigns,
    creatives,
    reco,
)
from consentry.partner_api.retail import accounts
from consentry.partner_api.retail import campaigns as retail_campaigns
from consentry.partner_api.versions import VERSION_PATTERN
from consentry.web.routing import RouteTable


class ApiVersionConvertor(StringConvertor):
    """A path segment shaped like an API version (`2027-01`)."""

    regex = VERSION_PATTERN


# OpenAPI: every partner path names its version (the route templates carry a convertor).
_VERSION_PARAMETER = {
    "name": "version",
    "in": "path",
    "required": True,
    "description": "The API version, `YYYY-MM` (see `Deprecation`/`Sunset` near its end).",
    "schema": {"type": "string", "pattern": f"^{VERSION_PATTERN}$"},
}
PREFIX = "/{version:api_version}"

HOT = RouteTable(prefix=PREFIX, openapi_extra={"parameters": [_VERSION_PARAMETER]})
HOT.include(me.routes)

ROUTES = RouteTable(prefix=PREFIX, openapi_extra={"parameters": [_VERSION_PARAMETER]})
for module in (campaigns, ad_sets, audiences, creatives, analytics, reco):
    ROUTES.include(module.routes)
ROUTES.include(accounts.routes)
ROUTES.include(retail_campaigns.routes)


def register_version_convertor() -> None:
    """Make `{version:api_version}` known to Starlette (idempotent; before adding the routes)."""
    if "api_version" not in CONVERTOR_TYPES:
        register_url_convertor("api_version", ApiVersionConvertor())


def add_hot_routes(router: APIRouter) -> None:
    register_version_convertor()
    HOT.add_to(router)


def add_routes(router: APIRouter) -> None:
    register_version_convertor()
    ROUTES.add_to(router)
