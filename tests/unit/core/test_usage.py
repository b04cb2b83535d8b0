"""'Last used' bookkeeping: a use is written at most once per interval and key (core/usage.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from consentry.core.usage import UsageThrottle, always

T0 = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def test_a_use_is_due_once_per_interval_and_key() -> None:
    throttle = UsageThrottle(interval=MINUTE)
    assert throttle.due("grant:a", T0)
    assert not throttle.due("grant:a", T0 + timedelta(seconds=59))
    assert throttle.due("grant:b", T0 + timedelta(seconds=59))  # another key
    assert throttle.due("grant:a", T0 + MINUTE)
    assert not throttle.due("grant:a", T0 + MINUTE + timedelta(seconds=1))


def test_a_clock_that_went_back_records_again() -> None:
    throttle = UsageThrottle(interval=MINUTE)
    assert throttle.due("k", T0)
    assert throttle.due("k", T0 - timedelta(seconds=1))


def test_forgotten_keys_only_cost_another_write() -> None:
    throttle = UsageThrottle(interval=MINUTE, capacity=2)
    for key in ("a", "b", "c"):  # "a" is pushed out
        assert throttle.due(key, T0)
    assert throttle.due("a", T0 + timedelta(seconds=1))
    assert not throttle.due("c", T0 + timedelta(seconds=1))


def test_always_records_every_use() -> None:
    throttle = always()
    assert all(throttle.due("k", T0) for _ in range(3))
