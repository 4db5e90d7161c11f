"""Built-in optimizers (being written)."""

from __future__ import annotations


def register(registry):
    """Register the built-in optimizers on ``registry``."""
