"""Developer accounts: sign-up (a new organization and its first developer) and who is a developer.

Developers and customers are both `users`; a developer is a user with an organization.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from consentry.clock import Clock
from consentry.core.model import User
from consentry.core.ports.unit_of_work import PortalUnitOfWork
from consentry.passwords import hash_password
from consentry.portal.errors import AlreadyExists, FieldError, InvalidInput

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class Developer:
    """A signed-in developer and the organization whose apps they may see and change."""

    user: User
    organization_id: int
    organization_name: str

    @property
    def id(self) -> int:
        return self.user.id


@dataclass(frozen=True, slots=True)
class SignUpForm:
    organization: str
    display_name: str
    email: str
    password: str


def required_text(
    value: str, field: str, label: str, max_length: int, errors: list[FieldError]
) -> str:
    """Trimmed text; appends an error when empty or too long."""
    text = value.strip()
    if not text:
        errors.append(FieldError(field, f"Enter {label}."))
    elif len(text) > max_length:
        errors.append(FieldError(field, f"Use at most {max_length} characters."))
    return text


class AccountService:
    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock

    async def sign_up(self, uow: PortalUnitOfWork, form: SignUpForm) -> Developer:
        errors: list[FieldError] = []
        organization = required_text(
            form.organization, "organization", "your organization's name", 200, errors
        )
        name = required_text(form.display_name, "display_name", "your name", 200, errors)
        email = form.email.strip().lower()
        if len(email) > 320 or not _EMAIL.match(email):
            errors.append(FieldError("email", "Enter a valid e-mail address."))
        if len(form.password) < MIN_PASSWORD_LENGTH:
            errors.append(FieldError("password", f"Use at least {MIN_PASSWORD_LENGTH} characters."))
        elif len(form.password) > MAX_PASSWORD_LENGTH:
            errors.append(FieldError("password", "This password is too long."))
        if errors:
            raise InvalidInput.of(errors)
        if await uow.users.get_by_email(email) is not None:
            raise AlreadyExists("An account with this e-mail already exists.", field="email")
        now = self._clock.now()
        org_id = await uow.accounts.add_organization(organization, now)
        user_id = await uow.accounts.add_user(
            email=email,
            display_name=name,
            password_hash=hash_password(form.password),
            organization_id=org_id,
            now=now,
        )
        if user_id is None:
            raise AlreadyExists("An account with this e-mail already exists.", field="email")
        user = User(user_id, email, name, "", organization_id=org_id)
        return Developer(user, org_id, organization)

    async def developer(self, uow: PortalUnitOfWork, user_id: int | None) -> Developer | None:
        """The developer behind a signed-in user id; None for customers and unknown users."""
        if user_id is None:
            return None
        user = await uow.users.get(user_id)
        if user is None or user.organization_id is None:
            return None
        name = await uow.accounts.organization_name(user.organization_id)
        return Developer(user, user.organization_id, name or "")
