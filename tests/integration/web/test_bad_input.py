"""Malformed, oversized, repeated and non-UTF-8 input at `/request` and `/oauth2/token`.

Always a clear 4xx with the right RFC 6749 error code, never a 500: at the token endpoint as JSON
(§5.2), at the consent link as an error page (before the client is known) or an error redirect.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CLIENT_REDIRECT_URI, Demo
from tests.support.asgi import raw_request
from tests.support.flow import consent_link, csrf_token, query_of

MEGABYTE = 1024 * 1024
FORM = {"content-type": "application/x-www-form-urlencoded"}


def assert_token_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"


def assert_link_error_page(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")


def token_form(demo: Demo, **values: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": "some-code",
        "redirect_uri": CLIENT_REDIRECT_URI,
        "client_id": demo.client_id,
        "client_secret": demo.client_secret,
        **values,
    }


# --- /oauth2/token ---------------------------------------------------------------------------


async def test_token_one_megabyte_parameter_is_invalid_request(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    response = await client.post("/oauth2/token", data=token_form(demo, code="a" * MEGABYTE))
    assert_token_error(response, 400, "invalid_request")


async def test_token_one_megabyte_body_of_many_parameters_is_invalid_request(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    body = urlencode(token_form(demo)) + "&" + "&".join(f"p{i}=v" for i in range(MEGABYTE // 8))
    assert len(body) > MEGABYTE
    response = await client.post("/oauth2/token", content=body, headers=FORM)
    assert_token_error(response, 400, "invalid_request")


async def test_token_oversized_body_without_content_length_is_invalid_request(
    app: FastAPI, demo: Demo
) -> None:
    # A chunked body announces no length: the limit applies while reading.
    response = await raw_request(
        app,
        "POST",
        "/oauth2/token",
        body=b"code=" + b"a" * MEGABYTE,
        headers=((b"content-type", b"application/x-www-form-urlencoded"),),
    )
    assert response.status == 400
    assert json.loads(response.body)["error"] == "invalid_request"


async def test_token_parameter_over_the_per_value_limit_is_invalid_request(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    response = await client.post("/oauth2/token", data=token_form(demo, code="a" * 5000))
    assert_token_error(response, 400, "invalid_request")


@pytest.mark.parametrize(
    "body",
    [
        b"grant_type=authorization_code&code=%ff%fe",
        b"grant_type=%ff%fe",
        b"client_id=%c3%28&client_secret=x&grant_type=refresh_token",
        b"grant_type=refresh_token&refresh_token=%ed%a0%80",  # an encoded UTF-16 surrogate
    ],
    ids=["code", "grant_type", "client_id", "surrogate"],
)
async def test_token_non_utf8_percent_encoding_is_invalid_request(
    client: httpx.AsyncClient, demo: Demo, body: bytes
) -> None:
    response = await client.post("/oauth2/token", content=body, headers=FORM)
    assert_token_error(response, 400, "invalid_request")


@pytest.mark.parametrize(
    "body",
    ["grant_type=refresh_token&refresh_token=é".encode(), b"grant_type=\xff\xfe", b"\x80\x81"],
    ids=["utf8-bytes", "invalid-bytes", "only-high-bytes"],
)
async def test_token_raw_non_ascii_bytes_are_invalid_request(
    client: httpx.AsyncClient, demo: Demo, body: bytes
) -> None:
    response = await client.post("/oauth2/token", content=body, headers=FORM)
    assert_token_error(response, 400, "invalid_request")


@pytest.mark.parametrize(
    "repeated", ["grant_type", "code", "redirect_uri", "client_id", "client_secret"]
)
async def test_token_repeated_parameter_is_invalid_request(
    client: httpx.AsyncClient, demo: Demo, repeated: str
) -> None:
    # RFC 6749 §3.2: request and response parameters must not be included more than once.
    form = list(token_form(demo).items())
    form.append((repeated, dict(form)[repeated]))
    response = await client.post("/oauth2/token", content=urlencode(form), headers=FORM)
    assert_token_error(response, 400, "invalid_request")


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "text/plain", "multipart/form-data; boundary=x", None],
    ids=["json", "text", "multipart", "none"],
)
async def test_token_wrong_content_type_is_invalid_request(
    client: httpx.AsyncClient, demo: Demo, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post(
        "/oauth2/token", content=json.dumps(token_form(demo)).encode(), headers=headers
    )
    assert_token_error(response, 400, "invalid_request")


async def test_token_form_content_type_with_charset_is_accepted(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    response = await client.post(
        "/oauth2/token",
        content=urlencode(token_form(demo)),
        headers={"content-type": "application/x-www-form-urlencoded; charset=UTF-8"},
    )
    # Parsed fine: the made-up code is what is wrong.
    assert_token_error(response, 400, "invalid_grant")


@pytest.mark.parametrize("field", ["client_id", "client_secret", "code", "grant_type"])
async def test_token_nul_byte_in_a_parameter_is_a_clear_4xx(
    client: httpx.AsyncClient, demo: Demo, field: str
) -> None:
    form = token_form(demo)
    form[field] = form[field] + "\x00"
    response = await client.post("/oauth2/token", data=form)
    assert_token_error(response, 400, "invalid_request")


async def test_token_nul_byte_in_basic_credentials_is_invalid_client(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    encoded = base64.b64encode(f"{demo.client_id}%00:{demo.client_secret}".encode()).decode()
    response = await client.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        headers={"Authorization": f"Basic {encoded}"},
    )
    assert_token_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic ")


async def test_token_non_ascii_basic_header_is_invalid_client(app: FastAPI, demo: Demo) -> None:
    response = await raw_request(
        app,
        "POST",
        "/oauth2/token",
        body=b"grant_type=refresh_token&refresh_token=x",
        headers=(
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"authorization", b"Basic \xe9\xe9\xe9"),
        ),
    )
    assert response.status == 401, response.body
    assert json.loads(response.body)["error"] == "invalid_client"


async def test_token_empty_form_body_is_invalid_client(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    # No client authentication at all: RFC 6749 §5.2 invalid_client.
    response = await client.post("/oauth2/token", content=b"", headers=FORM)
    assert_token_error(response, 401, "invalid_client")


async def test_token_empty_body_without_content_type_is_invalid_request(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    response = await client.post("/oauth2/token", content=b"")
    assert_token_error(response, 400, "invalid_request")


async def test_token_bad_content_length_is_invalid_request(app: FastAPI, demo: Demo) -> None:
    response = await raw_request(
        app,
        "POST",
        "/oauth2/token",
        body=b"grant_type=x",
        headers=(
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", b"-5"),
        ),
    )
    assert response.status == 400
    assert json.loads(response.body)["error"] == "invalid_request"


# --- /request (the consent link) ----------------------------------------------------------


async def test_link_one_megabyte_parameter_shows_error_page(app: FastAPI, demo: Demo) -> None:
    link = consent_link(demo.client_id, CLIENT_REDIRECT_URI, state="s" * MEGABYTE)
    path, query = link.split("?")
    response = await raw_request(app, "GET", path, query_string=query.encode())
    assert response.status == 400
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")


async def test_link_one_megabyte_body_is_ignored_by_the_get(app: FastAPI, demo: Demo) -> None:
    link = consent_link(demo.client_id, CLIENT_REDIRECT_URI)
    path, query = link.split("?")
    response = await raw_request(
        app, "GET", path, query_string=query.encode(), body=b"x" * MEGABYTE
    )
    assert response.status == 303
    assert response.headers["location"].startswith("/consent/")


async def test_link_oversized_state_redirects_invalid_request_without_echoing_it(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    # Client and redirect_uri are good, so the error goes back, but a 10 kB state is not echoed.
    response = await client.get(consent_link(demo.client_id, CLIENT_REDIRECT_URI, "s" * 10_000))
    assert response.status_code == 303
    params = query_of(response.headers["location"])
    assert params["error"] == "invalid_request"
    assert "state" not in params


async def test_link_oversized_client_id_shows_error_page(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    assert_link_error_page(await client.get(consent_link("c" * 10_000, CLIENT_REDIRECT_URI)))


@pytest.mark.parametrize(
    "query",
    [b"client_id=%ff%fe&redirect_uri=x", b"response_type=%ff&client_id=x", b"%ff%fe=1"],
    ids=["value", "first-value", "name"],
)
async def test_link_non_utf8_percent_encoding_shows_error_page(
    client: httpx.AsyncClient, demo: Demo, query: bytes
) -> None:
    assert_link_error_page(await client.get("/request?" + query.decode()))


@pytest.mark.parametrize(
    "query",
    [b"client_id=caf\xc3\xa9&redirect_uri=x", b"client_id=\xff\xfe", b"\x80"],
    ids=["utf8-bytes", "invalid-bytes", "lone-byte"],
)
async def test_link_raw_non_ascii_bytes_show_error_page(
    app: FastAPI, demo: Demo, query: bytes
) -> None:
    response = await raw_request(app, "GET", "/request", query_string=query)
    assert response.status == 400
    assert "location" not in response.headers


@pytest.mark.parametrize("repeated", ["response_type", "state", "code_challenge"])
async def test_link_repeated_parameter_redirects_invalid_request(
    client: httpx.AsyncClient, demo: Demo, repeated: str
) -> None:
    # RFC 6749 §3.1: parameters must not be included more than once.
    params = [
        ("response_type", "code"),
        ("client_id", demo.client_id),
        ("redirect_uri", CLIENT_REDIRECT_URI),
        ("state", "xyz"),
        ("code_challenge", "a" * 43),
        ("code_challenge_method", "S256"),
        (repeated, "again"),
    ]
    response = await client.get("/request?" + urlencode(params))
    assert response.status_code == 303
    assert query_of(response.headers["location"])["error"] == "invalid_request"


@pytest.mark.parametrize("field", ["client_id", "redirect_uri"])
async def test_link_nul_byte_in_client_or_redirect_uri_shows_error_page(
    client: httpx.AsyncClient, demo: Demo, field: str
) -> None:
    params = {"client_id": demo.client_id, "redirect_uri": CLIENT_REDIRECT_URI}
    params[field] += "\x00"
    assert_link_error_page(await client.get(consent_link(**params)))


async def test_link_nul_byte_in_state_is_refused_without_a_500(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    response = await client.get(consent_link(demo.client_id, CLIENT_REDIRECT_URI, "a\x00b"))
    assert 400 <= response.status_code < 500 or (
        response.status_code == 303
        and query_of(response.headers["location"]).get("error") == "invalid_request"
    ), response.text


async def test_link_empty_query_shows_error_page(client: httpx.AsyncClient, demo: Demo) -> None:
    assert_link_error_page(await client.get("/request"))


async def test_link_query_without_values_shows_error_page(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    assert_link_error_page(await client.get("/request?&&=&client_id&redirect_uri="))


# --- sign-in form -------------------------------------------------------------------------


async def test_login_nul_byte_in_email_is_a_clear_4xx(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={"csrf_token": csrf_token(page.text), "email": "a\x00@b.c", "password": "x"},
    )
    assert 400 <= response.status_code < 500


# --- anything at all ----------------------------------------------------------------------

NAMES = st.sampled_from(
    [
        "grant_type",
        "code",
        "redirect_uri",
        "client_id",
        "client_secret",
        "refresh_token",
        "code_verifier",
        "response_type",
        "state",
        "code_challenge",
        "code_challenge_method",
        "scope",
    ]
)


def values(demo: Demo) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=60),
        st.sampled_from(
            [
                demo.client_id,
                demo.client_secret,
                CLIENT_REDIRECT_URI,
                "authorization_code",
                "refresh_token",
                "client_credentials",
                "code",
                "S256",
                "plain",
                "a" * 43,
                "",
            ]
        ),
    )


def pairs(demo: Demo) -> st.SearchStrategy[list[tuple[str, str]]]:
    return st.lists(st.tuples(st.one_of(NAMES, st.text(max_size=20)), values(demo)), max_size=10)


FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(data=st.data())
async def test_any_consent_link_query_is_answered_below_500(
    app: FastAPI, demo: Demo, data: st.DataObject
) -> None:
    query = data.draw(
        st.one_of(
            st.binary(max_size=200),
            pairs(demo).map(lambda p: urlencode(p).encode()),
        )
    )
    response = await raw_request(app, "GET", "/request", query_string=query)
    assert response.status < 500, (query, response.body[:500])


@FUZZ
@given(data=st.data())
async def test_any_token_request_body_is_answered_below_500(
    app: FastAPI, demo: Demo, data: st.DataObject
) -> None:
    body = data.draw(
        st.one_of(
            st.binary(max_size=200),
            pairs(demo).map(lambda p: urlencode(p).encode()),
        )
    )
    content_type = data.draw(
        st.sampled_from(
            [b"application/x-www-form-urlencoded", b"application/json", b"text/plain; charset=x"]
        )
    )
    authorization = data.draw(
        st.one_of(st.none(), st.binary(max_size=60).map(lambda b: b"Basic " + b))
    )
    headers = [(b"content-type", content_type)]
    if authorization is not None:
        headers.append((b"authorization", authorization))
    response = await raw_request(app, "POST", "/oauth2/token", body=body, headers=tuple(headers))
    assert response.status < 500, (body, authorization, response.body[:500])
    assert response.headers.get("cache-control") == "no-store"
    assert "error" in json.loads(response.body)
