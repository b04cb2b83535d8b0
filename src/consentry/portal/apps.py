"""Apps of an organization: create, edit, image, domains → scopes, PKCE switch, activation.

Rules: the service and the auth method are chosen once; each domain of the service is No access,
Read or Manage (Catalog: Manage only); at least one domain. Changing domains after activation
affects new consents only: grants keep the scopes the customer approved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from consentry.clock import Clock
from consentry.core.model import App, AuthMethod, Credential
from consentry.core.ports.portal import AppChanges, NewApp, StoredRedirectUri
from consentry.core.ports.unit_of_work import PortalUnitOfWork
from consentry.core.scopes import SERVICES, Level, Service, parse_scope, scopes_for
from consentry.portal.accounts import Developer, required_text
from consentry.portal.errors import FieldError, InvalidInput, NotFoundError
from consentry.portal.images import validate_image

NO_ACCESS = "none"
LEVELS = {NO_ACCESS: None, "read": Level.READ, "manage": Level.MANAGE}
AUTH_METHODS = {m.value: m for m in AuthMethod}
MAX_NAME = 100
MAX_DESCRIPTION = 2000


@dataclass(frozen=True, slots=True)
class AppForm:
    name: str
    description: str
    service: str
    auth_method: str
    domains: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AppEdit:
    """Changes to an existing app; None leaves a field as it is."""

    name: str | None = None
    description: str | None = None
    domains: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class AppDetails:
    """Everything the app page and `GET /portal/api/apps/{id}` show."""

    app: App
    credentials: list[Credential]
    redirect_uris: list[StoredRedirectUri]

    @property
    def service(self) -> Service:
        return SERVICES[self.app.service]

    @property
    def levels(self) -> dict[str, str]:
        return domain_levels(self.app)


def domain_levels(app: App) -> dict[str, str]:
    """Every domain of the app's service with its level: "none", "read" or "manage"."""
    service = SERVICES[app.service]
    levels = dict.fromkeys(service.domains, NO_ACCESS)
    for scope in app.scopes:
        _, domain, level = parse_scope(scope)
        levels[domain] = level.value.lower()
    return levels


def scopes_from_domains(
    service: Service, domains: Mapping[str, str], errors: list[FieldError]
) -> tuple[str, ...]:
    """The scope strings of the chosen levels; appends an error per field at fault."""
    already = len(errors)
    by_name = {d.lower(): d for d in service.domains}
    chosen: dict[str, Level] = {}
    for key, raw in domains.items():
        domain = by_name.get(key.strip().lower())
        if domain is None:
            errors.append(FieldError(f"domains.{key}", f"{service.title} has no {key} domain."))
            continue
        value = raw.strip().lower()
        if value not in LEVELS:
            errors.append(FieldError(f"domains.{domain}", "Choose No access, Read or Manage."))
            continue
        level = LEVELS[value]
        if level is Level.READ and domain in service.manage_only:
            errors.append(
                FieldError(f"domains.{domain}", f"{domain} can only be granted at Manage level.")
            )
        elif level is not None:
            chosen[domain] = level
    if len(errors) > already:
        return ()
    if not chosen:
        errors.append(FieldError("domains", "Give the app at least one domain: Read or Manage."))
        return ()
    return scopes_for(service, chosen)


