"""The portal's domain errors: shown next to a form field on pages, as problem JSON in the API.

Never OAuth errors. ``surface.py` maps them to HTTP; pages catch the ones a form can show.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


class PortalError(Exception):
    """A request the portal refuses; `errors` name the fields at fault (may be empty)."""

    status: int = 400
    title: str = "Bad request"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        status: int | None = None,
        title: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors: list[FieldError] = [FieldError(field, message)] if field else []
        self.status = status or self.status
        self.title = title or self.title

    @classmethod
    def of(cls, errors: list[FieldError]) -> PortalError:
        error = cls(errors[0].message if len(errors) == 1 else "Some fields need attention.")
        error.errors = list(errors)
        return error

    def for_field(self, field: str) -> str | None:
        return next((e.message for e in self.errors if e.field == field), None)


class InvalidInput(PortalError):
    status = 422
    title = "Invalid input"


class NotFoundError(PortalError):
    """Unknown, or another organization's: both answer 404 so nothing leaks."""

    status = 404
    title = "Not found"


class LimitReached(PortalError):
    status = 409
    title = "Limit reached"


class AlreadyExists(PortalError):
    status = 409
    title = "Already exists"


class NotAuthenticated(PortalError):
    status = 401
    title = "Authentication required"


class NotADeveloper(PortalError):
    status = 403
    title = "Not a developer account"


class CsrfRejected(PortalError):
    status = 403
    title = "CSRF check failed"


class ConsentLinkInvalid(PortalError):
    """A signed consent link that is forged, expired, already used or of an unpublished app."""

    status = 400
    title = "This consent link cannot be used"


# What a form can show next to its fields; other portal errors become an error page.
FORM_ERRORS = (InvalidInput, LimitReached, AlreadyExists)
