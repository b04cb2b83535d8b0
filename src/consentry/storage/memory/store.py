"""`InMemoryStore`: one in-memory database, its unit-of-work factory, and the seeding helpers.

The seeding helpers (`add_*`) are how the twin gets the rows that no repository of
`core.ports.unit_of_work.UnitOfWork` writes: organizations, users, advertisers, portfolios, apps,
credential pairs and redirect URIs, which the portal owns. They check keys and references as the
SQL schema does.
"""

from __future__ import annotations

from consentry.core import model
from consentry.storage.errors import Conflict
from consentry.storage.memory.tables import MemoryDatabase, insert, require
from consentry.storage.memory.unit_of_work import InMemoryUnitOfWork


class InMemoryStore:
    """The state of one in-memory database, plus `add_*` helpers seeding the rows the portal owns.

    The helpers take rows with their ids (builders live in tests/factories.py). Call them outside
    writing units of work: those publish their own copy of the tables on exit.
    """

    def __init__(self) -> None:
        self._database = MemoryDatabase()

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
        return InMemoryUnitOfWork(self._database, read_only=read_only)

    def add_organization(self, organization_id: int, name: str) -> None:
        insert(self._database.committed.organizations, organization_id, name, "organization")

    def add_user(self, user: model.User) -> None:
        t = self._database.committed
        if user.organization_id is not None:
            require(t.organizations, user.organization_id, "organization")
        if any(u.email == user.email for u in t.users.values()):
            raise Conflict(f"user {user.email!r} already exists")
        insert(t.users, user.id, user, "user")

    def add_advertiser(self, advertiser: model.Advertiser) -> None:
        insert(self._database.committed.advertisers, advertiser.id, advertiser, "advertiser")

    def add_portfolio_entry(self, user_id: int, advertiser_id: int, role: model.Role) -> None:
        t = self._database.committed
        require(t.users, user_id, "user")
        require(t.advertisers, advertiser_id, "advertiser")
        insert(t.portfolio, (user_id, advertiser_id), role, "portfolio entry")

    def add_app(self, app: model.App, *, image: tuple[bytes, str] | None = None) -> None:
        """Store the app; its organization name and `has_image` are read back from the rows."""
        t = self._database.committed
        require(t.organizations, app.organization_id, "organization")
        insert(t.apps, app.id, app, "app")
        if image is not None:
            t.images[app.id] = image

    def add_credential(self, credential: model.Credential) -> None:
        t = self._database.committed
        require(t.apps, credential.app_id, "app")
        if any(c.client_id == credential.client_id for c in t.credentials.values()):
            raise Conflict(f"client_id {credential.client_id!r} already exists")
        insert(t.credentials, credential.id, credential, "credential")

    def add_redirect_uri(self, app_id: int, uri: str) -> None:
        t = self._database.committed
        require(t.apps, app_id, "app")
        registered = t.redirect_uris.get(app_id, frozenset())
        if uri in registered:
            raise Conflict(f"redirect URI {uri!r} already registered")
        t.redirect_uris[app_id] = registered | {uri}
