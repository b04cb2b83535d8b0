"""`grant_type=refresh_token` (RFC 6749 §6) with rotation on every use (RFC 9700 §4.14.2).

Rotation that survives real clients: the pair issued on rotation is kept sealed in the old token's
row under a key derived from the old token itself, which only its holder can present. The same old
token presented again within `reuse_window` (concurrent tabs, a lost response, two nodes racing)
gets that same pair back, until that pair's refresh token is used: from then on, as after the
window, reuse revokes the whole grant and is recorded as a security event.
Criteo's SDK also sends the old `code` and `redirect_uri` on refresh: they are ignored here.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from typing import Protocol

from consentry.core.audit import AuditKind, record
from consentry.core.errors import InvalidGrant, UnauthorizedClient
from consentry.core.grants.base import GrantContext
from consentry.core.model import AuthMethod, Client, RefreshToken, TokenResponse
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.core.requests import Parameters


class SuccessorSealer(Protocol):
    """Authenticated encryption keyed by the old refresh token (see `keys.successor`)."""

    def seal(self, old_token: str, payload: bytes) -> bytes: ...
    def open(self, old_token: str, sealed: bytes) -> bytes | None:
        """The payload, or None when `sealed` does not open under this token."""
        ...


def _encode(issued: TokenResponse, now: datetime) -> bytes:
    return json.dumps(
        {
            "access_token": issued.access_token,
            "refresh_token": issued.refresh_token,
            "scope": issued.scope,
            "expires_at": now.timestamp() + issued.expires_in,
        }
    ).encode("utf-8")


def _decode(payload: bytes, now: datetime) -> TokenResponse:
    data = json.loads(payload)
    remaining = max(0, math.floor(float(data["expires_at"]) - now.timestamp()))
    return TokenResponse(
        access_token=str(data["access_token"]),
        expires_in=remaining,
        refresh_token=str(data["refresh_token"]),
        scope=str(data["scope"]),
    )


class RefreshTokenGrant:
    """Without a sealer every second presentation counts as reuse (no grace window)."""

    grant_type = "refresh_token"

    def __init__(
        self,
        successors: SuccessorSealer | None = None,
        reuse_window: timedelta = timedelta(seconds=30),
    ) -> None:
        self._successors = successors
        self._reuse_window = reuse_window

    async def handle(
        self, uow: UnitOfWork, params: Parameters, client: Client, context: GrantContext
    ) -> TokenResponse:
        if client.app.auth_method is not AuthMethod.AUTHORIZATION_CODE:
            raise UnauthorizedClient("This client may only use client_credentials.")
        presented = params.require("refresh_token")
        token_hash = context.hasher.hash(presented)
        now = context.clock.now()
        found = await uow.refresh_tokens.get_with_grant(token_hash)
        if found is None:
            raise InvalidGrant("The refresh token is invalid, expired or revoked.")
        token, grant = found
        if token.used_at is not None:
            return await self._presented_again(uow, presented, token, client, context)
        if token.credential_id != client.credential.id or token.expires_at <= now:
            raise InvalidGrant("The refresh token is invalid, expired or revoked.")
        if grant is None or not grant.active:
            raise InvalidGrant("The consent behind this refresh token was revoked.")
        # Mint first, then one conditional update marks the old token used, keeps the new pair
        # sealed in its row and stores the new token: of two racing requests (or nodes)
        # exactly one rotates it.
        minted = await context.issuer.mint_refreshable(client, grant)
        sealed = None
        if self._successors is not None:
            sealed = self._successors.seal(presented, _encode(minted.response, now))
        if not await uow.refresh_tokens.rotate(
            token_hash, client.credential.id, now, sealed, minted.refresh
        ):
            # Another request rotated it since we read it: answer as a second presentation.
            raced = await uow.refresh_tokens.get(token_hash)
            return await self._presented_again(uow, presented, raced, client, context)
        return minted.response

    @staticmethod
    async def _successor_used(uow: UnitOfWork, refresh_token: str, context: GrantContext) -> bool:
        """Whether the successor pair's refresh token was itself presented (or is gone): then
        the old token's window is over."""
        successor = await uow.refresh_tokens.get(context.hasher.hash(refresh_token))
        return successor is None or successor.used_at is not None

    async def _presented_again(
        self,
        uow: UnitOfWork,
        presented: str,
        previous: RefreshToken | None,
        client: Client,
        context: GrantContext,
    ) -> TokenResponse:
        now = context.clock.now()
        if (
            previous is None
            or previous.used_at is None
            or previous.credential_id != client.credential.id
        ):
            raise InvalidGrant("The refresh token is invalid, expired or revoked.")
        grant = await uow.grants.get(previous.grant_id)
        if grant is None or not grant.active:
            raise InvalidGrant("The consent behind this refresh token was revoked.")
        if (
            self._successors is not None
            and previous.successor is not None
            and now - previous.used_at <= self._reuse_window
        ):
            payload = self._successors.open(presented, previous.successor)
            if payload is not None:
                pair = _decode(payload, now)  # the same pair the first request received
                if not await self._successor_used(uow, str(pair.refresh_token), context):
                    return pair
        # RFC 9700 §4.14.2: reuse of a rotated refresh token revokes the whole grant. Inside the
        # window too, once the pair was used: the honest race is over, whoever replays now is not
        # the client that used it.
        await uow.grants.revoke(previous.grant_id, now)
        await record(
            uow,
            AuditKind.REFRESH_REUSED,
            at=now,
            app_id=client.app.id,
            user_id=grant.user_id,
            client_id=client.client_id,
            grant_id=grant.id,
        )
        raise InvalidGrant("The refresh token was already used.", debug="refresh reuse")
