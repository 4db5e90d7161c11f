"""Built-in layers (being written)."""

from __future__ import annotations


def register(registry):
    """Register the built-in layers on ``registry``."""
