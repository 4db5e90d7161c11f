"""Built-in datasets (being written)."""

from __future__ import annotations


def register(registry):
    """Register the built-in datasets on ``registry``."""
