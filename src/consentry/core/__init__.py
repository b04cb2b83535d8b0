"""The protocol core: OAuth 2.0 rules in pure Python, free of web frameworks and databases."""
