"""Storage's own words for failure; the services translate them into domain or protocol errors."""

from __future__ import annotations


class StorageError(Exception):
    """Base of storage failures."""


class NotFound(StorageError):
    """The record does not exist."""


class Conflict(StorageError):
    """The write collides with an existing record (a unique key, a limit)."""
