"""The reference in-memory implementation of the repository protocols in `core.ports`.

All state lives on an `InMemoryStore` instance. A writing unit of work holds the store's lock and
works on a copy of the committed tables, published on a clean exit and dropped on an exception, so
racing writers are serialised as SQLite's `BEGIN IMMEDIATE` serialises them. Read-only units of
work read the committed tables without the lock, and refuse writes. Duplicate keys raise
`Conflict`; references to missing rows raise `NotFound` (the SQL schema's foreign keys).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self, TypeVar

from consentry.core import model
from consentry.core.audit import GENESIS_HASH, AuditEvent, StoredAuditEvent, chain_hash
from consentry.core.ports.audit import AuditRepository
from consentry.core.ports.clients import ClientRepository
from consentry.core.ports.grants import (
    ConsentRepository,
    GrantRepository,
    GrantSummary,
    PendingAuthorizationRepository,
)
from consentry.core.ports.keys import SigningKeyRepository, StoredSigningKey
from consentry.core.ports.sessions import WebSession, WebSessionRepository
from consentry.core.ports.throttling import ClientAuthFailureRepository, FailureWindow
from consentry.core.ports.tokens import (
    AuthorizationCodeRepository,
    RefreshTokenRepository,
    TokenStateRepository,
)
from consentry.core.ports.users import UserRepository
from consentry.storage.errors import Conflict, NotFound

K = TypeVar("K")
V = TypeVar("V")


@dataclass(slots=True)
class _Tables:
    """Every row, keyed like the SQL primary keys; values are immutable, so copying is cheap."""

    organizations: dict[int, str] = field(default_factory=dict)
    users: dict[int, model.User] = field(default_factory=dict)
    advertisers: dict[int, model.Advertiser] = field(default_factory=dict)
    portfolio: dict[tuple[int, int], model.Role] = field(default_factory=dict)
    apps: dict[int, model.App] = field(default_factory=dict)
    images: dict[int, tuple[bytes, str]] = field(default_factory=dict)
    credentials: dict[int, model.Credential] = field(default_factory=dict)
    redirect_uris: dict[int, frozenset[str]] = field(default_factory=dict)
    pending: dict[bytes, model.PendingAuthorization] = field(default_factory=dict)
    decided_at: dict[bytes, datetime] = field(default_factory=dict)
    grants: dict[str, model.Grant] = field(default_factory=dict)
    grant_last_used_at: dict[str, datetime] = field(default_factory=dict)
    advertiser_revoked_at: dict[tuple[str, int], datetime] = field(default_factory=dict)
    codes: dict[bytes, model.AuthorizationCode] = field(default_factory=dict)
    refresh_tokens: dict[bytes, model.RefreshToken] = field(default_factory=dict)
    signing_keys: dict[str, StoredSigningKey] = field(default_factory=dict)
    web_sessions: dict[bytes, WebSession] = field(default_factory=dict)
    revoked_tokens: dict[str, datetime] = field(default_factory=dict)
    auth_failures: dict[str, FailureWindow] = field(default_factory=dict)
    audit: dict[int, StoredAuditEvent] = field(default_factory=dict)

    def live_advertisers(self, grant: model.Grant) -> tuple[int, ...]:
        """The grant's advertisers not taken back (SQL: `grant_advertisers.revoked_at IS NULL`)."""
        revoked = self.advertiser_revoked_at
        return tuple(a for a in grant.advertiser_ids if (grant.id, a) not in revoked)

    def live_grant(self, grant_id: str) -> model.Grant | None:
        grant = self.grants.get(grant_id)
        if grant is None:
            return None
        return replace(grant, advertiser_ids=self.live_advertisers(grant))

    def last_used(self, grant_id: str) -> datetime | None:
        """When a token was last issued under the grant: its newest refresh token or the time
        noted on the grant (SQL: GREATEST of the two)."""
        times = [r.created_at for r in self.refresh_tokens.values() if r.grant_id == grant_id]
        noted = self.grant_last_used_at.get(grant_id)
        if noted is not None:
            times.append(noted)
        return max(times, default=None)

    def copy(self) -> _Tables:
        clone = _Tables()
        for column in fields(self):
            setattr(clone, column.name, dict(getattr(self, column.name)))
        return clone


