"""Official Criteo SDKs and Authlib against a real consentry process."""
