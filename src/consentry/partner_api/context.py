"""What every partner-API call goes through: version, bearer token, rate limit, scope, advertisers.

`partner_call` runs the gate and, in order: verifies the token, then checks its grant and counts
the call (guard.py, rate_limit.py; one statement, or none when the node has a leased number and
knows the token live), checks the scope (Manage implies Read), and hands the handler its granted
advertisers and the partner repositories. The count commits at once, so refused calls (403/404)
count against the limit; a revoked token counts nothing.
A changing call (not GET) runs in a unit of work of its own: a refusal there still commits what
was done, any other exception rolls back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import Request

from consentry.clock import Clock
from consentry.core.errors import InsufficientScope, TooManyRequests
from consentry.core.ports.partner import PartnerData, PartnerDataFactory
from consentry.core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from consentry.core.scopes import Service, satisfies
from consentry.core.tokens import AccessTokenVerifier
from consentry.partner_api.errors import InvalidRequestBody, ResourceNotFound
from consentry.partner_api.guard import GrantedAccess, admit
from consentry.partner_api.middleware import add_partner_headers
from consentry.partner_api.rate_limit import RateLimiter


@dataclass(frozen=True, slots=True)
class PartnerGate:
    """What every partner-API call goes through, built by `create_app`: token verification, the
    rate limiter, the partner data, the units of work; `base_url` for the paging links."""

    verifier: AccessTokenVerifier
    limiter: RateLimiter
    data: PartnerDataFactory
    units: UnitOfWorkFactory
    clock: Clock
    base_url: str


def parse_id(value: str) -> int:
    """A path id: Criteo's ids are decimal strings; anything else names nothing (404)."""
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise ResourceNotFound(f"No resource has the id {value[:40]!r}.")
    return int(value)


def parse_ids(values: Iterable[str]) -> tuple[int, ...]:
    """Ids given in a body or query: each must be a decimal string (400 otherwise)."""
    parsed = []
    for value in values:
        if not value.isascii() or not value.isdigit() or len(value) > 18:
            raise InvalidRequestBody(f"{value[:40]!r} is not a valid id.")
        parsed.append(int(value))
    return tuple(parsed)


@dataclass(frozen=True, slots=True)
class PartnerCall:
    """A verified, counted call: who is calling, which advertisers it may touch, the data."""

    access: GrantedAccess
    uow: UnitOfWork
    data: PartnerData

    @property
    def advertiser_ids(self) -> tuple[int, ...]:
        return self.access.advertiser_ids

    def advertisers_in(self, requested: Iterable[str] | None) -> tuple[int, ...]:
        """The requested advertisers (all granted ones when None); 403 for any not granted."""
        if requested is None:
            return self.advertiser_ids
        chosen = parse_ids(requested)
        self.require_advertisers(chosen)
        return chosen

    def require_advertisers(self, advertiser_ids: Iterable[int]) -> None:
        """403 unless every advertiser was granted to this token (and is still granted)."""
        granted = set(self.access.advertiser_ids)
        for advertiser_id in advertiser_ids:
            if advertiser_id not in granted:
                raise InsufficientScope(
                    f"The access token was not granted advertiser {advertiser_id}."
                )


def _check_scope(access: GrantedAccess, scope: str | None, service: Service | None) -> None:
    scopes = access.claims.scopes
    if scope is not None and not satisfies(scopes, scope):
        raise InsufficientScope(f"This call needs the {scope} scope.")
    if service is not None and not any(s.startswith(f"{service.name}_") for s in scopes):
        raise InsufficientScope(f"This call needs a {service.title} access token.")


_SAFE_METHODS = frozenset({"GET", "HEAD"})


@asynccontextmanager
async def partner_call(
    request: Request,
    gate: PartnerGate,
    scope: str | None,
    *,
    service: Service | None = None,
) -> AsyncIterator[PartnerCall]:
    """Authorize and count one call; `scope` None: any valid token (of `service`, if given).

    The gate (token, grant, count) runs in its own autocommit unit of work on a relaxed
    connection: the count commits at once, without waiting for the disk, whatever follows.
    Reading calls (GET) then read on that same connection; changing calls get a unit of work
    of their own, one transaction that commits or rolls back as a whole.
    """
    # A refusal (OAuthError, PartnerApiError: `core.errors.Refusal`) leaves the unit of work
    # committed: the count stays, and so does what a changing call did before it was refused.
    async with gate.units(autocommit=True, relaxed=True) as counting:
        data = gate.data(counting)
        access, state = await admit(request, gate.verifier, data.rate_limits, gate.limiter)
        add_partner_headers(request, state.headers())
        if state.exceeded:
            add_partner_headers(request, {"Retry-After": str(state.retry_after)})
            raise TooManyRequests(state.retry_after, "The rate limit of this caller is spent.")
        _check_scope(access, scope, service)
        if request.method in _SAFE_METHODS:
            yield PartnerCall(access=access, uow=counting, data=data)
            return
    async with gate.units() as uow:
        yield PartnerCall(access=access, uow=uow, data=gate.data(uow))