def _require(table: Mapping[K, object], key: K, what: str) -> None:
    if key not in table:
        raise NotFound(f"no {what} {key!r}")


def _insert(table: dict[K, V], key: K, value: V, what: str) -> None:
    if key in table:
        raise Conflict(f"{what} {key!r} already exists")
    table[key] = value


class _Access:
    """The tables one unit of work sees; writable unless the unit of work is read-only."""

    def __init__(self, tables: _Tables, *, read_only: bool) -> None:
        self._tables: _Tables | None = tables
        self._read_only = read_only

    @property
    def tables(self) -> _Tables:
        if self._tables is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._tables

    def write(self) -> _Tables:
        if self._read_only:
            raise RuntimeError("write in a read-only unit of work")
        return self.tables

    def close(self) -> None:
        self._tables = None


_OneTime = TypeVar("_OneTime", model.AuthorizationCode, model.RefreshToken)


def _consume(
    table: dict[bytes, _OneTime], key: bytes, credential_id: int, now: datetime
) -> _OneTime | None:
    """The SQL conditional UPDATE: unused, issued to this credential and not yet expired."""
    row = table.get(key)
    if row is None or row.used_at is not None or row.credential_id != credential_id:
        return None
    if row.expires_at <= now:
        return None
    table[key] = used = replace(row, used_at=now)
    return used


class _Repository:
    def __init__(self, access: _Access) -> None:
        self._access = access


class InMemoryClientRepository(_Repository):
    async def get_by_client_id(
        self, client_id: str, *, with_redirect_uris: bool = True
    ) -> model.Client | None:
        t = self._access.tables
        credential = next((c for c in t.credentials.values() if c.client_id == client_id), None)
        if credential is None:
            return None
        app = t.apps[credential.app_id]
        organization_name = t.organizations[app.organization_id]
        app = replace(app, organization_name=organization_name, has_image=app.id in t.images)
        uris = t.redirect_uris.get(app.id, frozenset()) if with_redirect_uris else frozenset()
        return model.Client(credential, app, uris)

    async def get_image(self, app_id: int) -> tuple[bytes, str] | None:
        return self._access.tables.images.get(app_id)

    async def touch_credential(self, credential_id: int, when: datetime) -> None:
        t = self._access.write()
        if credential_id in t.credentials:
            t.credentials[credential_id] = replace(t.credentials[credential_id], last_used_at=when)


class InMemoryUserRepository(_Repository):
    async def get(self, user_id: int) -> model.User | None:
        return self._access.tables.users.get(user_id)

    async def get_by_email(self, email: str) -> model.User | None:
        wanted = email.strip().lower()
        return next((u for u in self._access.tables.users.values() if u.email == wanted), None)

    async def portfolio(self, user_id: int) -> list[model.PortfolioEntry]:
        t = self._access.tables
        entries = [
            model.PortfolioEntry(t.advertisers[advertiser_id], role)
            for (owner, advertiser_id), role in t.portfolio.items()
            if owner == user_id
        ]
        return sorted(entries, key=lambda e: (e.advertiser.name, e.advertiser.id))

    async def advertisers(self, advertiser_ids: tuple[int, ...]) -> list[model.Advertiser]:
        known = self._access.tables.advertisers
        return [known[i] for i in sorted(set(advertiser_ids)) if i in known]


class InMemoryPendingAuthorizationRepository(_Repository):
    def _with_client_id(self, pending: model.PendingAuthorization) -> model.PendingAuthorization:
        # Like the SQL join: the client_id is the credential's, not a copy kept with the row.
        client_id = self._access.tables.credentials[pending.credential_id].client_id
        return replace(pending, client_id=client_id)

    async def add(self, pending: model.PendingAuthorization) -> None:
        t = self._access.write()
        _require(t.credentials, pending.credential_id, "credential")
        _insert(t.pending, pending.id_hash, pending, "pending authorization")

    async def get(self, id_hash: bytes) -> model.PendingAuthorization | None:
        t = self._access.tables
        pending = t.pending.get(id_hash)
        if pending is None or id_hash in t.decided_at:
            return None
        return self._with_client_id(pending)

    async def consume(self, id_hash: bytes, now: datetime) -> model.PendingAuthorization | None:
        t = self._access.write()
        pending = t.pending.get(id_hash)
        if pending is None or id_hash in t.decided_at or pending.expires_at <= now:
            return None
        t.decided_at[id_hash] = now
        return self._with_client_id(pending)


