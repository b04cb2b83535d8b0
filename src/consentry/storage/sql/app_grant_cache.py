"""The app-level grants of each app, kept by each node for at most one second.

Every `client_credentials` request reads the grants customers gave the app through its consent
links: the advertisers its token lists. A node answers from what it read less than a second ago
(`recent_reads.py`). What that can mean, and why it is safe:

- a grant given or revoked through another node shows in this node's new tokens up to a second
  late: the bound DESIGN.md §2 sets for a revocation. The token is not what enforces it: the
  partner API recomputes what the app is still granted on every call;
- a write on this node to a table the grants are read from (`WATCHED`) empties the memory before
  it runs, and a read that raced with such a write is not kept, so this node's own changes show
  at once;
- a unit of work that has written reads the database, never the memory (its reads must see its
  own uncommitted writes, which must not be kept).
"""

from __future__ import annotations

from sqlalchemy import Table

from consentry.core.model import Grant
from consentry.storage.sql import schema
from consentry.storage.sql.recent_reads import RecentReads


def cascading_into(*tables: Table) -> frozenset[str]:
    """`tables` and every table whose deletes cascade into them (ON DELETE CASCADE, followed to
    the end): the writes that can change what is read from `tables`."""
    found = {table.name: table for table in tables}
    pending = list(tables)
    while pending:
        for key in pending.pop().foreign_keys:
            parent = key.column.table
            if (key.ondelete or "").upper() == "CASCADE" and parent.name not in found:
                found[parent.name] = parent
                if isinstance(parent, Table):
                    pending.append(parent)
    return frozenset(found)


# What an app's app-level grants are read from (repositories/grants.py: `_APP_LEVEL`).
WATCHED = cascading_into(schema.table(schema.Grant), schema.table(schema.GrantAdvertiser))


class AppGrantCache(RecentReads[int, tuple[Grant, ...]]):
    """App-level grants by app id."""

    def written(self, table: str) -> None:
        """A local INSERT, UPDATE or DELETE is about to change `table` (`Database.watch_writes`)."""
        if table in WATCHED:
            self.clear()
