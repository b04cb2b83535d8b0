"""The `consentry` command line: a thin wrapper over the same services the web app uses."""
