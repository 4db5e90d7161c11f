"""Built-in regularizers (being written)."""

from __future__ import annotations


def register(registry):
    """Register the built-in regularizers on ``registry``."""
