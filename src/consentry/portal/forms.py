"""Form bodies of the portal's pages: url-encoded, or multipart when an image is uploaded.

Both are size-limited before parsing; a multipart body is read (bounded) and then parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import Message

from consentry.core.errors import InvalidRequest
from consentry.portal.errors import InvalidInput
from consentry.web.forms import parse_form_pairs, read_body


@dataclass(frozen=True, slots=True)
class PageForm:
    """A page's form: the text fields (last value wins; `pairs` keeps repeats) and one file."""

    pairs: list[tuple[str, str]]
    upload: bytes | None = None
    fields: dict[str, str] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]


def _page_form(pairs: list[tuple[str, str]], upload: bytes | None = None) -> PageForm:
    return PageForm(pairs=pairs, upload=upload, fields=dict(pairs))


async def read_page_form(request: Request, max_form_bytes: int) -> PageForm:
    return _page_form(await parse_form_pairs(request, max_form_bytes))


async def read_upload_form(
    request: Request, max_form_bytes: int, max_file_bytes: int, file_field: str = "image"
) -> PageForm:
    """A multipart form with at most one file (empty when none was chosen)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return await read_page_form(request, max_form_bytes)
    try:
        body = await read_body(request, max_form_bytes + max_file_bytes)
    except InvalidRequest as exc:
        raise InvalidInput(
            f"The image is larger than {max_file_bytes // 1024} KB.", field=file_field
        ) from exc

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    parsed = await Request(request.scope, replay).form(
        max_files=1, max_fields=100, max_part_size=max_form_bytes
    )
    try:
        pairs: list[tuple[str, str]] = []
        upload: bytes | None = None
        for name, value in parsed.multi_items():
            if isinstance(value, UploadFile):
                if name == file_field and value.filename:
                    upload = await value.read()
            else:
                pairs.append((name, value))
        return _page_form(pairs, upload)
    finally:
        await parsed.close()
