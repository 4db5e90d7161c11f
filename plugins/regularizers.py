"""Built-in regularizers: ``l2``, ``l1`` and ``elastic_net``.

A regularizer factory returns ``penalty(named_parameters, m) -> scalar Tensor``, the
term added to the cost of a batch of m examples::

    J = 1/m Σ L(ŷ_i, y_i) + penalty

The term is built from ordinary ops, so its gradient flows into the parameters with
the loss's, and :func:`~minigrad.gradcheck` sees it. By default it applies to the
parameters whose ``.regularize`` is True: the weights, not the biases or batch norm's
γ and β. Pass ``include=lambda name, param: ...`` to choose differently.

``named_parameters`` may be a :class:`~minigrad.Module`, a dict name -> parameter, or
an iterable of ``(name, parameter)`` pairs.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

import minigrad as mg

__all__ = ["L1", "L2", "ElasticNet", "Regularizer", "register"]

Include = Callable[[str, mg.Tensor], bool]


def _default_include(name: str, param: mg.Tensor) -> bool:
    """Weights only: parameters created with ``regularize=True`` (the default)."""
    return bool(getattr(param, "regularize", True))


def _strength(regularizer: str, label: str, value: Any) -> float:
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value < 0
    ):
        raise mg.ConfigError(
            f"{regularizer}: {label} must be a finite number >= 0, got {value!r} "
            "(0 turns the penalty off; typical values are 1e-4 to 1)"
        )
    return float(value)


def _pairs(named_parameters: Any) -> list[tuple[str, mg.Tensor]]:
    if isinstance(named_parameters, mg.Module):
        return list(named_parameters.named_parameters())
    if isinstance(named_parameters, dict):
        return list(named_parameters.items())
    pairs = []
    for i, item in enumerate(named_parameters):
        if isinstance(item, mg.Tensor):
            pairs.append((item.name or f"param {i}", item))
        else:
            pairs.append(tuple(item))
    return pairs


class Regularizer:
    """Base class: selects the parameters and checks ``m``; subclasses add :meth:`term`.

    Args:
        include: ``include(name, param) -> bool`` choosing the penalized parameters;
            default: those with ``param.regularize`` True.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> from minigrad_plugins.regularizers import Regularizer
        >>> class SumOfWeights(Regularizer):
        ...     def term(self, params, m):
        ...         return sum(p.sum() for p in params) * (1.0 / m)
        >>> w = mg.Parameter(np.ones(4))
        >>> float(SumOfWeights()({"w": w}, 2).data)
        2.0
    """

    name = "regularizer"

    def __init__(self, *, include: Include | None = None) -> None:
        if include is not None and not callable(include):
            raise mg.ConfigError(
                f"{self.name}: include must be a callable include(name, param) -> bool, got {include!r}"
            )
        self.include = include

    def select(self, named_parameters: Any) -> list[tuple[str, mg.Tensor]]:
        """The ``(name, parameter)`` pairs the penalty applies to.

        Example:
            >>> import minigrad as mg
            >>> layer = mg.layer("dense", 2, 3)
            >>> [name for name, _ in mg.regularizer("l2", 0.1).select(layer)]
            ['W']
        """
        include = self.include or _default_include
        return [(name, p) for name, p in _pairs(named_parameters) if include(name, p)]

    def __call__(self, named_parameters: Any, m: int) -> mg.Tensor:
        if not isinstance(m, numbers.Integral) or isinstance(m, bool) or m < 1:
            raise mg.ConfigError(
                f"{self.name}: m is the number of examples in the batch, a positive integer; got {m!r}"
            )
        params = [p for _, p in self.select(named_parameters)]
        if not params:
            return mg.Tensor(np.zeros((), dtype=mg.get_default_dtype()))
        return self.term(params, int(m))

    def term(self, params: list[mg.Tensor], m: int) -> mg.Tensor:
        """The penalty for the selected ``params`` and batch size ``m``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement term()")


def _total(terms: list[mg.Tensor]) -> mg.Tensor:
    """``terms[0] + terms[1] + ...`` (one addition op per extra term)."""
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


def _sum_of_squares(params: Iterable[mg.Tensor]) -> mg.Tensor:
    return _total([(p * p).sum() for p in params])  # ||W||_F^2 = Σ w²


def _sum_of_abs(params: Iterable[mg.Tensor]) -> mg.Tensor:
    return _total([p.abs().sum() for p in params])  # ||W||_1 = Σ |w|


