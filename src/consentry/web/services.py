"""What a request handler may reach: built once by `create_app` and kept on `app.state`."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.templating import Jinja2Templates

from consentry.clock import Clock
from consentry.consent.dashboard import ConsentDashboard
from consentry.consent.service import ConsentService
from consentry.consent.throttle import LoginThrottle
from consentry.core.authorize import AuthorizationEndpoint
from consentry.core.introspection import TokenIntrospection
from consentry.core.ports.unit_of_work import PortalUnitOfWorkFactory, UnitOfWorkFactory
from consentry.core.revocation import TokenRevocation
from consentry.core.server import AuthorizationServer
from consentry.keys.keyring import KeyRing
from consentry.portal.service import Portal
from consentry.settings import Settings
from consentry.web.sessions import SessionManager


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    clock: Clock
    uow: UnitOfWorkFactory
    authorization: AuthorizationEndpoint
    token_server: AuthorizationServer
    consent: ConsentService
    revocation: TokenRevocation
    introspection: TokenIntrospection
    dashboard: ConsentDashboard
    keyring: KeyRing
    sessions: SessionManager
    templates: Jinja2Templates
    # Developer portal (a unit of work with the portal's repositories) and sign-in throttling.
    portal_uow: PortalUnitOfWorkFactory
    portal: Portal
    login_throttle: LoginThrottle
