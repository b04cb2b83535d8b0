"""Partner-API failures that are not about the bearer token: unknown or retired versions, missing
resources and invalid request bodies, answered in Criteo's error envelope (`surface.py`).
"""

from __future__ import annotations

from consentry.core.errors import Refusal


class PartnerApiError(Refusal):
    """A client-visible partner-API failure with Criteo's error `code` and a readable `detail`.

    A refusal: the unit of work it leaves keeps what was written before it (`core.errors`)."""

    status_code: int = 400
    code: str = "invalid"
    title: str = "Invalid request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidRequestBody(PartnerApiError):
    """The body or a parameter is malformed or names something unsupported (400)."""


class ResourceNotFound(PartnerApiError):
    status_code = 404
    code = "not-found"
    title = "Resource not found"


class UnknownApiVersion(PartnerApiError):
    status_code = 404
    code = "unknown-version"
    title = "Unknown API version"


class ApiVersionGone(PartnerApiError):
    status_code = 410
    code = "endpoint-deprecated"
    title = "API version decommissioned"
