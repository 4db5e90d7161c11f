"""Built-in activations as layers: ``relu``, ``leaky_relu``, ``tanh``, ``sigmoid``,
``softmax`` and ``identity``.

Each is a parameter-free :class:`minigrad.Module` applied elementwise (softmax along
an axis), so it goes into a :class:`~minigrad.Sequential` like any layer. ReLU, tanh and
sigmoid reuse the core primitive ops; leaky ReLU and softmax are single fused
Functions from :mod:`minigrad.nn_functions`. For a classifier's last layer prefer
leaving the logits raw and using the ``softmax_cross_entropy`` or
``binary_cross_entropy`` loss, which fuse the activation with the loss.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

import minigrad as mg
from minigrad.nn_functions import LeakyRelu as _LeakyReluFn
from minigrad.nn_functions import Softmax as _SoftmaxFn
from minigrad.ops import Relu as _ReluFn
from minigrad.tensor import Tensor

__all__ = ["Identity", "LeakyReLU", "ReLU", "Sigmoid", "Softmax", "Tanh", "register"]


def _as_tensor(x: Any) -> mg.Tensor:
    t = x if isinstance(x, mg.Tensor) else mg.Tensor(x)
    if t.data.dtype.kind != "f":  # integer or boolean data: convert, activations are real-valued
        t = mg.Tensor(t.data.astype(mg.get_default_dtype()))
    return t


class ReLU(mg.Module):
    """``max(z, 0)``; gradient 1 for z > 0, else 0.

    Example:
        >>> import minigrad as mg
        >>> mg.layer("relu")(mg.Tensor([[-1.0, 2.0]])).data.tolist() == [[0.0, 2.0]]
        True
    """

    def forward(self, x: Any) -> mg.Tensor:
        if not isinstance(x, Tensor) or x.data.dtype.kind != "f":
            x = _as_tensor(x)
        return _ReluFn.apply(x)


class LeakyReLU(mg.Module):
    """``z`` for z > 0, else ``alpha * z``: ReLU whose negative side still learns.

    Args:
        alpha: slope for negative inputs, a number >= 0 (0.01 by default).

    Example:
        >>> import minigrad as mg
        >>> act = mg.layer("leaky_relu", alpha=0.1)
        >>> act, act(mg.Tensor([[-1.0, 2.0]]))
        (LeakyReLU(alpha=0.1), Tensor([[-0.1,  2. ]]))
    """

    def __init__(self, *, alpha: float = 0.01) -> None:
        super().__init__()
        if not isinstance(alpha, numbers.Real) or isinstance(alpha, bool) or not alpha >= 0:
            raise mg.ConfigError(f"leaky_relu: alpha must be a number >= 0, got {alpha!r}")
        self.alpha = float(alpha)

    def forward(self, x: Any) -> mg.Tensor:
        return _LeakyReluFn.apply(_as_tensor(x), alpha=self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha:g}"


class Tanh(mg.Module):
    """``(e^z − e^−z) / (e^z + e^−z)``; gradient ``1 − tanh²(z)``.

    Example:
        >>> import minigrad as mg
        >>> mg.layer("tanh")(mg.Tensor([0.0]))
        Tensor([0.])
    """

    def forward(self, x: Any) -> mg.Tensor:
        return mg.ops.tanh(_as_tensor(x))


class Sigmoid(mg.Module):
    """``1 / (1 + e^−z)``, computed without overflow; gradient ``σ(z)(1 − σ(z))``.

    Example:
        >>> import minigrad as mg
        >>> mg.layer("sigmoid")(mg.Tensor([0.0, 1000.0, -1000.0]))
        Tensor([0.5, 1. , 0. ])
    """

    def forward(self, x: Any) -> mg.Tensor:
        return mg.ops.sigmoid(_as_tensor(x))


class Softmax(mg.Module):
    """``e^(z_j − max z) / Σ_k e^(z_k − max z)`` along ``axis``: each slice sums to 1.

    Subtracting the maximum keeps every exponent ≤ 0, so huge logits do not overflow.

    Args:
        axis: the axis that sums to 1 (the class axis, -1 by default).

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> p = mg.layer("softmax")(np.array([[1.0, 1.0], [1e4, 0.0]]))
        >>> p
        Tensor([[0.5, 0.5],
                [1. , 0. ]])
    """

    def __init__(self, *, axis: int = -1) -> None:
        super().__init__()
        if not isinstance(axis, numbers.Integral) or isinstance(axis, bool):
            raise mg.ConfigError(f"softmax: axis must be an integer, got {axis!r}")
        self.axis = int(axis)

    def forward(self, x: Any) -> mg.Tensor:
        x = _as_tensor(x)
        if not -x.ndim <= self.axis < x.ndim:
            raise mg.ShapeError(
                f"softmax(axis={self.axis}): axis out of range for an input of shape {x.shape}"
            )
        return _SoftmaxFn.apply(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class Identity(mg.Module):
    """``z`` unchanged (a linear output layer, or a placeholder).

    Example:
        >>> import minigrad as mg
        >>> mg.layer("identity")(mg.Tensor([1.5]))
        Tensor([1.5])
    """

    def forward(self, x: Any) -> mg.Tensor:
        return _as_tensor(x)


def _away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Inputs with |z| in [0.1, 2]: finite differences never straddle ReLU's kink."""
    return rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def _example(factory: Any, **options: Any) -> Any:
    def example(rng: np.random.Generator) -> tuple[mg.Module, list[np.ndarray]]:
        shape = tuple(int(k) for k in rng.integers(1, 6, 2))
        return factory(**options), [_away_from_zero(rng, shape)]

    return example


def _same_shape(input_shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(input_shape)


def register(registry: mg.Registry) -> None:
    """Register the built-in activations on ``registry`` (in the layers family).

    Each declares ``output_shape`` metadata: the input's shape, unchanged.

    Example:
        >>> import minigrad as mg
        >>> mg.component("layers", "relu").doc
        'max(z, 0)'
    """
    registry.add("relu", ReLU, doc="max(z, 0)", example=_example(ReLU), output_shape=_same_shape)
    registry.add(
        "leaky_relu",
        LeakyReLU,
        doc="z if z > 0 else alpha * z (alpha = 0.01)",
        example=_example(LeakyReLU, alpha=0.1),
        output_shape=_same_shape,
    )
    registry.add(
        "tanh", Tanh, doc="(e^z - e^-z) / (e^z + e^-z)", example=_example(Tanh), output_shape=_same_shape
    )
    registry.add(
        "sigmoid", Sigmoid, doc="1 / (1 + e^-z)", example=_example(Sigmoid), output_shape=_same_shape
    )
    registry.add(
        "softmax",
        Softmax,
        doc="e^(z_j - max z) / sum_k e^(z_k - max z) along axis (-1)",
        example=_example(Softmax),
        output_shape=_same_shape,
    )
    registry.add("identity", Identity, doc="z", example=_example(Identity), output_shape=_same_shape)
