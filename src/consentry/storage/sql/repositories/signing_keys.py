"""The SQL repository of JWT signing keys: their list in age order, adding one, retiring one.

The private half is stored sealed (AES-256-GCM, `keys/sealing.py`); the public JWK as JSON.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import insert, select, update

from consentry.core.ports.keys import StoredSigningKey
from consentry.storage.sql import schema
from consentry.storage.sql.connection import Connection, Row, read_optional_time, read_time
from consentry.storage.sql.statements import Statement, parameter

signing_keys = schema.table(schema.SigningKey)

_LIST = Statement(select(signing_keys).order_by(signing_keys.c.created_at, signing_keys.c.kid))
_ADD = Statement(
    insert(signing_keys).values(
        kid=parameter("kid", signing_keys.c.kid),
        algorithm=parameter("algorithm", signing_keys.c.algorithm),
        encrypted_private_key=parameter(
            "encrypted_private_key", signing_keys.c.encrypted_private_key
        ),
        public_jwk=parameter("public_jwk", signing_keys.c.public_jwk),
        created_at=parameter("created_at", signing_keys.c.created_at),
        retired_at=parameter("retired_at", signing_keys.c.retired_at),
    )
)
_RETIRE = Statement(
    update(signing_keys)
    .where(
        signing_keys.c.kid == parameter("kid", signing_keys.c.kid),
        signing_keys.c.retired_at.is_(None),
    )
    .values(retired_at=parameter("when", signing_keys.c.retired_at))
)


def _signing_key(row: Row) -> StoredSigningKey:
    return StoredSigningKey(
        kid=row["kid"],
        algorithm=row["algorithm"],
        encrypted_private_key=bytes(row["encrypted_private_key"]),
        public_jwk=dict(json.loads(row["public_jwk"])),
        created_at=read_time(row["created_at"]),
        retired_at=read_optional_time(row["retired_at"]),
    )


class SqlSigningKeyRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def list(self) -> list[StoredSigningKey]:
        return [_signing_key(row) for row in await self._conn.fetch(_LIST)]

    async def add(self, key: StoredSigningKey) -> None:
        await self._conn.execute(
            _ADD,
            kid=key.kid,
            algorithm=key.algorithm,
            encrypted_private_key=key.encrypted_private_key,
            public_jwk=json.dumps(key.public_jwk),
            created_at=key.created_at,
            retired_at=key.retired_at,
        )

    async def retire(self, kid: str, when: datetime) -> None:
        await self._conn.execute(_RETIRE, kid=kid, when=when)
