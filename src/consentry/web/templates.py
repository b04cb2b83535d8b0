"""The pages' Jinja environment: the shared layout and error page, plus each face's templates.

Autoescaping is on for every template. Pages are rendered through `Templates.page`, error pages
through `Templates.error_page`; both are never cached by browsers or proxies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import Response

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
SHARED = Path(__file__).resolve().parent / "templates"


class Templates:
    def __init__(self, directories: Iterable[Path]) -> None:
        """`directories`: searched after the shared one, in this order."""
        loader = ChoiceLoader([FileSystemLoader(d) for d in (SHARED, *directories)])
        env = Environment(loader=loader, autoescape=select_autoescape(default=True))
        self._jinja = Jinja2Templates(env=env)

    def page(
        self,
        request: Request,
        name: str,
        context: Mapping[str, object],
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        return self._jinja.TemplateResponse(
            request,
            name,
            dict(context),
            status_code=status,
            headers={**NO_STORE, **(headers or {})},
        )

    def error_page(self, request: Request, status: int, title: str, detail: str) -> Response:
        return self.page(request, "error.html", {"title": title, "detail": detail}, status=status)
