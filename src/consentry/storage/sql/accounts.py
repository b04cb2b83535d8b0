"""SQLAlchemy Core repositories of sign-up, personal API tokens, sign-in failures and the signed
consent links of client-credentials apps."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from consentry.storage.portal import AppGrantRecord, StoredApiToken, StoredConsentLink
from consentry.storage.sql import tables as t

organizations = cast(Table, t.Organization.__table__)
users = cast(Table, t.User.__table__)
api_tokens = cast(Table, t.PortalApiToken.__table__)
login_failures = cast(Table, t.LoginFailure.__table__)
consent_links = cast(Table, t.ConsentLink.__table__)
grants = cast(Table, t.Grant.__table__)
grant_advertisers = cast(Table, t.GrantAdvertiser.__table__)


class SqlAccountRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_organization(self, name: str, now: datetime) -> int:
        org_id = await self._conn.scalar(
            insert(organizations).values(name=name, created_at=now).returning(organizations.c.id)
        )
        return int(cast(int, org_id))

    async def add_user(
        self,
        *,
        email: str,
        display_name: str,
        password_hash: str,
        organization_id: int | None,
        now: datetime,
    ) -> int | None:
        # Checked first rather than caught as IntegrityError, which would end the transaction on
        # PostgreSQL; two racing sign-ups still meet the unique constraint (a 500, not a duplicate).
        taken = await self._conn.scalar(select(users.c.id).where(users.c.email == email))
        if taken is not None:
            return None
        user_id = await self._conn.scalar(
            insert(users)
            .values(
                email=email,
                display_name=display_name,
                password_hash=password_hash,
                organization_id=organization_id,
                created_at=now,
            )
            .returning(users.c.id)
        )
        return int(cast(int, user_id))

    async def organization_name(self, organization_id: int) -> str | None:
        query = select(organizations.c.name).where(organizations.c.id == organization_id)
        return cast(str | None, await self._conn.scalar(query))


class SqlApiTokenRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, user_id: int, token_hash: bytes, label: str, now: datetime) -> int:
        token_id = await self._conn.scalar(
            insert(api_tokens)
            .values(user_id=user_id, token_hash=token_hash, label=label, created_at=now)
            .returning(api_tokens.c.id)
        )
        return int(cast(int, token_id))

    async def list(self, user_id: int) -> list[StoredApiToken]:
        query = select(api_tokens).where(api_tokens.c.user_id == user_id)
        rows = await self._conn.execute(query.order_by(api_tokens.c.id))
        return [
            StoredApiToken(
                id=row.id,
                user_id=row.user_id,
                label=row.label,
                created_at=row.created_at,
                last_used_at=row.last_used_at,
                revoked_at=row.revoked_at,
            )
            for row in rows
        ]

    async def find_user(self, token_hash: bytes, now: datetime) -> int | None:
        found = (
            await self._conn.execute(
                update(api_tokens)
                .where(api_tokens.c.token_hash == token_hash, api_tokens.c.revoked_at.is_(None))
                .values(last_used_at=now)
                .returning(api_tokens.c.user_id)
            )
        ).first()
        return int(found.user_id) if found else None

    async def revoke(self, user_id: int, token_id: int, now: datetime) -> bool:
        result = await self._conn.execute(
            update(api_tokens)
            .where(
                api_tokens.c.id == token_id,
                api_tokens.c.user_id == user_id,
                api_tokens.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        return bool(result.rowcount)


class SqlLoginFailureRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, account_hash: bytes, address_hash: bytes, now: datetime) -> None:
        await self._conn.execute(
            insert(login_failures).values(
                account_hash=account_hash, address_hash=address_hash, failed_at=now
            )
        )

    async def recent(
        self, *, account_hash: bytes, address_hash: bytes, since: datetime
    ) -> tuple[list[datetime], list[datetime]]:
        query = (
            select(login_failures)
            .where(
                login_failures.c.failed_at > since,
                or_(
                    login_failures.c.account_hash == account_hash,
                    login_failures.c.address_hash == address_hash,
                ),
            )
            .order_by(login_failures.c.failed_at.desc())
        )
        rows = list(await self._conn.execute(query))
        by_account = [r.failed_at for r in rows if bytes(r.account_hash) == account_hash]
        by_address = [r.failed_at for r in rows if bytes(r.address_hash) == address_hash]
        return by_account, by_address

    async def forget(self, account_hash: bytes, before: datetime) -> None:
        await self._conn.execute(
            delete(login_failures).where(
                or_(
                    login_failures.c.account_hash == account_hash,
                    login_failures.c.failed_at <= before,
                )
            )
        )


class SqlConsentLinkRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(
        self, app_id: int, nonce_hash: bytes, created_by: int, now: datetime, expires_at: datetime
    ) -> StoredConsentLink:
        link_id = await self._conn.scalar(
            insert(consent_links)
            .values(
                app_id=app_id,
                nonce_hash=nonce_hash,
                created_by=created_by,
                created_at=now,
                expires_at=expires_at,
            )
            .returning(consent_links.c.id)
        )
        return StoredConsentLink(int(cast(int, link_id)), app_id, now, expires_at)

    async def get(self, nonce_hash: bytes) -> StoredConsentLink | None:
        query = select(consent_links).where(consent_links.c.nonce_hash == nonce_hash)
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        return StoredConsentLink(row.id, row.app_id, row.created_at, row.expires_at, row.used_at)

    async def consume(self, nonce_hash: bytes, user_id: int, now: datetime) -> bool:
        # One conditional UPDATE: of two racing approvals only one matches `used_at IS NULL`.
        result = await self._conn.execute(
            update(consent_links)
            .where(
                consent_links.c.nonce_hash == nonce_hash,
                consent_links.c.used_at.is_(None),
                consent_links.c.expires_at > now,
            )
            .values(used_at=now, used_by=user_id)
        )
        return result.rowcount == 1

    async def record_grant(self, nonce_hash: bytes, grant: AppGrantRecord) -> None:
        await self._conn.execute(
            insert(grants).values(
                id=grant.id,
                user_id=grant.user_id,
                credential_id=None,  # app-level: read by the app's client-credentials tokens
                app_id=grant.app_id,
                scopes=" ".join(grant.scopes),
                created_at=grant.created_at,
            )
        )
        await self._conn.execute(
            insert(grant_advertisers),
            [{"grant_id": grant.id, "advertiser_id": a} for a in grant.advertiser_ids],
        )
        await self._conn.execute(
            update(consent_links)
            .where(consent_links.c.nonce_hash == nonce_hash)
            .values(grant_id=grant.id)
        )
