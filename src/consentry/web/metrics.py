"""Prometheus metrics at `/metrics`: request counts and latency histograms per endpoint.

Labels are the method, the matched route's *template* (`/consent/{handle}`, never the raw path:
consent handles, codes and `state` travel in paths and queries) and the status code. Each app has
its own `CollectorRegistry` (made in `create_app`), so several apps in one process never clash.

With `consentry serve --workers N` every worker process counts on its own and `/metrics` answers
with the counters of whichever worker took the scrape (prometheus multiprocess mode is not used);
see docs/deployment.md. The requests are timed by `web.observation.ObservationMiddleware`, which
calls `RequestMetrics.observe`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

# Seconds; the token endpoint and the partner API answer in milliseconds, sign-in (scrypt) slower.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LABELS = ("method", "route", "status")


class RequestMetrics:
    """The collectors of one app, registered in that app's own registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.requests = Counter(
            "consentry_http_requests",
            "HTTP requests answered, by method, route template and status.",
            LABELS,
            registry=self.registry,
        )
        self.latency = Histogram(
            "consentry_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status.",
            LABELS,
            buckets=BUCKETS,
            registry=self.registry,
        )

        # The children of each label set, looked up once (prometheus' `labels()` takes a lock).
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            labels = (method, route, str(status))
            children = (self.requests.labels(*labels), self.latency.labels(*labels))
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def add_counter(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        """A counter kept elsewhere (`read` gives its total), exposed with the request metrics."""
        self.registry.register(_ReadCounter(name, documentation, read))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _ReadCounter(Collector):
    def __init__(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        self._name = name
        self._documentation = documentation
        self._read = read

    def collect(self) -> Iterator[Metric]:
        yield CounterMetricFamily(self._name, self._documentation, value=self._read())
