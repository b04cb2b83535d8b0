"""The token endpoint's credential pairs, kept by each node for at most one second.

Every token request authenticates a client: a query that joins the pair, its app and its
organization. A node keeps what it read for `ttl` (one second) and checks the presented secret
against the kept hash. What that can mean, and why it is safe:

- a pair deleted on another node may still authenticate here for up to a second; every token it
  gets then is dead on arrival (its refresh tokens and codes went with the pair, and the partner
  API's grant check starts from the pair on every call);
- an app deactivated or edited on another node is seen here up to a second late (the same
  bound as a revocation, DESIGN.md §2);
- changes made through this node's portal forget the app's pairs at once (`forget_app`).

Unknown client_ids are not kept (random ids would only fill the memory); the memory is bounded.
"""

from __future__ import annotations

from consentry.core.model import Client
from consentry.storage.sql.recent_reads import RecentReads


class ClientCache(RecentReads[str, Client]):
    """The pairs this node read, by client_id."""

    def remember(self, client: Client) -> None:
        self.put(client.client_id, client)

    def forget_app(self, app_id: int) -> None:
        """Drop every pair of the app (after a change to the app or to one of its pairs)."""
        self.forget_where(lambda client: client.app.id == app_id)
