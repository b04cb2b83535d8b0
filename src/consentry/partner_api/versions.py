"""Partner-API versions (the `/{YYYY-MM}/` path prefix): served, near their end, or gone.

A version in the last three months before its sunset date carries `Deprecation: true` and
`Sunset: <HTTP-date>` (RFC 8594); from its decommission date (by default the sunset date) it
answers 410; a version that was never configured answers 404. Dates come from the injected clock.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime

from consentry.partner_api.errors import ApiVersionGone, UnknownApiVersion
from consentry.settings import ApiVersionSetting

NOTICE_MONTHS = 3
VERSION_PATTERN = r"\d{4}-\d{2}"  # the first path segment of every partner path


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (clamped to that month's last day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def http_date(day: date) -> str:
    """Midnight UTC of `day` as an RFC 9110 IMF-fixdate."""
    return format_datetime(datetime(day.year, day.month, day.day, tzinfo=UTC), usegmt=True)


@dataclass(frozen=True, slots=True)
class ApiVersion:
    name: str
    sunset: date | None = None
    decommissioned: date | None = None

    @property
    def end(self) -> date | None:
        """The announced end of life (the `Sunset` header)."""
        return self.sunset or self.decommissioned

    @property
    def gone_from(self) -> date | None:
        return self.decommissioned or self.sunset


class VersionPolicy:
    """Decides, for a version name and today's date, which headers to send or what to refuse."""

    def __init__(self, versions: Iterable[ApiVersion], notice_months: int = NOTICE_MONTHS) -> None:
        self._versions = {v.name: v for v in versions}
        self._notice_months = notice_months

    @classmethod
    def from_settings(cls, settings: Iterable[ApiVersionSetting]) -> VersionPolicy:
        return cls(ApiVersion(s.name, s.sunset, s.decommissioned) for s in settings)

    @property
    def names(self) -> list[str]:
        return sorted(self._versions)

    def check(self, name: str, today: date) -> dict[str, str]:
        """The headers for a served version; raises UnknownApiVersion or ApiVersionGone."""
        version = self._versions.get(name)
        if version is None:
            raise UnknownApiVersion(f"API version {name} is not supported.")
        if version.gone_from is not None and today >= version.gone_from:
            raise ApiVersionGone(
                f"API version {name} was decommissioned on {version.gone_from.isoformat()}."
            )
        end = version.end
        if end is not None and today >= months_before(end, self._notice_months):
            return {"Deprecation": "true", "Sunset": http_date(end)}
        return {}
