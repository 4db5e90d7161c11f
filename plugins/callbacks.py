"""Built-in callbacks (being written)."""

from __future__ import annotations


def register(registry):
    """Register the built-in callbacks on ``registry``."""
