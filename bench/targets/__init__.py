"""The servers under test: consentry (SQLite, PostgreSQL), node oidc-provider, the ASGI ceiling."""
