"""Retail Media endpoints, one module per domain."""
