"""Search backends: ``database`` (embedded default) and ``elasticsearch`` (production)."""
