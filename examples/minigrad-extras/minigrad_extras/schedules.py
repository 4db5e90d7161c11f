"""The ``warmup_cosine`` learning-rate schedule.

Linear warm-up for the first ``warmup_epochs`` epochs, then a half cosine from lr0
down to ``min_lr`` at ``total_epochs``, and ``min_lr`` after that::

    epoch < w:        lr = lr0 · (epoch + 1) / w
    w <= epoch:       t = min((epoch − w) / (T − w), 1)
                      lr = min_lr + ½ (lr0 − min_lr) (1 + cos(π t))

``min_lr`` defaults to lr0 / 100, so the rate never reaches zero.

Example:
    >>> import minigrad as mg
    >>> fn = mg.schedule("warmup_cosine", 0.1, warmup_epochs=2, total_epochs=4, min_lr=0.0)
    >>> [round(fn(e), 4) for e in range(6)]
    [0.05, 0.1, 0.1, 0.05, 0.0, 0.0]
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np

import minigrad as mg

__all__ = ["register", "warmup_cosine"]


def warmup_cosine(
    lr0: float,
    *,
    warmup_epochs: int = 5,
    total_epochs: int = 100,
    min_lr: float | None = None,
) -> Callable[[float], float]:
    """lr0 · (epoch + 1) / w during warm-up, then cosine decay to min_lr at total_epochs.

    Args:
        lr0: the peak learning rate, reached at the end of the warm-up.
        warmup_epochs: length w of the linear warm-up (0 for none).
        total_epochs: epoch T at which the decay reaches ``min_lr``.
        min_lr: the final rate (default lr0 / 100).

    Example:
        >>> from minigrad_extras.schedules import warmup_cosine
        >>> fn = warmup_cosine(1.0, warmup_epochs=0, total_epochs=2, min_lr=0.0)
        >>> fn(0), fn(1), fn(2)
        (1.0, 0.5, 0.0)
    """
    where = "schedule 'warmup_cosine'"
    if not (isinstance(lr0, numbers.Real) and lr0 > 0 and math.isfinite(lr0)):
        raise mg.ConfigError(f"{where}: lr0 = {lr0!r} must be a positive number")
    if not (isinstance(warmup_epochs, numbers.Integral) and warmup_epochs >= 0):
        raise mg.ConfigError(f"{where}: warmup_epochs = {warmup_epochs!r} must be an integer >= 0")
    if not (isinstance(total_epochs, numbers.Integral) and total_epochs > warmup_epochs):
        raise mg.ConfigError(
            f"{where}: total_epochs = {total_epochs!r} must be an integer above "
            f"warmup_epochs = {warmup_epochs}"
        )
    floor = lr0 / 100 if min_lr is None else min_lr
    if not (isinstance(floor, numbers.Real) and 0 <= floor <= lr0):
        raise mg.ConfigError(f"{where}: min_lr = {min_lr!r} must lie in [0, lr0 = {lr0}]")
    lr0, floor = float(lr0), float(floor)
    w, T = int(warmup_epochs), int(total_epochs)

    def rate(epoch: float) -> float:
        if epoch < w:
            return lr0 * (epoch + 1) / w  # linear warm-up, reaching lr0 at epoch w - 1
        t = min((epoch - w) / (T - w), 1.0)
        return floor + 0.5 * (lr0 - floor) * (1.0 + math.cos(math.pi * t))  # half cosine lr0 -> floor

    return rate


def _example(rng: np.random.Generator):
    """A random configuration and its rates at sample epochs, from the formula by hand."""
    lr0 = float(rng.uniform(0.01, 1.0))
    w = int(rng.integers(1, 6))
    T = w + int(rng.integers(4, 40))
    floor = lr0 / 100
    points = [(0, lr0 / w), (w - 1, lr0), (w, lr0), (T, floor), (T + 10, floor)]
    middle = w + (T - w) / 2  # t = 1/2: cos(π/2) = 0, halfway between lr0 and floor
    points.append((middle, floor + 0.5 * (lr0 - floor)))
    return warmup_cosine(lr0, warmup_epochs=w, total_epochs=T), points


def register(registry: mg.Registry) -> None:
    """Register ``warmup_cosine`` on the schedules ``registry``."""
    registry.add(
        "warmup_cosine",
        warmup_cosine,
        doc="lr0 (e + 1) / w for e < w, then min_lr + (lr0 - min_lr)(1 + cos(pi t)) / 2 "
        "with t = (e - w) / (T - w)",
        example=_example,
    )
