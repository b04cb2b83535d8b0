"""The consent link (RFC 6749 §4.1.1–4.1.2): validate it, then answer it with a code or a denial.

The checks run in order, like a pipeline; until the client and its redirect URI are known good,
failures are shown as a page and never redirected (§4.1.2.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from consentry.clock import Clock
from consentry.core import pkce
from consentry.core.errors import (
    AccessDenied,
    AuthorizationPageError,
    InvalidRequest,
    OAuthError,
    RedirectableError,
    UnsupportedResponseType,
)
from consentry.core.hashing import SecretHasher, new_secret
from consentry.core.model import (
    AuthMethod,
    AuthorizationCode,
    Client,
    Grant,
    PendingAuthorization,
    RedirectTo,
)
from consentry.core.policy import TokenPolicy
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.core.redirect_uris import is_registered
from consentry.core.requested_scope import requested_scopes
from consentry.core.requests import Parameters

UNKNOWN_CLIENT = "client_id does not match any published API app"


@dataclass(frozen=True, slots=True)
class StartedAuthorization:
    """A validated consent link: the raw handle goes in the page's URL; only its hash is kept."""

    handle: str
    pending: PendingAuthorization
    client: Client


def check_single_values(faulty: frozenset[str]) -> None:
    repeated = sorted(faulty & {"client_id", "redirect_uri"})
    if repeated:
        # Say which one: the developer reading this page has to fix their link.
        raise AuthorizationPageError(
            "Invalid consent link",
            f"The {' and '.join(repeated)} parameter must appear exactly once"
            " and be of reasonable size.",
        )


async def check_client(uow: UnitOfWork, params: Parameters) -> Client:
    client_id = params.get("client_id")
    if client_id is None:
        raise AuthorizationPageError("Invalid consent link", "The client_id parameter is missing.")
    client = await uow.clients.get_by_client_id(client_id)
    if client is None:
        raise AuthorizationPageError("Unknown application", f"The {UNKNOWN_CLIENT}.")
    if not client.app.activated:
        raise AuthorizationPageError(
            "Application not activated",
            f"The {UNKNOWN_CLIENT}: this app has not been activated by its developer.",
        )
    if client.app.auth_method is not AuthMethod.AUTHORIZATION_CODE:
        raise AuthorizationPageError(
            "Wrong kind of application",
            "This app uses client credentials; it cannot be authorized with response_type=code.",
        )
    return client


def check_redirect_uri(client: Client, params: Parameters) -> str:
    redirect_uri = params.get("redirect_uri")
    if redirect_uri is None:
        raise AuthorizationPageError(
            "Invalid consent link", "The redirect_uri parameter is missing."
        )
    # RFC 6749 §3.1.2.3 / RFC 9700 §4.1.3: exact string match against a registered URI.
    if not is_registered(redirect_uri, client.redirect_uris):
        raise AuthorizationPageError(
            "Invalid redirect URI", "The redirect_uri is not registered for this application."
        )
    return redirect_uri


def check_response_type(params: Parameters) -> None:
    response_type = params.get("response_type")
    if response_type is None:
        raise InvalidRequest("The response_type parameter is required.")
    if response_type != "code":
        raise UnsupportedResponseType()


class AuthorizationEndpoint:
    """Validates consent links and answers them once the user has decided."""

    def __init__(
        self, *, issuer: str, hasher: SecretHasher, policy: TokenPolicy, clock: Clock
    ) -> None:
        self.issuer = issuer
        self._hasher = hasher
        self._policy = policy
        self._clock = clock

    async def start(
        self, uow: UnitOfWork, params: Parameters, faulty: frozenset[str]
    ) -> StartedAuthorization:
        check_single_values(faulty)
        client = await check_client(uow, params)
        redirect_uri = check_redirect_uri(client, params)
        # From here on the redirect URI is trusted: errors go back to the client (§4.1.2.1).
        state = params.values.get("state") if "state" not in faulty else None
        try:
            if faulty:
                raise InvalidRequest("Each parameter must appear once and be of reasonable size.")
            check_response_type(params)
            challenge = pkce.check_challenge(
                params.get("code_challenge"),
                params.get("code_challenge_method"),
                required=client.app.pkce_required,
            )
            scopes = requested_scopes(params.values.get("scope"), client.app.scopes)
        except OAuthError as error:
            raise RedirectableError(error, redirect_uri, state) from error
        now = self._clock.now()
        handle = new_secret()
        pending = PendingAuthorization(
            id_hash=self._hasher.hash(handle),
            credential_id=client.credential.id,
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            state=state,
            code_challenge=challenge,
            scopes=scopes,
            created_at=now,
            expires_at=now + self._policy.consent_ttl,
        )
        await uow.pending.add(pending)
        return StartedAuthorization(handle=handle, pending=pending, client=client)

    def pending_id_hash(self, handle: str) -> bytes:
        return self._hasher.hash(handle)

    async def issue_code(
        self, uow: UnitOfWork, pending: PendingAuthorization, grant: Grant
    ) -> RedirectTo:
        """RFC 6749 §4.1.2: a single-use, short-lived code bound to client and redirect URI."""
        now = self._clock.now()
        code = new_secret()
        await uow.grants.add(grant)
        await uow.codes.add(
            AuthorizationCode(
                code_hash=self._hasher.hash(code),
                grant_id=grant.id,
                credential_id=pending.credential_id,
                redirect_uri=pending.redirect_uri,
                code_challenge=pending.code_challenge,
                created_at=now,
                expires_at=now + self._policy.authorization_code_ttl,
            )
        )
        return self.respond(pending.redirect_uri, {"code": code}, pending.state)

    def deny(self, pending: PendingAuthorization) -> RedirectTo:
        return self.error_redirect(AccessDenied(), pending.redirect_uri, pending.state)

    def error_redirect(self, error: OAuthError, redirect_uri: str, state: str | None) -> RedirectTo:
        params = {"error": error.error, "error_description": error.description}
        return self.respond(redirect_uri, params, state)

    def respond(self, redirect_uri: str, params: dict[str, str], state: str | None) -> RedirectTo:
        """Append the response to the redirect URI, keeping its own query (RFC 6749 §3.1.2)."""
        response = dict(params)
        if state is not None:
            response["state"] = state  # returned exactly as received
        response["iss"] = self.issuer  # RFC 9207 §2
        separator = "&" if "?" in redirect_uri else "?"
        return RedirectTo(redirect_uri + separator + urlencode(response, quote_via=quote))