class L2(Regularizer):
    """``lam / (2m) · Σ_l ||W_l||²_F``; its gradient ``lam/m · W`` is weight decay.

    Args:
        lam: the regularization strength λ >= 0.
        include: which parameters to penalize (default: weights, not biases).

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> model = mg.Sequential(mg.layer("dense", 2, 2, rng=0))
        >>> model[0].W.data[...] = [[1.0, 2.0], [0.0, 1.0]]
        >>> penalty = mg.regularizer("l2", lam=0.4)(model, 4)
        >>> round(float(penalty.data), 12)  # 0.4 / 8 * (1 + 4 + 0 + 1)
        0.3
        >>> penalty.backward(); model[0].W.grad  # lam/m * W
        array([[0.1, 0.2],
               [0. , 0.1]])
    """

    name = "l2"

    def __init__(self, lam: float, *, include: Include | None = None) -> None:
        super().__init__(include=include)
        self.lam = _strength("l2", "lam", lam)

    def term(self, params: list[mg.Tensor], m: int) -> mg.Tensor:
        return _sum_of_squares(params) * (self.lam / (2 * m))

    def __repr__(self) -> str:
        return f"L2(lam={self.lam:g})"


class L1(Regularizer):
    """``lam / (2m) · Σ_l Σ |w|``, the course's L1 term; it drives many weights to 0.

    The course (and this library) keeps the factor 1/2 of the L2 term, so the
    gradient is ``lam/(2m) · sign(w)``; other texts use ``lam/m · Σ |w|``, i.e. twice
    this λ.

    Args:
        lam: the regularization strength λ >= 0.
        include: which parameters to penalize (default: weights, not biases).

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> w = mg.Parameter(np.array([[1.0, -3.0]]))
        >>> float(mg.regularizer("l1", 0.5)({"W": w}, 1).data)  # 0.5 / 2 * 4
        1.0
    """

    name = "l1"

    def __init__(self, lam: float, *, include: Include | None = None) -> None:
        super().__init__(include=include)
        self.lam = _strength("l1", "lam", lam)

    def term(self, params: list[mg.Tensor], m: int) -> mg.Tensor:
        return _sum_of_abs(params) * (self.lam / (2 * m))

    def __repr__(self) -> str:
        return f"L1(lam={self.lam:g})"


class ElasticNet(Regularizer):
    """``l1 / (2m) · Σ |w| + l2 / (2m) · Σ w²``: the L1 and L2 terms with their own λ.

    Args:
        l1: strength of the L1 part, >= 0.
        l2: strength of the L2 part, >= 0.
        include: which parameters to penalize (default: weights, not biases).

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> w = mg.Parameter(np.array([2.0]))
        >>> float(mg.regularizer("elastic_net", l1=1.0, l2=1.0)({"W": w}, 1).data)  # (2 + 4) / 2
        3.0
    """

    name = "elastic_net"

    def __init__(self, l1: float, l2: float, *, include: Include | None = None) -> None:
        super().__init__(include=include)
        self.l1 = _strength("elastic_net", "l1", l1)
        self.l2 = _strength("elastic_net", "l2", l2)

    def term(self, params: list[mg.Tensor], m: int) -> mg.Tensor:
        scale = 1.0 / (2 * m)
        return _sum_of_abs(params) * (self.l1 * scale) + _sum_of_squares(params) * (self.l2 * scale)

    def __repr__(self) -> str:
        return f"ElasticNet(l1={self.l1:g}, l2={self.l2:g})"


def _example_params(rng: np.random.Generator) -> dict[str, mg.Parameter]:
    # |w| >= 0.1 keeps finite differences away from the kink of |w| at 0
    w1 = rng.uniform(0.1, 1.5, (3, 4)) * rng.choice([-1.0, 1.0], (3, 4))
    w2 = rng.uniform(0.1, 1.5, (4, 2)) * rng.choice([-1.0, 1.0], (4, 2))
    return {
        "0.W": mg.Parameter(w1),
        "0.b": mg.Parameter(rng.standard_normal(4), regularize=False),
        "1.W": mg.Parameter(w2),
    }


def _l2_example(rng: np.random.Generator) -> tuple[Any, dict[str, mg.Parameter], int]:
    return L2(0.7), _example_params(rng), 5


def _l1_example(rng: np.random.Generator) -> tuple[Any, dict[str, mg.Parameter], int]:
    return L1(0.7), _example_params(rng), 5


def _elastic_net_example(rng: np.random.Generator) -> tuple[Any, dict[str, mg.Parameter], int]:
    return ElasticNet(0.3, 0.7), _example_params(rng), 5


def register(registry: mg.Registry) -> None:
    """Register the built-in regularizers on ``registry``.

    Example:
        >>> import minigrad as mg
        >>> mg.component("regularizers", "l2").doc
        'lam/(2m) * sum_l ||W_l||_F^2  (gradient lam/m * W: weight decay)'
    """
    registry.add(
        "l2",
        L2,
        doc="lam/(2m) * sum_l ||W_l||_F^2  (gradient lam/m * W: weight decay)",
        example=_l2_example,
    )
    registry.add("l1", L1, doc="lam/(2m) * sum_l sum |w|", example=_l1_example)
    registry.add(
        "elastic_net",
        ElasticNet,
        doc="l1/(2m) * sum |w| + l2/(2m) * sum w^2",
        example=_elastic_net_example,
    )
