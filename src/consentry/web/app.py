"""`create_app(settings, clock=...)`: the one composition root of a consentry node."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from consentry import __version__
from consentry.clock import Clock, SystemClock
from consentry.consent import dashboard_routes, login_routes
from consentry.consent import routes as consent_routes
from consentry.consent.dashboard import ConsentDashboard
from consentry.consent.service import ConsentService
from consentry.consent.throttle import LoginThrottle, ThrottleLimits
from consentry.core.authorize import AuthorizationEndpoint
from consentry.core.grants.authorization_code import AuthorizationCodeGrant
from consentry.core.grants.base import GrantContext, TokenGrant
from consentry.core.grants.client_credentials import ClientCredentialsGrant
from consentry.core.grants.refresh_token import RefreshTokenGrant
from consentry.core.hashing import SecretHasher
from consentry.core.introspection import TokenIntrospection
from consentry.core.policy import ClientAuthLimits, TokenPolicy
from consentry.core.ports.unit_of_work import PortalUnitOfWork, UnitOfWork
from consentry.core.revocation import TokenRevocation
from consentry.core.server import AuthorizationServer
from consentry.core.tokens import TokenIssuer
from consentry.core.usage import UsageThrottle
from consentry.keys.derivation import derive_key
from consentry.keys.keyring import KeyRing
from consentry.keys.sealing import Sealer
from consentry.keys.successor import RefreshSuccessorSealer
from consentry.oauth import routes as oauth_routes
from consentry.oauth import token_routes
from consentry.partner_api import gateway
from consentry.partner_api import routes as partner_routes
from consentry.partner_api.context import PartnerComponents, check_version
from consentry.partner_api.headers import PartnerHeadersMiddleware
from consentry.partner_api.rate_limit import RateLimiter, RateLimitPolicy
from consentry.partner_api.versions import VersionPolicy
from consentry.portal import (
    api_apps,
    api_credentials,
    app_consent_routes,
    pages_apps,
    pages_auth,
    pages_settings,
    pages_tokens,
)
from consentry.portal.service import PortalConfig, build_portal
from consentry.settings import Settings
from consentry.storage.sql.client_cache import ClientCache
from consentry.storage.sql.connection import Database
from consentry.storage.sql.database import open_database
from consentry.storage.sql.partner import sql_partner_data
from consentry.storage.sql.unit_of_work import SqlPortalUnitOfWork, SqlUnitOfWork
from consentry.web import pages
from consentry.web.access_log import AccessLogMiddleware
from consentry.web.errors import install_error_handlers
from consentry.web.hot_lane import HotLane, HotRoute
from consentry.web.metrics import MetricsMiddleware, RequestMetrics
from consentry.web.metrics import router as metrics_router
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
        refresh_reuse_window=timedelta(seconds=settings.refresh_reuse_window_seconds),
    )


def client_auth_limits_from(settings: Settings) -> ClientAuthLimits:
    return ClientAuthLimits(
        max_failures=settings.client_auth_max_failures,
        window=timedelta(seconds=settings.client_auth_failure_window_seconds),
    )


def successor_sealer_from(settings: Settings) -> RefreshSuccessorSealer:
    secret = settings.secret_key.get_secret_value()
    return RefreshSuccessorSealer(derive_key(secret, "consentry/refresh-successor/v1"))


def hasher_from(settings: Settings) -> SecretHasher:
    return SecretHasher(derive_key(settings.secret_key.get_secret_value(), "consentry/hash/v1"))


def sealer_from(settings: Settings) -> Sealer:
    return Sealer(derive_key(settings.secret_key.get_secret_value(), "consentry/seal/v1"))


def portal_config_from(settings: Settings) -> PortalConfig:
    return PortalConfig(
        issuer=settings.issuer,
        link_key=derive_key(settings.secret_key.get_secret_value(), "consentry/consent-link/v1"),
        link_ttl=timedelta(seconds=settings.portal_link_ttl_seconds),
        max_image_bytes=settings.portal_max_image_bytes,
    )


def partner_from(settings: Settings, clock: Clock) -> PartnerComponents:
    """The partner API's data access, rate limiter and version policy."""
    limits = RateLimitPolicy(
        per_app=settings.rate_limit_per_app_per_minute,
        per_token=settings.rate_limit_per_token_per_minute,
    )
    return PartnerComponents(
        data=sql_partner_data,
        limiter=RateLimiter(limits, clock),
        versions=VersionPolicy.from_settings(settings.api_versions),
    )


def _templates() -> Jinja2Templates:
    loader = ChoiceLoader(
        [
            FileSystemLoader(PACKAGE / "web" / "templates"),
            FileSystemLoader(PACKAGE / "consent" / "templates"),
            FileSystemLoader(PACKAGE / "portal" / "templates"),  # names start with "portal/"
        ]
    )
    env = Environment(loader=loader, autoescape=select_autoescape(default=True))
    return Jinja2Templates(env=env)


