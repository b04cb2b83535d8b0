"""Response headers the faces share."""

from __future__ import annotations

# RFC 6749 §5.1 / RFC 9111: tokens, errors and pages that carry secrets are never cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
