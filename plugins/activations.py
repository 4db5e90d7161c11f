"""Built-in activations (being written)."""

from __future__ import annotations


def register(registry):
    """Register the built-in activations on ``registry``."""
