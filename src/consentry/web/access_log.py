"""A redacted access log: method, route template, status and duration; never a query or a handle.

Uvicorn's own access log prints full URLs, which carry `state`, consent handles and (on clients'
callbacks) codes; consentry turns it off and logs this instead. The log is one of the observers
of `web.observation.ObservationMiddleware`, which times each request once for all of them.
"""

from __future__ import annotations

import logging

log = logging.getLogger("consentry.access")


class AccessLog:
    """Logs each answered request at INFO on `consentry.access`."""

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        log.info("%s %s %d %.1fms", method, route, status, seconds * 1000)
