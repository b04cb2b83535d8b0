"""Allow ``python -m demo_client``."""

from __future__ import annotations

from demo_client.main import main

main()
