"""App images: PNG, JPEG or WebP only, size-limited, and checked by decoding them (never SVG).

A file that only claims to be an image (right extension or MIME type, wrong bytes) is refused.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

from consentry.portal.errors import InvalidInput

MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
MAX_PIXELS = 4096 * 4096
FIELD = "image"


def validate_image(data: bytes, max_bytes: int) -> tuple[bytes, str]:
    """The image bytes and their media type, or InvalidInput saying why it is refused."""
    if not data:
        raise InvalidInput("The image file is empty.", field=FIELD)
    if len(data) > max_bytes:
        raise InvalidInput(f"The image is larger than {max_bytes // 1024} KB.", field=FIELD)
    head = data[:512].lstrip().lower()
    if head.startswith((b"<", b"\xef\xbb\xbf<")) or b"<svg" in head:
        raise InvalidInput("SVG images are not accepted; use PNG, JPEG or WebP.", field=FIELD)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(MEDIA_TYPES)) as image:
                kind = image.format or ""
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise InvalidInput("The image is at most 4096×4096 pixels.", field=FIELD)
                image.load()  # decode every pixel: a truncated or forged body fails here
    except InvalidInput:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise InvalidInput(
            "This file is not a valid PNG, JPEG or WebP image.", field=FIELD
        ) from exc
    if kind not in MEDIA_TYPES:  # pragma: no cover - `formats=` already restricts the decoders
        raise InvalidInput("Use a PNG, JPEG or WebP image.", field=FIELD)
    return data, MEDIA_TYPES[kind]
