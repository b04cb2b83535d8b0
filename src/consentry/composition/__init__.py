"""The composition root: where settings, storage, keys and the faces are put together."""
