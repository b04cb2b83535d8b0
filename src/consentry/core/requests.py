"""Parsed request values: each OAuth parameter at most once (RFC 6749 §3.1 and §3.2)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from consentry.core.errors import InvalidRequest

MAX_PARAMETER_LENGTH = 4096
_PLAIN_NAME = re.compile(r"[a-z_]{1,40}")


@dataclass(frozen=True, slots=True)
class Parameters:
    """Request parameters known to hold at most one value each, none of them oversized."""

    values: Mapping[str, str]

    def get(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if value else None  # RFC 6749 §3.1: empty parameters count as omitted

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise InvalidRequest(f"The {name} parameter is required.")
        return value


def single_valued(pairs: list[tuple[str, str]]) -> tuple[Parameters, frozenset[str]]:
    """Fold parsed pairs into single values; returns the names that were repeated or oversized."""
    values: dict[str, str] = {}
    faulty: set[str] = set()
    for name, value in pairs:
        if name in values or len(value) > MAX_PARAMETER_LENGTH:
            faulty.add(name)
        values[name] = value
    return Parameters({k: v for k, v in values.items() if k not in faulty}), frozenset(faulty)


def reject_faulty(faulty: frozenset[str]) -> None:
    if faulty:
        known = sorted(name for name in faulty if _PLAIN_NAME.fullmatch(name))
        names = ", ".join(known) or "a parameter"
        raise InvalidRequest(f"Repeated or oversized parameter: {names}.")
