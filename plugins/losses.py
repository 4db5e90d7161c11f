"""Built-in losses: ``binary_cross_entropy``, ``softmax_cross_entropy``, ``mean_squared_error``.

A loss factory returns ``loss(prediction, target) -> scalar Tensor``, the cost averaged
over the batch, ``J = 1/m Σ_i L(ŷ_i, y_i)`` with m the length of axis 0. When one example
has several outputs, its loss L is the *sum* over them (so J does not change when you
reshape (m, k) outputs, and the mean squared error of a (m, 1) regression is the plain
mean). ``prediction`` is a Tensor (arrays are accepted); ``target`` is an array or a
Tensor, whose shape must match the prediction's (a (m,) target may stand for a (m, 1)
prediction).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

import minigrad as mg
from minigrad.nn_functions import (
    binary_cross_entropy_with_logits,
    check_probability_targets,
    describe_values,
    match_target,
    softmax_cross_entropy,
)

__all__ = ["BinaryCrossEntropy", "MeanSquaredError", "SoftmaxCrossEntropy", "register"]


def _prediction(x: Any, name: str) -> mg.Tensor:
    t = x if isinstance(x, mg.Tensor) else mg.Tensor(x)
    data = t.data
    if data.dtype.kind != "f":
        raise mg.DTypeError(
            f"{name}: predictions must be floats, got dtype {data.dtype}; "
            "pass the model's output (e.g. model(X))"
        )
    if data.ndim == 0 or data.shape[0] == 0:
        raise mg.ShapeError(
            f"{name}: predictions need a batch axis with at least one example, got shape {data.shape}"
        )
    return t


class BinaryCrossEntropy:
    """``J = −1/m Σ [y log ŷ + (1 − y) log(1 − ŷ)]`` for labels y in {0, 1}.

    With ``from_logits=True`` (the default) the prediction is the raw score z and
    ``ŷ = σ(z)`` is folded into the stable form ``max(z, 0) − z y + log(1 + e^−|z|)``:
    one fused node, finite for any z, gradient ``(σ(z) − y) / m``. Put no sigmoid
    layer in front of it. With ``from_logits=False`` the prediction is a probability,
    clipped to ``[clip, 1 − clip]`` before the logarithms (as Keras does), so a
    prediction of exactly 0 or 1 costs at most ``−log(clip)`` (16.1) and gets no gradient
    where it is clipped: a saturated sigmoid that is confidently wrong stops learning
    there (PyTorch clamps the logarithms at −100 instead and returns a gradient of
    about 1e12). Logits avoid both. Predictions outside [0, 1]
    (logits passed by mistake) raise :class:`~minigrad.ShapeError`. Either way targets
    outside [0, 1] raise :class:`~minigrad.ShapeError`.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> bce = mg.loss("binary_cross_entropy")
        >>> z = mg.Tensor([[0.0], [1000.0]], requires_grad=True)
        >>> J = bce(z, np.array([[1.0], [1.0]]))
        >>> round(float(J.data), 6)
        0.346574
        >>> J.backward(); z.grad
        array([[-0.25],
               [ 0.  ]])
    """

    def __init__(self, *, from_logits: bool = True, clip: float = 1e-7) -> None:
        if not isinstance(clip, numbers.Real) or isinstance(clip, bool) or not 0 <= clip < 0.5:
            raise mg.ConfigError(f"binary_cross_entropy: clip must be in [0, 0.5), got {clip!r}")
        self.from_logits = bool(from_logits)
        self.clip = float(clip)

    @property
    def link(self) -> str:
        """How the model's outputs become probabilities (read by :func:`minigrad.fit`,
        :func:`minigrad.evaluate`): ``"sigmoid"`` for logits, else ``"probabilities"``."""
        return "sigmoid" if self.from_logits else "probabilities"

    def __call__(self, prediction: Any, target: Any) -> mg.Tensor:
        name = "binary_cross_entropy"
        z = _prediction(prediction, name)
        if self.from_logits:
            return binary_cross_entropy_with_logits(z, target)
        y = match_target(z, target, name)
        check_probability_targets(y.data if isinstance(y, mg.Tensor) else y, name)
        probabilities = z.data
        # one min and one max reduction. A NaN label fails (bad data); a NaN prediction
        # passes, as with logits: the training guards and anomaly mode report those.
        if np.minimum.reduce(probabilities, axis=None) < 0 or np.maximum.reduce(probabilities, axis=None) > 1:
            bad = describe_values(probabilities, (probabilities < 0) | (probabilities > 1))
            raise mg.ShapeError(
                f"{name}(from_logits=False): predictions must be probabilities in [0, 1], got {bad}; "
                "these look like logits (raw scores): use from_logits=True (the default, stable for "
                "any score) with no sigmoid layer in front"
            )
        p = z.clip(self.clip, 1 - self.clip)
        losses = y * p.log() + (1 - y) * (1 - p).log()  # log-likelihood of each label
        return losses.sum() * (-1.0 / z.shape[0])

    def __repr__(self) -> str:
        return f"BinaryCrossEntropy(from_logits={self.from_logits}, clip={self.clip:g})"


class SoftmaxCrossEntropy:
    """``J = −1/m Σ_i Σ_j Y_ij log softmax(Z_i)_j``, fused: backward is ``dZ = (Ŷ − Y) / m``.

    The prediction is the last layer's raw scores Z (m, C); put no softmax layer in
    front. The target is either integer class labels (m,) in ``[0, C)`` or one-hot
    (or probability) rows (m, C). Labels outside the range raise
    :class:`~minigrad.ShapeError` naming the valid range.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> ce = mg.loss("softmax_cross_entropy")
        >>> Z = mg.Tensor(np.zeros((2, 3)))
        >>> float(ce(Z, np.array([0, 2])).data) == float(ce(Z, np.eye(3)[[0, 2]]).data)
        True
    """

    # ``loss(prediction, target)`` is the core function itself, which checks the logits
    # ((m, C) floats with m, C >= 1) and the target: no wrapper frame per call
    __call__ = staticmethod(softmax_cross_entropy)

    #: The model outputs logits; predictions apply a softmax.
    link = "softmax"

    def __repr__(self) -> str:
        return "SoftmaxCrossEntropy()"


class MeanSquaredError:
    """``J = 1/m Σ_i ||ŷ_i − y_i||²``: squared error summed over each example's outputs,
    averaged over the m examples, without a factor 1/2 (gradient ``2 (ŷ − y) / m``).

    For a single output per example this is the ordinary mean of squared errors.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> mse = mg.loss("mean_squared_error")
        >>> float(mse(mg.Tensor([[1.0, 2.0], [0.0, 0.0]]), np.array([[0.0, 0.0], [0.0, 1.0]])).data)
        3.0
    """

    #: Regression: predictions are the raw outputs, and accuracy is not computed.
    link = "identity"

    def __call__(self, prediction: Any, target: Any) -> mg.Tensor:
        name = "mean_squared_error"
        y_hat = _prediction(prediction, name)
        diff = y_hat - match_target(y_hat, target, name)
        return (diff * diff).sum() * (1.0 / y_hat.shape[0])

    def __repr__(self) -> str:
        return "MeanSquaredError()"


def _bce_example(rng: np.random.Generator) -> tuple[Any, np.ndarray, np.ndarray]:
    m = int(rng.integers(1, 8))
    return BinaryCrossEntropy(), rng.standard_normal((m, 1)) * 3.0, rng.integers(0, 2, (m, 1)).astype(float)


def _softmax_ce_example(rng: np.random.Generator) -> tuple[Any, np.ndarray, np.ndarray]:
    m, classes = int(rng.integers(1, 8)), int(rng.integers(2, 6))
    return SoftmaxCrossEntropy(), rng.standard_normal((m, classes)) * 2.0, rng.integers(0, classes, m)


def _mse_example(rng: np.random.Generator) -> tuple[Any, np.ndarray, np.ndarray]:
    shape = (int(rng.integers(1, 8)), int(rng.integers(1, 4)))
    return MeanSquaredError(), rng.standard_normal(shape), rng.standard_normal(shape)


def register(registry: mg.Registry) -> None:
    """Register the built-in losses on ``registry``.

    Example:
        >>> import minigrad as mg
        >>> mg.component("losses", "mean_squared_error").doc
        '1/m sum_i ||y_hat_i - y_i||^2 (no 1/2)'
    """
    registry.add(
        "binary_cross_entropy",
        BinaryCrossEntropy,
        doc="1/m sum max(z, 0) - z y + log(1 + e^-|z|)  (from logits z; dz = (sigmoid(z) - y)/m)",
        example=_bce_example,
    )
    registry.add(
        "softmax_cross_entropy",
        SoftmaxCrossEntropy,
        doc="-1/m sum_i sum_j Y_ij log softmax(Z_i)_j  (dZ = (Y_hat - Y)/m)",
        example=_softmax_ce_example,
    )
    registry.add(
        "mean_squared_error",
        MeanSquaredError,
        doc="1/m sum_i ||y_hat_i - y_i||^2 (no 1/2)",
        example=_mse_example,
    )
