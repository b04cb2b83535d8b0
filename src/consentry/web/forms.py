"""Strict parsing of query strings and form bodies: UTF-8 only, size-limited, repeats reported."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.requests import Request

from consentry.core.errors import InvalidRequest
from consentry.core.requests import Parameters, single_valued
from consentry.web.text import has_control_character

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class FormLimits:
    """How large a query string or a form body may be (`Settings.max_form_bytes`)."""

    max_bytes: int


# A parameter name that may be quoted in an error_description (RFC 6749's character set).
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.-]{1,40}")


def parse_pairs(raw: bytes) -> list[tuple[str, str]]:
    try:
        text = raw.decode("ascii")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidRequest("Parameters must be valid UTF-8, percent-encoded.") from exc
    # No parameter has a use for control characters, and PostgreSQL text cannot store NUL.
    for name, value in pairs:
        if has_control_character(name) or has_control_character(value):
            named = f"The parameter {name}" if _PLAIN_NAME.fullmatch(name) else "A parameter"
            raise InvalidRequest(f"{named} must not contain control characters.")
    return pairs


def parse_query(request: Request, max_bytes: int) -> tuple[Parameters, frozenset[str]]:
    raw: bytes = request.scope.get("query_string", b"")
    if len(raw) > max_bytes:
        raise InvalidRequest("The query string is too long.")
    return single_valued(parse_pairs(raw))


async def read_body(request: Request, max_bytes: int) -> bytes:
    """Read the body, refusing more than `max_bytes` without buffering the excess."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > max_bytes):
        raise InvalidRequest("The request body is too large.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise InvalidRequest("The request body is too large.")
        chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def parse_form(request: Request, max_bytes: int) -> tuple[Parameters, frozenset[str]]:
    """RFC 6749 §3.2: the token endpoint takes application/x-www-form-urlencoded bodies."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_CONTENT_TYPE:
        raise InvalidRequest("The body must be application/x-www-form-urlencoded.")
    return single_valued(parse_pairs(await read_body(request, max_bytes)))


async def parse_form_pairs(request: Request, max_bytes: int) -> list[tuple[str, str]]:
    """All pairs of a browser form post (repeated names allowed, e.g. checkboxes)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_CONTENT_TYPE:
        raise InvalidRequest("The form must be application/x-www-form-urlencoded.")
    return parse_pairs(await read_body(request, max_bytes))