class InMemoryGrantRepository(_Repository):
    async def add(self, grant: model.Grant) -> None:
        t = self._access.write()
        if grant.credential_id is not None:  # None: an app-level (client-credentials) grant
            _require(t.credentials, grant.credential_id, "credential")
        _require(t.apps, grant.app_id, "app")
        if grant.user_id is not None:
            _require(t.users, grant.user_id, "user")
        for advertiser_id in grant.advertiser_ids:
            _require(t.advertisers, advertiser_id, "advertiser")
        if len(set(grant.advertiser_ids)) != len(grant.advertiser_ids):
            raise Conflict("an advertiser appears twice in the grant")
        stored = replace(grant, advertiser_ids=tuple(sorted(grant.advertiser_ids)))
        _insert(t.grants, grant.id, stored, "grant")

    async def get(self, grant_id: str) -> model.Grant | None:
        return self._access.tables.live_grant(grant_id)

    async def revoke(self, grant_id: str, when: datetime) -> None:
        t = self._access.write()
        grant = t.grants.get(grant_id)
        if grant is not None and grant.revoked_at is None:
            t.grants[grant_id] = replace(grant, revoked_at=when)

    async def touch(self, grant_id: str, when: datetime) -> None:
        t = self._access.write()
        if grant_id in t.grants:
            t.grant_last_used_at[grant_id] = when

    async def app_level(self, app_id: int) -> list[model.Grant]:
        t = self._access.tables
        found = [
            g
            for g in t.grants.values()
            if g.app_id == app_id and g.credential_id is None and g.active
        ]
        found.sort(key=lambda g: (g.created_at, g.id))
        return [grant for g in found if (grant := t.live_grant(g.id)) is not None]


class InMemoryAuthorizationCodeRepository(_Repository):
    async def add(self, code: model.AuthorizationCode) -> None:
        t = self._access.write()
        _require(t.grants, code.grant_id, "grant")
        _require(t.credentials, code.credential_id, "credential")
        _insert(t.codes, code.code_hash, code, "authorization code")

    async def get(self, code_hash: bytes) -> model.AuthorizationCode | None:
        return self._access.tables.codes.get(code_hash)

    async def get_with_grant(
        self, code_hash: bytes
    ) -> tuple[model.AuthorizationCode, model.Grant | None] | None:
        t = self._access.tables
        code = t.codes.get(code_hash)
        return None if code is None else (code, t.live_grant(code.grant_id))

    async def redeem(
        self,
        code_hash: bytes,
        credential_id: int,
        now: datetime,
        refresh_token: model.RefreshToken,
    ) -> bool:
        t = self._access.write()
        if _consume(t.codes, code_hash, credential_id, now) is None:
            return False
        _insert(t.refresh_tokens, refresh_token.token_hash, refresh_token, "refresh token")
        return True


class InMemoryRefreshTokenRepository(_Repository):
    async def add(self, token: model.RefreshToken) -> None:
        t = self._access.write()
        _require(t.grants, token.grant_id, "grant")
        _require(t.credentials, token.credential_id, "credential")
        _insert(t.refresh_tokens, token.token_hash, token, "refresh token")

    async def get(self, token_hash: bytes) -> model.RefreshToken | None:
        return self._access.tables.refresh_tokens.get(token_hash)

    async def get_with_grant(
        self, token_hash: bytes
    ) -> tuple[model.RefreshToken, model.Grant | None] | None:
        t = self._access.tables
        token = t.refresh_tokens.get(token_hash)
        return None if token is None else (token, t.live_grant(token.grant_id))

    async def rotate(
        self,
        token_hash: bytes,
        credential_id: int,
        now: datetime,
        successor: bytes | None,
        replacement: model.RefreshToken,
    ) -> bool:
        table = self._access.write().refresh_tokens
        consumed = _consume(table, token_hash, credential_id, now)
        if consumed is None:
            return False
        table[token_hash] = replace(consumed, successor=successor)
        _insert(table, replacement.token_hash, replacement, "refresh token")
        return True


