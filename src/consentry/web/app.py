"""`create_app(settings, clock=...)`: the one composition root of a consentry node."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry import __version__
from consentry.clock import Clock, SystemClock
from consentry.consent import login_routes
from consentry.consent import routes as consent_routes
from consentry.consent.service import ConsentService
from consentry.core.authorize import AuthorizationEndpoint
from consentry.core.grants.authorization_code import AuthorizationCodeGrant
from consentry.core.grants.base import GrantContext
from consentry.core.grants.refresh_token import RefreshTokenGrant
from consentry.core.hashing import SecretHasher
from consentry.core.policy import TokenPolicy
from consentry.core.server import AuthorizationServer
from consentry.core.tokens import TokenIssuer
from consentry.keys.derivation import derive_key
from consentry.keys.keyring import KeyRing
from consentry.keys.sealing import Sealer
from consentry.oauth import routes as oauth_routes
from consentry.partner_api import routes as partner_routes
from consentry.settings import Settings
from consentry.storage.repositories import UnitOfWork
from consentry.storage.sql.engine import create_engine
from consentry.storage.sql.repositories import SqlUnitOfWork
from consentry.web import pages
from consentry.web.access_log import AccessLogMiddleware
from consentry.web.errors import install_error_handlers
from consentry.web.security_headers import SecurityHeadersMiddleware
from consentry.web.services import Services
from consentry.web.sessions import SessionManager

PACKAGE = Path(__file__).resolve().parent.parent


def policy_from(settings: Settings) -> TokenPolicy:
    return TokenPolicy(
        authorization_code_ttl=timedelta(seconds=settings.authorization_code_ttl_seconds),
        access_token_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
        refresh_token_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
        consent_ttl=timedelta(seconds=settings.consent_ttl_seconds),
        access_token_leeway=timedelta(seconds=settings.access_token_leeway_seconds),
    )


def hasher_from(settings: Settings) -> SecretHasher:
    return SecretHasher(derive_key(settings.secret_key.get_secret_value(), "consentry/hash/v1"))


def sealer_from(settings: Settings) -> Sealer:
    return Sealer(derive_key(settings.secret_key.get_secret_value(), "consentry/seal/v1"))


def _templates() -> Jinja2Templates:
    loader = ChoiceLoader(
        [
            FileSystemLoader(PACKAGE / "web" / "templates"),
            FileSystemLoader(PACKAGE / "consent" / "templates"),
        ]
    )
    env = Environment(loader=loader, autoescape=select_autoescape(default=True))
    return Jinja2Templates(env=env)


def build_services(settings: Settings, clock: Clock) -> tuple[Services, AsyncEngine]:
    engine = create_engine(settings.database_url)

    def uow_factory(*, read_only: bool = False) -> UnitOfWork:
        return SqlUnitOfWork(engine, read_only=read_only)

    policy = policy_from(settings)
    hasher = hasher_from(settings)
    keyring = KeyRing(
        uow_factory=uow_factory,
        sealer=sealer_from(settings),
        clock=clock,
        issuer=settings.issuer,
        leeway=policy.access_token_leeway,
    )
    issuer = TokenIssuer(
        issuer=settings.issuer, signer=keyring, hasher=hasher, policy=policy, clock=clock
    )
    context = GrantContext(hasher=hasher, issuer=issuer, clock=clock)
    token_server = AuthorizationServer([AuthorizationCodeGrant(), RefreshTokenGrant()], context)
    authorization = AuthorizationEndpoint(
        issuer=settings.issuer, hasher=hasher, policy=policy, clock=clock
    )
    services = Services(
        settings=settings,
        clock=clock,
        uow=uow_factory,
        authorization=authorization,
        token_server=token_server,
        consent=ConsentService(authorization=authorization, clock=clock),
        keyring=keyring,
        sessions=SessionManager(
            hasher=hasher,
            clock=clock,
            ttl=timedelta(seconds=settings.session_ttl_seconds),
            secure=not settings.issuer_is_loopback,
        ),
        templates=_templates(),
    )
    return services, engine


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    services, engine = build_services(settings, clock or SystemClock())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await services.keyring.ready()
        yield
        await engine.dispose()

    app = FastAPI(
        title="consentry",
        version=__version__,
        description="OAuth 2.0 authorization server and partner API, wire-compatible with Criteo.",
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.engine = engine
    install_error_handlers(app)
    app.add_middleware(SecurityHeadersMiddleware, hsts=not settings.issuer_is_loopback)
    app.add_middleware(AccessLogMiddleware)
    app.mount("/static", StaticFiles(directory=PACKAGE / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(oauth_routes.router)
    app.include_router(login_routes.router)
    app.include_router(consent_routes.router)
    app.include_router(partner_routes.router)
    return app
