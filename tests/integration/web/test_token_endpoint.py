"""`POST /oauth2/token` (RFC 6749 §3.2, §4.1.3, §5, §6; RFC 9068 access tokens).

Criteo's response shape, client authentication in the body or by HTTP Basic (never both), 30-second
single-use codes whose replay revokes what they produced, rotating 6-month refresh tokens.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from urllib.parse import quote

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import LargeBinary, String, Text, select
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from consentry.core.hashing import SecretHasher
from consentry.core.model import AuthMethod
from consentry.core.pkce import s256
from consentry.storage.sql import schema as t
from tests.conftest import CLIENT_REDIRECT_URI, ISSUER, Demo
from tests.integration.conftest import Issued
from tests.support.flow import bearer, exchange_code, obtain_code, refresh
from tests.support.world import add_app, add_credential_pair, revoke_all_grants

SIX_MONTHS = timedelta(days=183)
REUSE_WINDOW = timedelta(seconds=30)


async def new_code(client: httpx.AsyncClient, demo: Demo, *, client_id: str | None = None) -> str:
    return await obtain_code(
        client,
        client_id=client_id or demo.client_id,
        redirect_uri=CLIENT_REDIRECT_URI,
        email=demo.customer_email,
        password=demo.customer_password,
        advertisers=[demo.advertiser("Maison Lumière")],
    )


async def redeem(client: httpx.AsyncClient, demo: Demo, code: str, **extra: str) -> httpx.Response:
    return await exchange_code(
        client,
        code,
        client_id=demo.client_id,
        client_secret=demo.client_secret,
        redirect_uri=CLIENT_REDIRECT_URI,
        **extra,
    )


async def use_refresh(
    client: httpx.AsyncClient, demo: Demo, refresh_token: str, **extra: str
) -> httpx.Response:
    return await refresh(
        client,
        refresh_token,
        client_id=demo.client_id,
        client_secret=demo.client_secret,
        **extra,
    )


def assert_oauth_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert set(body) == {"error", "error_description"}
    assert response.headers["cache-control"] == "no-store"


def basic(client_id: str, client_secret: str) -> str:
    # RFC 6749 §2.3.1: each part form-urlencoded before base64.
    raw = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}"
    return "Basic " + base64.b64encode(raw.encode()).decode()


# --- the success response -----------------------------------------------------------------


async def test_code_exchange_returns_exactly_criteos_response_shape(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    response = await redeem(client, demo, await new_code(client, demo))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert isinstance(body["refresh_token"], str) and len(body["refresh_token"]) >= 43
    assert isinstance(body["access_token"], str)


async def test_refresh_returns_exactly_criteos_response_shape(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    response = await use_refresh(client, demo, issued.refresh_token)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900


# --- client authentication (RFC 6749 §2.3.1) ---------------------------------------------


async def test_client_secret_basic_is_accepted(client: httpx.AsyncClient, demo: Demo) -> None:
    code = await new_code(client, demo)
    response = await client.post(
        "/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CLIENT_REDIRECT_URI,
        },
        headers={"Authorization": basic(demo.client_id, demo.client_secret)},
    )
    assert response.status_code == 200, response.text


async def test_client_secret_basic_with_matching_body_client_id_is_accepted(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    code = await new_code(client, demo)
    response = await client.post(
        "/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CLIENT_REDIRECT_URI,
            "client_id": demo.client_id,
        },
        headers={"Authorization": basic(demo.client_id, demo.client_secret)},
    )
    assert response.status_code == 200, response.text


async def test_basic_and_body_secret_together_is_invalid_request(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    code = await new_code(client, demo)
    response = await client.post(
        "/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CLIENT_REDIRECT_URI,
            "client_id": demo.client_id,
            "client_secret": demo.client_secret,
        },
        headers={"Authorization": basic(demo.client_id, demo.client_secret)},
    )
    assert_oauth_error(response, 400, "invalid_request")


async def test_no_client_credentials_is_401_invalid_client(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    code = await new_code(client, demo)
    response = await client.post(
        "/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CLIENT_REDIRECT_URI,
        },
    )
    assert_oauth_error(response, 401, "invalid_client")
    assert "www-authenticate" not in response.headers


async def test_client_id_without_secret_is_401_invalid_client(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    response = await client.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": "x", "client_id": demo.client_id},
    )
    assert_oauth_error(response, 401, "invalid_client")


async def test_wrong_secret_in_body_is_401_without_www_authenticate(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    code = await new_code(client, demo)
    response = await exchange_code(
        client,
        code,
        client_id=demo.client_id,
        client_secret=demo.client_secret + "x",
        redirect_uri=CLIENT_REDIRECT_URI,
    )
    assert_oauth_error(response, 401, "invalid_client")
    assert "www-authenticate" not in response.headers
    # The code was not spent on a failed authentication.
    assert (await redeem(client, demo, code)).status_code == 200


async def test_unknown_client_id_is_401_invalid_client(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    response = await refresh(client, "x", client_id="nobody", client_secret=demo.client_secret)
    assert_oauth_error(response, 401, "invalid_client")


@pytest.mark.parametrize(
    "authorization",
    [
        "wrong-secret",
        "Basic not-base64!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic ",
        "Bearer abc",
    ],
    ids=["wrong-secret", "not-base64", "no-colon", "empty", "other-scheme"],
)
async def test_bad_basic_credentials_are_401_with_www_authenticate(
    client: httpx.AsyncClient, demo: Demo, authorization: str
) -> None:
    if authorization == "wrong-secret":
        authorization = basic(demo.client_id, "wrong")
    response = await client.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        headers={"Authorization": authorization},
    )
    assert_oauth_error(response, 401, "invalid_client")
    # RFC 6749 §5.2: a 401 for Basic includes the matching WWW-Authenticate challenge.
    assert response.headers["www-authenticate"].startswith("Basic ")


async def test_inactive_app_credentials_are_invalid_client(
    client: httpx.AsyncClient,
    demo: Demo,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
) -> None:
    draft = await add_app(
        engine, hasher, clock.now(), redirect_uris=(CLIENT_REDIRECT_URI,), activated=False
    )
    response = await refresh(
        client, "x", client_id=draft.client_id, client_secret=draft.client_secret
    )
    assert_oauth_error(response, 401, "invalid_client")


# --- request validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    "grant_type", ["password", "implicit", "urn:ietf:params:oauth:grant-type:jwt-bearer"]
)
async def test_unknown_grant_type_is_unsupported_grant_type(
    client: httpx.AsyncClient, demo: Demo, grant_type: str
) -> None:
    response = await client.post(
        "/oauth2/token",
        data={
            "grant_type": grant_type,
            "client_id": demo.client_id,
            "client_secret": demo.client_secret,
        },
    )
    assert_oauth_error(response, 400, "unsupported_grant_type")


@pytest.mark.parametrize("missing", ["grant_type", "code", "redirect_uri"])
async def test_missing_parameter_is_invalid_request(
    client: httpx.AsyncClient, demo: Demo, missing: str
) -> None:
    code = await new_code(client, demo)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CLIENT_REDIRECT_URI,
        "client_id": demo.client_id,
        "client_secret": demo.client_secret,
    }
    del form[missing]
    response = await client.post("/oauth2/token", data=form)
    assert_oauth_error(response, 400, "invalid_request")


async def test_missing_refresh_token_is_invalid_request(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    response = await client.post(
        "/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": demo.client_id,
            "client_secret": demo.client_secret,
        },
    )
    assert_oauth_error(response, 400, "invalid_request")


async def test_get_on_the_token_endpoint_is_refused_with_no_store(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    response = await client.get("/oauth2/token")
    assert response.status_code == 405
    assert response.headers["cache-control"] == "no-store"


# --- codes: 30 seconds, once, bound to client and redirect URI ------------------------------


async def test_code_is_still_valid_at_29_seconds(
    client: httpx.AsyncClient, demo: Demo, clock: FixedClock
) -> None:
    code = await new_code(client, demo)
    clock.advance(timedelta(seconds=29))
    assert (await redeem(client, demo, code)).status_code == 200


async def test_expired_code_is_invalid_grant(
    client: httpx.AsyncClient, demo: Demo, clock: FixedClock
) -> None:
    code = await new_code(client, demo)
    clock.advance(timedelta(seconds=31))
    assert_oauth_error(await redeem(client, demo, code), 400, "invalid_grant")


async def test_unknown_code_is_invalid_grant(client: httpx.AsyncClient, demo: Demo) -> None:
    assert_oauth_error(await redeem(client, demo, "not-a-code"), 400, "invalid_grant")


async def test_reused_code_is_invalid_grant_and_revokes_issued_tokens(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    code = await new_code(client, demo)
    first = await redeem(client, demo, code)
    assert first.status_code == 200
    tokens = first.json()
    me = await client.get("/2027-01/advertisers/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200

    # RFC 6749 §4.1.2: a code used twice is refused and what it produced is revoked.
    assert_oauth_error(await redeem(client, demo, code), 400, "invalid_grant")
    assert_oauth_error(
        await use_refresh(client, demo, tokens["refresh_token"]), 400, "invalid_grant"
    )
    me = await client.get("/2027-01/advertisers/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 401


async def test_code_cannot_be_redeemed_by_another_credential_pair_of_the_same_app(
    client: httpx.AsyncClient,
    demo: Demo,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
) -> None:
    second = await add_credential_pair(engine, hasher, demo.app.app_id, clock.now())
    code = await new_code(client, demo)
    response = await exchange_code(
        client,
        code,
        client_id=second.client_id,
        client_secret=second.client_secret,
        redirect_uri=CLIENT_REDIRECT_URI,
    )
    assert_oauth_error(response, 400, "invalid_grant")
    # The rightful client can still redeem it: another client cannot burn its code.
    assert (await redeem(client, demo, code)).status_code == 200


async def test_code_cannot_be_redeemed_by_another_app(
    client: httpx.AsyncClient,
    demo: Demo,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
) -> None:
    other = await add_app(engine, hasher, clock.now(), redirect_uris=(CLIENT_REDIRECT_URI,))
    code = await new_code(client, demo)
    response = await exchange_code(
        client,
        code,
        client_id=other.client_id,
        client_secret=other.client_secret,
        redirect_uri=CLIENT_REDIRECT_URI,
    )
    assert_oauth_error(response, 400, "invalid_grant")
    assert (await redeem(client, demo, code)).status_code == 200


async def test_code_issued_to_second_pair_is_redeemed_by_that_pair(
    client: httpx.AsyncClient,
    demo: Demo,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
) -> None:
    second = await add_credential_pair(engine, hasher, demo.app.app_id, clock.now())
    code = await new_code(client, demo, client_id=second.client_id)
    assert_oauth_error(await redeem(client, demo, code), 400, "invalid_grant")
    response = await exchange_code(
        client,
        code,
        client_id=second.client_id,
        client_secret=second.client_secret,
        redirect_uri=CLIENT_REDIRECT_URI,
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://localhost:3000/criteo-auth/callback",  # registered, but not the link's
        CLIENT_REDIRECT_URI + "/",
        "https://evil.example/criteo-auth/callback",
    ],
    ids=["other-registered", "trailing-slash", "foreign"],
)
async def test_redirect_uri_differing_from_the_consent_links_is_invalid_grant(
    client: httpx.AsyncClient, demo: Demo, redirect_uri: str
) -> None:
    # RFC 6749 §4.1.3: redirect_uri must be identical to the one in the authorization request.
    code = await new_code(client, demo)
    response = await exchange_code(
        client,
        code,
        client_id=demo.client_id,
        client_secret=demo.client_secret,
        redirect_uri=redirect_uri,
    )
    assert_oauth_error(response, 400, "invalid_grant")


# --- PKCE (RFC 7636 §4.6) ------------------------------------------------------------------

VERIFIER = "v" * 20 + "-._~" + "0123456789" + "A" * 20


async def pkce_code(client: httpx.AsyncClient, demo: Demo) -> str:
    return await obtain_code(
        client,
        client_id=demo.client_id,
        redirect_uri=CLIENT_REDIRECT_URI,
        email=demo.customer_email,
        password=demo.customer_password,
        advertisers=[demo.advertiser("Maison Lumière")],
        code_challenge=s256(VERIFIER),
        code_challenge_method="S256",
    )


async def test_pkce_code_with_the_right_verifier_is_exchanged(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    code = await pkce_code(client, demo)
    assert (await redeem(client, demo, code, code_verifier=VERIFIER)).status_code == 200


@pytest.mark.parametrize(
    "verifier",
    [None, "w" * 54, "short", VERIFIER + "!"],
    ids=["missing", "wrong", "too-short", "bad-characters"],
)
async def test_pkce_code_without_the_right_verifier_is_invalid_grant(
    client: httpx.AsyncClient, demo: Demo, verifier: str | None
) -> None:
    code = await pkce_code(client, demo)
    extra = {"code_verifier": verifier} if verifier is not None else {}
    assert_oauth_error(await redeem(client, demo, code, **extra), 400, "invalid_grant")


async def test_verifier_for_a_code_issued_without_challenge_is_invalid_grant(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    # A PKCE downgrade: the code was issued without code_challenge.
    code = await new_code(client, demo)
    assert_oauth_error(
        await redeem(client, demo, code, code_verifier=VERIFIER), 400, "invalid_grant"
    )


async def test_client_credentials_app_cannot_redeem_codes(
    client: httpx.AsyncClient,
    demo: Demo,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
) -> None:
    machine = await add_app(
        engine,
        hasher,
        clock.now(),
        redirect_uris=(CLIENT_REDIRECT_URI,),
        auth_method=AuthMethod.CLIENT_CREDENTIALS,
    )
    code = await new_code(client, demo)
    response = await exchange_code(
        client,
        code,
        client_id=machine.client_id,
        client_secret=machine.client_secret,
        redirect_uri=CLIENT_REDIRECT_URI,
    )
    assert_oauth_error(response, 400, "unauthorized_client")


# --- refresh tokens: rotated on use, 6 months ---------------------------------------------


async def test_refresh_rotates_and_the_old_refresh_token_stops_working(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, clock: FixedClock
) -> None:
    rotated = await use_refresh(client, demo, issued.refresh_token)
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["refresh_token"] != issued.refresh_token
    assert new["access_token"] != issued.access_token
    clock.advance(REUSE_WINDOW + timedelta(seconds=1))
    assert_oauth_error(await use_refresh(client, demo, issued.refresh_token), 400, "invalid_grant")


async def test_old_refresh_token_within_the_reuse_window_gets_the_same_pair_back(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, clock: FixedClock
) -> None:
    # DESIGN.md §2: a lost response or a second tab is not a theft; no new family is minted.
    first = (await use_refresh(client, demo, issued.refresh_token)).json()
    clock.advance(REUSE_WINDOW - timedelta(seconds=1))
    again = await use_refresh(client, demo, issued.refresh_token)
    assert again.status_code == 200
    assert again.json()["refresh_token"] == first["refresh_token"]
    assert again.json()["access_token"] == first["access_token"]
    assert (await use_refresh(client, demo, first["refresh_token"])).status_code == 200


async def test_old_refresh_token_after_the_reuse_window_revokes_the_grant(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, clock: FixedClock
) -> None:
    # RFC 9700 §4.14.2: reuse of a rotated refresh token revokes the whole grant.
    first = (await use_refresh(client, demo, issued.refresh_token)).json()
    clock.advance(REUSE_WINDOW + timedelta(seconds=1))
    assert_oauth_error(await use_refresh(client, demo, issued.refresh_token), 400, "invalid_grant")
    assert_oauth_error(
        await use_refresh(client, demo, first["refresh_token"]), 400, "invalid_grant"
    )
    me = await client.get("/2027-01/advertisers/me", headers=bearer(first["access_token"]))
    assert me.status_code == 401


async def test_refresh_ignores_the_code_and_redirect_uri_criteos_sdk_sends(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    # Criteo's SDK re-sends the original code and redirect_uri on refresh: not a code replay.
    response = await use_refresh(
        client, demo, issued.refresh_token, code=issued.code, redirect_uri=CLIENT_REDIRECT_URI
    )
    assert response.status_code == 200, response.text
    body = response.json()
    me = await client.get("/2027-01/advertisers/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    again = await use_refresh(
        client, demo, body["refresh_token"], code=issued.code, redirect_uri=CLIENT_REDIRECT_URI
    )
    assert again.status_code == 200, again.text


async def test_refresh_token_is_still_valid_just_before_six_months(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, clock: FixedClock
) -> None:
    clock.advance(SIX_MONTHS - timedelta(days=1))
    assert (await use_refresh(client, demo, issued.refresh_token)).status_code == 200


async def test_refresh_token_after_six_months_and_a_day_is_invalid_grant(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, clock: FixedClock
) -> None:
    clock.advance(SIX_MONTHS + timedelta(days=1))
    assert_oauth_error(await use_refresh(client, demo, issued.refresh_token), 400, "invalid_grant")


async def test_refresh_token_of_another_client_is_invalid_grant(
    client: httpx.AsyncClient,
    demo: Demo,
    issued: Issued,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
) -> None:
    second = await add_credential_pair(engine, hasher, demo.app.app_id, clock.now())
    response = await refresh(
        client,
        issued.refresh_token,
        client_id=second.client_id,
        client_secret=second.client_secret,
    )
    assert_oauth_error(response, 400, "invalid_grant")
    assert (await use_refresh(client, demo, issued.refresh_token)).status_code == 200


async def test_refresh_token_of_a_revoked_grant_is_invalid_grant(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, engine: AsyncEngine, clock: FixedClock
) -> None:
    assert await revoke_all_grants(engine, clock.now()) == 1
    assert_oauth_error(await use_refresh(client, demo, issued.refresh_token), 400, "invalid_grant")


# --- the access token (RFC 9068) ------------------------------------------------------------


def segments(token: str) -> tuple[dict[str, object], dict[str, object]]:
    header, payload, _ = token.split(".")

    def decode(part: str) -> dict[str, object]:
        return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))

    return decode(header), decode(payload)


async def test_access_token_is_an_es256_at_jwt_verifiable_with_the_published_jwks(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    header, _ = segments(issued.access_token)
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "ES256"
    jwks_response = await client.get("/.well-known/jwks.json")
    assert jwks_response.status_code == 200
    jwks = jwks_response.json()
    assert header["kid"] in {key["kid"] for key in jwks["keys"]}
    assert all("d" not in key for key in jwks["keys"])  # public halves only

    decoded = jwt.decode(issued.access_token, KeySet.import_key_set(jwks), algorithms=["ES256"])
    claims = decoded.claims
    assert claims["iss"] == ISSUER
    assert claims["sub"] == str(demo.app.customer_id)
    assert claims["client_id"] == demo.client_id
    assert set(str(claims["scope"]).split()) == {
        "MarketingSolutions_Analytics_Read",
        "MarketingSolutions_Audience_Read",
        "MarketingSolutions_Campaign_Manage",
    }
    assert claims["exp"] - claims["iat"] == 900
    assert isinstance(claims["gid"], str) and claims["gid"]
    assert claims["advertisers"] == [str(a) for a in issued.advertisers]


async def test_refreshed_access_token_keeps_the_grant(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, clock: FixedClock
) -> None:
    clock.advance(timedelta(minutes=20))
    body = (await use_refresh(client, demo, issued.refresh_token)).json()
    _, before = segments(issued.access_token)
    _, after = segments(body["access_token"])
    assert after["gid"] == before["gid"]
    assert after["advertisers"] == before["advertisers"]
    assert int(str(after["iat"])) == int(str(before["iat"])) + 20 * 60


async def test_private_signing_key_is_stored_sealed(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, engine: AsyncEngine
) -> None:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(t.SigningKey))).all()
    assert rows
    for row in rows:
        sealed = bytes(row.encrypted_private_key)
        assert b"PRIVATE KEY" not in sealed
        assert b"-----BEGIN" not in sealed
        assert "d" not in row.public_jwk  # the stored JWK is the public half
        assert set(row.public_jwk) >= {"kty", "crv", "x", "y", "kid"}


async def test_codes_refresh_tokens_and_secrets_are_stored_only_as_hashes(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, engine: AsyncEngine
) -> None:
    rotated = (await use_refresh(client, demo, issued.refresh_token)).json()["refresh_token"]
    session = client.cookies["consentry_session"]
    secrets = {
        "code": issued.code,
        "refresh token": issued.refresh_token,
        "rotated refresh token": rotated,
        "client secret": demo.client_secret,
        "session id": session,
    }
    found: list[str] = []
    async with engine.connect() as conn:
        for table in t.Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, LargeBinary | String | Text)]
            if not columns:
                continue
            for row in (await conn.execute(select(*columns))).all():
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    blob = (
                        bytes(value)
                        if isinstance(value, bytes | memoryview)
                        else str(value).encode()
                    )
                    for name, secret in secrets.items():
                        if secret.encode() in blob:
                            found.append(f"{name} in {table.name}.{column.name}")
        for hash_column in [
            t.AuthorizationCode.code_hash,
            t.RefreshToken.token_hash,
            t.Credential.secret_hash,
            t.WebSession.id_hash,
        ]:
            hashes = list(await conn.scalars(select(hash_column)))
            assert hashes, hash_column
            assert all(len(bytes(h)) == 32 for h in hashes), hash_column
    assert found == []
