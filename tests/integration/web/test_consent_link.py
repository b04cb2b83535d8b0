"""The consent link `GET /request` and the consent page (RFC 6749 §4.1.1–4.1.2, RFC 9207).

Until client_id and redirect_uri are known good, failures are an error page, never a redirect
(§4.1.2.1); after that, errors go back to the client with `state` and `iss`.
"""

from __future__ import annotations

import html
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from consentry.core.hashing import SecretHasher
from consentry.core.model import AuthMethod
from consentry.core.pkce import s256
from tests.conftest import CLIENT_REDIRECT_URI, ISSUER, Demo
from tests.support.flow import (
    consent_link,
    csrf_token,
    decide,
    open_consent,
    query_of,
    sign_in,
)
from tests.support.world import add_app, require_pkce

EXPIRED = "This consent request has expired"


def assert_error_page(response: httpx.Response, says: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert says in html.unescape(response.text)


def assert_redirects_to_client(response: httpx.Response, redirect_uri: str) -> dict[str, str]:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.split("?")[0] == redirect_uri
    return query_of(location)


async def signed_in(client: httpx.AsyncClient, demo: Demo) -> None:
    await sign_in(client, demo.customer_email, demo.customer_password)


# --- client and redirect URI not known good: an error page, never a redirect -----------------


async def test_unknown_client_id_shows_error_page_without_redirect(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    response = await client.get(consent_link("no-such-client", CLIENT_REDIRECT_URI))
    assert_error_page(response, "Unknown application")


async def test_not_activated_app_shows_error_page_without_redirect(
    client: httpx.AsyncClient,
    demo: Demo,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
) -> None:
    draft = await add_app(
        engine, hasher, clock.now(), redirect_uris=(CLIENT_REDIRECT_URI,), activated=False
    )
    response = await client.get(consent_link(draft.client_id, CLIENT_REDIRECT_URI))
    assert_error_page(response, "Application not activated")


async def test_client_credentials_app_shows_error_page_without_redirect(
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
    response = await client.get(consent_link(machine.client_id, CLIENT_REDIRECT_URI))
    assert_error_page(response, "client credentials")


async def test_missing_client_id_shows_error_page_without_redirect(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    query = urlencode({"response_type": "code", "redirect_uri": CLIENT_REDIRECT_URI})
    response = await client.get(f"/request?{query}")
    assert_error_page(response, "client_id parameter is missing")


async def test_missing_redirect_uri_shows_error_page_without_redirect(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    query = urlencode({"response_type": "code", "client_id": demo.client_id})
    response = await client.get(f"/request?{query}")
    assert_error_page(response, "redirect_uri parameter is missing")


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example/criteo-auth/callback",
        CLIENT_REDIRECT_URI + "/",
        "https://CLIENT.example/criteo-auth/callback",
        "https://Client.Example/criteo-auth/callback",
        CLIENT_REDIRECT_URI + "?extra=1",
        CLIENT_REDIRECT_URI.replace("https://", "http://"),
        CLIENT_REDIRECT_URI + "#fragment",
        "https://client.example:443/criteo-auth/callback",
        "https://client.example/criteo-auth/Callback",
        "https://client.example/criteo-auth/callback/../callback",
        "https://client.example.evil.example/criteo-auth/callback",
    ],
    ids=[
        "other-host",
        "trailing-slash",
        "upper-case-host",
        "mixed-case-host",
        "extra-query",
        "http-instead-of-https",
        "fragment",
        "explicit-default-port",
        "path-case",
        "dot-segments",
        "host-suffix",
    ],
)
async def test_unregistered_redirect_uri_is_refused_by_exact_string_match(
    client: httpx.AsyncClient, demo: Demo, redirect_uri: str
) -> None:
    # RFC 6749 §3.1.2.3 / RFC 9700 §4.1.3: simple string comparison, no normalisation.
    response = await client.get(consent_link(demo.client_id, redirect_uri))
    assert_error_page(response, "redirect_uri is not registered")


@pytest.mark.parametrize("name", ["client_id", "redirect_uri", "client_id and redirect_uri"])
async def test_repeated_client_id_or_redirect_uri_shows_error_page_naming_it(
    client: httpx.AsyncClient, demo: Demo, name: str
) -> None:
    params = [
        ("response_type", "code"),
        ("client_id", demo.client_id),
        ("redirect_uri", CLIENT_REDIRECT_URI),
        ("state", "xyz"),
    ]
    params += [(repeated, dict(params)[repeated]) for repeated in name.split(" and ")]
    response = await client.get("/request?" + urlencode(params))
    assert_error_page(response, f"The {name} parameter must appear exactly once")


# --- client and redirect URI good: errors go back to the client with state and iss -----------


async def test_missing_response_type_redirects_invalid_request_with_state_and_iss(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    query = urlencode(
        {"client_id": demo.client_id, "redirect_uri": CLIENT_REDIRECT_URI, "state": "s-1"}
    )
    response = await client.get(f"/request?{query}")
    params = assert_redirects_to_client(response, CLIENT_REDIRECT_URI)
    assert params["error"] == "invalid_request"
    assert params["state"] == "s-1"
    assert params["iss"] == ISSUER
    assert "code" not in params


@pytest.mark.parametrize("response_type", ["token", "code token", "id_token", "CODE"])
async def test_unsupported_response_type_redirects_with_state_and_iss(
    client: httpx.AsyncClient, demo: Demo, response_type: str
) -> None:
    link = consent_link(demo.client_id, CLIENT_REDIRECT_URI, "s-2", response_type=response_type)
    params = assert_redirects_to_client(await client.get(link), CLIENT_REDIRECT_URI)
    assert params["error"] == "unsupported_response_type"
    assert params["state"] == "s-2"
    assert params["iss"] == ISSUER


async def test_error_redirect_without_state_carries_iss_only(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    link = consent_link(demo.client_id, CLIENT_REDIRECT_URI, None, response_type="token")
    params = assert_redirects_to_client(await client.get(link), CLIENT_REDIRECT_URI)
    assert params["error"] == "unsupported_response_type"
    assert "state" not in params
    assert params["iss"] == ISSUER


async def test_pkce_plain_method_is_invalid_request(client: httpx.AsyncClient, demo: Demo) -> None:
    # RFC 9700 §2.1.1: plain is refused; only S256.
    link = consent_link(
        demo.client_id,
        CLIENT_REDIRECT_URI,
        "s-3",
        code_challenge="a" * 43,
        code_challenge_method="plain",
    )
    params = assert_redirects_to_client(await client.get(link), CLIENT_REDIRECT_URI)
    assert params["error"] == "invalid_request"
    assert params["state"] == "s-3"
    assert params["iss"] == ISSUER


async def test_pkce_challenge_without_method_defaults_to_plain_and_is_refused(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    # RFC 7636 §4.3: a missing method means plain.
    link = consent_link(demo.client_id, CLIENT_REDIRECT_URI, code_challenge="a" * 43)
    params = assert_redirects_to_client(await client.get(link), CLIENT_REDIRECT_URI)
    assert params["error"] == "invalid_request"


async def test_app_requiring_pkce_refuses_link_without_challenge(
    client: httpx.AsyncClient, demo: Demo, engine: AsyncEngine
) -> None:
    await require_pkce(engine, demo.app.app_id)
    link = consent_link(demo.client_id, CLIENT_REDIRECT_URI, "s-4")
    params = assert_redirects_to_client(await client.get(link), CLIENT_REDIRECT_URI)
    assert params["error"] == "invalid_request"
    assert params["state"] == "s-4"
    assert params["iss"] == ISSUER


async def test_app_requiring_pkce_accepts_s256_challenge(
    client: httpx.AsyncClient, demo: Demo, engine: AsyncEngine
) -> None:
    await require_pkce(engine, demo.app.app_id)
    await signed_in(client, demo)
    link = consent_link(
        demo.client_id,
        CLIENT_REDIRECT_URI,
        code_challenge=s256("v" * 64),
        code_challenge_method="S256",
    )
    path, _ = await open_consent(client, link)
    assert path.startswith("/consent/")


# --- the user's decision ----------------------------------------------------------------------

ODD_STATES = [
    "plain",
    "ünïcødé-✓-状態-🙂",
    "a&b=c",
    "a+b c",
    "100%25 and %",
    "%41%zz",
    "  leading and trailing  ",
    "?#/;:@!$'()*,",
    '"quoted" <tag>',
]


@pytest.mark.parametrize("state", ODD_STATES)
async def test_state_round_trips_byte_for_byte_through_approve(
    client: httpx.AsyncClient, demo: Demo, state: str
) -> None:
    await signed_in(client, demo)
    path, page = await open_consent(
        client, consent_link(demo.client_id, CLIENT_REDIRECT_URI, state)
    )
    response = await decide(client, path, page, "approve", [demo.advertiser("Maison Lumière")])
    params = assert_redirects_to_client(response, CLIENT_REDIRECT_URI)
    assert params["state"] == state
    assert params["code"]
    assert params["iss"] == ISSUER


@pytest.mark.parametrize("state", ODD_STATES)
async def test_state_round_trips_byte_for_byte_through_deny(
    client: httpx.AsyncClient, demo: Demo, state: str
) -> None:
    await signed_in(client, demo)
    path, page = await open_consent(
        client, consent_link(demo.client_id, CLIENT_REDIRECT_URI, state)
    )
    response = await decide(client, path, page, "deny", [])
    params = assert_redirects_to_client(response, CLIENT_REDIRECT_URI)
    assert params["state"] == state
    assert params["error"] == "access_denied"


async def test_approve_redirects_with_code_state_and_issuer(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    await signed_in(client, demo)
    path, page = await open_consent(client, consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    response = await decide(client, path, page, "approve", [demo.advertiser("Riverside Grocers")])
    params = assert_redirects_to_client(response, CLIENT_REDIRECT_URI)
    assert set(params) == {"code", "state", "iss"}
    assert params["state"] == "xyz"
    assert params["iss"] == ISSUER  # RFC 9207 §2
    assert len(params["code"]) >= 43  # 256 bits, base64url


async def test_approve_keeps_the_registered_redirect_uri_query(
    client: httpx.AsyncClient,
    demo: Demo,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
) -> None:
    with_query = "https://other.example/cb?tenant=42"
    other = await add_app(engine, hasher, clock.now(), redirect_uris=(with_query,))
    await signed_in(client, demo)
    path, page = await open_consent(client, consent_link(other.client_id, with_query))
    response = await decide(client, path, page, "approve", [demo.advertiser("Maison Lumière")])
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(with_query + "&")
    params = query_of(location)
    assert params["tenant"] == "42" and params["code"] and params["iss"] == ISSUER


async def test_deny_redirects_access_denied_with_state_and_issuer(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    await signed_in(client, demo)
    path, page = await open_consent(client, consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    params = assert_redirects_to_client(
        await decide(client, path, page, "deny", []), CLIENT_REDIRECT_URI
    )
    assert params["error"] == "access_denied"
    assert params["state"] == "xyz"
    assert params["iss"] == ISSUER
    assert "code" not in params


async def test_approval_with_no_advertiser_is_a_form_error_not_a_redirect(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    await signed_in(client, demo)
    path, page = await open_consent(client, consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    response = await decide(client, path, page, "approve", [])
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "Choose at least one advertiser" in response.text
    # The form is still usable afterwards.
    again = await decide(
        client, path, response.text, "approve", [demo.advertiser("Maison Lumière")]
    )
    assert "code" in assert_redirects_to_client(again, CLIENT_REDIRECT_URI)


@pytest.mark.parametrize(
    "forged",
    ["outside-portfolio", "viewer-role", "non-numeric", "superscript-digit", "negative", "huge"],
)
async def test_forged_advertiser_is_refused_without_code(
    client: httpx.AsyncClient, demo: Demo, forged: str
) -> None:
    value = {
        "outside-portfolio": str(demo.advertiser("Competitor Corp")),
        "viewer-role": str(demo.advertiser("Atlas Travel Deals")),
        "non-numeric": "maison-lumiere",
        "superscript-digit": "²",
        "negative": "-1",
        "huge": "9" * 5000,
    }[forged]
    await signed_in(client, demo)
    path, page = await open_consent(client, consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    form = [
        ("csrf_token", csrf_token(page)),
        ("decision", "approve"),
        ("advertiser", str(demo.advertiser("Maison Lumière"))),
        ("advertiser", value),
    ]
    response = await client.post(
        path,
        content=urlencode(form),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400, response.text
    assert "location" not in response.headers
    # Nothing was decided: the consent request is still open.
    assert (await client.get(path)).status_code == 200


@pytest.mark.parametrize("decision", [None, "", "maybe", "APPROVE"])
async def test_decision_other_than_approve_or_deny_is_refused(
    client: httpx.AsyncClient, demo: Demo, decision: str | None
) -> None:
    await signed_in(client, demo)
    path, page = await open_consent(client, consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    form = [
        ("csrf_token", csrf_token(page)),
        ("advertiser", str(demo.advertiser("Maison Lumière"))),
    ]
    if decision is not None:
        form.append(("decision", decision))
    response = await client.post(
        path, content=urlencode(form), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 400
    assert "location" not in response.headers
    assert (await client.get(path)).status_code == 200


@pytest.mark.parametrize("csrf", [None, "", "wrong-token"], ids=["missing", "empty", "wrong"])
async def test_decision_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, demo: Demo, csrf: str | None
) -> None:
    await signed_in(client, demo)
    path, _ = await open_consent(client, consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    form = [("decision", "approve"), ("advertiser", str(demo.advertiser("Maison Lumière")))]
    if csrf is not None:
        form.append(("csrf_token", csrf))
    response = await client.post(
        path, content=urlencode(form), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 403
    assert "location" not in response.headers
    assert (await client.get(path)).status_code == 200


async def test_csrf_token_of_another_session_is_refused(
    client: httpx.AsyncClient, app: object, demo: Demo
) -> None:
    await signed_in(client, demo)
    path, _ = await open_consent(client, consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as other:
        await sign_in(other, demo.customer_email, demo.customer_password)
        _, other_page = await open_consent(other, consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    form = {"csrf_token": csrf_token(other_page), "decision": "approve"}
    response = await client.post(
        path, data=form | {"advertiser": str(demo.advertiser("Maison Lumière"))}
    )
    assert response.status_code == 403


async def test_consent_page_expires_after_consent_ttl(
    client: httpx.AsyncClient, demo: Demo, clock: FixedClock
) -> None:
    await signed_in(client, demo)
    path, page = await open_consent(client, consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    clock.advance(timedelta(minutes=10, seconds=1))
    assert_error_page(await client.get(path), EXPIRED)
    response = await decide(client, path, page, "approve", [demo.advertiser("Maison Lumière")])
    assert_error_page(response, EXPIRED)


async def test_consent_can_be_answered_only_once(client: httpx.AsyncClient, demo: Demo) -> None:
    await signed_in(client, demo)
    path, page = await open_consent(client, consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    first = await decide(client, path, page, "approve", [demo.advertiser("Maison Lumière")])
    assert first.status_code == 303
    second = await decide(client, path, page, "approve", [demo.advertiser("Maison Lumière")])
    assert_error_page(second, EXPIRED)
    deny_after = await decide(client, path, page, "deny", [])
    assert_error_page(deny_after, EXPIRED)
    assert_error_page(await client.get(path), EXPIRED)


async def test_denied_consent_cannot_be_approved_afterwards(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    await signed_in(client, demo)
    path, page = await open_consent(client, consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    assert (await decide(client, path, page, "deny", [])).status_code == 303
    response = await decide(client, path, page, "approve", [demo.advertiser("Maison Lumière")])
    assert_error_page(response, EXPIRED)


async def test_unknown_consent_handle_shows_expired_page(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    await signed_in(client, demo)
    assert_error_page(await client.get("/consent/not-a-real-handle"), EXPIRED)


async def test_unauthenticated_consent_page_redirects_to_login_with_next(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    response = await client.get(consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    assert response.status_code == 303
    path = response.headers["location"]
    page = await client.get(path)
    assert page.status_code == 303
    location = urlsplit(page.headers["location"])
    assert location.path == "/login"
    assert query_of(page.headers["location"])["next"] == path
    # Signing in with that `next` lands back on the consent page.
    await sign_in(client, demo.customer_email, demo.customer_password, next_path=path)
    assert (await client.get(path)).status_code == 200


async def test_unauthenticated_decision_redirects_to_login(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    response = await client.get(consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    path = response.headers["location"]
    posted = await client.post(path, data={"decision": "approve", "csrf_token": "x"})
    assert posted.status_code == 303
    assert posted.headers["location"].startswith("/login?next=")


async def test_consent_page_shows_app_service_domains_and_grantable_advertisers(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    await signed_in(client, demo)
    _, page = await open_consent(client, consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    text = html.unescape(page)
    assert "Acme Bid Optimizer" in text
    assert "Adjusts your campaign bids every hour from your sales data." in text
    assert "Acme Ad Tools" in text  # the organization
    assert "Marketing Solutions" in text
    # The domains in words a customer understands, not scope strings alone.
    assert "See performance statistics and reports" in text
    assert "Create and change campaigns, budgets and bids" in text
    assert "See your audiences" in text
    # Grantable advertisers are checkboxes; the viewer-role one is not; the stranger is absent.
    for name in (
        "Maison Lumière",
        "Nordic Outdoor Supply",
        "Pixel & Pine Toys",
        "Riverside Grocers",
    ):
        advertiser_id = demo.advertiser(name)
        assert f'type="checkbox" name="advertiser" value="{advertiser_id}"' in page
        assert name in text
    viewer = demo.advertiser("Atlas Travel Deals")
    assert f'value="{viewer}"' not in page
    assert "Competitor Corp" not in text
    assert f'value="{demo.advertiser("Competitor Corp")}"' not in page
    assert 'name="csrf_token"' in page
    # The app's image, served as a raster type from our own origin.
    image_path = f"/apps/{demo.app.app_id}/image"
    assert f'src="{image_path}"' in page
    image = await client.get(image_path)
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")


async def test_consent_handle_is_not_the_stored_value(
    client: httpx.AsyncClient, demo: Demo, engine: AsyncEngine
) -> None:
    """The consent URL's handle is a bearer secret: only its hash is stored."""
    await signed_in(client, demo)
    path, _ = await open_consent(client, consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    handle = path.removeprefix("/consent/")
    assert len(handle) >= 43
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT id_hash FROM pending_authorizations"))).all()
    assert rows and all(bytes(r[0]) != handle.encode() and len(bytes(r[0])) == 32 for r in rows)
