"""RFC 9457 problem details for `/portal/api`: `{"type","title","status","detail","errors"}`.

`errors` names each field at fault (`{"field", "message"}`), so a script can tell what to fix.
Only the body is built here; `surface.py` turns errors into responses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from consentry.portal.errors import FieldError

MEDIA_TYPE = "application/problem+json"
_WHERE = frozenset({"body", "path", "query", "header"})


def problem_body(
    status: int, title: str, detail: str, errors: Sequence[FieldError] = ()
) -> dict[str, object]:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "error"
    return {
        "type": f"urn:consentry:problem:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "errors": [{"field": e.field, "message": e.message} for e in errors],
    }


def validation_field_errors(details: Sequence[Any]) -> list[FieldError]:
    """Pydantic's error list (FastAPI's RequestValidationError.errors()) as field errors."""
    found = []
    for item in details:
        location = [str(part) for part in item.get("loc", ())]
        if location and location[0] in _WHERE:
            location = location[1:]
        found.append(FieldError(".".join(location) or "body", str(item.get("msg", "Invalid."))))
    return found
