"""Demo OAuth client for consentry, mirroring Criteo's NodeJS/Express OAuth demo.

A separate package: it talks to a consentry server over HTTP only and imports nothing from it.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