class InMemorySigningKeyRepository(_Repository):
    async def list(self) -> list[StoredSigningKey]:
        keys = sorted(self._access.tables.signing_keys.values(), key=lambda k: k.created_at)
        return [replace(key, public_jwk=dict(key.public_jwk)) for key in keys]

    async def add(self, key: StoredSigningKey) -> None:
        stored = replace(key, public_jwk=dict(key.public_jwk))
        _insert(self._access.write().signing_keys, key.kid, stored, "signing key")

    async def retire(self, kid: str, when: datetime) -> None:
        t = self._access.write()
        key = t.signing_keys.get(kid)
        if key is not None and key.retired_at is None:
            t.signing_keys[kid] = replace(key, retired_at=when)


class InMemoryWebSessionRepository(_Repository):
    async def add(self, session: WebSession) -> None:
        t = self._access.write()
        if session.user_id is not None:
            _require(t.users, session.user_id, "user")
        _insert(t.web_sessions, session.id_hash, session, "web session")

    async def get(self, id_hash: bytes) -> WebSession | None:
        return self._access.tables.web_sessions.get(id_hash)

    async def revoke(self, id_hash: bytes, when: datetime) -> None:
        t = self._access.write()
        if id_hash in t.web_sessions:
            t.web_sessions[id_hash] = replace(t.web_sessions[id_hash], revoked_at=when)

    async def revoke_all(self, user_id: int, when: datetime) -> int:
        t = self._access.write()
        open_ = [
            s for s in t.web_sessions.values() if s.user_id == user_id and s.revoked_at is None
        ]
        for session in open_:
            t.web_sessions[session.id_hash] = replace(session, revoked_at=when)
        return len(open_)


class InMemoryConsentRepository(_Repository):
    async def for_user(self, user_id: int) -> list[GrantSummary]:
        t = self._access.tables
        mine = [g for g in t.grants.values() if g.user_id == user_id and g.active]
        mine.sort(key=lambda g: g.id)
        mine.sort(key=lambda g: g.created_at, reverse=True)  # newest first, then by id
        summaries = []
        for grant in mine:
            app = t.apps[grant.app_id]
            live = sorted(
                (t.advertisers[a] for a in t.live_advertisers(grant)),
                key=lambda a: (a.name, a.id),
            )
            summaries.append(
                GrantSummary(
                    grant_id=grant.id,
                    app_id=app.id,
                    app_name=app.name,
                    organization_name=t.organizations[app.organization_id],
                    service=app.service,
                    scopes=grant.scopes,
                    advertisers=tuple(live),
                    created_at=grant.created_at,
                    last_used_at=t.last_used(grant.id),
                    app_level=grant.credential_id is None,
                )
            )
        return summaries

    async def granted_advertisers(self, user_id: int, app_id: int) -> frozenset[int]:
        t = self._access.tables
        return frozenset(
            advertiser_id
            for g in t.grants.values()
            if g.user_id == user_id and g.app_id == app_id and g.active
            for advertiser_id in t.live_advertisers(g)
        )

    async def revoke_advertiser(self, grant_id: str, advertiser_id: int, when: datetime) -> bool:
        t = self._access.write()
        grant = t.grants.get(grant_id)
        key = (grant_id, advertiser_id)
        if (
            grant is None
            or advertiser_id not in grant.advertiser_ids
            or key in t.advertiser_revoked_at
        ):
            return False
        t.advertiser_revoked_at[key] = when
        return True


