"""Sign-in and the consent page: a customer picks which advertisers an app may use."""

from pathlib import Path


def templates_directory() -> Path:
    """Where this face's page templates live."""
    return Path(__file__).resolve().parent / "templates"
