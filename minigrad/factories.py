"""One-call constructors for registered components: ``mg.layer("dense", 2, 16)``.

Each looks the name up in its family's registry (built-in and third-party plugins
alike) and calls the factory with your arguments. Unknown names raise
:class:`~minigrad.UnknownComponentError` with close matches; wrong options raise
:class:`~minigrad.ConfigError` with the factory's signature.
"""

from __future__ import annotations

from typing import Any

from minigrad.manager import get_plugin_manager
from minigrad.optim import optimizer

__all__ = [
    "augmentation",
    "callback",
    "dataset",
    "initializer",
    "layer",
    "loss",
    "optimizer",
    "regularizer",
    "schedule",
]


def _create(family: str, name: str, args: tuple, kwargs: dict) -> Any:
    return get_plugin_manager().registry(family).create(name, *args, **kwargs)


def layer(name: str, *args: Any, **kwargs: Any) -> Any:
    """Build the registered layer ``name`` (a :class:`~minigrad.Module`).

    Example:
        >>> import minigrad as mg
        >>> model = mg.Sequential(mg.layer("dense", 2, 4, init="he"), mg.layer("relu"))
        >>> model(mg.Tensor([[1.0, 2.0]])).shape
        (1, 4)
    """
    return _create("layers", name, args, kwargs)


def initializer(name: str, *args: Any, **kwargs: Any) -> Any:
    """Build the registered initializer ``name``: ``init(shape, *, fan_in, fan_out, rng, dtype)``.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> init = mg.initializer("he")
        >>> init((3, 2), fan_in=3, fan_out=2, rng=np.random.default_rng(0), dtype=np.float64).shape
        (3, 2)
    """
    return _create("initializers", name, args, kwargs)


def loss(name: str, *args: Any, **kwargs: Any) -> Any:
    """Build the registered loss ``name``: ``loss(prediction, target) -> scalar Tensor``.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> mse = mg.loss("mean_squared_error")
        >>> float(mse(mg.Tensor([[1.0], [3.0]]), np.array([[1.0], [1.0]])).data)
        2.0
    """
    return _create("losses", name, args, kwargs)


def regularizer(name: str, *args: Any, **kwargs: Any) -> Any:
    """Build the registered regularizer ``name``: ``penalty(named_parameters, m) -> Tensor``.

    Example:
        >>> import minigrad as mg
        >>> l2 = mg.regularizer("l2", lam=0.1)
        >>> callable(l2)
        True
    """
    return _create("regularizers", name, args, kwargs)


def schedule(name: str, *args: Any, **kwargs: Any) -> Any:
    """Build the registered learning-rate schedule ``name``: ``epoch -> learning rate``.

    Example:
        >>> import minigrad as mg
        >>> decay = mg.schedule("inverse_time", lr0=0.2, decay_rate=1.0)
        >>> decay(0), decay(1), decay(3)
        (0.2, 0.1, 0.05)
    """
    return _create("schedules", name, args, kwargs)


def callback(name: str, *args: Any, **kwargs: Any) -> Any:
    """Build the registered training callback ``name``.

    Example:
        >>> import minigrad as mg
        >>> stopper = mg.callback("early_stopping", patience=3)
        >>> hasattr(stopper, "on_epoch_end")
        True
    """
    return _create("callbacks", name, args, kwargs)


def dataset(name: str, *args: Any, **kwargs: Any) -> Any:
    """Generate the registered dataset ``name`` as ``(X, Y)`` arrays.

    Example:
        >>> import minigrad as mg
        >>> X, Y = mg.dataset("moons", n=100, seed=0)
        >>> X.shape[0] == Y.shape[0] == 100
        True
    """
    return _create("datasets", name, args, kwargs)


def augmentation(name: str, *args: Any, **kwargs: Any) -> Any:
    """Build the registered augmentation ``name``: ``augment(batch, rng) -> batch``.

    Example:
        >>> import minigrad as mg
        >>> callable(mg.augmentation("horizontal_flip"))
        True
    """
    return _create("augmentations", name, args, kwargs)
