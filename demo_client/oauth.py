"""OAuth 2.0 client logic against consentry: PKCE, consent link, token grants, advertisers.

Plain functions and a small class over an injectable ``httpx.AsyncClient``; no web framework here.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import SecretStr

_MAX_DESCRIPTION = 300
_WWW_AUTH_ERROR_RE = re.compile(r'error="([^"]*)"')
_WWW_AUTH_DESCRIPTION_RE = re.compile(r'error_description="([^"]*)"')


def new_code_verifier() -> str:
    """A fresh PKCE code verifier: 86 URL-safe characters (RFC 7636 allows 43 to 128)."""
    return secrets.token_urlsafe(64)


def code_challenge_s256(verifier: str) -> str:
    """The S256 challenge of ``verifier``: base64url(sha256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state() -> str:
    """A fresh, unguessable OAuth ``state`` value."""
    return secrets.token_urlsafe(32)


class OAuthError(Exception):
    """consentry answered with an error (RFC 6749 ``{"error", "error_description"}``) or garbage."""

    def __init__(self, error: str, error_description: str = "", status_code: int | None = None):
        self.error = error
        self.error_description = error_description
        self.status_code = status_code
        super().__init__(f"{error}: {error_description}" if error_description else error)


@dataclass(frozen=True)
class TokenResponse:
    """A successful token-endpoint answer. The token values are kept out of ``repr``."""

    access_token: str = field(repr=False)
    token_type: str
    expires_in: int
    refresh_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Advertiser:
    """One advertiser the user granted access to."""

    id: str
    name: str


def _truncate(text: str) -> str:
    return text if len(text) <= _MAX_DESCRIPTION else text[: _MAX_DESCRIPTION - 1] + "…"


def _error_from_response(response: httpx.Response) -> OAuthError:
    status = response.status_code
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, str) and error:
            description = body.get("error_description")
            text = description if isinstance(description, str) else ""
            return OAuthError(_truncate(error), _truncate(text), status)
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first: dict[str, Any] = errors[0]
            code = first.get("code") or first.get("type")
            detail = first.get("detail") or first.get("title") or ""
            if isinstance(code, str) and code:
                return OAuthError(_truncate(code), _truncate(str(detail)), status)
    challenge = response.headers.get("www-authenticate", "")
    match = _WWW_AUTH_ERROR_RE.search(challenge)
    if match and match.group(1):
        described = _WWW_AUTH_DESCRIPTION_RE.search(challenge)
        text = described.group(1) if described else ""
        return OAuthError(_truncate(match.group(1)), _truncate(text), status)
    return OAuthError("invalid_response", f"consentry answered HTTP {status}", status)


def _json_object(response: httpx.Response) -> dict[str, Any]:
    if not response.is_success:
        raise _error_from_response(response)
    try:
        body: Any = response.json()
    except ValueError:
        raise OAuthError(
            "invalid_response", "consentry did not answer JSON", response.status_code
        ) from None
    if not isinstance(body, dict):
        raise OAuthError(
            "invalid_response", "consentry did not answer a JSON object", response.status_code
        )
    return body


def parse_token_response(body: Mapping[str, Any]) -> TokenResponse:
    """Validate a token-endpoint JSON body; raise OAuthError("invalid_response") if malformed."""
    access_token = body.get("access_token")
    token_type = body.get("token_type")
    expires_in = body.get("expires_in")
    refresh_token = body.get("refresh_token")
    if not isinstance(access_token, str) or not access_token:
        raise OAuthError("invalid_response", "token response lacks access_token")
    if not isinstance(token_type, str) or not token_type:
        raise OAuthError("invalid_response", "token response lacks token_type")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in < 0:
        raise OAuthError("invalid_response", "token response lacks a valid expires_in")
    if refresh_token is not None and (not isinstance(refresh_token, str) or not refresh_token):
        raise OAuthError("invalid_response", "token response has an invalid refresh_token")
    return TokenResponse(
        access_token=access_token,
        token_type=token_type,
        expires_in=expires_in,
        refresh_token=refresh_token,
    )


