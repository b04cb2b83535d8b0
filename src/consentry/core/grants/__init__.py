"""Token grants: one module per `grant_type`, each behind the `TokenGrant` protocol."""
