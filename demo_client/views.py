"""Rendering of the demo's HTML pages (Jinja2 templates under demo_client/templates).

Pages never receive a token value: only metadata, advertisers and error codes reach a template.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from demo_client.oauth import OAuthError
from demo_client.settings import DemoClientSettings

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def upstream_status(exc: OAuthError) -> int:
    """Page status for a consentry failure: 400 if consentry refused the request, else 502."""
    if exc.status_code is not None and 400 <= exc.status_code < 500:
        return 400
    return 502


@dataclass(frozen=True)
class Views:
    """Renders pages with the settings every page footer shows."""

    settings: DemoClientSettings
    templates: Jinja2Templates

    @classmethod
    def create(cls, settings: DemoClientSettings) -> Views:
        return cls(settings=settings, templates=Jinja2Templates(directory=TEMPLATES_DIR))

    def render(
        self, request: Request, name: str, context: dict[str, Any], status_code: int = 200
    ) -> Response:
        context.setdefault("settings", self.settings)
        return self.templates.TemplateResponse(request, name, context, status_code=status_code)

    def error(
        self,
        request: Request,
        *,
        status_code: int,
        title: str,
        error: str,
        description: str = "",
    ) -> Response:
        """The friendly error page; ``#error`` holds the error code."""
        context = {"page_title": title, "error": error, "error_description": description}
        return self.render(request, "error.html", context, status_code=status_code)

    def upstream_error(self, request: Request, exc: OAuthError, title: str) -> Response:
        """Show consentry's ``error``/``error_description`` instead of failing with a 500."""
        return self.error(
            request,
            status_code=upstream_status(exc),
            title=title,
            error=exc.error,
            description=exc.error_description,
        )

    def denied(self, request: Request, *, error: str, description: str) -> Response:
        """The callback's result page when consentry redirected back with ``error``."""
        title = "Access denied" if error == "access_denied" else "Authorization failed"
        context = {"page_title": title, "error": error, "error_description": description}
        return self.render(request, "denied.html", context)
