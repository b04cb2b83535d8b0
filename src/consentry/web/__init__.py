"""The ASGI adapter: app factory, request parsing, sessions, security headers and error mapping."""
