"""What a consentry server says about itself on `/metrics` during a scenario.

On SQLite the group commit's counters (`consentry_sqlite_group_commits_total`,
`consentry_sqlite_group_commit_members_total`) say how many units of work a COMMIT carried:
read before and after the measured runs, their difference is the runs' own figure.
"""

from __future__ import annotations

import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

COMMITS = "consentry_sqlite_group_commits_total"
MEMBERS = "consentry_sqlite_group_commit_members_total"


def unlabelled_samples(base_url: str) -> dict[str, float]:
    """`{name: value}` of the samples without labels; empty when there is no `/metrics`."""
    try:
        # The target's own loopback http:// address.
        with urllib.request.urlopen(f"{base_url}/metrics", timeout=5) as response:  # noqa: S310
            text = response.read().decode()
    except (urllib.error.URLError, OSError):
        return {}
    try:
        families = list(text_string_to_metric_families(text))
    except ValueError:  # not Prometheus' text format (the ceiling answers any path)
        return {}
    return {
        sample.name: sample.value
        for family in families
        for sample in family.samples
        if not sample.labels
    }


def members_per_commit(before: dict[str, float], after: dict[str, float]) -> float | None:
    """Units of work per COMMIT between two readings, or None when nothing was committed."""
    if COMMITS not in before or COMMITS not in after:
        return None
    commits = after[COMMITS] - before[COMMITS]
    members = after.get(MEMBERS, 0.0) - before.get(MEMBERS, 0.0)
    return round(members / commits, 2) if commits > 0 else None
