"""Per-key request limits counted in the database, so they hold across processes."""