class AppService:
    def __init__(self, *, clock: Clock, max_image_bytes: int) -> None:
        self._clock = clock
        self._max_image_bytes = max_image_bytes

    async def all(self, uow: PortalUnitOfWork, developer: Developer) -> list[App]:
        return await uow.apps.list(developer.organization_id)

    async def get(self, uow: PortalUnitOfWork, developer: Developer, app_id: int) -> App:
        app = await uow.apps.get(app_id, developer.organization_id)
        if app is None:
            raise NotFoundError("There is no such app in your organization.")
        return app

    async def details(self, uow: PortalUnitOfWork, developer: Developer, app_id: int) -> AppDetails:
        app = await self.get(uow, developer, app_id)
        return AppDetails(
            app=app,
            credentials=await uow.credentials.list(app.id),
            redirect_uris=await uow.redirect_uris.list(app.id),
        )

    async def create(
        self,
        uow: PortalUnitOfWork,
        developer: Developer,
        form: AppForm,
        image: bytes | None = None,
    ) -> App:
        errors: list[FieldError] = []
        name = required_text(form.name, "name", "a name", MAX_NAME, errors)
        description = self._description(form.description, errors)
        auth_method = AUTH_METHODS.get(form.auth_method.strip())
        if auth_method is None:
            errors.append(
                FieldError("auth_method", "Choose Authorization Code or Client Credentials.")
            )
        service = SERVICES.get(form.service.strip())
        scopes: tuple[str, ...] = ()
        if service is None:
            errors.append(
                FieldError(
                    "service", "Choose C-Growth (Marketing Solutions) or C-Max (Retail Media)."
                )
            )
        else:
            scopes = scopes_from_domains(service, form.domains, errors)
        checked_image = self._image(image, errors)
        if errors or service is None or auth_method is None:
            raise InvalidInput.of(errors)
        now = self._clock.now()
        app_id = await uow.apps.add(
            NewApp(developer.organization_id, name, description, service.code, auth_method, scopes),
            now,
        )
        if checked_image is not None:
            await uow.apps.set_image(app_id, checked_image, now)
        return await self.get(uow, developer, app_id)

    async def update(
        self, uow: PortalUnitOfWork, developer: Developer, app_id: int, edit: AppEdit
    ) -> App:
        app = await self.get(uow, developer, app_id)
        errors: list[FieldError] = []
        name = (
            None
            if edit.name is None
            else required_text(edit.name, "name", "a name", MAX_NAME, errors)
        )
        description = (
            None if edit.description is None else self._description(edit.description, errors)
        )
        scopes = None
        if edit.domains is not None:
            scopes = scopes_from_domains(SERVICES[app.service], edit.domains, errors)
        if errors:
            raise InvalidInput.of(errors)
        changes = AppChanges(name=name, description=description, scopes=scopes)
        await uow.apps.update(app.id, changes, self._clock.now())
        return await self.get(uow, developer, app_id)

    async def set_image(
        self, uow: PortalUnitOfWork, developer: Developer, app_id: int, image: bytes | None
    ) -> App:
        """Replace the app's image, or remove it with None."""
        app = await self.get(uow, developer, app_id)
        checked = None if image is None else validate_image(image, self._max_image_bytes)
        await uow.apps.set_image(app.id, checked, self._clock.now())
        return await self.get(uow, developer, app_id)

    async def set_activation(
        self, uow: PortalUnitOfWork, developer: Developer, app_id: int, activated: bool
    ) -> App:
        """Only an activated app can be used in a consent link or at the token endpoint."""
        app = await self.get(uow, developer, app_id)
        await uow.apps.update(app.id, AppChanges(activated=activated), self._clock.now())
        return await self.get(uow, developer, app_id)

    async def set_pkce(
        self, uow: PortalUnitOfWork, developer: Developer, app_id: int, required: bool
    ) -> App:
        """Once on, consent links without an S256 code_challenge fail for this app."""
        app = await self.get(uow, developer, app_id)
        if app.auth_method is not AuthMethod.AUTHORIZATION_CODE:
            raise InvalidInput(
                "PKCE applies to authorization-code apps only.", field="pkce_required"
            )
        await uow.apps.update(app.id, AppChanges(pkce_required=required), self._clock.now())
        return await self.get(uow, developer, app_id)

    @staticmethod
    def _description(value: str, errors: list[FieldError]) -> str:
        text = value.strip()
        if len(text) > MAX_DESCRIPTION:
            errors.append(FieldError("description", f"Use at most {MAX_DESCRIPTION} characters."))
        return text

    def _image(self, image: bytes | None, errors: list[FieldError]) -> tuple[bytes, str] | None:
        if not image:
            return None
        try:
            return validate_image(image, self._max_image_bytes)
        except InvalidInput as error:
            errors.extend(error.errors)
            return None
