"""Built-in schedules (being written)."""

from __future__ import annotations


def register(registry):
    """Register the built-in schedules on ``registry``."""
