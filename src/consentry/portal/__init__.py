"""Developer portal: apps, credential pairs, redirect URIs, domains, activation (pages + API)."""
