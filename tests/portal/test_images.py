"""App images are accepted only when they decode as PNG, JPEG or WebP, within the size limit."""

from __future__ import annotations

import struct
import zlib

import pytest

from consentry.portal.errors import InvalidInput
from consentry.portal.images import validate_image
from tests.portal.conftest import image_bytes

LIMIT = 1024 * 1024


@pytest.mark.parametrize(
    ("kind", "media_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")],
)
def test_real_images_are_accepted_with_their_media_type(kind: str, media_type: str) -> None:
    data = image_bytes(kind)
    assert validate_image(data, LIMIT) == (data, media_type)


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "empty", id="empty file"),
        pytest.param(SVG, "SVG", id="svg is refused"),
        pytest.param(b"  <svg></svg>", "SVG", id="svg without prolog"),
        pytest.param(b"\x89PNG\r\n\x1a\nnot really a png", "not a valid", id="png magic, no png"),
        pytest.param(b"GIF89a" + b"\x00" * 40, "not a valid", id="gif is not allowed"),
        pytest.param(b"hello, I am a text file", "not a valid", id="text named .png"),
        pytest.param(image_bytes("PNG")[:60], "not a valid", id="truncated png"),
    ],
)
def test_files_that_are_not_allowed_images_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_image(data, LIMIT)
    assert message in refused.value.message
    assert refused.value.errors[0].field == "image"


def test_an_image_over_the_size_limit_is_refused() -> None:
    with pytest.raises(InvalidInput, match="larger than 1 KB"):
        validate_image(image_bytes("PNG", (64, 64)) + b"\x00" * 2048, 1024)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a huge size but carries (almost) no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [5000, 20000], ids=["too many pixels", "decompression bomb"])
def test_a_huge_image_is_refused_from_its_header(side: int) -> None:
    with pytest.raises(InvalidInput):
        validate_image(_png_header_only(side, side), LIMIT)
