"""One error hierarchy: one class per RFC 6749 §5.2 / §4.1.2.1 and RFC 6750 §3.1 error code.

Descriptions are client-safe and checked against the RFC 6749 §5.2 character set; `debug` goes only
to the operator's log.
"""

from __future__ import annotations

import re

# RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E.
_DESCRIPTION_CHARSET = re.compile(r"[\x20-\x21\x23-\x5b\x5d-\x7e]*")


class Refusal(Exception):
    """A decided outcome, not a failure: a unit of work that it leaves commits what was written
    before it (a counted failure, a burned code, a revoked grant must stay so), then re-raises.
    Any other exception rolls the unit of work back."""


class OAuthError(Refusal):
    """An error the client may see, with its RFC code and HTTP status."""

    error: str = "server_error"
    status_code: int = 400
    default_description: str = "The request could not be processed."

    def __init__(self, description: str | None = None, *, debug: str | None = None) -> None:
        text = description or self.default_description
        if not _DESCRIPTION_CHARSET.fullmatch(text):
            raise ValueError("error_description outside the RFC 6749 character set")
        super().__init__(text)
        self.description = text
        self.debug = debug


class InvalidRequest(OAuthError):
    error = "invalid_request"
    default_description = "The request is missing a parameter or is malformed."


class InvalidClient(OAuthError):
    error = "invalid_client"
    status_code = 401
    default_description = "Client authentication failed."

    def __init__(
        self, description: str | None = None, *, debug: str | None = None, used_basic: bool = False
    ) -> None:
        super().__init__(description, debug=debug)
        self.used_basic = used_basic


class InvalidGrant(OAuthError):
    error = "invalid_grant"
    default_description = "The grant is invalid, expired, revoked or was issued to another client."


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"
    default_description = "The client is not allowed to use this grant type."


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"
    default_description = "The grant type is not supported."


class InvalidScope(OAuthError):
    error = "invalid_scope"
    default_description = "The requested scope is invalid."


class AccessDenied(OAuthError):
    error = "access_denied"
    status_code = 403
    default_description = "The resource owner denied the request."


class UnsupportedResponseType(OAuthError):
    error = "unsupported_response_type"
    default_description = "Only response_type=code is supported."


class ServerError(OAuthError):
    error = "server_error"
    status_code = 500
    default_description = "The server met an unexpected condition."


class InvalidToken(OAuthError):
    """RFC 6750 §3.1: the access token is missing, malformed, expired or revoked."""

    error = "invalid_token"
    status_code = 401
    default_description = "The access token is invalid or expired."


class InsufficientScope(OAuthError):
    """RFC 6750 §3.1: the token lacks the scope or the advertiser the resource needs."""

    error = "insufficient_scope"
    status_code = 403
    default_description = "The access token does not grant access to this resource."


class TemporarilyUnavailable(OAuthError):
    """RFC 6749 §4.1.2.1: the server cannot serve the request now (its store is saturated or
    locked); the client may retry after `retry_after` seconds. Nothing was written."""

    error = "temporarily_unavailable"
    status_code = 503
    default_description = "The server is busy; retry shortly."

    def __init__(self, retry_after: int, description: str | None = None) -> None:
        super().__init__(description)
        self.retry_after = retry_after


class TooManyRequests(OAuthError):
    error = "too_many_requests"
    status_code = 429
    default_description = "Too many requests."

    def __init__(self, retry_after: int, description: str | None = None) -> None:
        super().__init__(description)
        self.retry_after = retry_after


class AuthorizationPageError(Exception):
    """A consent-link failure that must be shown as a page and never redirected (RFC 6749 §4.1.2.1).

    Raised while the client or its redirect URI is not yet known to be good.
    """

    def __init__(self, title: str, detail: str) -> None:
        super().__init__(title)
        self.title = title
        self.detail = detail


class RedirectableError(Exception):
    """An authorization error to send back to a verified redirect URI (RFC 6749 §4.1.2.1)."""

    def __init__(self, error: OAuthError, redirect_uri: str, state: str | None) -> None:
        super().__init__(error.error)
        self.error = error
        self.redirect_uri = redirect_uri
        self.state = state
