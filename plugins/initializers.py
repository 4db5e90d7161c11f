"""Built-in weight initializers.

An initializer factory returns ``init(shape, *, fan_in, fan_out, rng, dtype) -> ndarray``.
For a dense layer's W of shape (n_in, n_out), ``fan_in = n_in`` and ``fan_out = n_out``
(they default to that reading of ``shape``). Random weights break the symmetry between
hidden units; their variance keeps Z = X W of the same scale from layer to layer, which
is the course's partial cure for vanishing and exploding gradients:

==================  =================================  ====================================
name                distribution                       variance
==================  =================================  ====================================
``zeros``           all 0                              none (every hidden unit stays equal)
``random_normal``   N(0, 1) · scale                    scale² (scale = 0.01)
``random_uniform``  U(−a, a), a = √3 · scale           scale²
``xavier``          N(0, 1) · √(1/n_in)                1/n_in (tanh layers)
``glorot``          N(0, 1) · √(2/(n_in + n_out))      2/(n_in + n_out)
``he``              N(0, 1) · √(2/n_in)                2/n_in (ReLU layers)
``xavier_uniform``  U(−a, a), a = √(3/n_in)            1/n_in
``glorot_uniform``  U(−a, a), a = √(6/(n_in + n_out))  2/(n_in + n_out)
``he_uniform``      U(−a, a), a = √(6/n_in)            2/n_in
==================  =================================  ====================================

U(−a, a) has variance a²/3, so each uniform variant matches its normal twin's variance.
Samples are drawn in float64 from the given NumPy Generator and then converted to
``dtype``, so a seed gives the same weights in float32 and float64.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

import minigrad as mg

__all__ = [
    "Initializer",
    "glorot",
    "glorot_uniform",
    "he",
    "he_uniform",
    "random_normal",
    "random_uniform",
    "register",
    "xavier",
    "xavier_uniform",
    "zeros",
]


def _fans(shape: tuple[int, ...], fan_in: Any, fan_out: Any, name: str) -> tuple[int, int]:
    """Fan-in and fan-out: given, or read from ``shape`` as (n_in, ..., n_out)."""
    if len(shape) == 0:
        default_in = default_out = 1
    elif len(shape) == 1:
        default_in = default_out = shape[0]
    else:
        default_in, default_out = math.prod(shape[:-1]), shape[-1]
    fan_in = default_in if fan_in is None else fan_in
    fan_out = default_out if fan_out is None else fan_out
    for label, value in (("fan_in", fan_in), ("fan_out", fan_out)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
            raise mg.ConfigError(
                f"initializer '{name}': {label} must be a positive integer, got {value!r} "
                f"(for a weight of shape {shape})"
            )
    return int(fan_in), int(fan_out)


class Initializer:
    """A weight initializer: call it with a shape to get an array.

    Args:
        name: the registered name (for ``repr`` and errors).
        variance: ``variance(fan_in, fan_out) -> float``, or None for a constant.
        distribution: ``"normal"``, ``"uniform"`` or ``"zeros"``.

    Example:
        >>> import numpy as np
        >>> from minigrad_plugins.initializers import Initializer
        >>> init = Initializer("halved", lambda fi, fo: 0.5 / fi, "normal")
        >>> init((4, 3), rng=0).shape, init.variance(4, 3)
        ((4, 3), 0.125)
    """

    def __init__(
        self,
        name: str,
        variance: Callable[[int, int], float] | None,
        distribution: str,
        *,
        options: str = "",
    ) -> None:
        self.name = name
        self._variance = variance
        self.distribution = distribution
        self._options = options

    def variance(self, fan_in: int, fan_out: int) -> float | None:
        """The variance of every drawn weight (None for constant initializers).

        Example:
            >>> from minigrad_plugins.initializers import he
            >>> he().variance(50, 10)
            0.04
        """
        return None if self._variance is None else float(self._variance(fan_in, fan_out))

    def __call__(
        self,
        shape: Any,
        *,
        fan_in: int | None = None,
        fan_out: int | None = None,
        rng: Any = None,
        dtype: Any = None,
    ) -> np.ndarray:
        """An array of ``shape`` drawn from ``rng`` (a Generator or a seed), of ``dtype``
        (default :func:`minigrad.get_default_dtype`)."""
        shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)
        try:
            dt = mg.get_default_dtype() if dtype is None else np.dtype(dtype)
        except (TypeError, ValueError, SyntaxError):
            dt = None
        if dt is None or dt.kind != "f":
            raise mg.DTypeError(f"initializer '{self.name}': dtype must be a float dtype, got {dtype!r}")
        dtype = dt
        fan_in, fan_out = _fans(shape, fan_in, fan_out, self.name)
        if self.distribution == "zeros":
            return np.zeros(shape, dtype=dtype)
        generator = np.random.default_rng(rng)
        variance = self._variance(fan_in, fan_out)
        if self.distribution == "normal":
            weights = generator.standard_normal(shape) * math.sqrt(variance)
        else:
            bound = math.sqrt(3.0 * variance)  # U(-a, a) has variance a^2 / 3
            weights = generator.uniform(-bound, bound, shape)
        return weights.astype(dtype, copy=False)

    def __repr__(self) -> str:
        return f"{self.name}({self._options})"


def _check_scale(name: str, scale: Any) -> float:
    if not isinstance(scale, numbers.Real) or isinstance(scale, bool) or not scale >= 0:
        raise mg.ConfigError(f"initializer '{name}': scale must be a number >= 0, got {scale!r}")
    return float(scale)


def zeros() -> Initializer:
    """All weights 0: kept to show that it fails to break symmetry.

    Every hidden unit of a layer computes the same function and receives the same
    gradient, so they stay identical however long you train.

    Example:
        >>> from minigrad_plugins.initializers import zeros
        >>> zeros()((2, 3)).tolist()
        [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """
    return Initializer("zeros", None, "zeros")


def random_normal(*, scale: float = 0.01) -> Initializer:
    """N(0, 1) · scale (variance scale²): the course's small random initialization.

    Example:
        >>> from minigrad_plugins.initializers import random_normal
        >>> init = random_normal(scale=0.1)
        >>> init.variance(3, 2)
        0.010000000000000002
        >>> bool(abs(init((100, 100), rng=0).std() - 0.1) < 0.005)
        True
    """
    scale = _check_scale("random_normal", scale)
    return Initializer("random_normal", lambda fi, fo: scale**2, "normal", options=f"scale={scale!r}")


def random_uniform(*, scale: float = 0.01) -> Initializer:
    """U(−√3 · scale, √3 · scale): variance scale², the same as ``random_normal``.

    Example:
        >>> from minigrad_plugins.initializers import random_uniform
        >>> w = random_uniform(scale=1.0)((1000,), rng=0)
        >>> bool(abs(w).max() <= 3**0.5)
        True
    """
    scale = _check_scale("random_uniform", scale)
    return Initializer("random_uniform", lambda fi, fo: scale**2, "uniform", options=f"scale={scale!r}")


def _xavier_variance(fan_in: int, fan_out: int) -> float:
    return 1.0 / fan_in


def _glorot_variance(fan_in: int, fan_out: int) -> float:
    return 2.0 / (fan_in + fan_out)


def _he_variance(fan_in: int, fan_out: int) -> float:
    return 2.0 / fan_in


def xavier() -> Initializer:
    """N(0, 1/n_in): keeps the scale of Z through tanh layers.

    Example:
        >>> from minigrad_plugins.initializers import xavier
        >>> xavier().variance(4, 7)
        0.25
    """
    return Initializer("xavier", _xavier_variance, "normal")


def glorot() -> Initializer:
    """N(0, 2/(n_in + n_out)): the Glorot–Bengio compromise between forward and backward.

    Example:
        >>> from minigrad_plugins.initializers import glorot
        >>> glorot().variance(3, 5)
        0.25
    """
    return Initializer("glorot", _glorot_variance, "normal")


def he() -> Initializer:
    """N(0, 2/n_in): He et al. (2015), for ReLU layers (the dense layer's default).

    Example:
        >>> from minigrad_plugins.initializers import he
        >>> he()((3, 2), rng=0).shape
        (3, 2)
    """
    return Initializer("he", _he_variance, "normal")


def xavier_uniform() -> Initializer:
    """U(−a, a) with a = √(3/n_in): variance 1/n_in, like ``xavier``.

    Example:
        >>> from minigrad_plugins.initializers import xavier_uniform
        >>> xavier_uniform().variance(4, 1)
        0.25
    """
    return Initializer("xavier_uniform", _xavier_variance, "uniform")


def glorot_uniform() -> Initializer:
    """U(−a, a) with a = √(6/(n_in + n_out)): variance 2/(n_in + n_out), like ``glorot``.

    Example:
        >>> from minigrad_plugins.initializers import glorot_uniform
        >>> glorot_uniform().variance(2, 2)
        0.5
    """
    return Initializer("glorot_uniform", _glorot_variance, "uniform")


def he_uniform() -> Initializer:
    """U(−a, a) with a = √(6/n_in): variance 2/n_in, like ``he``.

    Example:
        >>> from minigrad_plugins.initializers import he_uniform
        >>> he_uniform().variance(8, 1)
        0.25
    """
    return Initializer("he_uniform", _he_variance, "uniform")


def register(registry: mg.Registry) -> None:
    """Register the built-in initializers on ``registry``.

    ``variance`` metadata is the declared variance for the default options.

    Example:
        >>> import minigrad as mg
        >>> mg.component("initializers", "he").metadata["variance"](8, 2)
        0.25
    """
    registry.add("zeros", zeros, doc="W = 0 (fails to break symmetry)", variance=None)
    registry.add(
        "random_normal", random_normal, doc="W ~ N(0, 1) * scale, scale = 0.01", variance=lambda fi, fo: 1e-4
    )
    registry.add(
        "random_uniform",
        random_uniform,
        doc="W ~ U(-sqrt(3) scale, sqrt(3) scale), variance scale^2, scale = 0.01",
        variance=lambda fi, fo: 1e-4,
    )
    registry.add("xavier", xavier, doc="W ~ N(0, 1/n_in)", variance=_xavier_variance)
    registry.add("glorot", glorot, doc="W ~ N(0, 2/(n_in + n_out))", variance=_glorot_variance)
    registry.add("he", he, doc="W ~ N(0, 2/n_in)", variance=_he_variance)
    registry.add(
        "xavier_uniform", xavier_uniform, doc="W ~ U(-a, a), a = sqrt(3/n_in)", variance=_xavier_variance
    )
    registry.add(
        "glorot_uniform",
        glorot_uniform,
        doc="W ~ U(-a, a), a = sqrt(6/(n_in + n_out))",
        variance=_glorot_variance,
    )
    registry.add("he_uniform", he_uniform, doc="W ~ U(-a, a), a = sqrt(6/n_in)", variance=_he_variance)
