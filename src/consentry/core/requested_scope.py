"""The `scope` parameter of a consent link or a client-credentials token request (RFC 6749 §3.3).

Criteo's clients never send one: an app is given the scopes configured for it in the portal.
A client that does send one may only narrow them: every value must be one of the app's scopes
(otherwise `invalid_scope`, RFC 6749 §4.1.2.1 and §5.2), and what is issued is what was asked.
"""

from __future__ import annotations

import re

from consentry.core.errors import InvalidScope

# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), separated by single spaces.
_SCOPE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*")


def requested_scopes(requested: str | None, configured: tuple[str, ...]) -> tuple[str, ...]:
    """The scopes to grant: the app's own, or the subset of them the client asked for."""
    if requested is None:
        return configured
    if not _SCOPE.fullmatch(requested):
        raise InvalidScope("The scope parameter is malformed.")
    asked = set(requested.split(" "))
    unknown = asked.difference(configured)
    if unknown:
        raise InvalidScope("The application is not configured for some of the requested scopes.")
    return tuple(scope for scope in configured if scope in asked)
