"""What a node remembers of partner-API admissions between statements: leased call numbers and
the tokens it found live.

Every partner-API call is counted in its caller's one-minute window and needs its token, grant
and advertisers to be live. Doing both in the database on every call (one writing statement) is
what the call cost; this memory lets most calls run no statement at all, with two rules:

**Leased numbers.** A node does not take one number at a time from the shared counter: it adds `n`
to it in one statement and hands out the `n` numbers it took, one per call. Numbers are never handed
out twice, on any node, so no caller is ever admitted beyond its limit. `n` starts at 1 and doubles
while this node is the only one taking numbers for the caller (its new numbers follow its last
ones); the first gap (another node took numbers in between) sets it back to 1, so callers spread
over nodes are counted one by one, exactly, as before. A lease never takes more than half of what
the caller has left. A window's first lease takes the largest of the last window when this node was
alone with the caller then. The cost of leasing: numbers a node leased but did not hand out before
the window ended are lost, so a caller whose calls move from one node to others within a window can
be refused (429) early by at most what the first node still held: less than half of the budget it
had left when that node last leased, once per node and window. A node that saw a caller exceed its
limit answers 429 for the rest of the window without counting further.

**Live tokens.** What the admission statement found (the token is live and its grant still grants
these advertisers) is kept per access token until the window ends, unless something is taken
away first. Triggers count every revocation in the database (`revocation_count`, migration 0007);
a node reads that count every half second and, when it moved, forgets everything it knew. A write
on this node to a table admissions are read from forgets at once (`Database.watch_writes`). So a
revocation made through any node takes effect on every node within a second (DESIGN.md §2), and
through this node at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from consentry.clock import Clock
from consentry.core.model import Advertiser
from consentry.core.ports.partner import Admission
from consentry.storage.sql import schema
from consentry.storage.sql.app_grant_cache import cascading_into

V = TypeVar("V")

POLL_INTERVAL = timedelta(milliseconds=500)
DEFAULT_CAPACITY = 100_000

# What admissions are read from (repositories/rate_limits.py): grants, their advertisers with
# their names, credential pairs, revoked access tokens, and whatever cascades into them.
WATCHED = cascading_into(
    schema.table(schema.Grant),
    schema.table(schema.GrantAdvertiser),
    schema.table(schema.Advertiser),
    schema.table(schema.Credential),
    schema.table(schema.RevokedAccessToken),
)


@dataclass(slots=True)
class _Lease:
    """The numbers this node took for one caller in the current window."""

    next: int  # the next number of the current range
    last: int  # the current range's last number (next > last: used up)
    high: int  # the highest number taken
    size: int  # how many numbers the next lease takes
    largest: int  # the most numbers one statement took
    alone: bool = True  # no other node took numbers between two of this node's leases
    spent: bool = False  # a number beyond the limit came up: refuse until the window ends
    # Further ranges not used yet, flat (first, last, first, last, …): rare, so usually None,
    # which keeps a lease one object for the garbage collector to visit, not three.
    queued: list[int] | None = None

    def add(self, first: int, last: int) -> None:
        if first > last:
            return
        if self.next > self.last:
            self.next, self.last = first, last
        elif self.queued is None:
            self.queued = [first, last]
        else:
            self.queued += (first, last)

    def take(self, limit: int) -> int | None:
        """The next number, if one is left; a number beyond `limit` spends the window."""
        if self.next > self.last:
            if not self.queued:
                return None
            self.next, self.last = self.queued[0], self.queued[1]
            del self.queued[:2]
        number = self.next
        self.next += 1
        if number > limit:
            self.spent = True
        return number

    @property
    def left(self) -> bool:
        return self.next <= self.last or bool(self.queued)


class AdmissionMemory:
    """One node's leases and live tokens for the current window, bounded by `capacity` each."""

    def __init__(
        self,
        clock: Clock,
        poll_interval: timedelta = POLL_INTERVAL,
        capacity: int = DEFAULT_CAPACITY,
    ) -> None:
        self._clock = clock
        self._poll_interval = poll_interval.total_seconds()
        self._capacity = capacity
        self._window: int | None = None
        self._leases: dict[str, _Lease] = {}
        self._carried: dict[str, int] = {}  # the last window's largest leases of callers alone
        self._live: dict[str, tuple[Advertiser, ...]] = {}
        # One tuple per distinct answer, shared by the tokens that got it (most tokens of a
        # grant or an app): fewer objects kept, fewer for the garbage collector to visit.
        self._answers: dict[tuple[Advertiser, ...], tuple[Advertiser, ...]] = {}
        self._revocations: int | None = None  # the database's count when last read
        self._poll_started: float | None = None  # epoch seconds, by the injected clock
        self.forgotten = 0  # times the live tokens were forgotten (a reader's `seen`)

    # The revocation count

    def poll_due(self) -> bool:
        """Whether to read the revocation count now; if so, the next half second will not."""
        now = self._clock.now().timestamp()
        started = self._poll_started
        if started is not None and 0 <= now - started < self._poll_interval:
            return False
        self._poll_started = now
        return True

    def polled(self, revocations: int) -> None:
        """The database's revocation count was just read: forget the live tokens if it moved."""
        if revocations != self._revocations:
            self._revocations = revocations
            self.forget_live()

    def written(self, table: str) -> None:
        """A local INSERT, UPDATE or DELETE is about to change `table` (`Database.watch_writes`)."""
        if table in WATCHED:
            self.forget_live()

    def forget_live(self) -> None:
        self._live.clear()
        self._answers.clear()
        self.forgotten += 1

    # Admissions

    def admit(self, key: str, window_start: int, token_id: str, limit: int) -> Admission | None:
        """This call's number from a lease, if its token is known live; else None (ask)."""
        self._enter(window_start)
        advertisers = self._live.get(token_id)
        lease = self._leases.get(key)
        if advertisers is None or lease is None:
            return None
        if lease.spent:
            return Admission(count=max(lease.high, limit) + 1, advertisers=advertisers)
        number = lease.take(limit)
        return None if number is None else Admission(count=number, advertisers=advertisers)

    def lease_size(self, key: str, window_start: int, limit: int) -> int:
        """How many numbers the next statement for `key` takes: 1 while numbers are left (the
        statement only learns that a token is live), else the lease's size; a window's first
        lease takes the largest of the last window if this node was alone with the caller."""
        self._enter(window_start)
        lease = self._leases.get(key)
        if lease is None:
            return min(self._carried.get(key, 1), room(limit, 0))
        return 1 if lease.left else lease.size

    def leased(
        self,
        key: str,
        window_start: int,
        token_id: str,
        limit: int,
        size: int,
        admission: Admission,
        seen: int,
    ) -> Admission:
        """The statement took `size` numbers ending at `admission.count`: this call gets the
        first, the rest are kept. The token is kept live unless the live tokens were forgotten
        since the caller saw `forgotten == seen` (a read that raced with a revocation)."""
        self._enter(window_start)
        last = admission.count
        first = last - size + 1
        lease = self._leases.get(key)
        if lease is None:
            # Numbers taken before this node's first lease: another node serves the caller too.
            lease = _Lease(next=1, last=0, high=last, size=size, largest=size, alone=first == 1)
            self._remember(self._leases, key, lease)
        elif first == lease.high + 1:  # no other node took numbers since our last lease
            lease.size = min(2 * lease.size, room(limit, last))
            lease.largest = max(lease.largest, size)
            lease.high = last
        else:
            lease.size, lease.alone = 1, False
            lease.high = max(lease.high, last)
        lease.add(first + 1, last)
        if first > limit:
            lease.spent = True
        if seen == self.forgotten:
            answer = self._answers.setdefault(admission.advertisers, admission.advertisers)
            if len(self._answers) > self._capacity:
                self._answers.clear()  # only sharing is lost: the tokens keep their tuples
            self._remember(self._live, token_id, answer)
        return Admission(count=first, advertisers=admission.advertisers)

    def _enter(self, window_start: int) -> None:
        """A new window: the leases and live tokens of the last one are forgotten."""
        if window_start != self._window:
            self._window = window_start
            self._carried = {
                key: lease.largest
                for key, lease in self._leases.items()
                if lease.alone and lease.largest > 1
            }
            self._leases.clear()
            self.forget_live()

    def _remember(self, entries: dict[str, V], key: str, value: V) -> None:
        if len(entries) >= self._capacity:
            del entries[next(iter(entries))]  # the oldest
        entries[key] = value


def room(limit: int, count: int) -> int:
    """The most a lease may take when `count` numbers are gone: half of what is left, at least 1."""
    return max(1, (limit - count) // 2)
