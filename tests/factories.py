"""Test builders: an in-memory world (organization, customer, advertisers, app, credential), a fake
access-token signer, and `OAuthFlow`, which drives the protocol core the way the routes do.
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from consentry.clock import FixedClock
from consentry.core.authorize import AuthorizationEndpoint, StartedAuthorization
from consentry.core.errors import InvalidToken, OAuthError
from consentry.core.grants.authorization_code import AuthorizationCodeGrant
from consentry.core.grants.base import GrantContext, TokenGrant
from consentry.core.grants.client_credentials import ClientCredentialsGrant
from consentry.core.grants.refresh_token import RefreshTokenGrant, SuccessorSealer
from consentry.core.hashing import SecretHasher, new_identifier, new_secret
from consentry.core.introspection import TokenIntrospection
from consentry.core.model import (
    AccessTokenClaims,
    Advertiser,
    App,
    AuthMethod,
    Client,
    Credential,
    Grant,
    RedirectTo,
    Role,
    TokenResponse,
    User,
)
from consentry.core.policy import ClientAuthLimits, TokenPolicy
from consentry.core.requests import Parameters
from consentry.core.revocation import TokenRevocation
from consentry.core.scopes import MARKETING_SOLUTIONS, Level, scopes_for
from consentry.core.server import AuthorizationServer
from consentry.core.tokens import TokenIssuer
from consentry.core.usage import UsageThrottle, always
from consentry.storage.memory import InMemoryStore

ISSUER = "https://auth.consentry.test"
HASH_KEY = b"consentry-test-hashing-key-0123456789abcdef"
REDIRECT_URI = "https://client.example/criteo-auth/callback"
OTHER_REDIRECT_URI = "http://localhost:3000/criteo-auth/callback"
SCOPES = scopes_for(
    MARKETING_SOLUTIONS, {"Analytics": Level.READ, "Campaign": Level.MANAGE}
)  # ('MarketingSolutions_Analytics_Read', 'MarketingSolutions_Campaign_Manage')


def make_hasher() -> SecretHasher:
    return SecretHasher(HASH_KEY)


def query_of(url: str) -> dict[str, str]:
    """The query of a redirect, one value per name (blank values kept)."""
    parsed = parse_qs(urlsplit(url).query, keep_blank_values=True)
    return {name: values[0] for name, values in parsed.items()}


@dataclass(frozen=True)
class SeededClient:
    """A credential pair with its raw secret, as the developer copied it from the portal."""

    app: App
    credential: Credential
    client_secret: str
    redirect_uri: str

    @property
    def client_id(self) -> str:
        return self.credential.client_id

    @property
    def model(self) -> Client:
        """The `Client` the core sees (redirect URIs left out)."""
        return Client(self.credential, self.app)


@dataclass(frozen=True)
class World:
    organization_id: int
    customer: User
    advertisers: tuple[Advertiser, ...]
    client: SeededClient


@dataclass
class MemoryFactory:
    """Adds rows to an `InMemoryStore`, numbering them itself."""

    store: InMemoryStore
    hasher: SecretHasher
    clock: FixedClock
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def organization(self, name: str = "Acme Ad Tools") -> int:
        organization_id = next(self._ids)
        self.store.add_organization(organization_id, name)
        return organization_id

    def user(self, email: str, *, organization_id: int | None = None) -> User:
        user = User(next(self._ids), email, email.split("@")[0], "argon2-hash", organization_id)
        self.store.add_user(user)
        return user

    def advertiser(self, name: str) -> Advertiser:
        advertiser = Advertiser(next(self._ids), name)
        self.store.add_advertiser(advertiser)
        return advertiser

    def client(
        self,
        organization_id: int,
        *,
        name: str = "Acme Bid Optimizer",
        auth_method: AuthMethod = AuthMethod.AUTHORIZATION_CODE,
        scopes: tuple[str, ...] = SCOPES,
        pkce_required: bool = False,
        activated: bool = True,
        redirect_uris: tuple[str, ...] = (REDIRECT_URI, OTHER_REDIRECT_URI),
    ) -> SeededClient:
        app = App(
            id=next(self._ids),
            organization_id=organization_id,
            organization_name="",
            name=name,
            description="Adjusts bids.",
            service=MARKETING_SOLUTIONS.code,
            auth_method=auth_method,
            scopes=scopes,
            pkce_required=pkce_required,
            activated=activated,
        )
        self.store.add_app(app)
        for uri in redirect_uris:
            self.store.add_redirect_uri(app.id, uri)
        return self.credential(app, redirect_uri=redirect_uris[0] if redirect_uris else "")

    def credential(
        self,
        app: App,
        *,
        redirect_uri: str = REDIRECT_URI,
        client_id: str | None = None,
        secret: str | None = None,
    ) -> SeededClient:
        secret = secret or new_secret()
        credential = Credential(
            id=next(self._ids),
            app_id=app.id,
            client_id=client_id or new_identifier(),
            secret_hash=self.hasher.hash(secret),
            label="test",
            created_at=self.clock.now(),
        )
        self.store.add_credential(credential)
        return SeededClient(app, credential, secret, redirect_uri)

    def world(self) -> World:
        organization_id = self.organization()
        customer = self.user("customer@example.test")
        advertisers = tuple(self.advertiser(n) for n in ("Maison Lumière", "Nordic Outdoor"))
        for advertiser in advertisers:
            self.store.add_portfolio_entry(customer.id, advertiser.id, Role.ADMIN)
        return World(organization_id, customer, advertisers, self.client(organization_id))


class FakeSigner:
    """Signs nothing: `fake.<claims as base64url JSON>.unsigned`, so tests can read claims back."""

    async def sign(self, claims: Mapping[str, object]) -> str:
        body = json.dumps(dict(claims), sort_keys=True).encode()
        return f"fake.{base64.urlsafe_b64encode(body).decode()}.unsigned"


def claims_of(token: str) -> dict[str, object]:
    prefix, body, suffix = token.split(".")
    assert (prefix, suffix) == ("fake", "unsigned")
    claims: dict[str, object] = json.loads(base64.urlsafe_b64decode(body))
    return claims


@dataclass
class FakeVerifier:
    """Accepts `FakeSigner` tokens of this issuer until `exp` plus the leeway."""

    clock: FixedClock
    leeway: timedelta = timedelta(seconds=30)

    async def verify(self, token: str) -> AccessTokenClaims:
        try:
            claims = claims_of(token)
        except (AssertionError, ValueError) as exc:
            raise InvalidToken("The access token is malformed.") from exc
        if claims["iss"] != ISSUER or claims["aud"] != ISSUER:
            raise InvalidToken("The access token was issued for another audience.")
        expires_at = int(str(claims["exp"]))
        if self.clock.now().timestamp() > expires_at + self.leeway.total_seconds():
            raise InvalidToken("The access token expired.")
        advertisers = claims["advertisers"]
        assert isinstance(advertisers, list)
        return AccessTokenClaims(
            subject=str(claims["sub"]),
            client_id=str(claims["client_id"]),
            scopes=frozenset(str(claims["scope"]).split()),
            grant_id=str(claims["gid"]),
            advertiser_ids=tuple(int(a) for a in advertisers),
            issued_at=int(str(claims["iat"])),
            expires_at=expires_at,
            token_id=str(claims["jti"]),
        )


@dataclass
class OAuthFlow:
    """Consent link → approval → token requests against the core, each in its own unit of work."""

    store: InMemoryStore
    clock: FixedClock
    world: World
    policy: TokenPolicy = field(default_factory=TokenPolicy)
    hasher: SecretHasher = field(default_factory=make_hasher)
    successors: SuccessorSealer | None = None
    limits: ClientAuthLimits = field(default_factory=ClientAuthLimits)
    usage: UsageThrottle = field(default_factory=always)

    def __post_init__(self) -> None:
        self.endpoint = AuthorizationEndpoint(
            issuer=ISSUER, hasher=self.hasher, policy=self.policy, clock=self.clock
        )
        self.issuer = TokenIssuer(
            issuer=ISSUER,
            signer=FakeSigner(),
            hasher=self.hasher,
            policy=self.policy,
            clock=self.clock,
            usage=self.usage,
        )
        self.grant_ids: list[str] = []  # of every approval, in order
        context = GrantContext(
            hasher=self.hasher, issuer=self.issuer, clock=self.clock, usage=self.usage
        )
        grants: list[TokenGrant] = [
            AuthorizationCodeGrant(),
            RefreshTokenGrant(self.successors, self.policy.refresh_reuse_window),
            ClientCredentialsGrant(),
        ]
        self.server = AuthorizationServer(grants, context, self.limits)
        self.verifier = FakeVerifier(self.clock, self.policy.access_token_leeway)
        self.revocation = TokenRevocation(
            verifier=self.verifier,
            hasher=self.hasher,
            clock=self.clock,
            leeway=self.policy.access_token_leeway,
        )
        self.introspection = TokenIntrospection(
            issuer=ISSUER, verifier=self.verifier, hasher=self.hasher, clock=self.clock
        )

    def link(self, client: SeededClient | None = None, /, **overrides: str | None) -> Parameters:
        """Consent-link parameters; `name=None` leaves a parameter out."""
        client = client or self.world.client
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": client.redirect_uri,
            "state": "xyz",
            **overrides,
        }
        return Parameters({k: v for k, v in params.items() if v is not None})

    async def start(
        self, client: SeededClient | None = None, /, **overrides: str | None
    ) -> StartedAuthorization:
        async with self.store.unit_of_work() as uow:
            return await self.endpoint.start(uow, self.link(client, **overrides), frozenset())

    async def approve(
        self, started: StartedAuthorization, advertisers: tuple[int, ...] | None = None
    ) -> RedirectTo:
        """What the consent service does when the customer approves."""
        async with self.store.unit_of_work() as uow:
            now = self.clock.now()
            pending = await uow.pending.consume(started.pending.id_hash, now)
            assert pending is not None
            grant = Grant(
                id=new_identifier(),
                user_id=self.world.customer.id,
                credential_id=pending.credential_id,
                app_id=started.client.app.id,
                scopes=pending.scopes,
                advertiser_ids=advertisers or tuple(a.id for a in self.world.advertisers),
                created_at=now,
            )
            self.grant_ids.append(grant.id)
            return await self.endpoint.issue_code(uow, pending, grant)

    async def obtain_code(self, client: SeededClient | None = None, /, **link: str | None) -> str:
        redirect = await self.approve(await self.start(client, **link))
        return query_of(redirect.url)["code"]

    async def token(
        self,
        form: Mapping[str, str],
        *,
        authorization: str | None = None,
        faulty: frozenset[str] = frozenset(),
    ) -> TokenResponse:
        """Like the route: a refusal is committed (a burned code stays burned), then raised."""
        refusal: OAuthError
        async with self.store.unit_of_work() as uow:
            try:
                return await self.server.token(uow, Parameters(form), faulty, authorization)
            except OAuthError as error:
                refusal = error
        raise refusal

    def credentials(self, client: SeededClient | None) -> dict[str, str]:
        client = client or self.world.client
        return {"client_id": client.client_id, "client_secret": client.client_secret}

    async def redeem(
        self,
        code: str,
        *,
        client: SeededClient | None = None,
        redirect_uri: str | None = None,
        code_verifier: str | None = None,
    ) -> TokenResponse:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": (client or self.world.client).redirect_uri
            if redirect_uri is None
            else redirect_uri,
            **self.credentials(client),
        }
        if code_verifier is not None:
            form["code_verifier"] = code_verifier
        return await self.token(form)

    async def refresh(
        self,
        refresh_token: str,
        *,
        client: SeededClient | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> TokenResponse:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return await self.token({**form, **self.credentials(client), **(extra or {})})

    async def client_credentials(self, client: SeededClient) -> TokenResponse:
        return await self.token({"grant_type": "client_credentials", **self.credentials(client)})

    async def revoke(self, token: str, client: SeededClient | None = None) -> None:
        async with self.store.unit_of_work() as uow:
            await self.revocation.revoke(
                uow, (client or self.world.client).model, Parameters({"token": token})
            )

    async def introspect(self, token: str, client: SeededClient | None = None) -> dict[str, object]:
        async with self.store.unit_of_work(read_only=True) as uow:
            return await self.introspection.introspect(
                uow, (client or self.world.client).model, Parameters({"token": token})
            )

    async def grant(self, grant_id: str) -> Grant:
        async with self.store.unit_of_work(read_only=True) as uow:
            grant = await uow.grants.get(grant_id)
        assert grant is not None
        return grant
