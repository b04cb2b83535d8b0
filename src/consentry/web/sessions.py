"""Server-side browser sessions: the cookie holds a random id, the database its hash.

Each session carries a CSRF secret (synchronizer token pattern); signing in rotates the session.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from consentry.clock import Clock
from consentry.core.hashing import SecretHasher, new_secret
from consentry.core.ports.sessions import WebSession
from consentry.core.ports.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class ActiveSession:
    raw_id: str
    session: WebSession
    is_new: bool

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_secret

    @property
    def user_id(self) -> int | None:
        return self.session.user_id


class SessionManager:
    def __init__(self, *, hasher: SecretHasher, clock: Clock, ttl: timedelta, secure: bool) -> None:
        self._hasher = hasher
        self._clock = clock
        self._ttl = ttl
        self.secure = secure
        # RFC 6265bis §4.1.3.2: the __Host- prefix pins the cookie to this origin (needs Secure).
        self.cookie_name = "__Host-consentry_session" if secure else "consentry_session"

    async def load(self, uow: UnitOfWork, request: Request) -> ActiveSession | None:
        raw = request.cookies.get(self.cookie_name)
        if not raw or len(raw) > 100:
            return None
        stored = await uow.web_sessions.get(self._hasher.hash(raw))
        if stored is None or stored.revoked_at is not None:
            return None
        if stored.expires_at <= self._clock.now():
            return None
        return ActiveSession(raw, stored, is_new=False)

    async def ensure(self, uow: UnitOfWork, request: Request) -> ActiveSession:
        return await self.load(uow, request) or await self.start(uow, user_id=None)

    async def start(self, uow: UnitOfWork, *, user_id: int | None) -> ActiveSession:
        now = self._clock.now()
        raw = new_secret()
        stored = WebSession(
            id_hash=self._hasher.hash(raw),
            user_id=user_id,
            csrf_secret=new_secret(),
            created_at=now,
            expires_at=now + self._ttl,
        )
        await uow.web_sessions.add(stored)
        return ActiveSession(raw, stored, is_new=True)

    async def end(self, uow: UnitOfWork, active: ActiveSession) -> None:
        await uow.web_sessions.revoke(active.session.id_hash, self._clock.now())

    def check_csrf(self, active: ActiveSession | None, presented: str | None) -> bool:
        if active is None or not presented:
            return False
        return hmac.compare_digest(active.csrf_token.encode(), presented.encode())

    def set_cookie(self, response: Response, active: ActiveSession) -> None:
        if active.is_new:
            response.set_cookie(
                self.cookie_name,
                active.raw_id,
                max_age=int(self._ttl.total_seconds()),
                path="/",
                secure=self.secure,
                httponly=True,
                samesite="lax",
            )

    def clear_cookie(self, response: Response) -> None:
        response.delete_cookie(
            self.cookie_name, path="/", secure=self.secure, httponly=True, samesite="lax"
        )
