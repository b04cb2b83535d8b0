"""The SQLAlchemy implementation of the repositories (SQLite and PostgreSQL)."""
