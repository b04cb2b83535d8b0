"""What a request handler may reach: built once by `create_app` and kept on `app.state`."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.templating import Jinja2Templates

from consentry.clock import Clock
from consentry.consent.service import ConsentService
from consentry.core.authorize import AuthorizationEndpoint
from consentry.core.server import AuthorizationServer
from consentry.keys.keyring import KeyRing
from consentry.settings import Settings
from consentry.storage.repositories import UnitOfWorkFactory
from consentry.web.sessions import SessionManager


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    clock: Clock
    uow: UnitOfWorkFactory
    authorization: AuthorizationEndpoint
    token_server: AuthorizationServer
    consent: ConsentService
    keyring: KeyRing
    sessions: SessionManager
    templates: Jinja2Templates