def build_services(settings: Settings, clock: Clock) -> tuple[Services, Database]:
    clients = ClientCache(clock)  # the token endpoint's pairs, at most a second old
    database = open_database(
        settings.database_url,
        pool_size=settings.database_pool_size,
        sqlite_synchronous=settings.sqlite_synchronous,
    )

    def uow_factory(
        *,
        read_only: bool = False,
        autocommit: bool = False,
        relaxed: bool = False,
        standalone_writes: bool = False,
    ) -> UnitOfWork:
        return SqlUnitOfWork(
            database,
            read_only=read_only,
            autocommit=autocommit,
            relaxed=relaxed,
            standalone_writes=standalone_writes,
            clients=clients,
        )

    def portal_uow_factory(*, read_only: bool = False) -> PortalUnitOfWork:
        return SqlPortalUnitOfWork(database, read_only=read_only, clients=clients)

    policy = policy_from(settings)
    hasher = hasher_from(settings)
    keyring = KeyRing(
        uow_factory=uow_factory,
        sealer=sealer_from(settings),
        clock=clock,
        issuer=settings.issuer,
        leeway=policy.access_token_leeway,
        access_token_ttl=policy.access_token_ttl,
    )
    usage = UsageThrottle()  # "last used" written at most once a minute per pair and grant
    issuer = TokenIssuer(
        issuer=settings.issuer,
        signer=keyring,
        hasher=hasher,
        policy=policy,
        clock=clock,
        usage=usage,
    )
    context = GrantContext(hasher=hasher, issuer=issuer, clock=clock, usage=usage)
    grants: list[TokenGrant] = [
        AuthorizationCodeGrant(),
        RefreshTokenGrant(successor_sealer_from(settings), policy.refresh_reuse_window),
        ClientCredentialsGrant(),
    ]
    token_server = AuthorizationServer(grants, context, client_auth_limits_from(settings))
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
        revocation=TokenRevocation(
            verifier=keyring, hasher=hasher, clock=clock, leeway=policy.access_token_leeway
        ),
        introspection=TokenIntrospection(
            issuer=settings.issuer, verifier=keyring, hasher=hasher, clock=clock
        ),
        dashboard=ConsentDashboard(clock=clock),
        keyring=keyring,
        sessions=SessionManager(
            hasher=hasher,
            clock=clock,
            ttl=timedelta(seconds=settings.session_ttl_seconds),
            secure=not settings.issuer_is_loopback,
        ),
        templates=_templates(),
        portal_uow=portal_uow_factory,
        portal=build_portal(portal_config_from(settings), clock=clock, hasher=hasher),
        login_throttle=LoginThrottle(
            hasher=hasher,
            clock=clock,
            limits=ThrottleLimits(
                window=timedelta(seconds=settings.login_throttle_window_seconds),
                per_account=settings.login_max_failures_per_account,
                per_address=settings.login_max_failures_per_address,
            ),
        ),
    )
    return services, database


def hot_routes(services: Services, partner: PartnerComponents) -> list[HotRoute]:
    """The token endpoint and the partner API's `…/me` calls skip FastAPI's routing."""

    async def version_guard(request: Request, params: dict[str, str]) -> None:
        await check_version(params["version"], request, services, partner)

    me = "/{version}/%s/me"
    return [
        HotRoute("POST", "/oauth2/token", oauth_routes.token),
        HotRoute("GET", me % "advertisers", partner_routes.my_advertisers, version_guard),
        HotRoute("GET", me % "marketing-solutions", gateway.marketing_solutions_me, version_guard),
        HotRoute("GET", me % "retail-media", gateway.retail_media_me, version_guard),
    ]


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    services, database = build_services(settings, clock or SystemClock())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await services.keyring.ready()
        yield
        await database.close()

    app = FastAPI(
        title="consentry",
        version=__version__,
        description="OAuth 2.0 authorization server and partner API, wire-compatible with Criteo.",
        lifespan=lifespan,
        # FastAPI's native OpenTelemetry looks up the global providers on every request (about
        # 15 µs); consentry exports Prometheus metrics (/metrics) and turns it on only if asked.
        telemetry={
            "tracing": settings.opentelemetry,
            "metrics": settings.opentelemetry,
            "logs": settings.opentelemetry,
        },
    )
    app.state.services = services
    app.state.partner = partner = partner_from(settings, services.clock)
    app.state.database = database
    app.state.metrics = RequestMetrics()  # per app: no module-level registry
    install_error_handlers(app)
    # Innermost (added first): inside every other middleware, in front of FastAPI's router.
    app.add_middleware(
        HotLane,
        routes=hot_routes(services, partner),
        arguments={"services": services, "partner": partner},
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts=not settings.issuer_is_loopback)
    app.add_middleware(AccessLogMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(PartnerHeadersMiddleware)
    app.mount("/static", StaticFiles(directory=PACKAGE / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(metrics_router)
    app.include_router(oauth_routes.router)
    app.include_router(token_routes.router)
    app.include_router(dashboard_routes.router)
    app.include_router(login_routes.router)
    app.include_router(consent_routes.router)
    app.include_router(partner_routes.router)
    for portal_router in (pages_auth, pages_apps, pages_settings, pages_tokens, app_consent_routes):
        app.include_router(portal_router.router)
    app.include_router(api_apps.router)
    app.include_router(api_credentials.router)
    return app
