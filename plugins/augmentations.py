"""Built-in augmentations (being written)."""

from __future__ import annotations


def register(registry):
    """Register the built-in augmentations on ``registry``."""
