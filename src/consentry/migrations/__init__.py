"""Alembic migrations; the test databases are built by running them to head."""
