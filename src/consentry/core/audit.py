"""Security events and their hash chain: each event's hash covers the previous hash and the event.

`hash = SHA-256(previous hash ‖ canonical JSON of the event)`, so changing, removing or reordering a
stored event breaks every later link. Storage appends (`AuditRepository.append`); nothing updates.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from consentry.core.ports.unit_of_work import UnitOfWork

GENESIS_HASH = "0" * 64


class AuditKind(StrEnum):
    SIGN_IN_SUCCEEDED = "sign_in.succeeded"
    SIGN_IN_FAILED = "sign_in.failed"
    CONSENT_GRANTED = "consent.granted"
    CONSENT_DENIED = "consent.denied"
    CONSENT_REVOKED = "consent.revoked"
    CREDENTIAL_CREATED = "credential.created"
    CREDENTIAL_DELETED = "credential.deleted"
    CODE_REPLAYED = "code.replayed"
    REFRESH_REUSED = "refresh_token.reused"
    KEY_ROTATED = "signing_key.rotated"
    KEY_RETIRED = "signing_key.retired"
    SESSIONS_REVOKED = "sessions.revoked"


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """What happened, when, and to whom. `detail` holds short non-secret strings only."""

    kind: AuditKind
    occurred_at: datetime
    app_id: int | None = None
    user_id: int | None = None
    client_id: str | None = None
    grant_id: str | None = None
    detail: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredAuditEvent:
    """An appended event: its position in the chain and the two hashes that link it."""

    seq: int
    event: AuditEvent
    prev_hash: str
    hash: str


def canonical_json(event: AuditEvent) -> str:
    """Sorted keys, no spaces, UTC timestamp with microseconds: one text per event."""
    return json.dumps(
        {
            "kind": event.kind.value,
            "occurred_at": event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "app_id": event.app_id,
            "user_id": event.user_id,
            "client_id": event.client_id,
            "grant_id": event.grant_id,
            "detail": dict(event.detail),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical_json(event)).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class BrokenLink:
    """The first place where the stored chain does not verify."""

    seq: int
    reason: str


def check_link(
    expected_seq: int, expected_prev: str, stored: StoredAuditEvent
) -> BrokenLink | None:
    """Verify one stored event against the link before it."""
    if stored.seq != expected_seq:
        return BrokenLink(expected_seq, f"event {expected_seq} is missing")
    if stored.prev_hash != expected_prev:
        return BrokenLink(stored.seq, "prev_hash does not match the previous event's hash")
    if stored.hash != chain_hash(stored.prev_hash, stored.event):
        return BrokenLink(stored.seq, "the event was altered: its hash does not match")
    return None


async def record(
    uow: UnitOfWork,
    kind: AuditKind,
    *,
    at: datetime,
    app_id: int | None = None,
    user_id: int | None = None,
    client_id: str | None = None,
    grant_id: str | None = None,
    detail: Mapping[str, str] | None = None,
) -> StoredAuditEvent:
    """Append one event in the caller's transaction. Call it last: it locks the chain head."""
    event = AuditEvent(
        kind=kind,
        occurred_at=at,
        app_id=app_id,
        user_id=user_id,
        client_id=client_id,
        grant_id=grant_id,
        detail=dict(detail or {}),
    )
    return await uow.audit.append(event)
