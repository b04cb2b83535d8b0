"""Redirect URI rules: HTTPS, or http on a loopback host; no fragment, userinfo or wildcard.

RFC 6749 §3.1.2 and RFC 9700 §4.1.3: registered URIs are compared by exact string match.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_REDIRECT_URI_LENGTH = 2000


class RedirectUriRejected(ValueError):
    """The URI cannot be registered; the message says why."""


def normalize_redirect_uri(uri: str) -> str:
    """Validate a URI for registration and return the form it is stored and matched in."""
    uri = uri.strip()
    if not uri:
        raise RedirectUriRejected("Enter a redirect URI.")
    if len(uri) > MAX_REDIRECT_URI_LENGTH:
        raise RedirectUriRejected(
            f"A redirect URI is at most {MAX_REDIRECT_URI_LENGTH} characters."
        )
    if any(ch.isspace() or ord(ch) < 0x21 or ord(ch) == 0x7F for ch in uri):
        raise RedirectUriRejected("A redirect URI cannot contain spaces or control characters.")
    if "*" in uri:
        raise RedirectUriRejected("Wildcards are not allowed; register each URI exactly.")
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError as exc:
        raise RedirectUriRejected("This is not a valid URL.") from exc
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in {"https", "http"} or not host:
        raise RedirectUriRejected("A redirect URI must be an absolute https:// URL.")
    if "#" in uri:
        raise RedirectUriRejected("A redirect URI must not contain a fragment (#...).")
    if "@" in parts.netloc:
        raise RedirectUriRejected("A redirect URI must not contain a user name or password.")
    if scheme == "http" and host not in LOOPBACK_HOSTS:
        raise RedirectUriRejected(
            "HTTPS is required; plain http is allowed only for localhost, 127.0.0.1 and [::1]."
        )
    netloc = f"[{host}]" if ":" in host else host
    default_port = {"https": 443, "http": 80}[scheme]
    if port is not None and port != default_port:
        netloc = f"{netloc}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def is_registered(redirect_uri: str, registered: frozenset[str]) -> bool:
    """RFC 6749 §3.1.2.3: exact, simple string comparison with a registered URI."""
    return redirect_uri in registered
