"""OAuth endpoints: the consent link, the token endpoint and the published keys."""
