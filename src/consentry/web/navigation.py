"""Where the pages send a browser: the customers' sign-in, and the only `next` targets followed."""

from __future__ import annotations

from urllib.parse import quote

CUSTOMER_SIGN_IN = "/login"


def customer_sign_in_url(next_path: str) -> str:
    """The customers' sign-in page, coming back to `next_path` afterwards."""
    return CUSTOMER_SIGN_IN + "?next=" + quote(next_path, safe="/")


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths are followed after sign-in, never absolute or protocol-relative URLs."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(ch) < 0x21 for ch in target) or "\\" in target:
        return default
    return target
