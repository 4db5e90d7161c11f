"""Built-in initializers (being written)."""

from __future__ import annotations


def register(registry):
    """Register the built-in initializers on ``registry``."""
