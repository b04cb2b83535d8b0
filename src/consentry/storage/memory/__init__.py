"""The reference in-memory implementation of the repository protocols in `core.ports`.

All state lives on an `InMemoryStore` instance (`store.py`), in the tables of `tables.py`. A
writing unit of work (`unit_of_work.py`) holds the store's lock and works on a copy of the committed
tables, published on a clean exit and dropped on an exception, so racing writers are serialised as
SQLite's `BEGIN IMMEDIATE` serialises them. Read-only units of work read the committed tables
without the lock, and refuse writes. Duplicate keys raise `Conflict`; references to missing rows
raise `NotFound` (the SQL schema's foreign keys). Each repository has its own module, named after
its aggregate.
"""

from consentry.storage.memory.store import InMemoryStore
from consentry.storage.memory.unit_of_work import InMemoryUnitOfWork

__all__ = ["InMemoryStore", "InMemoryUnitOfWork"]
