"""Persistence: repository protocols, their SQLAlchemy implementation and the migrations."""
