"""Client authentication at the token endpoint (RFC 6749 §2.3.1): client_secret_basic or _post.

Criteo's SDKs send the credentials in the form body; HTTP Basic is accepted too, never both at once.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import unquote_plus

from consentry.core.errors import InvalidClient, InvalidRequest


@dataclass(frozen=True, slots=True)
class PresentedCredentials:
    client_id: str
    client_secret: str
    used_basic: bool


def parse_basic_header(authorization: str) -> tuple[str, str]:
    """Decode `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1)."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise InvalidClient("Unsupported Authorization scheme.", used_basic=True)
    try:
        # b64decode raises a plain ValueError (not binascii.Error) on non-ASCII input.
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError) as exc:
        raise InvalidClient("Malformed Basic credentials.", used_basic=True) from exc
    client_id, sep, client_secret = decoded.partition(":")
    client_id, client_secret = unquote_plus(client_id), unquote_plus(client_secret)
    if not sep or "\x00" in client_id or "\x00" in client_secret:
        raise InvalidClient("Malformed Basic credentials.", used_basic=True)
    return client_id, client_secret


def present_credentials(
    authorization: str | None, form_client_id: str | None, form_client_secret: str | None
) -> PresentedCredentials:
    """Pick the one authentication method the client used."""
    if authorization is not None:
        if form_client_secret is not None:
            raise InvalidRequest("Use either HTTP Basic or client_secret in the body, not both.")
        client_id, client_secret = parse_basic_header(authorization)
        if form_client_id is not None and form_client_id != client_id:
            raise InvalidRequest("client_id in the body differs from the Basic credentials.")
        return PresentedCredentials(client_id, client_secret, used_basic=True)
    if not form_client_id or form_client_secret is None:
        raise InvalidClient("Client authentication is required.")
    return PresentedCredentials(form_client_id, form_client_secret, used_basic=False)
