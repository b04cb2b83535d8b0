"""Control characters in a partner-API body (issue 12): refused with Criteo's 400 before any
database sees them, on SQLite and PostgreSQL (PostgreSQL's JSON refuses U+0000: it was a 500).

↔ web/text.py, partner_api/schemas.py (`RequestBody`).
"""

from __future__ import annotations

import httpx

from tests.partner_api.conftest import Caller
from tests.partner_api.test_errors import assert_criteo_error


async def test_the_partner_api_refuses_control_characters_in_a_body(
    client: httpx.AsyncClient, marketing_token: Caller
) -> None:
    mine = str(marketing_token.advertisers[0])
    path = "/2027-01/marketing-solutions/audiences/create"
    for attributes in (
        {"advertiserId": mine, "name": "a\x00b", "algebra": {"audienceSegmentId": "1"}},
        {"advertiserId": mine, "name": "ok", "algebra": {"audienceSegmentId": "1\x00"}},
    ):
        body = {"data": [{"attributes": attributes}]}
        answer = await client.post(path, json=body, headers=marketing_token.headers)
        assert_criteo_error(answer, 400)
