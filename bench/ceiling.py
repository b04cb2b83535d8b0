"""The ceiling: a raw ASGI app answering a small JSON body, served like consentry is.

No framework, no routing, no database: what one uvicorn worker can do on this machine is the most
any Python endpoint can reach there. It reads the request body (token requests are form posts) so a
POST costs it what it costs consentry's transport.
"""

from __future__ import annotations

from starlette.types import Message, Receive, Scope, Send

BODY = b'{"data":[{"type":"advertiser","id":"1","attributes":{"advertiserName":"Ceiling"}}]}'
HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BODY)).encode("ascii")),
    (b"cache-control", b"no-store"),
]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message: Message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    more_body = True
    while more_body:
        message = await receive()
        more_body = bool(message.get("more_body", False))
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


def app_factory() -> object:
    """For `uvicorn --factory bench.ceiling:app_factory`, the same flag consentry is served with."""
    return app
