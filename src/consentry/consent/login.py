"""Signing a customer in with e-mail and password."""

from __future__ import annotations

from consentry.core.model import User
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.passwords import verify_password

MAX_PASSWORD_LENGTH = 1024


async def authenticate(uow: UnitOfWork, email: str, password: str) -> User | None:
    if not email or len(email) > 320 or len(password) > MAX_PASSWORD_LENGTH:
        return None
    user = await uow.users.get_by_email(email)
    if not verify_password(password, user.password_hash if user else None):
        return None
    return user


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths are followed after sign-in, never absolute or protocol-relative URLs."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(ch) < 0x21 for ch in target) or "\\" in target:
        return default
    return target