def parse_advertisers(body: Mapping[str, Any]) -> list[Advertiser]:
    """Read ``{"data": [{"type": "advertiser", "id", "attributes": {"advertiserName"}}]}``."""
    data = body.get("data")
    if not isinstance(data, list):
        raise OAuthError("invalid_response", "advertisers response lacks a data list")
    advertisers: list[Advertiser] = []
    for item in data:
        if not isinstance(item, dict):
            raise OAuthError("invalid_response", "advertisers response has a malformed item")
        raw_id = item.get("id")
        attributes = item.get("attributes")
        name = attributes.get("advertiserName") if isinstance(attributes, dict) else None
        if isinstance(raw_id, bool) or not isinstance(raw_id, str | int):
            raise OAuthError("invalid_response", "advertiser lacks an id")
        advertisers.append(Advertiser(id=str(raw_id), name=name if isinstance(name, str) else ""))
    return advertisers


class ConsentryClient:
    """The demo's view of consentry: consent link, code exchange, refresh, advertisers."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        consentry_url: str,
        client_id: str,
        client_secret: SecretStr,
        redirect_uri: str,
        api_version: str,
    ) -> None:
        self._http = http
        self._base = consentry_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self._redirect_uri = redirect_uri
        self._api_version = api_version

    async def aclose(self) -> None:
        """Close the underlying HTTP client."""
        await self._http.aclose()

    @property
    def api_version(self) -> str:
        return self._api_version

    @property
    def issuer(self) -> str:
        """The `iss` consentry puts in every authorization response (RFC 9207)."""
        return self._base

    def consent_link(self, *, state: str, code_challenge: str) -> str:
        """The URL the browser is sent to so the user can grant (or deny) access."""
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self._client_id,
                "redirect_uri": self._redirect_uri,
                "state": state,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self._base}/request?{query}"

    async def _token_request(self, form: dict[str, str]) -> TokenResponse:
        form["client_id"] = self._client_id
        form["client_secret"] = self._client_secret.get_secret_value()
        try:
            response = await self._http.post(
                f"{self._base}/oauth2/token",
                data=form,
                headers={"Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise OAuthError("server_unreachable", type(exc).__name__) from exc
        body = _json_object(response)
        try:
            return parse_token_response(body)
        except OAuthError as exc:
            exc.status_code = response.status_code
            raise

    async def exchange_code(self, code: str, code_verifier: str) -> TokenResponse:
        """Authorization-code grant with PKCE, client authenticated by ``client_secret_post``."""
        return await self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self._redirect_uri,
                "code_verifier": code_verifier,
            }
        )

    async def refresh(self, refresh_token: str) -> TokenResponse:
        """Refresh-token grant, client authenticated by ``client_secret_post``."""
        return await self._token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token}
        )

    async def api_call(
        self, method: str, path: str, access_token: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """One partner-API call (``path`` after the version prefix); the JSON object it answers."""
        try:
            response = await self._http.request(
                method,
                f"{self._base}/{self._api_version}{path}",
                json=body,
                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise OAuthError("server_unreachable", type(exc).__name__) from exc
        return _json_object(response)

    async def list_advertisers(self, access_token: str) -> list[Advertiser]:
        """``GET /{api_version}/advertisers/me`` with the bearer token."""
        try:
            response = await self._http.get(
                f"{self._base}/{self._api_version}/advertisers/me",
                headers={
                    "Authorization": f"Bearer {access_token}",
                    "Accept": "application/json",
                },
            )
        except httpx.HTTPError as exc:
            raise OAuthError("server_unreachable", type(exc).__name__) from exc
        try:
            return parse_advertisers(_json_object(response))
        except OAuthError as exc:
            exc.status_code = response.status_code
            raise
