"""The ``lookahead`` optimizer (Zhang et al., 2019): k steps forward, one step back.

An inner update rule (any registered optimizer, SGD by default) moves the *fast*
weights θ for k steps; then the *slow* weights φ move part of the way towards them
and the fast weights restart from there::

    θ ← θ + inner_delta                       (every step)
    every k-th step:  φ ← φ + α (θ − φ);  θ ← φ

The rule only sees gradients, so it tracks the offset θ − φ instead of φ itself:
on a sync step it returns the delta that lands the parameter on φ + α (θ − φ).
All state (the offset and the inner rule's state, prefixed ``inner.``) lives in the
dict ``init`` returns, so ``state_dict()`` / ``load_state_dict()`` resume exactly.

Example:
    >>> import numpy as np
    >>> import minigrad as mg
    >>> w = mg.Parameter(np.array([1.0]))
    >>> opt = mg.optimizer("lookahead", [w], lr=0.1, k=2, alpha=0.5)
    >>> for _ in range(2):
    ...     opt.zero_grad(); (w * 1.0).sum().backward(); opt.step()
    >>> w.data   # fast: 1 - 0.1 - 0.1 = 0.8; slow: 1 + 0.5 (0.8 - 1)
    array([0.9])
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

import minigrad as mg
from minigrad.optim import NONNEGATIVE, Bound, UpdateRule

__all__ = ["Lookahead", "register"]

_INNER = "inner."


class Lookahead(UpdateRule):
    """Lookahead around an inner update rule.

    Args:
        inner: the inner rule: a registered optimizer's name (``"sgd"``, ``"adam"``, ...)
            or an update-rule object.
        k: synchronize the slow weights every k steps (k >= 1).
        alpha: slow-weights step size α in (0, 1].
        **inner_hyper: hyperparameters of the inner rule (``lr=0.1``, ``beta1=0.9``, ...).

    The hyperparameters are the inner rule's plus ``k`` and ``alpha``; a schedule that
    sets ``lr`` drives the inner rule.

    Example:
        >>> from minigrad_extras.optimizers import Lookahead
        >>> rule = Lookahead(inner="momentum", lr=0.05, k=3)
        >>> sorted(rule.defaults)
        ['alpha', 'beta', 'bias_correction', 'k', 'lr']
    """

    name = "lookahead"

    def __init__(self, *, inner: Any = "sgd", k: int = 5, alpha: float = 0.5, **inner_hyper: Any) -> None:
        if isinstance(inner, str):
            inner = mg.get_plugin_manager().registry("optimizers").create(inner, **inner_hyper)
        elif inner_hyper:
            raise mg.ConfigError(
                f"optimizer 'lookahead': pass {sorted(inner_hyper)} to the inner rule object itself, "
                "or give the inner rule by name"
            )
        for attribute in ("defaults", "init", "update"):
            if not hasattr(inner, attribute):
                raise mg.ConfigError(f"optimizer 'lookahead': the inner rule {inner!r} has no '{attribute}'")
        if "k" in inner.defaults or "alpha" in inner.defaults:
            raise mg.ConfigError(
                "optimizer 'lookahead': the inner rule's hyperparameters clash with lookahead's 'k'/'alpha'"
            )
        self.inner = inner
        self.bounds: dict[str, Bound] = {
            **getattr(inner, "bounds", {}),
            "k": Bound(1),
            "alpha": Bound(0.0, 1.0, low_open=True),
            "lr": NONNEGATIVE,
        }
        try:
            self._inner_takes_param = "param" in inspect.signature(inner.update).parameters
        except (TypeError, ValueError):
            self._inner_takes_param = False
        super().__init__(**inner.defaults, k=k, alpha=alpha)

    bounds: ClassVar[Mapping[str, Bound]] = {}  # per instance, set in __init__

    def init(self, param: np.ndarray) -> dict[str, Any]:
        state = {_INNER + key: value for key, value in self.inner.init(param).items()}
        state["offset"] = np.zeros_like(param)  # θ − φ, the fast weights' lead over the slow ones
        return state

    def update(self, grad, state, hyper, step, *, param=None):
        inner_state = {key[len(_INNER) :]: value for key, value in state.items() if key.startswith(_INNER)}
        inner_hyper = {key: hyper[key] for key in self.inner.defaults}
        if self._inner_takes_param:
            delta, inner_state = self.inner.update(grad, inner_state, inner_hyper, step, param=param)
        else:
            delta, inner_state = self.inner.update(grad, inner_state, inner_hyper, step)
        offset = state["offset"] + delta  # fast weights after the inner step: φ + offset
        if step % hyper["k"] == 0:
            # land on φ + α·offset: from φ + offset_old the step is delta − (1 − α)·offset
            delta = delta - (1.0 - hyper["alpha"]) * offset
            offset = np.zeros_like(offset)
        new_state = {_INNER + key: value for key, value in inner_state.items()}
        new_state["offset"] = offset
        return delta, new_state

    def __repr__(self) -> str:
        return f"Lookahead(inner={self.inner!r}, k={self.defaults['k']}, alpha={self.defaults['alpha']})"


def register(registry: mg.Registry) -> None:
    """Register ``lookahead`` on the optimizers ``registry``."""
    registry.add(
        "lookahead",
        Lookahead,
        doc="k inner steps of the fast weights, then slow += alpha (fast - slow); fast = slow",
        check_hyper={"lr": 0.1},
    )
