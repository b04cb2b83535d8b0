"""Send bytes to the app exactly as given: raw query strings and bodies httpx would re-encode."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Message


@dataclass(frozen=True, slots=True)
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes


async def raw_request(
    app: ASGIApp,
    method: str,
    path: str,
    *,
    query_string: bytes = b"",
    body: bytes = b"",
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> RawResponse:
    """One HTTP request through the ASGI interface, with no encoding applied to query or body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("ascii"),
        "query_string": query_string,
        "root_path": "",
        "headers": [(b"host", b"localhost:8000"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 8000),
    }
    sent = False
    status = 0
    response_headers: dict[str, str] = {}
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            for name, value in message.get("headers", []):
                response_headers[name.decode("latin-1").lower()] = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    try:
        await app(scope, receive, send)
    except Exception:
        # Starlette re-raises after sending its 500 page; the status already tells the story.
        if status == 0:
            raise
    return RawResponse(status, response_headers, b"".join(chunks))
