"""Tests of the partner API (issue 5)."""
