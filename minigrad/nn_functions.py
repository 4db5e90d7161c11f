"""Fused neural-network Functions shared by the built-in layers, losses and the training code.

Each is one :class:`~minigrad.Function` whose backward is the closed form, so a whole
dense layer, a softmax cross-entropy or a batch normalization costs one graph node
instead of five to fifteen primitive ones:

- :class:`Dense`: ``Z = X W + b``; ``dX = g Wᵀ, dW = Xᵀ g, db = Σ_rows g``.
- :class:`DenseStack`: several dense layers, each with an optional ReLU, as one node.
- :class:`Softmax`: ``s = e^(z − max z) / Σ e^(z − max z)``; ``dz = s ⊙ (g − Σ g ⊙ s)``.
- :class:`LeakyRelu`: ``z if z > 0 else α z``; slope 1 or α.
- :class:`BatchNorm`: ``γ (x − μ_B) / √(σ²_B + ε) + β``; closed-form backward.
- :class:`SoftmaxCrossEntropy`: ``−1/m Σ Y ⊙ log softmax(Z)``; ``dZ = (Ŷ − Y) / m``.
- :class:`BinaryCrossEntropy`: ``1/m Σ max(z, 0) − z y + log(1 + e^−|z|)``; ``dz = (σ(z) − y) / m``.

The lower-case functions (:func:`dense`, :func:`softmax`, ...) validate their
arguments and apply the Functions; use them to write models without modules.
Rows are examples: ``X`` has shape (m, n_features).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from minigrad import tensor as _tensor  # first: it loads ops and function in a working order
from minigrad.errors import DTypeError, ShapeError
from minigrad.function import Function
from minigrad.ops import stable_sigmoid
from minigrad.tensor import Tensor

__all__ = [
    "BatchNorm",
    "BinaryCrossEntropy",
    "Dense",
    "DenseStack",
    "LeakyRelu",
    "LogSoftmax",
    "Softmax",
    "SoftmaxCrossEntropy",
    "batch_norm",
    "binary_cross_entropy_with_logits",
    "check_dtype",
    "check_probability_targets",
    "dense",
    "describe_values",
    "leaky_relu",
    "log_softmax",
    "match_target",
    "softmax",
    "softmax_cross_entropy",
]


# ------------------------------------------------------------------ helpers
# ufunc reductions called directly: the ndarray methods add a Python-level wrapper
_min_reduce, _max_reduce = np.minimum.reduce, np.maximum.reduce
_INTP, _UINTP = np.dtype(np.intp), np.dtype(np.uintp)


@functools.lru_cache(maxsize=16)
def _row_indices(m: int) -> np.ndarray:
    """``arange(m)``, read-only and shared: a batch size recurs every step."""
    rows = np.arange(m)
    rows.flags.writeable = False
    return rows


def check_dtype(where: str, got: Any, expected: Any, *, what: str = "input") -> None:
    """Raise :class:`~minigrad.DTypeError` when two float dtypes that must agree differ.

    Inside :func:`~minigrad.gradcheck` (which runs everything in float64) the check is
    skipped, like the primitive ops' own dtype checks.

    Args:
        where: the op or layer, for the message (``"dense(3 -> 4)"``).
        got: dtype of the ``what`` (the input, usually).
        expected: dtype of the parameters it meets.

    Example:
        >>> import numpy as np
        >>> from minigrad.nn_functions import check_dtype
        >>> check_dtype("dense(2 -> 1)", np.float64, np.float64)
        >>> try:
        ...     check_dtype("dense(2 -> 1)", np.float32, np.float64)
        ... except Exception as err:
        ...     print(type(err).__name__)
        DTypeError
    """
    got, expected = np.dtype(got), np.dtype(expected)
    if got != expected and not _tensor._state.promote64:
        raise DTypeError(
            f"{where}: {what} has dtype {got} but the parameters have dtype {expected}; "
            f"convert the {what} (e.g. x.astype(np.{expected})) or build the layer with dtype=np.{got}"
        )


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _float_input(x: Any, dtype: np.dtype) -> Tensor:
    """``x`` as a Tensor; integer and boolean data are converted to ``dtype``."""
    t = _as_tensor(x)
    if t.data.dtype.kind != "f":
        t = Tensor(t.data.astype(dtype))
    return t


# ------------------------------------------------------------------- layers
class Dense(Function):
    """The fused affine map of a dense layer: ``Z = X @ W + b``.

    Inputs ``x`` (..., n_in), ``w`` (n_in, n_out) and ``b`` (n_out,) or ``None``.
    Leading axes of ``x`` beyond the last are treated as examples.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> from minigrad.nn_functions import Dense
        >>> x = mg.Tensor(np.ones((2, 3)))
        >>> w = mg.Tensor(np.ones((3, 4)), requires_grad=True)
        >>> Dense.apply(x, w, np.zeros(4)).shape
        (2, 4)
    """

    name = "dense"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, x, w, b=None):
        out = np.matmul(x, w)
        if b is not None:
            out += b  # broadcast b over the rows, in place
        ctx.save_for_backward(x, w)
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved
        return _dense_backward(x, w, g, ctx.needs_input_grad)


_ONES: dict[tuple[int, np.dtype], np.ndarray] = {}  # (rows, dtype) -> read-only ones


def _ones(rows: int, dtype: np.dtype) -> np.ndarray:
    """A read-only vector of ``rows`` ones, kept for the next batch of the same size."""
    ones = _ONES.get((rows, dtype))
    if ones is None:
        if len(_ONES) >= 16:  # a few batch sizes recur; do not keep every size ever seen
            _ONES.clear()
        ones = np.ones(rows, dtype)
        ones.flags.writeable = False
        _ONES[rows, dtype] = ones
    return ones


def _dense_backward(x: np.ndarray, w: np.ndarray, g: np.ndarray, needs: tuple) -> tuple:
    """The gradients of ``Z = X @ W + b`` given dZ = ``g``: (dX, dW, db), None where not needed.

    db is the column sum of dZ, computed as the product 1ᵀ dZ: BLAS does it two to five
    times faster than ``dZ.sum(axis=0)`` and, with several partial sums, more accurately.
    """
    gx = np.matmul(g, w.T) if needs[0] else None  # dX = dZ Wᵀ
    if x.ndim != 2:  # fold every leading axis into the rows
        x = x.reshape(-1, w.shape[0])
        g = g.reshape(-1, w.shape[1])
    gw = np.matmul(x.T, g) if needs[1] else None  # dW = Xᵀ dZ
    wants_gb = len(needs) > 2 and needs[2]
    gb = np.matmul(_ones(g.shape[0], g.dtype), g) if wants_gb else None  # db = Σ_rows dZ = 1ᵀ dZ
    return gx, gw, gb


class DenseStack(Function):
    """Consecutive dense layers, each optionally followed by a ReLU, as one node.

    Inputs ``x`` (..., n_0), then ``w_1, b_1, ..., w_L, b_L`` (a ``b_k`` may be None);
    the option ``relus`` holds one bool per layer. Layer k computes

        A_k = max(A_{k-1} W_k + b_k, 0)     (without the max where relus[k] is False)

    and backward runs the layers in reverse::

        dZ_k = dA_k ⊙ [A_k > 0],  dW_k = A_{k-1}ᵀ dZ_k,  db_k = Σ_rows dZ_k,  dA_{k-1} = dZ_k W_kᵀ

    These are the NumPy operations of the layers run one by one, in the same order, so
    the numbers are the same. :class:`~minigrad.Sequential` runs a run of built-in
    ``dense`` and ``relu`` layers through this node (see :attr:`minigrad.Module.fuse_next`):
    one graph node for the run instead of one per layer.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> from minigrad.nn_functions import DenseStack
        >>> x = mg.Tensor(np.array([[1.0, -2.0]]))
        >>> DenseStack.apply(x, np.eye(2), np.zeros(2), np.ones((2, 1)), None, relus=(True, False))
        Tensor([[1.]])
    """

    name = "dense_stack"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, x, *params, relus):
        if len(params) != 2 * len(relus):
            raise ShapeError(
                f"dense_stack: got {len(params)} weight and bias inputs for {len(relus)} layers; "
                "pass w, b (b may be None) for each layer and one relus flag per layer"
            )
        outs = [x]  # each layer's input, then the last output
        a = x
        k = 0
        for relu in relus:
            w = params[k]
            if a.dtype is not w.dtype and a.dtype != w.dtype:
                check_dtype(f"dense_stack layer {k // 2}", a.dtype, w.dtype)
            a = np.matmul(a, w)  # Z = A W + b, then the ReLU, in place on a fresh array
            b = params[k + 1]
            if b is not None:
                a += b
            if relu:
                np.maximum(a, 0.0, out=a)
            outs.append(a)
            k += 2
        ctx.save_for_backward(outs, params, relus)
        return a

    @staticmethod
    def backward(ctx, g):
        outs, params, relus = ctx.saved
        needs = ctx.needs_input_grad
        # below[k]: does anything before layer k (x or an earlier weight) need a gradient?
        below = [needs[0]]
        for k in range(1, len(relus)):
            below.append(below[-1] or needs[2 * k - 1] or needs[2 * k])
        grads = [None] * len(needs)
        mine = None  # g is grad_output at first; below the top layer it is our own dA: reused
        for k in range(len(relus) - 1, -1, -1):
            if relus[k]:  # dZ = dA ⊙ [Z > 0] (Z > 0 exactly where the output is)
                g = np.multiply(g, outs[k + 1] > 0, out=mine)
            j = 2 * k
            g, grads[j + 1], grads[j + 2] = _dense_backward(
                outs[k], params[j], g, (below[k], needs[j + 1], needs[j + 2])
            )
            if g is None:  # nothing below needs a gradient
                break
            mine = g  # dA_{k-1} = dZ_k W_kᵀ, a fresh array
        grads[0] = g  # dX, or None when x needs no gradient
        return tuple(grads)


class Softmax(Function):
    """Numerically stable softmax along ``axis``: subtracting the maximum first makes
    every exponent ≤ 0, so nothing overflows even for logits of 10⁴.

    Example:
        >>> import minigrad as mg
        >>> from minigrad.nn_functions import Softmax
        >>> Softmax.apply(mg.Tensor([[1000.0, 1000.0]]), axis=-1)
        Tensor([[0.5, 0.5]])
    """

    name = "softmax"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, z, axis=-1):
        # (initial=-inf: an empty axis gives an empty result, as in NumPy and PyTorch)
        e = np.exp(z - z.max(axis=axis, keepdims=True, initial=-np.inf))
        out = e / e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, g):
        (s,) = ctx.saved
        # Jacobian diag(s) − s sᵀ applied to g:  s ⊙ (g − <g, s>)
        return s * (g - (g * s).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    """``log softmax(z)`` along ``axis``, computed as ``z − max − log Σ exp(z − max)``:
    finite wherever the inputs are, where ``softmax(z).log()`` underflows to −inf.

    Example:
        >>> import minigrad as mg
        >>> from minigrad.nn_functions import LogSoftmax
        >>> LogSoftmax.apply(mg.Tensor([[1000.0, 0.0]]), axis=-1)
        Tensor([[    0., -1000.]])
    """

    name = "log_softmax"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, z, axis=-1):
        if z.size:
            shifted = z - z.max(axis=axis, keepdims=True)
            out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        else:  # an empty batch or class axis: an empty result, as in NumPy and PyTorch
            out = z.copy()
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, g):
        (log_s,) = ctx.saved
        # d log s_i / d z_j = δ_ij − s_j, so dz = g − s · Σ_i g_i
        return g - np.exp(log_s) * g.sum(axis=ctx.axis, keepdims=True)


class LeakyRelu(Function):
    """``z`` where ``z > 0``, else ``alpha * z``.

    Example:
        >>> import minigrad as mg
        >>> from minigrad.nn_functions import LeakyRelu
        >>> LeakyRelu.apply(mg.Tensor([-2.0, 3.0]), alpha=0.1)
        Tensor([-0.2,  3. ])
    """

    name = "leaky_relu"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, z, alpha=0.01):
        positive = z > 0
        ctx.save_for_backward(positive)
        ctx.alpha = alpha
        return np.where(positive, z, alpha * z)

    @staticmethod
    def backward(ctx, g):
        (positive,) = ctx.saved
        return np.where(positive, g, ctx.alpha * g)  # slope 1 for z > 0, alpha otherwise


class BatchNorm(Function):
    """Training-mode batch normalization of ``x`` (m, n) over the batch axis 0.

    Forward, per feature (column), with the *biased* batch variance (1/m, as in the
    original paper and the course)::

        μ = 1/m Σ x,   σ² = 1/m Σ (x − μ)²,   x̂ = (x − μ) / √(σ² + ε),   y = γ x̂ + β

    Backward, in closed form (one pass instead of the ~12 primitive nodes)::

        dβ = Σ g,   dγ = Σ g ⊙ x̂,   dx̂ = g γ
        dx = 1/(m √(σ² + ε)) · (m dx̂ − Σ dx̂ − x̂ ⊙ Σ (dx̂ ⊙ x̂))

    Pass ``stats={}`` to receive the batch ``"mean"`` and biased ``"var"`` (for the
    running averages) without computing them twice.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> from minigrad.nn_functions import BatchNorm
        >>> x = mg.Tensor(np.array([[1.0], [3.0]]))
        >>> stats = {}
        >>> y = BatchNorm.apply(x, np.ones(1), np.zeros(1), eps=0.0, stats=stats)
        >>> y, stats["mean"], stats["var"]
        (Tensor([[-1.], [ 1.]]), array([2.]), array([1.]))
    """

    name = "batch_norm"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, x, gamma, beta, eps=1e-5, stats=None):
        mean = x.mean(axis=0)
        centered = x - mean
        var = np.mean(centered * centered, axis=0)  # biased: 1/m Σ (x − μ)²
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = centered * inv_std
        if stats is not None:
            stats["mean"], stats["var"] = mean, var
        ctx.save_for_backward(x_hat, inv_std, gamma)
        return gamma * x_hat + beta

    @staticmethod
    def backward(ctx, g):
        x_hat, inv_std, gamma = ctx.saved
        needs = ctx.needs_input_grad
        m = g.shape[0]
        gx = None
        if needs[0]:
            dx_hat = g * gamma  # dL/dx̂ = g γ
            # dx = (1/(m σ)) (m dx̂ − Σ dx̂ − x̂ Σ dx̂ x̂): μ and σ² depend on every x
            gx = (inv_std / m) * (m * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
        ggamma = (g * x_hat).sum(axis=0) if needs[1] else None  # dγ = Σ g x̂
        gbeta = g.sum(axis=0) if needs[2] else None  # dβ = Σ g
        return gx, ggamma, gbeta


# ------------------------------------------------------------------- losses
class SoftmaxCrossEntropy(Function):
    """Mean cross-entropy of ``softmax(z)`` against ``target``, fused.

    ``z`` is (m, C); ``target`` is either one-hot / probability rows (m, C) of z's dtype,
    or integer class labels (m,). Forward uses the log-sum-exp form
    ``log softmax(z) = (z − max z) − log Σ e^(z − max z)``, so no log(0) occurs.
    Backward is the course's ``dZ = (Ŷ − Y) / m`` (for rows of Y that sum to 1; for
    general non-negative rows it is ``(Ŷ Σ_j Y_j − Y) / m``).

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> from minigrad.nn_functions import SoftmaxCrossEntropy
        >>> z = mg.Tensor(np.zeros((2, 4)), requires_grad=True)
        >>> J = SoftmaxCrossEntropy.apply(z, np.array([0, 3]))
        >>> round(float(J.data), 6) == round(float(np.log(4)), 6)
        True
    """

    name = "softmax_cross_entropy"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, z, target):
        m = z.shape[0]
        # (ufunc reductions called directly: the ndarray methods add a Python-level wrapper)
        shifted = z - np.maximum.reduce(z, axis=1, keepdims=True)  # every exponent <= 0: no overflow
        e = np.exp(shifted)
        s = np.add.reduce(e, axis=1, keepdims=True)
        log_s = np.log(s)  # log Σ_j e^(z_j − max z)
        if target.dtype.kind in "iub":
            rows = _row_indices(m)
            # Σ_i log Ŷ[i, y_i] = Σ_i (shifted[i, y_i] − log_s[i]), one subtraction and one sum
            total = np.add.reduce(np.subtract(shifted[rows, target], log_s[:, 0]))
            ctx.save_for_backward(e, s, target, rows)
        else:
            log_p = shifted - log_s  # log softmax
            total = np.sum(target * log_p)  # Σ_i Σ_j Y_ij log Ŷ_ij
            ctx.save_for_backward(e, s, target, log_p)
        return np.asarray((-1.0 / m) * total, dtype=z.dtype)

    @staticmethod
    def backward(ctx, g):
        e, s, target, extra = ctx.saved
        needs = ctx.needs_input_grad
        scale = float(g) / e.shape[0]  # g is the 0-d upstream gradient of J
        gz = gt = None
        if needs[0]:
            p = e / s  # Ŷ = softmax(z), a fresh array updated in place below
            if target.dtype.kind in "iub":
                p[extra, target] -= 1.0  # Ŷ − Y with Y one-hot
            else:
                p *= target.sum(axis=1, keepdims=True)
                p -= target  # Ŷ ΣY − Y
            p *= scale  # dZ = (Ŷ − Y) / m
            gz = p
        if len(needs) > 1 and needs[1]:
            gt = -extra * scale  # dJ/dY = −log Ŷ / m (extra is log Ŷ: targets needing a grad are soft)
        return gz, gt


class BinaryCrossEntropy(Function):
    """Mean binary cross-entropy from logits, stable for any ``z``.

    Per element ``L = −y log σ(z) − (1 − y) log(1 − σ(z)) = max(z, 0) − z y + log(1 + e^−|z|)``;
    the right-hand form never exponentiates a positive number. ``J = 1/m Σ L`` with m the
    length of axis 0 (other axes are summed per example).

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> from minigrad.nn_functions import BinaryCrossEntropy
        >>> J = BinaryCrossEntropy.apply(mg.Tensor([[1000.0], [-1000.0]]), np.array([[1.0], [0.0]]))
        >>> float(J.data)
        0.0
    """

    name = "binary_cross_entropy"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, z, y):
        m = z.shape[0]
        losses = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        ctx.save_for_backward(z, y)
        return np.asarray(losses.sum() / m, dtype=z.dtype)

    @staticmethod
    def backward(ctx, g):
        z, y = ctx.saved
        needs = ctx.needs_input_grad
        scale = g / z.shape[0]
        gz = (stable_sigmoid(z) - y) * scale if needs[0] else None  # dJ/dz = (σ(z) − y) / m
        gy = -z * scale if len(needs) > 1 and needs[1] else None  # dJ/dy = −z / m
        return gz, gy


# ---------------------------------------------------- functional interface
def dense(x: Any, w: Tensor, b: Tensor | None = None) -> Tensor:
    """``x @ w + b`` as one fused node; ``w`` is (n_in, n_out), rows of ``x`` are examples.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> from minigrad.nn_functions import dense
        >>> w = mg.Tensor(np.eye(2), requires_grad=True)
        >>> dense(np.array([[1.0, 2.0]]), w, mg.Tensor(np.ones(2)))
        Tensor([[2., 3.]], requires_grad=True)
    """
    w = _as_tensor(w)
    x = _float_input(x, w.dtype)
    if w.ndim != 2:
        raise ShapeError(f"dense: the weights must be a matrix (n_in, n_out), got shape {w.shape}")
    if x.ndim == 0 or x.shape[-1] != w.shape[0]:
        raise ShapeError(
            f"dense: input of shape {x.shape} does not fit weights of shape {w.shape}; "
            f"the input's last axis must have {w.shape[0]} features"
        )
    check_dtype("dense", x.dtype, w.dtype)
    if b is not None:
        b = _as_tensor(b)
        if b.shape != (w.shape[1],):
            raise ShapeError(f"dense: the bias must have shape ({w.shape[1]},), got {b.shape}")
        check_dtype("dense", b.dtype, w.dtype, what="bias")
    return Dense.apply(x, w, b)


def softmax(z: Any, axis: int = -1) -> Tensor:
    """Numerically stable softmax along ``axis`` (the rows of (m, C) logits by default).

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> from minigrad.nn_functions import softmax
        >>> p = softmax(mg.Tensor([[1.0, 2.0, 3.0], [1e4, 0.0, -1e4]]))
        >>> np.round(p.data.sum(axis=1), 12).tolist()
        [1.0, 1.0]
    """
    z = _as_tensor(z)
    if z.ndim == 0 or not -z.ndim <= axis < z.ndim:
        raise ShapeError(f"softmax: axis {axis} is out of range for input of shape {z.shape}")
    return Softmax.apply(z, axis=axis)


def log_softmax(z: Any, axis: int = -1) -> Tensor:
    """Numerically stable ``log(softmax(z))`` along ``axis``, e.g. for a negative
    log-likelihood written by hand.

    Example:
        >>> import minigrad as mg
        >>> from minigrad.nn_functions import log_softmax
        >>> log_softmax(mg.Tensor([[0.0, 0.0]])).data.round(6).tolist()
        [[-0.693147, -0.693147]]
    """
    z = _as_tensor(z)
    if z.ndim == 0 or not -z.ndim <= axis < z.ndim:
        raise ShapeError(f"log_softmax: axis {axis} is out of range for input of shape {z.shape}")
    return LogSoftmax.apply(z, axis=axis)


def leaky_relu(z: Any, alpha: float = 0.01) -> Tensor:
    """``z`` for positive entries, ``alpha * z`` for the others.

    Example:
        >>> import minigrad as mg
        >>> from minigrad.nn_functions import leaky_relu
        >>> leaky_relu(mg.Tensor([-1.0, 2.0]), alpha=0.5)
        Tensor([-0.5,  2. ])
    """
    return LeakyRelu.apply(_as_tensor(z), alpha=alpha)


def batch_norm(x: Any, gamma: Any, beta: Any, *, eps: float = 1e-5, stats: dict | None = None) -> Tensor:
    """Training-mode batch normalization over axis 0: ``γ (x − μ_B) / √(σ²_B + ε) + β``.

    ``stats``, if given, receives the batch ``"mean"`` and biased ``"var"``.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> from minigrad.nn_functions import batch_norm
        >>> y = batch_norm(np.array([[0.0, 5.0], [2.0, 7.0]]), np.ones(2), np.zeros(2), eps=0.0)
        >>> y.data.tolist()
        [[-1.0, -1.0], [1.0, 1.0]]
    """
    gamma, beta = _as_tensor(gamma), _as_tensor(beta)
    x = _float_input(x, gamma.dtype)
    n = gamma.shape[0] if gamma.ndim == 1 else None
    if x.ndim != 2 or n is None or x.shape[1] != n or beta.shape != gamma.shape:
        raise ShapeError(
            f"batch_norm: expected x (m, n) with gamma and beta of shape (n,), got x {x.shape}, "
            f"gamma {gamma.shape}, beta {beta.shape}"
        )
    check_dtype("batch_norm", x.dtype, gamma.dtype)
    return BatchNorm.apply(x, gamma, beta, eps=eps, stats=stats)


def match_target(prediction: Tensor, target: Any, op: str) -> Any:
    """``target`` checked against ``prediction`` for a loss named ``op``.

    Arrays are converted to the prediction's dtype; float Tensors stay Tensors (so a
    gradient can reach them) and must share that dtype. The shapes must match, except
    that a (m,) target stands for a (m, 1) prediction. Otherwise
    :class:`~minigrad.ShapeError` names ``op`` and both shapes.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> from minigrad.nn_functions import match_target
        >>> match_target(mg.Tensor(np.zeros((3, 1))), [1, 0, 1], "my_loss").shape
        (3, 1)
    """
    if isinstance(target, Tensor):
        if target.dtype.kind == "f":
            check_dtype(op, target.dtype, prediction.dtype, what="target")
        else:
            target = target.data.astype(prediction.dtype)
    else:
        try:
            target = np.asarray(target, dtype=prediction.dtype)
        except (TypeError, ValueError, OverflowError) as err:
            raise DTypeError(
                f"{op}: the target cannot be read as a {prediction.dtype} array ({err}); pass numbers, "
                "one row per example"
            ) from err
    shape = prediction.shape
    if target.shape != shape:
        if len(shape) == 2 and shape[1] == 1 and target.shape == (shape[0],):
            target = target.reshape(shape)
        else:
            raise ShapeError(
                f"{op}: target has shape {target.shape} but the prediction has shape {shape}; "
                "they must match (one target per output)"
            )
    return target


def softmax_cross_entropy(logits: Any, target: Any) -> Tensor:
    """``J = −1/m Σ_i log softmax(z_i)[y_i]``, fused with its gradient ``(Ŷ − Y) / m``.

    Args:
        logits: (m, C) scores before the softmax (the last layer's Z, no activation).
        target: integer class labels (m,) in ``[0, C)``, or one-hot (or probability)
            rows (m, C).

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> from minigrad.nn_functions import softmax_cross_entropy
        >>> z = mg.Tensor([[2.0, 0.0], [0.0, 2.0]], requires_grad=True)
        >>> J = softmax_cross_entropy(z, np.array([0, 1]))
        >>> J.backward(); np.round(z.grad, 4)
        array([[-0.0596,  0.0596],
               [ 0.0596, -0.0596]])
    """
    op = "softmax_cross_entropy"
    z = logits if isinstance(logits, Tensor) else _as_tensor(logits)
    data = z.data  # (shapes and dtypes read from the array: Tensor properties cost a call each)
    logits_shape = data.shape
    if len(logits_shape) != 2 or 0 in logits_shape:
        if len(logits_shape) == 2 and logits_shape[0] == 0:
            empty = f"{op}: the batch is empty; logits need at least one example, got {logits_shape}"
            raise ShapeError(empty)
        raise ShapeError(f"{op}: logits must have shape (m, C) with m, C >= 1, got {logits_shape}")
    if data.dtype.kind != "f":
        raise DTypeError(f"{op}: logits must be floats, got dtype {data.dtype}")
    m, classes = logits_shape
    if type(target) is np.ndarray:
        raw = target
    else:
        raw = target.data if isinstance(target, Tensor) else _tensor._as_array(target, None, f"{op}: target")
    if raw.dtype.kind in "iub":
        if raw.ndim != 1 and raw.shape == (m, 1):
            raw = raw.reshape(m)
        if raw.ndim != 1 or raw.shape[0] != m:
            hint = " (for one-hot targets pass floats)" if raw.shape == logits_shape else ""
            raise ShapeError(
                f"{op}: integer labels must have shape ({m},) for logits {logits_shape}, got "
                f"{raw.shape}{hint}"
            )
        label_dtype = raw.dtype
        intp = label_dtype is _INTP or label_dtype == _INTP
        if intp:
            # one pass: a negative label read as unsigned is huge, so it fails the bound too
            out_of_range = _max_reduce(raw.view(_UINTP)) >= classes
        else:
            out_of_range = raw.min() < 0 or raw.max() >= classes
        if out_of_range:
            bad = raw[(raw < 0) | (raw >= classes)]
            raise ShapeError(
                f"{op}: labels must lie in [0, {classes - 1}] for {classes} classes, got "
                f"{bad[:5].tolist()}{' ...' if bad.size > 5 else ''}; labels are class indices, so "
                "give the last layer one output per class (or re-encode the labels as 0, 1, ...)"
            )
        return SoftmaxCrossEntropy.apply(z, raw if intp else raw.astype(np.intp))
    if raw.shape != z.shape:
        hint = "; integer labels (m,) must have an integer dtype" if raw.shape == (m,) else ""
        raise ShapeError(
            f"{op}: one-hot targets must have the logits' shape {z.shape}, got {raw.shape}{hint}"
        )
    return SoftmaxCrossEntropy.apply(z, match_target(z, target, op))


def binary_cross_entropy_with_logits(logits: Any, target: Any) -> Tensor:
    """``J = 1/m Σ max(z, 0) − z y + log(1 + e^−|z|)``: cross-entropy of ``σ(z)`` vs ``y``.

    Args:
        logits: (m, 1), (m,) or (m, k) scores before the sigmoid.
        target: labels in [0, 1] of the same shape ((m,) is accepted for (m, 1)).

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> from minigrad.nn_functions import binary_cross_entropy_with_logits
        >>> round(float(binary_cross_entropy_with_logits(mg.Tensor([[0.0]]), np.array([1.0])).data), 6)
        0.693147
    """
    op = "binary_cross_entropy"
    z = _as_tensor(logits)
    if z.ndim == 0 or z.shape[0] == 0:
        raise ShapeError(f"{op}: logits need a batch axis with at least one example, got shape {z.shape}")
    if z.dtype.kind != "f":
        raise DTypeError(f"{op}: logits must be floats, got dtype {z.dtype}")
    y = match_target(z, target, op)
    check_probability_targets(y.data if isinstance(y, Tensor) else y, op)
    return BinaryCrossEntropy.apply(z, y)


def check_probability_targets(labels: np.ndarray, op: str) -> None:
    """Raise :class:`~minigrad.ShapeError` naming ``op`` unless every label of a binary
    cross-entropy lies in [0, 1] (NaN fails too), with the first bad values and where.

    Example:
        >>> import numpy as np
        >>> from minigrad.nn_functions import check_probability_targets
        >>> check_probability_targets(np.array([0.0, 1.0, 0.5]), "bce")
        >>> try:
        ...     check_probability_targets(np.array([0.0, 2.0]), "bce")
        ... except Exception as err:
        ...     print(str(err).split(";")[0])
        bce: targets must be probabilities in [0, 1] (labels 0 and 1), got [2.0] (the first at index (1,))
    """
    # one min and one max reduction; a NaN makes both comparisons False
    if _min_reduce(labels, axis=None) >= 0 and _max_reduce(labels, axis=None) <= 1:
        return
    bad = describe_values(labels, ~((labels >= 0) & (labels <= 1)))
    raise ShapeError(
        f"{op}: targets must be probabilities in [0, 1] (labels 0 and 1), got {bad}; "
        "for more than two classes use softmax_cross_entropy"
    )


def describe_values(values: np.ndarray, bad: np.ndarray) -> str:
    """The first few ``values`` where the mask ``bad`` holds, and the index of the first,
    for error messages.

    Example:
        >>> import numpy as np
        >>> from minigrad.nn_functions import describe_values
        >>> x = np.array([[0.5], [3.0], [-1.0]])
        >>> describe_values(x, (x < 0) | (x > 1))
        '[3.0, -1.0] (the first at index (1, 0))'
    """
    shown = values[bad][:5].tolist()
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    return f"{shown}{' ...' if np.count_nonzero(bad) > 5 else ''} (the first at index {first})"
