"""Command-line entry point: load the settings and serve the demo app with uvicorn.

Run ``consentry-demo-client [--config PATH]`` or ``python -m demo_client [--config PATH]``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn
from pydantic import ValidationError

from demo_client.app import create_app
from demo_client.settings import DEFAULT_CONFIG_PATH, ConfigFileError, load_settings


class RedactQueryFilter(logging.Filter):
    """Strip query strings (which carry the authorization code) from uvicorn access logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = urlsplit(args[2]).path
            if path != args[2]:
                record.args = (*args[:2], f"{path}?…", *args[3:])
        return True


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="consentry-demo-client",
        description="Serve the consentry OAuth demo client (a mirror of Criteo's Express demo).",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="PATH",
        help=f"JSON config file (default: {DEFAULT_CONFIG_PATH}); DEMO_CLIENT_* env vars win",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except (ConfigFileError, ValidationError) as exc:
        sys.exit(f"consentry-demo-client: invalid configuration: {exc}")
    app = create_app(settings)
    access_logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQueryFilter) for f in access_logger.filters):
        access_logger.addFilter(RedactQueryFilter())
    uvicorn.run(app, host=settings.host, port=settings.port)


if __name__ == "__main__":
    main()
