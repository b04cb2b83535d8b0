"""The portal's one service layer, shared by the pages and the JSON API: no rule is written twice.

`Portal` bundles the small services; each takes the unit of work of the current request and the
signed-in `Developer`, and raises a `PortalError` before it writes anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from consentry.clock import Clock
from consentry.core.hashing import SecretHasher
from consentry.portal.accounts import AccountService
from consentry.portal.apps import AppService
from consentry.portal.credentials import CredentialService
from consentry.portal.links import ConsentLinkService
from consentry.portal.tokens import ApiTokenService


@dataclass(frozen=True, slots=True)
class PortalConfig:
    issuer: str
    link_key: bytes
    link_ttl: timedelta
    max_image_bytes: int


@dataclass(frozen=True, slots=True)
class Portal:
    accounts: AccountService
    apps: AppService
    credentials: CredentialService
    links: ConsentLinkService
    tokens: ApiTokenService


def build_portal(config: PortalConfig, *, clock: Clock, hasher: SecretHasher) -> Portal:
    apps = AppService(clock=clock, max_image_bytes=config.max_image_bytes)
    return Portal(
        accounts=AccountService(clock=clock),
        apps=apps,
        credentials=CredentialService(clock=clock, hasher=hasher),
        links=ConsentLinkService(
            issuer=config.issuer,
            clock=clock,
            hasher=hasher,
            link_key=config.link_key,
            ttl=config.link_ttl,
            apps=apps,
        ),
        tokens=ApiTokenService(clock=clock, hasher=hasher),
    )
