"""consentry's ASGI app with cProfile running in the server process (`bench/run profile`).

`CONSENTRY_BENCH_PROFILE_OUT` names the file the statistics go to when the server shuts down.
cProfile slows Python code by roughly 1.5×; the shares, not the rates, are what to read.
"""

from __future__ import annotations

import cProfile
import os
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from consentry.composition.factory import app_from_environment


def app() -> Any:
    """For `uvicorn --factory bench.cprofile_app:app`."""
    inner = app_from_environment()
    out = os.environ["CONSENTRY_BENCH_PROFILE_OUT"]
    profiler = cProfile.Profile()

    async def profiled(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await inner(scope, receive, send)
            return

        async def receive_and_dump(message: Message | None = None) -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                profiler.disable()
                profiler.dump_stats(out)
            return message

        await inner(scope, receive_and_dump, send)

    profiler.enable()
    return profiled
