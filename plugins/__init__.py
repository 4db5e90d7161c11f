"""minigrad's built-in plugin: every built-in component, registered through the
same public hooks (``minigrad_register_*``) a third-party plugin uses.

The plugin manager registers this package by name as the plugin ``builtin``.
Each family module exposes ``register(registry)``; the hook implementations
below call them, so one plugin carries every built-in family.
"""

from __future__ import annotations

from minigrad_plugins import (
    activations,
    augmentations,
    callbacks,
    datasets,
    initializers,
    layers,
    losses,
    optimizers,
    regularizers,
    schedules,
)

from minigrad import hookimpl

__all__ = [
    "minigrad_register_augmentations",
    "minigrad_register_callbacks",
    "minigrad_register_datasets",
    "minigrad_register_initializers",
    "minigrad_register_layers",
    "minigrad_register_losses",
    "minigrad_register_optimizers",
    "minigrad_register_regularizers",
    "minigrad_register_schedules",
]


@hookimpl
def minigrad_register_initializers(registry):
    """Built-in initializers (zeros, random_normal, xavier, glorot, he, ...)."""
    initializers.register(registry)


@hookimpl
def minigrad_register_layers(registry):
    """Built-in layers (dense, dropout, batch_norm, flatten) and activations."""
    layers.register(registry)
    activations.register(registry)


@hookimpl
def minigrad_register_losses(registry):
    """Built-in losses (binary/softmax cross-entropy, mean squared error)."""
    losses.register(registry)


@hookimpl
def minigrad_register_regularizers(registry):
    """Built-in regularizers (l2, l1, elastic_net)."""
    regularizers.register(registry)


@hookimpl
def minigrad_register_optimizers(registry):
    """Built-in optimizers (sgd, momentum, rmsprop, adam, adamw)."""
    optimizers.register(registry)


@hookimpl
def minigrad_register_schedules(registry):
    """Built-in learning-rate schedules."""
    schedules.register(registry)


@hookimpl
def minigrad_register_callbacks(registry):
    """Built-in training callbacks."""
    callbacks.register(registry)


@hookimpl
def minigrad_register_datasets(registry):
    """Built-in generated datasets."""
    datasets.register(registry)


@hookimpl
def minigrad_register_augmentations(registry):
    """Built-in image augmentations."""
    augmentations.register(registry)
