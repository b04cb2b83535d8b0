"""The demo's data: a customer with a portfolio, a developer, an activated app, partner data.

Written by `consentry seed-demo` (and by `make run` once), by the tests and the benchmark, with
SQLAlchemy straight into the schema: an operator's real customers come in another way.
"""