class InMemoryTokenStateRepository(_Repository):
    async def live_advertisers(self, grant_id: str, token_id: str) -> tuple[int, ...] | None:
        t = self._access.tables
        grant = t.live_grant(grant_id)
        if grant is None or not grant.active or token_id in t.revoked_tokens:
            return None
        return tuple(sorted(set(grant.advertiser_ids)))

    async def live_app_advertisers(self, client_id: str, token_id: str) -> tuple[int, ...] | None:
        t = self._access.tables
        credential = next((c for c in t.credentials.values() if c.client_id == client_id), None)
        if credential is None or token_id in t.revoked_tokens:
            return None
        grants = await InMemoryGrantRepository(self._access).app_level(credential.app_id)
        return tuple(sorted({a for grant in grants for a in grant.advertiser_ids}))

    async def revoke_token(self, token_id: str, until: datetime, now: datetime) -> None:
        t = self._access.write()
        for jti in [jti for jti, expires_at in t.revoked_tokens.items() if expires_at < now]:
            del t.revoked_tokens[jti]
        t.revoked_tokens.setdefault(token_id, until)


class InMemoryClientAuthFailureRepository(_Repository):
    async def record(self, client_id: str, now: datetime, window: timedelta) -> FailureWindow:
        t = self._access.write()
        current = t.auth_failures.get(client_id)
        if current is None or current.started_at <= now - window:
            current = FailureWindow(count=1, started_at=now)
        else:
            current = FailureWindow(count=current.count + 1, started_at=current.started_at)
        t.auth_failures[client_id] = current
        return current


class InMemoryAuditRepository(_Repository):
    async def append(self, event: AuditEvent) -> StoredAuditEvent:
        t = self._access.write()
        seq, prev_hash = await self.head()
        stored = StoredAuditEvent(seq + 1, event, prev_hash, chain_hash(prev_hash, event))
        t.audit[stored.seq] = stored
        return stored

    async def recent(
        self, *, app_id: int | None = None, limit: int = 100
    ) -> list[StoredAuditEvent]:
        events = [e for _, e in sorted(self._access.tables.audit.items(), reverse=True)]
        return [e for e in events if app_id is None or e.event.app_id == app_id][:limit]

    async def page(
        self, *, app_id: int | None = None, after_seq: int = 0, limit: int = 100
    ) -> list[StoredAuditEvent]:
        events = [e for seq, e in sorted(self._access.tables.audit.items()) if seq > after_seq]
        return [e for e in events if app_id is None or e.event.app_id == app_id][:limit]

    async def head(self) -> tuple[int, str]:
        audit = self._access.tables.audit
        if not audit:
            return 0, GENESIS_HASH
        last = audit[max(audit)]
        return last.seq, last.hash


class InMemoryUnitOfWork:
    """One transaction on an `InMemoryStore`: commits on a clean exit, rolls back on an error."""

    clients: ClientRepository
    users: UserRepository
    pending: PendingAuthorizationRepository
    grants: GrantRepository
    codes: AuthorizationCodeRepository
    refresh_tokens: RefreshTokenRepository
    signing_keys: SigningKeyRepository
    web_sessions: WebSessionRepository
    consents: ConsentRepository
    token_state: TokenStateRepository
    client_auth_failures: ClientAuthFailureRepository
    audit: AuditRepository

    def __init__(self, store: InMemoryStore, *, read_only: bool = False) -> None:
        self._store = store
        self._read_only = read_only
        self._access: _Access | None = None

    async def __aenter__(self) -> Self:
        if self._access is not None:
            raise RuntimeError("unit of work entered twice")
        tables = await self._store._begin(read_only=self._read_only)
        access = self._access = _Access(tables, read_only=self._read_only)
        self.clients = InMemoryClientRepository(access)
        self.users = InMemoryUserRepository(access)
        self.pending = InMemoryPendingAuthorizationRepository(access)
        self.grants = InMemoryGrantRepository(access)
        self.codes = InMemoryAuthorizationCodeRepository(access)
        self.refresh_tokens = InMemoryRefreshTokenRepository(access)
        self.signing_keys = InMemorySigningKeyRepository(access)
        self.web_sessions = InMemoryWebSessionRepository(access)
        self.consents = InMemoryConsentRepository(access)
        self.token_state = InMemoryTokenStateRepository(access)
        self.client_auth_failures = InMemoryClientAuthFailureRepository(access)
        self.audit = InMemoryAuditRepository(access)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._access is None:
            raise RuntimeError("unit of work exited without being entered")
        access, self._access = self._access, None
        tables = access.tables
        access.close()  # repositories kept by the caller stop working, like a closed connection
        self._store._end(tables, read_only=self._read_only, commit=exc_type is None)


