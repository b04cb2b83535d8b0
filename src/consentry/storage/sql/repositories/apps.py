"""The SQL repository of the portal's apps: an organization's apps, published apps, their images.

Every read joins the app's organization for its name; one UPDATE applies any `AppChanges` (a
NULL value leaves its column as it is). Changes to an app make this node forget its pairs'
cached lookups (`ClientCache`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, func, insert, select, update

from consentry.core import model
from consentry.core.ports.portal import AppChanges, NewApp
from consentry.storage.sql import schema
from consentry.storage.sql.client_cache import ClientCache
from consentry.storage.sql.connection import Connection, Row
from consentry.storage.sql.statements import Statement, parameter

apps = schema.table(schema.App)
organizations = schema.table(schema.Organization)

_BY_ID = apps.c.id == parameter("app_id", apps.c.id)
_OF_ORGANIZATION = apps.c.organization_id == parameter("organization_id", apps.c.organization_id)
_SELECT_APPS = select(
    apps.c.id,
    apps.c.organization_id,
    apps.c.name,
    apps.c.description,
    apps.c.service,
    apps.c.auth_method,
    apps.c.scopes,
    apps.c.pkce_required,
    apps.c.activated,
    apps.c.image.is_not(None).label("has_image"),
    organizations.c.name.label("organization_name"),
).select_from(apps.join(organizations, organizations.c.id == apps.c.organization_id))

_ADD = Statement(
    insert(apps)
    .values(
        organization_id=parameter("organization_id", apps.c.organization_id),
        name=parameter("name", apps.c.name),
        description=parameter("description", apps.c.description),
        service=parameter("service", apps.c.service),
        auth_method=parameter("auth_method", apps.c.auth_method),
        scopes=parameter("scopes", apps.c.scopes),
        pkce_required=false(),
        activated=false(),
        created_at=parameter("now", apps.c.created_at),
        updated_at=parameter("now", apps.c.updated_at),
    )
    .returning(apps.c.id)
)
_LIST = Statement(_SELECT_APPS.where(_OF_ORGANIZATION).order_by(apps.c.name, apps.c.id))
_GET = Statement(_SELECT_APPS.where(_BY_ID, _OF_ORGANIZATION))
_GET_PUBLISHED = Statement(_SELECT_APPS.where(_BY_ID, apps.c.activated.is_(True)))
# FOR UPDATE serializes writers on this app until commit (PostgreSQL); SQLite has no FOR UPDATE
# (its compiler leaves it out), and the statement counts as a write there too, so the
# transaction (BEGIN IMMEDIATE) is already the only writer.
_LOCK = Statement(select(apps.c.id).where(_BY_ID, _OF_ORGANIZATION).with_for_update(), writes=True)
_SET_IMAGE = Statement(
    update(apps)
    .where(_BY_ID)
    .values(
        image=parameter("image", apps.c.image),
        image_type=parameter("image_type", apps.c.image_type),
        updated_at=parameter("now", apps.c.updated_at),
    )
)


def _changed_or_kept(column_name: str) -> ColumnElement[Any]:
    """The parameter named as the column, or the column's own value when that is NULL."""
    column = apps.c[column_name]
    return func.coalesce(parameter(column_name, column), column)


# One statement for every `AppChanges`: a NULL parameter leaves its column as it is.
_UPDATE = Statement(
    update(apps)
    .where(_BY_ID)
    .values(
        updated_at=parameter("now", apps.c.updated_at),
        name=_changed_or_kept("name"),
        description=_changed_or_kept("description"),
        pkce_required=_changed_or_kept("pkce_required"),
        activated=_changed_or_kept("activated"),
        scopes=_changed_or_kept("scopes"),
    )
)


def _app(row: Row) -> model.App:
    return model.App(
        id=row["id"],
        organization_id=row["organization_id"],
        organization_name=row["organization_name"],
        name=row["name"],
        description=row["description"],
        service=row["service"],
        auth_method=model.AuthMethod(row["auth_method"]),
        scopes=tuple(row["scopes"].split()),
        pkce_required=bool(row["pkce_required"]),
        activated=bool(row["activated"]),
        has_image=bool(row["has_image"]),
    )


class SqlAppRepository:
    """Changes to an app make this node forget its pairs' cached lookups (`ClientCache`)."""

    def __init__(self, conn: Connection, clients: ClientCache | None = None) -> None:
        self._clients = clients
        self._conn = conn

    async def add(self, app: NewApp, now: datetime) -> int:
        app_id = await self._conn.fetchval(
            _ADD,
            organization_id=app.organization_id,
            name=app.name,
            description=app.description,
            service=app.service,
            auth_method=app.auth_method.value,
            scopes=" ".join(app.scopes),
            now=now,
        )
        return int(app_id)

    async def list(self, organization_id: int) -> list[model.App]:
        rows = await self._conn.fetch(_LIST, organization_id=organization_id)
        return [_app(row) for row in rows]

    async def get(self, app_id: int, organization_id: int) -> model.App | None:
        row = await self._conn.fetchrow(_GET, app_id=app_id, organization_id=organization_id)
        return _app(row) if row else None

    async def get_published(self, app_id: int) -> model.App | None:
        row = await self._conn.fetchrow(_GET_PUBLISHED, app_id=app_id)
        return _app(row) if row else None

    async def lock(self, app_id: int, organization_id: int) -> bool:
        locked = await self._conn.fetchval(_LOCK, app_id=app_id, organization_id=organization_id)
        return locked is not None

    def _forget(self, app_id: int) -> None:
        if self._clients is not None:
            self._clients.forget_app(app_id)

    async def update(self, app_id: int, changes: AppChanges, now: datetime) -> None:
        self._forget(app_id)
        scopes = " ".join(changes.scopes) if changes.scopes is not None else None
        await self._conn.execute(
            _UPDATE,
            app_id=app_id,
            now=now,
            name=changes.name,
            description=changes.description,
            pkce_required=changes.pkce_required,
            activated=changes.activated,
            scopes=scopes,
        )

    async def set_image(self, app_id: int, image: tuple[bytes, str] | None, now: datetime) -> None:
        self._forget(app_id)
        content, media_type = image if image else (None, None)
        await self._conn.execute(
            _SET_IMAGE, app_id=app_id, image=content, image_type=media_type, now=now
        )
