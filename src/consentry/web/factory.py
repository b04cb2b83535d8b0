"""The ASGI factory uvicorn calls in each worker: settings from the environment, system clock."""

from __future__ import annotations

from fastapi import FastAPI

from consentry.settings import Settings
from consentry.web.app import create_app


def app_from_environment() -> FastAPI:
    return create_app(Settings())
