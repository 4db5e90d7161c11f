"""The swish activation, swish(z) = z · σ(βz), as a custom :class:`minigrad.Function`.

β = 1 gives SiLU; β → ∞ approaches ReLU. With ``trainable=True`` β is a learnable
scalar :class:`~minigrad.Parameter` (exempt from weight penalties).

Example:
    >>> import numpy as np
    >>> import minigrad as mg
    >>> from minigrad_extras.activations import Swish
    >>> Swish()(mg.Tensor(np.array([[0.0, 2.0]])))
    Tensor([[0.        , 1.76159416]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

import minigrad as mg

__all__ = ["Swish", "SwishFunction", "register"]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))  # 1 / (1 + e^-z), accurate in both tails


class SwishFunction(mg.Function):
    """y = x · σ(βx), elementwise; β is a scalar (a constant or a 0-d Tensor).

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> from minigrad_extras.activations import SwishFunction
        >>> x = mg.Tensor(np.array([-1.0, 0.5, 3.0]), requires_grad=True)
        >>> mg.gradcheck(lambda t: SwishFunction.apply(t, 1.5), [x]).verdict
        'great'
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, beta: Any) -> np.ndarray:
        beta = np.asarray(beta, dtype=x.dtype)
        s = _sigmoid(beta * x)
        y = x * s
        ctx.save_for_backward(x, s, beta)
        return y

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[Any, Any]:
        x, s, beta = ctx.saved
        ds = s * (1.0 - s)  # σ'(u) = σ(u)(1 − σ(u)), at u = βx
        grad_x = grad_beta = None
        if ctx.needs_input_grad[0]:
            grad_x = grad * (s + beta * x * ds)  # ∂y/∂x = σ(βx) + βx σ'(βx)
        if ctx.needs_input_grad[1]:
            grad_beta = np.asarray(np.sum(grad * x * x * ds), dtype=beta.dtype)  # ∂y/∂β = x² σ'(βx)
        return grad_x, grad_beta


class Swish(mg.Module):
    """The swish activation layer, z · σ(βz).

    Args:
        beta: the slope β of the gate (β = 1: SiLU).
        trainable: learn β as a scalar Parameter (``regularize=False``).

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> layer = mg.layer("swish", beta=2.0, trainable=True)
        >>> [name for name, _ in layer.named_parameters()]
        ['beta']
    """

    def __init__(self, *, beta: float = 1.0, trainable: bool = False) -> None:
        super().__init__()
        if not np.isfinite(beta):
            raise mg.ConfigError(f"layer 'swish': beta = {beta!r} must be a finite number")
        if trainable:
            self.beta = mg.Parameter(np.array(float(beta)), name="beta", regularize=False)
        else:
            self.beta = float(beta)

    def forward(self, z: mg.Tensor) -> mg.Tensor:
        return SwishFunction.apply(z, self.beta)

    def __repr__(self) -> str:
        beta = self.beta.item() if isinstance(self.beta, mg.Tensor) else self.beta
        return f"Swish(beta={beta!r}, trainable={isinstance(self.beta, mg.Parameter)})"


def _example(rng: np.random.Generator) -> tuple[Swish, list[np.ndarray]]:
    """A small trainable swish and a batch of inputs (β and z away from nothing special)."""
    layer = Swish(beta=float(rng.uniform(0.5, 2.0)), trainable=True)
    return layer, [rng.standard_normal((int(rng.integers(2, 6)), 3))]


def register(registry: mg.Registry) -> None:
    """Register ``swish`` on the layers ``registry``."""
    registry.add(
        "swish",
        Swish,
        doc="z * sigmoid(beta * z)",
        example=_example,
        output_shape=lambda input_shape: input_shape,
    )
