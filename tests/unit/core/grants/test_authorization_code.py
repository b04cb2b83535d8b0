"""`grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6): single use, 30 s, 1 client."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from consentry.clock import FixedClock
from consentry.core import pkce
from consentry.core.audit import AuditKind
from consentry.core.errors import InvalidGrant, InvalidRequest, OAuthError, UnauthorizedClient
from consentry.core.model import AuthMethod, RefreshToken
from consentry.storage.memory.codes import InMemoryAuthorizationCodeRepository
from tests.factories import OTHER_REDIRECT_URI, MemoryFactory, OAuthFlow, World, claims_of

VERIFIER = "v" * 43 + "-._~0123456789"


async def test_valid_code_issues_an_access_and_a_refresh_token(flow: OAuthFlow) -> None:
    issued = await flow.redeem(await flow.obtain_code())
    assert issued.refresh_token is not None
    assert issued.expires_in == 900
    claims = claims_of(issued.access_token)
    assert claims["client_id"] == flow.world.client.client_id
    assert claims["scope"] == " ".join(flow.world.client.app.scopes)


@pytest.mark.parametrize(
    ("age", "valid"),
    [
        pytest.param(timedelta(0), True, id="at-once"),
        pytest.param(timedelta(seconds=29), True, id="valid-at-29s"),
        pytest.param(timedelta(seconds=30), False, id="expired-at-30s"),
        pytest.param(timedelta(seconds=31), False, id="invalid_grant-at-31s"),
    ],
)
async def test_code_is_valid_for_30_seconds(
    flow: OAuthFlow, clock: FixedClock, age: timedelta, valid: bool
) -> None:
    code = await flow.obtain_code()
    clock.advance(age)
    if valid:
        await flow.redeem(code)
    else:
        with pytest.raises(InvalidGrant, match="invalid or expired"):
            await flow.redeem(code)


async def test_expired_code_is_invalid_grant_without_revoking_the_grant(
    flow: OAuthFlow, clock: FixedClock
) -> None:
    code = await flow.obtain_code()
    clock.advance(timedelta(seconds=31))
    with pytest.raises(InvalidGrant):
        await flow.redeem(code)
    clock.advance(timedelta(seconds=-31))  # the same code, back in its lifetime, still works
    await flow.redeem(code)


async def test_code_is_single_use(flow: OAuthFlow) -> None:
    code = await flow.obtain_code()
    await flow.redeem(code)
    with pytest.raises(InvalidGrant, match="already used") as caught:
        await flow.redeem(code)
    assert caught.value.debug == "code replay"


async def test_reused_code_revokes_issued_tokens(flow: OAuthFlow, clock: FixedClock) -> None:
    code = await flow.obtain_code()
    first = await flow.redeem(code)
    assert first.refresh_token is not None
    grant_id = str(claims_of(first.access_token)["gid"])
    clock.advance(timedelta(seconds=5))
    with pytest.raises(InvalidGrant):
        await flow.redeem(code)
    # RFC 6749 §4.1.2: the grant is revoked, so its refresh token no longer works.
    assert (await flow.grant(grant_id)).revoked_at == clock.now()
    with pytest.raises(InvalidGrant, match="revoked"):
        await flow.refresh(first.refresh_token)
    async with flow.store.unit_of_work(read_only=True) as uow:
        (event,) = [e.event for e in await uow.audit.page()]
    assert (event.kind, event.grant_id, event.user_id, event.client_id) == (
        AuditKind.CODE_REPLAYED,
        grant_id,
        flow.world.customer.id,
        flow.world.client.client_id,
    )


async def test_a_redemption_lost_to_a_racing_request_is_the_replay(
    flow: OAuthFlow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The code was unused when read, but another request redeemed it before our conditional
    update: ours is the replay, so the grant is revoked (RFC 6749 §4.1.2)."""
    code = await flow.obtain_code()
    original = InMemoryAuthorizationCodeRepository.redeem

    async def redeem_after_a_racing_request(
        self: InMemoryAuthorizationCodeRepository,
        code_hash: bytes,
        credential_id: int,
        now: datetime,
        refresh_token: RefreshToken,
    ) -> bool:
        racer = replace(refresh_token, token_hash=b"racer" + refresh_token.token_hash[5:])
        assert await original(self, code_hash, credential_id, now, racer)
        return await original(self, code_hash, credential_id, now, refresh_token)

    monkeypatch.setattr(
        InMemoryAuthorizationCodeRepository, "redeem", redeem_after_a_racing_request
    )
    with pytest.raises(InvalidGrant, match="already used"):
        await flow.redeem(code)
    async with flow.store.unit_of_work(read_only=True) as uow:
        (event,) = [e.event for e in await uow.audit.page()]
    assert event.kind is AuditKind.CODE_REPLAYED
    assert (await flow.grant(str(event.grant_id))).revoked_at is not None


async def test_code_replayed_after_expiry_still_revokes_the_grant(
    flow: OAuthFlow, clock: FixedClock
) -> None:
    code = await flow.obtain_code()
    grant_id = str(claims_of((await flow.redeem(code)).access_token)["gid"])
    clock.advance(timedelta(minutes=5))
    with pytest.raises(InvalidGrant, match="already used"):
        await flow.redeem(code)
    assert not (await flow.grant(grant_id)).active


