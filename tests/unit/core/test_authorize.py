"""The consent link (RFC 6749 §4.1.1–4.1.2): checks in order, then a code or an error redirect."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consentry.clock import FixedClock
from consentry.core import pkce
from consentry.core.authorize import AuthorizationEndpoint
from consentry.core.errors import (
    AuthorizationPageError,
    InvalidRequest,
    RedirectableError,
    ServerError,
    UnsupportedResponseType,
)
from consentry.core.model import AuthMethod
from consentry.core.policy import TokenPolicy
from consentry.core.requests import Parameters
from consentry.storage.memory import InMemoryStore
from tests.factories import ISSUER, MemoryFactory, OAuthFlow, World, make_hasher, query_of

CHALLENGE = pkce.s256("v" * 43)


def endpoint(clock: FixedClock | None = None) -> AuthorizationEndpoint:
    return AuthorizationEndpoint(
        issuer=ISSUER, hasher=make_hasher(), policy=TokenPolicy(), clock=clock or FixedClock()
    )


# --- checks shown as a page: the client or its redirect URI is not known good (§4.1.2.1) ---


@pytest.mark.parametrize(
    ("overrides", "title"),
    [
        pytest.param({"client_id": None}, "Invalid consent link", id="missing-client_id"),
        pytest.param({"client_id": ""}, "Invalid consent link", id="empty-client_id"),
        pytest.param({"client_id": "nope"}, "Unknown application", id="unknown-client_id"),
        pytest.param({"redirect_uri": None}, "Invalid consent link", id="missing-redirect_uri"),
        pytest.param(
            {"redirect_uri": "https://evil.example/cb"}, "Invalid redirect URI", id="unregistered"
        ),
        pytest.param(
            {"redirect_uri": "https://client.example/criteo-auth/callback/"},
            "Invalid redirect URI",
            id="not-an-exact-match",
        ),
        pytest.param(
            {"client_id": "nope", "redirect_uri": None},
            "Unknown application",
            id="client-checked-before-redirect_uri",
        ),
        pytest.param(
            {"redirect_uri": "https://evil.example/cb", "response_type": "token"},
            "Invalid redirect URI",
            id="redirect_uri-checked-before-response_type",
        ),
    ],
)
async def test_untrusted_client_or_redirect_uri_is_shown_as_a_page(
    flow: OAuthFlow, overrides: dict[str, str | None], title: str
) -> None:
    with pytest.raises(AuthorizationPageError) as caught:
        await flow.start(**overrides)
    assert caught.value.title == title


@pytest.mark.parametrize(
    ("app_options", "title"),
    [
        pytest.param({"activated": False}, "Application not activated", id="not-activated"),
        pytest.param(
            {"auth_method": AuthMethod.CLIENT_CREDENTIALS},
            "Wrong kind of application",
            id="client-credentials-app",
        ),
        pytest.param(
            {"activated": False, "auth_method": AuthMethod.CLIENT_CREDENTIALS},
            "Application not activated",
            id="activation-checked-first",
        ),
    ],
)
async def test_app_that_cannot_be_authorized_is_shown_as_a_page(
    flow: OAuthFlow,
    factory: MemoryFactory,
    world: World,
    app_options: dict[str, object],
    title: str,
) -> None:
    client = factory.client(world.organization_id, **app_options)  # type: ignore[arg-type]
    with pytest.raises(AuthorizationPageError) as caught:
        await flow.start(client)
    assert caught.value.title == title


@pytest.mark.parametrize("name", ["client_id", "redirect_uri"])
async def test_repeated_client_id_or_redirect_uri_is_shown_as_a_page(
    flow: OAuthFlow, store: InMemoryStore, name: str
) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(AuthorizationPageError, match="Invalid consent link"):
            await flow.endpoint.start(uow, flow.link(), frozenset({name}))


# --- checks answered by redirect: the redirect URI is trusted from here on ---


@pytest.mark.parametrize(
    ("overrides", "error_class"),
    [
        pytest.param({"response_type": None}, InvalidRequest, id="missing-response_type"),
        pytest.param({"response_type": "token"}, UnsupportedResponseType, id="implicit-refused"),
        pytest.param({"response_type": "code id_token"}, UnsupportedResponseType, id="hybrid"),
        pytest.param(
            {"code_challenge": CHALLENGE, "code_challenge_method": "plain"},
            InvalidRequest,
            id="pkce-plain",
        ),
        pytest.param({"code_challenge": CHALLENGE}, InvalidRequest, id="pkce-method-missing"),
        pytest.param({"code_challenge_method": "S256"}, InvalidRequest, id="pkce-no-challenge"),
        pytest.param(
            {"code_challenge": "short", "code_challenge_method": "S256"},
            InvalidRequest,
            id="pkce-malformed-challenge",
        ),
    ],
)
async def test_bad_request_is_redirected_with_the_state(
    flow: OAuthFlow, overrides: dict[str, str | None], error_class: type[Exception]
) -> None:
    with pytest.raises(RedirectableError) as caught:
        await flow.start(state="s t&a=te", **overrides)
    assert isinstance(caught.value.error, error_class)
    assert caught.value.redirect_uri == flow.world.client.redirect_uri
    assert caught.value.state == "s t&a=te"


async def test_app_requiring_pkce_refuses_a_link_without_challenge(
    flow: OAuthFlow, factory: MemoryFactory, world: World
) -> None:
    client = factory.client(world.organization_id, pkce_required=True)
    with pytest.raises(RedirectableError) as caught:
        await flow.start(client)
    assert isinstance(caught.value.error, InvalidRequest)
    assert "requires PKCE" in caught.value.error.description
    started = await flow.start(client, code_challenge=CHALLENGE, code_challenge_method="S256")
    assert started.pending.code_challenge == CHALLENGE


@pytest.mark.parametrize(
    ("faulty", "state"),
    [
        pytest.param({"scope"}, "xyz", id="repeated-parameter-keeps-state"),
        pytest.param({"state"}, None, id="repeated-state-is-dropped"),
    ],
)
async def test_repeated_parameter_is_redirected_as_invalid_request(
    flow: OAuthFlow, store: InMemoryStore, faulty: set[str], state: str | None
) -> None:
    params = dict(flow.link().values)
    if "state" in faulty:
        del params["state"]  # single_valued leaves repeated names out of the values
    async with store.unit_of_work() as uow:
        with pytest.raises(RedirectableError) as caught:
            await flow.endpoint.start(uow, Parameters(params), frozenset(faulty))
    assert isinstance(caught.value.error, InvalidRequest)
    assert caught.value.state == state


# --- a valid link ---


async def test_valid_link_stores_a_pending_authorization_under_the_hash_of_its_handle(
    flow: OAuthFlow, store: InMemoryStore, clock: FixedClock, world: World
) -> None:
    started = await flow.start(code_challenge=CHALLENGE, code_challenge_method="S256")
    pending = started.pending
    assert started.client.client_id == world.client.client_id
    assert pending.id_hash == flow.endpoint.pending_id_hash(started.handle)
    assert started.handle.encode() not in pending.id_hash
    assert (pending.client_id, pending.credential_id) == (
        world.client.client_id,
        world.client.credential.id,
    )
    assert (pending.redirect_uri, pending.state, pending.code_challenge) == (
        world.client.redirect_uri,
        "xyz",
        CHALLENGE,
    )
    assert pending.scopes == world.client.app.scopes
    assert pending.created_at == clock.now()
    assert pending.expires_at == clock.now() + TokenPolicy().consent_ttl
    async with store.unit_of_work(read_only=True) as uow:
        assert await uow.pending.get(pending.id_hash) == pending


@pytest.mark.parametrize(
    ("state", "stored"),
    [
        pytest.param(None, None, id="absent"),
        pytest.param("", "", id="empty-kept-as-sent"),
        pytest.param("ünï côdé", "ünï côdé", id="unicode"),
    ],
)
async def test_state_is_kept_exactly_as_received(
    flow: OAuthFlow, state: str | None, stored: str | None
) -> None:
    started = await flow.start(state=state)
    assert started.pending.state == stored


async def test_other_registered_redirect_uri_is_accepted(flow: OAuthFlow) -> None:
    started = await flow.start(redirect_uri="http://localhost:3000/criteo-auth/callback")
    assert started.pending.redirect_uri == "http://localhost:3000/criteo-auth/callback"


# --- answering the link ---


async def test_issue_code_redirects_with_code_state_and_iss(
    flow: OAuthFlow, store: InMemoryStore, clock: FixedClock
) -> None:
    started = await flow.start()
    redirect = await flow.approve(started)
    assert redirect.url.startswith(flow.world.client.redirect_uri + "?")
    query = query_of(redirect.url)
    assert set(query) == {"code", "state", "iss"}
    assert (query["state"], query["iss"]) == ("xyz", ISSUER)
    async with store.unit_of_work(read_only=True) as uow:
        code = await uow.codes.get(flow.hasher.hash(query["code"]))
    assert code is not None and code.used_at is None
    assert code.credential_id == flow.world.client.credential.id
    assert code.expires_at == clock.now() + timedelta(seconds=30)
    assert code.redirect_uri == flow.world.client.redirect_uri
    assert (await flow.grant(code.grant_id)).active


async def test_deny_redirects_with_access_denied(flow: OAuthFlow) -> None:
    started = await flow.start()
    redirect = flow.endpoint.deny(started.pending)
    assert query_of(redirect.url) == {
        "error": "access_denied",
        "error_description": "The resource owner denied the request.",
        "state": "xyz",
        "iss": ISSUER,
    }


def test_error_redirect_without_state_has_no_state() -> None:
    redirect = endpoint().error_redirect(ServerError(), "https://app.example/cb", None)
    assert query_of(redirect.url) == {
        "error": "server_error",
        "error_description": ServerError.default_description,
        "iss": ISSUER,
    }


@pytest.mark.parametrize(
    ("redirect_uri", "prefix"),
    [
        pytest.param("https://app.example/cb", "https://app.example/cb?code=", id="no-query"),
        pytest.param("https://app.example/cb?a=1", "https://app.example/cb?a=1&code=", id="query"),
    ],
)
def test_respond_keeps_the_redirect_uri_query(redirect_uri: str, prefix: str) -> None:
    url = endpoint().respond(redirect_uri, {"code": "c0de"}, "st").url
    assert url.startswith(prefix)
    assert url.endswith("&state=st&iss=https%3A%2F%2Fauth.consentry.test")


@given(state=st.text(), query=st.sampled_from(["", "?a=1", "?a=1&b=%C3%A9"]))
def test_respond_returns_state_byte_for_byte(state: str, query: str) -> None:
    base = "https://app.example/cb" + query
    url = endpoint().respond(base, {"code": "c0de"}, state).url
    parsed = parse_qs(urlsplit(url).query, keep_blank_values=True, strict_parsing=True)
    assert parsed["state"] == [state]
    assert parsed["code"] == ["c0de"]
    assert parsed["iss"] == [ISSUER]
    assert {k: v for k, v in parsed.items() if k not in {"state", "code", "iss"}} == parse_qs(
        query.removeprefix("?")
    )
