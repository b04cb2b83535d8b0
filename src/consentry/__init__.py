"""consentry: a self-hostable partner-API authorization platform, wire-compatible with Criteo's."""

__version__ = "0.1.0"