class InMemoryStore:
    """The state of one in-memory database, plus `add_*` helpers seeding the rows the portal owns.

    The helpers take rows with their ids (builders live in tests/factories.py). Call them outside
    writing units of work: those publish their own copy of the tables on exit.
    """

    def __init__(self) -> None:
        self._tables = _Tables()
        self._lock = asyncio.Lock()

    def unit_of_work(
        self,
        *,
        read_only: bool = False,
        autocommit: bool = False,
        relaxed: bool = False,
        standalone_writes: bool = False,
    ) -> InMemoryUnitOfWork:
        """A `UnitOfWorkFactory`: pass `store.unit_of_work` wherever one is expected.

        In memory every unit of work is one transaction: `autocommit`, `relaxed` and
        `standalone_writes` (durability and round-trip choices of the SQL storage) change
        nothing here.
        """
        return InMemoryUnitOfWork(self, read_only=read_only)

    async def _begin(self, *, read_only: bool) -> _Tables:
        if read_only:
            return self._tables  # writers replace this object on commit, never change it
        await self._lock.acquire()
        return self._tables.copy()

    def _end(self, tables: _Tables, *, read_only: bool, commit: bool) -> None:
        if read_only:
            return
        if commit:
            self._tables = tables
        self._lock.release()

    def add_organization(self, organization_id: int, name: str) -> None:
        _insert(self._tables.organizations, organization_id, name, "organization")

    def add_user(self, user: model.User) -> None:
        t = self._tables
        if user.organization_id is not None:
            _require(t.organizations, user.organization_id, "organization")
        if any(u.email == user.email for u in t.users.values()):
            raise Conflict(f"user {user.email!r} already exists")
        _insert(t.users, user.id, user, "user")

    def add_advertiser(self, advertiser: model.Advertiser) -> None:
        _insert(self._tables.advertisers, advertiser.id, advertiser, "advertiser")

    def add_portfolio_entry(self, user_id: int, advertiser_id: int, role: model.Role) -> None:
        t = self._tables
        _require(t.users, user_id, "user")
        _require(t.advertisers, advertiser_id, "advertiser")
        _insert(t.portfolio, (user_id, advertiser_id), role, "portfolio entry")

    def add_app(self, app: model.App, *, image: tuple[bytes, str] | None = None) -> None:
        """Store the app; its organization name and `has_image` are read back from the rows."""
        t = self._tables
        _require(t.organizations, app.organization_id, "organization")
        _insert(t.apps, app.id, app, "app")
        if image is not None:
            t.images[app.id] = image

    def add_credential(self, credential: model.Credential) -> None:
        t = self._tables
        _require(t.apps, credential.app_id, "app")
        if any(c.client_id == credential.client_id for c in t.credentials.values()):
            raise Conflict(f"client_id {credential.client_id!r} already exists")
        _insert(t.credentials, credential.id, credential, "credential")

    def add_redirect_uri(self, app_id: int, uri: str) -> None:
        t = self._tables
        _require(t.apps, app_id, "app")
        registered = t.redirect_uris.get(app_id, frozenset())
        if uri in registered:
            raise Conflict(f"redirect URI {uri!r} already registered")
        t.redirect_uris[app_id] = registered | {uri}

    def tamper_refresh_successor(self, token_hash: bytes, sealed: bytes) -> None:
        """Overwrite a stored successor, as an attacker with database access might (tests)."""
        token = self._tables.refresh_tokens[token_hash]
        self._tables.refresh_tokens[token_hash] = replace(token, successor=sealed)

    def grant_last_used_at(self, grant_id: str) -> datetime | None:
        """When tokens were last issued under the grant (the SQL `grants.last_used_at` column)."""
        return self._tables.grant_last_used_at.get(grant_id)
