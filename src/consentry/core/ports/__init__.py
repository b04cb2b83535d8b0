"""The storage contracts of the core: repository protocols, one module per aggregate, and the
unit of work. `storage` implements them; the core and the faces depend only on these."""
