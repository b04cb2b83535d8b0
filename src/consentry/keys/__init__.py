"""Key material: derivation from the server secret, encryption at rest, and the JWT key ring."""
