"""Developer portal: apps, credential pairs, redirect URIs, domains, activation (pages + API)."""

from pathlib import Path


def templates_directory() -> Path:
    """Where this face's page templates live."""
    return Path(__file__).resolve().parent / "templates"
