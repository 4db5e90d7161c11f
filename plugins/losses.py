"""Built-in losses (being written)."""

from __future__ import annotations


def register(registry):
    """Register the built-in losses on ``registry``."""
