"""minigrad-extras: an example third-party minigrad plugin.

Installed, it is found through the entry point ``extras = "minigrad_extras"`` of the
group ``minigrad``; this module holds its registration hooks. It adds the activation
layer ``swish``, the optimizer ``lookahead`` and the schedule ``warmup_cosine``, each
with an ``example`` for the conformance kit (``minigrad check extras``).

Example:
    >>> import minigrad as mg
    >>> import minigrad_extras
    >>> pm = mg.PluginManager(builtin=True, entry_points=False)
    >>> pm.register(minigrad_extras, name="extras_demo")
    'extras_demo'
    >>> pm.registry("schedules").get("warmup_cosine").plugin
    'extras_demo'
"""

from __future__ import annotations

import minigrad as mg
from minigrad_extras import activations, optimizers, schedules

__version__ = "0.1.0"

__all__ = [
    "minigrad_register_layers",
    "minigrad_register_optimizers",
    "minigrad_register_schedules",
]


@mg.hookimpl
def minigrad_register_layers(registry):
    """Register the ``swish`` activation."""
    activations.register(registry)


@mg.hookimpl
def minigrad_register_optimizers(registry):
    """Register the ``lookahead`` optimizer."""
    optimizers.register(registry)


@mg.hookimpl
def minigrad_register_schedules(registry):
    """Register the ``warmup_cosine`` schedule."""
    schedules.register(registry)
