"""Everything one node is made of, built from its settings and registered by type.

`build_node` opens the database (nothing connects until the first unit of work), builds the
core's services, the keys, and each face's components, and registers each under the type its
routes ask for (`web.components`). Only this package and the CLI import `consentry.storage`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from consentry.clock import Clock
from consentry.composition.derived import (
    client_auth_limits_from,
    hasher_from,
    login_limits_from,
    policy_from,
    portal_config_from,
    rate_limits_from,
    sealer_from,
    successor_sealer_from,
)
from consentry.consent import templates_directory as consent_templates
from consentry.consent.dashboard import ConsentDashboard
from consentry.consent.service import ConsentService
from consentry.core.authorize import AuthorizationEndpoint
from consentry.core.grants.authorization_code import AuthorizationCodeGrant
from consentry.core.grants.base import GrantContext, TokenGrant
from consentry.core.grants.client_credentials import ClientCredentialsGrant
from consentry.core.grants.refresh_token import RefreshTokenGrant
from consentry.core.introspection import TokenIntrospection
from consentry.core.metadata import ServerMetadata
from consentry.core.ports.unit_of_work import (
    PortalUnitOfWork,
    PortalUnitOfWorkFactory,
    UnitOfWork,
    UnitOfWorkFactory,
)
from consentry.core.revocation import TokenRevocation
from consentry.core.server import AuthorizationServer
from consentry.core.sign_in import LoginThrottle
from consentry.core.tokens import AccessTokenVerifier, PublishedKeys, TokenIssuer
from consentry.core.usage import UsageThrottle
from consentry.keys.keyring import KeyRing
from consentry.partner_api.context import PartnerGate
from consentry.partner_api.rate_limit import RateLimiter
from consentry.partner_api.versions import VersionPolicy
from consentry.passwords import verify_password
from consentry.portal import templates_directory as portal_templates
from consentry.portal.service import build_portal
from consentry.portal.web import PortalWeb
from consentry.settings import Settings
from consentry.storage.sql.admissions import AdmissionMemory
from consentry.storage.sql.app_grant_cache import AppGrantCache
from consentry.storage.sql.client_cache import ClientCache
from consentry.storage.sql.connection import Database, PoolLimits
from consentry.storage.sql.database import open_database
from consentry.storage.sql.partner import sql_partner_data
from consentry.storage.sql.unit_of_work import SqlPortalUnitOfWork, SqlUnitOfWork
from consentry.web.components import Components
from consentry.web.forms import FormLimits
from consentry.web.sessions import SessionManager
from consentry.web.templates import Templates


@dataclass(frozen=True, slots=True)
class Node:
    """What `create_app` needs besides the registered components."""

    components: Components
    database: Database
    keyring: KeyRing
    versions: VersionPolicy
    templates: Templates
    authorization: AuthorizationEndpoint


def _units_of_work(
    database: Database,
    clients: ClientCache,
    app_grants: AppGrantCache,
    admissions: AdmissionMemory,
) -> tuple[UnitOfWorkFactory, PortalUnitOfWorkFactory]:
    def units(
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
            app_grants=app_grants,
            admissions=admissions,
        )

    def portal_units(*, read_only: bool = False) -> PortalUnitOfWork:
        return SqlPortalUnitOfWork(
            database, read_only=read_only, clients=clients, app_grants=app_grants
        )

    return units, portal_units


def build_node(settings: Settings, clock: Clock) -> Node:
    clients = ClientCache(clock)  # the token endpoint's pairs, at most a second old
    database = open_database(
        settings.database_url,
        limits=PoolLimits(
            size=settings.database_pool_size,
            acquire_timeout=settings.database_acquire_timeout_seconds,
            max_lifetime=settings.database_connection_max_lifetime_seconds,
            max_idle=settings.database_connection_max_idle_seconds,
        ),
        sqlite_synchronous=settings.sqlite_synchronous,
    )
    app_grants = AppGrantCache(clock)  # each app's app-level grants, at most a second old
    database.watch_writes(app_grants.written)  # this node's own writes show at once
    admissions = AdmissionMemory(clock)  # the partner API's leased call numbers, live tokens
    database.watch_writes(admissions.written)
    units, portal_units = _units_of_work(database, clients, app_grants, admissions)
    policy = policy_from(settings)
    hasher = hasher_from(settings)
    keyring = KeyRing(
        uow_factory=units,
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
    sessions = SessionManager(
        hasher=hasher,
        clock=clock,
        ttl=timedelta(seconds=settings.session_ttl_seconds),
        secure=not settings.issuer_is_loopback,
    )
    templates = Templates([consent_templates(), portal_templates()])
    portal_config = portal_config_from(settings)
    versions = VersionPolicy.from_settings(settings.api_versions)

    components = Components()
    components.add(Clock, clock)
    components.add(UnitOfWorkFactory, units)
    components.add(PortalUnitOfWorkFactory, portal_units)
    components.add(FormLimits, FormLimits(settings.max_form_bytes))
    components.add(SessionManager, sessions)
    components.add(Templates, templates)
    components.add(KeyRing, keyring)
    components.add(PublishedKeys, keyring)
    components.add(AccessTokenVerifier, keyring)
    components.add(
        LoginThrottle,
        LoginThrottle(
            hasher=hasher,
            clock=clock,
            limits=login_limits_from(settings),
            check_password=verify_password,
        ),
    )
    # OAuth endpoints
    components.add(AuthorizationEndpoint, authorization)
    components.add(AuthorizationServer, token_server)
    components.add(
        TokenRevocation,
        TokenRevocation(
            verifier=keyring, hasher=hasher, clock=clock, leeway=policy.access_token_leeway
        ),
    )
    components.add(
        TokenIntrospection,
        TokenIntrospection(issuer=settings.issuer, verifier=keyring, hasher=hasher, clock=clock),
    )
    components.add(ServerMetadata, ServerMetadata.of(settings.issuer, token_server.grant_types))
    # Customers' pages
    components.add(ConsentService, ConsentService(authorization=authorization, clock=clock))
    components.add(ConsentDashboard, ConsentDashboard(clock=clock))
    # Developer portal
    portal = build_portal(portal_config, clock=clock, hasher=hasher)
    components.add(PortalWeb, PortalWeb(portal, sessions, templates, portal_config))
    # Partner API
    limiter = RateLimiter(rate_limits_from(settings), clock)
    gate = PartnerGate(keyring, limiter, sql_partner_data, units, clock, settings.issuer)
    components.add(PartnerGate, gate)
    return Node(components, database, keyring, versions, templates, authorization)
