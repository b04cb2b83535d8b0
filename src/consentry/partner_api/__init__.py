"""The bearer-protected partner API, Criteo-compatible."""
