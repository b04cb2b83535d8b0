"""Demo data: a customer with a portfolio of advertisers, a developer, and an activated app.

Used by `consentry seed-demo` (for `make run`) and by the tests. Passwords are chosen by the caller.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from consentry.core.hashing import SecretHasher, new_identifier, new_secret
from consentry.core.model import AuthMethod, Role
from consentry.core.scopes import MARKETING_SOLUTIONS, Level, scopes_for
from consentry.passwords import hash_password
from consentry.storage.sql import schema as t

CUSTOMER_EMAIL = "customer@demo.consentry.test"
DEVELOPER_EMAIL = "developer@demo.consentry.test"
DEMO_REDIRECT_URI = "http://localhost:3000/criteo-auth/callback"

# (name, role of the demo customer, or None when outside their portfolio)
ADVERTISERS: tuple[tuple[str, Role | None], ...] = (
    ("Maison Lumière", Role.ADMIN),
    ("Nordic Outdoor Supply", Role.BUSINESS_MANAGER),
    ("Pixel & Pine Toys", Role.TECHNICAL_MANAGER),
    ("Riverside Grocers", Role.ADMIN),
    ("Atlas Travel Deals", Role.VIEWER),
    ("Competitor Corp", None),
)


@dataclass(frozen=True, slots=True)
class DemoApp:
    app_id: int
    client_id: str
    client_secret: str
    advertiser_ids: dict[str, int]
    customer_id: int


def demo_png(size: int = 64) -> bytes:
    """A small orange rounded-looking square, as a valid PNG, for the demo app's logo."""
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            inside = (x - size / 2) ** 2 + (y - size / 2) ** 2 < (size / 2.2) ** 2
            row += bytes((255, 91, 0)) if inside else bytes((255, 231, 217))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


async def demo_exists(conn: AsyncConnection) -> bool:
    found = await conn.scalar(select(t.User.id).where(t.User.email == DEVELOPER_EMAIL))
    return found is not None


async def add_credential(
    conn: AsyncConnection, hasher: SecretHasher, app_id: int, now: datetime, label: str
) -> tuple[str, str]:
    """A new client_id / client_secret pair; the secret is returned once and stored hashed."""
    client_id, client_secret = new_identifier(), new_secret()
    await conn.execute(
        insert(t.Credential).values(
            app_id=app_id,
            client_id=client_id,
            secret_hash=hasher.hash(client_secret),
            label=label,
            created_at=now,
        )
    )
    return client_id, client_secret


async def seed_demo(
    conn: AsyncConnection,
    hasher: SecretHasher,
    now: datetime,
    *,
    customer_password: str,
    developer_password: str,
    redirect_uris: tuple[str, ...] = (DEMO_REDIRECT_URI,),
) -> DemoApp:
    org_id = await conn.scalar(
        insert(t.Organization)
        .values(name="Acme Ad Tools", created_at=now)
        .returning(t.Organization.id)
    )
    await conn.execute(
        insert(t.User).values(
            email=DEVELOPER_EMAIL,
            display_name="Dana Developer",
            password_hash=hash_password(developer_password),
            organization_id=org_id,
            created_at=now,
        )
    )
    customer_id = await conn.scalar(
        insert(t.User)
        .values(
            email=CUSTOMER_EMAIL,
            display_name="Casey Customer",
            password_hash=hash_password(customer_password),
            created_at=now,
        )
        .returning(t.User.id)
    )
    if org_id is None or customer_id is None:
        raise RuntimeError("insert returned no id")
    advertiser_ids: dict[str, int] = {}
    for name, role in ADVERTISERS:
        advertiser_id = await conn.scalar(
            insert(t.Advertiser).values(name=name, created_at=now).returning(t.Advertiser.id)
        )
        if advertiser_id is None:
            raise RuntimeError("insert returned no id")
        advertiser_ids[name] = advertiser_id
        if role is not None:
            await conn.execute(
                insert(t.PortfolioEntry).values(
                    user_id=customer_id, advertiser_id=advertiser_id, role=role.value
                )
            )
    scopes = scopes_for(
        MARKETING_SOLUTIONS,
        {"Analytics": Level.READ, "Campaign": Level.MANAGE, "Audience": Level.READ},
    )
    app_id = await conn.scalar(
        insert(t.App)
        .values(
            organization_id=org_id,
            name="Acme Bid Optimizer",
            description="Adjusts your campaign bids every hour from your sales data.",
            service=MARKETING_SOLUTIONS.code,
            auth_method=AuthMethod.AUTHORIZATION_CODE.value,
            scopes=" ".join(scopes),
            pkce_required=False,
            activated=True,
            image=demo_png(),
            image_type="image/png",
            created_at=now,
            updated_at=now,
        )
        .returning(t.App.id)
    )
    if app_id is None:
        raise RuntimeError("insert returned no id")
    for uri in redirect_uris:
        await conn.execute(insert(t.RedirectUri).values(app_id=app_id, uri=uri, created_at=now))
    client_id, client_secret = await add_credential(conn, hasher, app_id, now, "demo client")
    return DemoApp(app_id, client_id, client_secret, advertiser_ids, customer_id)
