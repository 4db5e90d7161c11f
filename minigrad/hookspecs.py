"""The plugin contract: every hook a minigrad plugin can implement.

A plugin is any module or object with functions marked ``@minigrad.hookimpl``
whose names are hooks below. Each registration hook receives the
:class:`~minigrad.registry.Registry` of one family of components, adds to it with
:meth:`Registry.add <minigrad.registry.Registry.add>`, and returns ``None``.
Built-in components are registered through exactly these hooks.

A plugin is found through the entry-point group ``minigrad`` of its distribution::

    [project.entry-points.minigrad]
    swish = "minigrad_swish.plugin"

A misspelled hook name (any ``minigrad_*`` attribute that is not a hook below)
is an error when the plugin loads, never a silent no-op.

Example:
    >>> import minigrad as mg
    >>> @mg.hookimpl
    ... def minigrad_register_schedules(registry):
    ...     registry.add("halving", lambda lr0: (lambda epoch: lr0 / 2**epoch),
    ...                  doc="lr0 / 2^epoch")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from minigrad.registry import Registry

__all__ = ["HOOK_FAMILIES", "PROJECT", "hookimpl", "hookspec"]

#: The pluggy project name; entry-point group of third-party plugins.
PROJECT = "minigrad"

hookspec = pluggy.HookspecMarker(PROJECT)
"""Marks the hook specifications below (for minigrad itself)."""

hookimpl = pluggy.HookimplMarker(PROJECT)
"""Marks a plugin's hook implementation: ``@minigrad.hookimpl``."""

#: The component families, one registration hook each, in loading order.
HOOK_FAMILIES = (
    "initializers",
    "layers",
    "losses",
    "regularizers",
    "optimizers",
    "schedules",
    "callbacks",
    "datasets",
    "augmentations",
)


@hookspec
def minigrad_register_layers(registry: Registry) -> None:
    """Register layers: factories returning a :class:`~minigrad.Module`.

    ``registry.add(name, factory, doc=..., example=...)``. The factory takes the
    layer's sizes and options (``dense(n_in, n_out, *, init="he", bias=True)``)
    and returns a Module whose ``forward`` maps a Tensor to a Tensor. Give an
    ``example``: a callable ``example(rng) -> (module, [input arrays])`` building a
    small instance and inputs, so the conformance kit can gradient-check the layer.
    Options may be declared as metadata, e.g. ``stochastic=True`` for layers whose
    training-mode output is random.
    """


@hookspec
def minigrad_register_initializers(registry: Registry) -> None:
    """Register weight initializers.

    The factory takes options (``scale=0.01``) and returns a callable
    ``init(shape, *, fan_in, fan_out, rng, dtype) -> ndarray``. Declare the
    variance it targets as metadata ``variance=lambda fan_in, fan_out: ...``
    (``None`` for constant initializers) so the kit can test it.
    """


@hookspec
def minigrad_register_losses(registry: Registry) -> None:
    """Register losses: factories returning ``loss(prediction, target) -> scalar Tensor``.

    Costs are averaged over the batch (J = 1/m Σ L). Give an
    ``example(rng) -> (loss, [prediction array], target array)`` for gradient checks.
    """


@hookspec
def minigrad_register_regularizers(registry: Registry) -> None:
    """Register regularizers: factories taking strengths (``lam=0.01``) and returning
    ``penalty(named_parameters, m) -> scalar Tensor``, the term added to the cost J
    for a batch of ``m`` examples, so gradient checks and learning curves include it.
    """


@hookspec
def minigrad_register_optimizers(registry: Registry) -> None:
    """Register optimizers: factories taking hyperparameters and returning an update
    rule with ``init(param) -> state`` and
    ``update(grad, state, hyper, step) -> (delta, state)``, pure per-parameter
    functions the core :class:`~minigrad.Optimizer` drives.
    """


@hookspec
def minigrad_register_schedules(registry: Registry) -> None:
    """Register learning-rate schedules: factories taking ``lr0`` and options and
    returning a pure function ``epoch -> learning rate``. Declare the formula as
    ``doc``.
    """


@hookspec
def minigrad_register_callbacks(registry: Registry) -> None:
    """Register training callbacks: factories returning an object with any of the
    callback methods the training loop calls (``on_train_begin``, ``on_epoch_end``, ...).
    """


@hookspec
def minigrad_register_datasets(registry: Registry) -> None:
    """Register datasets: factories taking options (``n=``, ``noise=``, ``seed=``) and
    returning ``(X, Y)`` arrays, generated locally, never downloaded.
    """


@hookspec
def minigrad_register_augmentations(registry: Registry) -> None:
    """Register augmentations: factories returning ``augment(batch, rng) -> batch``,
    applied on the fly to each mini-batch of images during training.
    """
