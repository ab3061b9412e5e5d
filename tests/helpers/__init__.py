"""Test-only helpers (not part of the xling package): import as ``helpers.<module>``."""
