"""Marketing Solutions endpoints, one module per domain."""