@pytest.mark.parametrize("same_app", [True, False], ids=["other-credential-same-app", "other-app"])
async def test_code_redeemed_by_another_client_id_is_invalid_grant(
    flow: OAuthFlow, factory: MemoryFactory, world: World, same_app: bool
) -> None:
    other = (
        factory.credential(world.client.app)
        if same_app
        else factory.client(world.organization_id, name="Other app")
    )
    code = await flow.obtain_code()
    with pytest.raises(InvalidGrant, match="invalid or expired"):
        await flow.redeem(code, client=other)
    # The attempt neither burns the code nor revokes the grant: the rightful client still can.
    issued = await flow.redeem(code)
    assert (await flow.grant(str(claims_of(issued.access_token)["gid"]))).active


async def test_code_replayed_by_another_client_does_not_revoke_the_grant(
    flow: OAuthFlow, factory: MemoryFactory, world: World
) -> None:
    other = factory.credential(world.client.app)
    code = await flow.obtain_code()
    issued = await flow.redeem(code)
    with pytest.raises(InvalidGrant, match="invalid or expired"):
        await flow.redeem(code, client=other)
    assert (await flow.grant(str(claims_of(issued.access_token)["gid"]))).active


@pytest.mark.parametrize(
    ("redirect_uri", "error_class"),
    [
        pytest.param(OTHER_REDIRECT_URI, InvalidGrant, id="other-registered-uri"),
        pytest.param(
            "https://client.example/criteo-auth/callback/", InvalidGrant, id="trailing-slash"
        ),
        pytest.param("", InvalidRequest, id="missing"),
    ],
)
async def test_redirect_uri_must_match_the_consent_link_rfc6749_4_1_3(
    flow: OAuthFlow, redirect_uri: str, error_class: type[OAuthError]
) -> None:
    code = await flow.obtain_code()
    with pytest.raises(error_class, match="redirect_uri"):
        await flow.redeem(code, redirect_uri=redirect_uri)


async def test_code_refused_for_its_redirect_uri_stays_redeemable(flow: OAuthFlow) -> None:
    # As oidc-provider: only a redemption that passes every check uses the code up, so the
    # client's corrected retry is not mistaken for a replay (which would revoke the consent).
    code = await flow.obtain_code()
    with pytest.raises(InvalidGrant):
        await flow.redeem(code, redirect_uri=OTHER_REDIRECT_URI)
    tokens = await flow.redeem(code)
    assert tokens.refresh_token is not None
    with pytest.raises(InvalidGrant, match="already used"):
        await flow.redeem(code)


@pytest.mark.parametrize(
    ("code", "error_class"),
    [
        pytest.param("", InvalidRequest, id="missing-code"),
        pytest.param("not-a-code", InvalidGrant, id="unknown-code"),
    ],
)
async def test_missing_or_unknown_code(
    flow: OAuthFlow, code: str, error_class: type[OAuthError]
) -> None:
    with pytest.raises(error_class):
        await flow.redeem(code)


@pytest.mark.parametrize(
    ("challenge", "verifier", "error"),
    [
        pytest.param(pkce.s256(VERIFIER), VERIFIER, None, id="s256-ok"),
        pytest.param(None, None, None, id="no-pkce"),
        pytest.param(pkce.s256(VERIFIER), None, "required", id="missing-verifier"),
        pytest.param(pkce.s256(VERIFIER), "w" * 43, "does not match", id="wrong-verifier"),
        pytest.param(pkce.s256(VERIFIER), "short", "malformed", id="malformed-verifier"),
        pytest.param(None, VERIFIER, "without code_challenge", id="downgrade-refused"),
    ],
)
async def test_pkce_at_the_token_endpoint_rfc7636_4_6(
    flow: OAuthFlow, challenge: str | None, verifier: str | None, error: str | None
) -> None:
    method = "S256" if challenge else None
    code = await flow.obtain_code(code_challenge=challenge, code_challenge_method=method)
    if error is None:
        await flow.redeem(code, code_verifier=verifier)
    else:
        with pytest.raises(InvalidGrant, match=error):
            await flow.redeem(code, code_verifier=verifier)


async def test_pkce_required_by_the_app_is_enforced_end_to_end(
    flow: OAuthFlow, factory: MemoryFactory, world: World
) -> None:
    client = factory.client(world.organization_id, pkce_required=True)
    code = await flow.obtain_code(
        client, code_challenge=pkce.s256(VERIFIER), code_challenge_method="S256"
    )
    with pytest.raises(InvalidGrant):
        await flow.redeem(code, client=client)
    code = await flow.obtain_code(
        client, code_challenge=pkce.s256(VERIFIER), code_challenge_method="S256"
    )
    await flow.redeem(code, client=client, code_verifier=VERIFIER)


async def test_client_credentials_app_is_unauthorized_client(
    flow: OAuthFlow, factory: MemoryFactory, world: World
) -> None:
    machine = factory.client(world.organization_id, auth_method=AuthMethod.CLIENT_CREDENTIALS)
    with pytest.raises(UnauthorizedClient):
        await flow.redeem("any-code", client=machine)


async def test_code_of_a_revoked_consent_is_invalid_grant(
    flow: OAuthFlow, clock: FixedClock
) -> None:
    code = await flow.obtain_code()
    async with flow.store.unit_of_work() as uow:  # the customer withdraws consent meanwhile
        await uow.grants.revoke(flow.grant_ids[-1], clock.now())
    with pytest.raises(InvalidGrant, match="consent behind this code was revoked"):
        await flow.redeem(code)
