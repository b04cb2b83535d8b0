"""The audit trail: append-only, hash-chained security events (see `core.audit` for the chain).

`record(uow, AuditKind.…, at=…, app_id=…, user_id=…, client_id=…, grant_id=…, detail={…})`
appends an event in the caller's transaction; `service` reads and verifies the chain.
"""

from consentry.core.audit import AuditEvent, AuditKind, StoredAuditEvent, record

__all__ = ["AuditEvent", "AuditKind", "StoredAuditEvent", "record"]
