"""Shared response models of the partner API and the OpenAPI documentation of each endpoint's scope.

Field names are Criteo's (camelCase) so the models serialize as Criteo's SDKs expect. Every route
declares its scope through `documented(...)`: it shows in the description and as the
`x-required-scope` extension of the operation in `/openapi.json` ("none" when any valid token
will do; `x-required-service` then names the service the token must belong to, if any).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from consentry.core.model import App
from consentry.core.scopes import SERVICES, Service
from consentry.web.text import TextChecked


class Strict(BaseModel):
    """Reject unknown input fields; output exactly the declared ones."""

    model_config = ConfigDict(extra="forbid")


class RequestBody(Strict, TextChecked):
    """A request body's models: control characters refused too (`web/text.py`)."""


class Problem(Strict):
    """One entry of Criteo's `errors` / `warnings` lists."""

    traceId: str | None = None
    type: str
    code: str
    title: str
    detail: str | None = None


class ErrorResponse(Strict):
    """Criteo's error envelope, sent with every 4xx/5xx of the partner API."""

    errors: list[Problem]


class AdvertiserAttributes(Strict):
    advertiserName: str


class AdvertiserResource(Strict):
    type: Literal["advertiser"] = "advertiser"
    id: str
    attributes: AdvertiserAttributes


class AdvertiserList(Strict):
    """`GET /{version}/advertisers/me` (Criteo's GetPortfolioResponse)."""

    data: list[AdvertiserResource]
    errors: list[Problem] = Field(default_factory=list)
    warnings: list[Problem] = Field(default_factory=list)


class ApplicationSummary(Strict):
    applicationId: int
    organizationId: int
    name: str
    description: str
    criteoService: str


class ApplicationSummaryResource(Strict):
    type: Literal["ApplicationSummary"] = "ApplicationSummary"
    attributes: ApplicationSummary


class ApplicationSummaryResponse(Strict):
    """`GET /{version}/marketing-solutions/me` and `/retail-media/me` (ApplicationSummaryModel)."""

    data: ApplicationSummaryResource
    errors: list[Problem] = Field(default_factory=list)
    warnings: list[Problem] = Field(default_factory=list)

    @classmethod
    def of(cls, app: App) -> ApplicationSummaryResponse:
        service = SERVICES.get(app.service)
        summary = ApplicationSummary(
            applicationId=app.id,
            organizationId=app.organization_id,
            name=app.name,
            description=app.description,
            criteoService=service.name if service else app.service,
        )
        return cls(data=ApplicationSummaryResource(attributes=summary))


def amount(cents: int | None) -> float | None:
    """Integer cents as Criteo's decimal amount."""
    return None if cents is None else cents / 100


def cents(value: float | None) -> int | None:
    """Criteo's decimal amount as integer cents (rounded to the cent)."""
    return None if value is None else round(value * 100)


NO_SCOPE = "none"  # `x-required-scope` of endpoints open to any valid token
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing, invalid, expired or revoked token"},
    403: {"model": ErrorResponse, "description": "Token lacks the scope or the advertiser"},
    404: {"model": ErrorResponse, "description": "Unknown API version or resource"},
    410: {"model": ErrorResponse, "description": "API version decommissioned"},
    429: {"model": ErrorResponse, "description": "Rate limit exceeded (see x-ratelimit-*)"},
}


def documented(
    scope: str | None,
    summary: str,
    *,
    service: Service | None = None,
    responses: dict[int | str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Route keyword arguments that document the required scope in the OpenAPI schema."""
    if scope is not None:
        needs = f"Requires the `{scope}` scope (a `_Manage` scope also grants `_Read`)."
    elif service is not None:
        needs = f"Requires any valid {service.title} access token."
    else:
        needs = "Requires any valid access token."
    extra = {"x-required-scope": scope or NO_SCOPE}
    if service is not None:
        extra["x-required-service"] = service.name
    return {
        "summary": summary,
        "description": f"{needs} Only the advertisers and accounts of the token's grant are used.",
        "openapi_extra": extra,
        "responses": {**_ERRORS, **(responses or {})},
    }
