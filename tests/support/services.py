"""The node's components that service-level tests call directly, taken from a built app."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from consentry.clock import Clock
from consentry.core.authorize import AuthorizationEndpoint
from consentry.core.ports.unit_of_work import PortalUnitOfWorkFactory, UnitOfWorkFactory
from consentry.core.sign_in import LoginThrottle
from consentry.keys.keyring import KeyRing
from consentry.portal.service import Portal
from consentry.portal.web import PortalWeb
from consentry.settings import Settings
from consentry.web.components import Components
from consentry.web.sessions import SessionManager


@dataclass(frozen=True)
class Services:
    settings: Settings
    clock: Clock
    uow: UnitOfWorkFactory
    portal_uow: PortalUnitOfWorkFactory
    portal: Portal
    sessions: SessionManager
    login_throttle: LoginThrottle
    keyring: KeyRing
    authorization: AuthorizationEndpoint

    @classmethod
    def of(cls, app: FastAPI, settings: Settings) -> Services:
        components: Components = app.state.components
        return cls(
            settings=settings,
            clock=components.get(Clock),
            uow=components.get(UnitOfWorkFactory),
            portal_uow=components.get(PortalUnitOfWorkFactory),
            portal=components.get(PortalWeb).portal,
            sessions=components.get(SessionManager),
            login_throttle=components.get(LoginThrottle),
            keyring=components.get(KeyRing),
            authorization=components.get(AuthorizationEndpoint),
        )
