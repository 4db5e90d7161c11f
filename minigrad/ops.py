"""The primitive differentiable ops: one :class:`~minigrad.Function` each.

Every backward states its math beside the line that implements it. ``g`` is the
gradient of the loss with respect to the op's output; the returned arrays are
the gradients with respect to the inputs, in input order.

The lower-case functions (:func:`add`, :func:`matmul`, ...) are what
:class:`~minigrad.Tensor`'s operators and methods call; use them directly when
you prefer functions (``mg.maximum(a, b)``, ``mg.where(c, a, b)``).
"""

from __future__ import annotations

import builtins
import numbers
import operator
from typing import Any

import numpy as np

from minigrad.errors import DTypeError, ShapeError
from minigrad.function import Function, unbroadcast
from minigrad.tensor import Tensor, _as_array, _state

__all__ = [
    "abs",
    "add",
    "astype",
    "clip",
    "concatenate",
    "div",
    "exp",
    "getitem",
    "log",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mul",
    "neg",
    "pow",
    "relu",
    "reshape",
    "sigmoid",
    "sqrt",
    "stack",
    "sub",
    "sum",
    "tanh",
    "transpose",
    "where",
]


# ------------------------------------------------------------------ operands
def _operand(value: Any, like: Tensor, op: str) -> Any:
    """Check or convert the other operand of a binary op against tensor ``like``.

    Python numbers pass through and NumPy scalars become Python numbers, so the
    tensor keeps its dtype (NumPy 2 would turn ``float32 * np.float64(2)`` into
    float64). Integer and boolean data, and Python lists of floats, take the tensor's
    float dtype. Float arrays and tensors of another float dtype are refused rather
    than silently up- or down-cast.
    """
    if isinstance(value, Tensor):
        other = value.data
    elif isinstance(value, numbers.Real):
        return value.item() if isinstance(value, np.generic) else value
    elif isinstance(value, np.ndarray):
        other = value
    else:  # lists, tuples: numbers without a dtype of their own
        other = value = _as_array(value, None, op)
        if other.dtype.kind == "f" and like.data.dtype.kind == "f":
            return other.astype(like.data.dtype, copy=False)
    kind = other.dtype.kind
    if kind not in "biuf":
        raise DTypeError(f"{op}: cannot combine a tensor with data of dtype {other.dtype}; pass real numbers")
    mine = like.data.dtype
    if kind in "biu":  # a constant: no gradient flows to integer data
        return other.astype(mine) if mine.kind == "f" else other
    if mine.kind == "f" and other.dtype != mine and not _state.promote64:
        raise DTypeError(
            f"{op}: operands have different float dtypes, {mine} and {other.dtype}; "
            f"convert one first, e.g. tensor.astype(np.{mine})"
        )
    return value


def _binary(fn: type[Function], a: Any, b: Any) -> Tensor:
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if b.data.dtype == a.data.dtype:  # the common case: nothing to convert
                return fn.apply(a, b)
            if a.data.dtype.kind != "f":  # the float tensor sets the dtype
                return fn.apply(_operand(a, b, fn.op_name()), b)
        b = _operand(b, a, fn.op_name())
    elif isinstance(b, Tensor):
        a = _operand(a, b, fn.op_name())
    else:
        a = Tensor(a)
        b = _operand(b, a, fn.op_name())
    return fn.apply(a, b)


def _needs(ctx: Any, i: int) -> bool:
    return ctx.needs_input_grad[i]


def _shape(x: Any) -> tuple[int, ...]:
    return np.shape(x)


# ---------------------------------------------------------------- arithmetic
class Add(Function):
    name = "add"

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        return np.add(a, b)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        # d(a + b)/da = 1, d(a + b)/db = 1, summed over broadcast copies
        ga = unbroadcast(g, sa) if _needs(ctx, 0) else None
        gb = unbroadcast(g, sb) if _needs(ctx, 1) else None
        return ga, gb


class Sub(Function):
    name = "sub"

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        return np.subtract(a, b)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        ga = unbroadcast(g, sa) if _needs(ctx, 0) else None
        gb = unbroadcast(-g, sb) if _needs(ctx, 1) else None  # d(a - b)/db = -1
        return ga, gb


class Mul(Function):
    name = "mul"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.multiply(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        ga = unbroadcast(g * b, _shape(a)) if _needs(ctx, 0) else None  # d(ab)/da = b
        gb = unbroadcast(g * a, _shape(b)) if _needs(ctx, 1) else None  # d(ab)/db = a
        return ga, gb


class Div(Function):
    name = "div"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, a, b):
        out = np.divide(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved
        ga = unbroadcast(g / b, _shape(a)) if _needs(ctx, 0) else None  # d(a/b)/da = 1/b
        # d(a/b)/db = -a/b^2 = -(a/b)/b
        gb = unbroadcast(-g * out / b, _shape(b)) if _needs(ctx, 1) else None
        return ga, gb


class Pow(Function):
    name = "pow"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, a, b):
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved
        ga = gb = None
        if _needs(ctx, 0):
            if isinstance(b, numbers.Real):  # the common x ** 2: a constant Python exponent
                # d(a^b)/da = b a^(b-1); a^0 = 1 is constant, so 0 for b == 0 (not 0 * 0^-1 = NaN)
                ga = g * b * np.power(a, b - 1) if b != 0 else np.zeros_like(a)
            else:
                with np.errstate(divide="ignore", invalid="ignore"):  # 0^-1 where b == 0: replaced
                    da = b * np.power(a, b - 1)  # d(a^b)/da = b a^(b-1), and 0 where b == 0
                ga = unbroadcast(g * np.where(b == 0, 0, da), _shape(a))
        if _needs(ctx, 1):
            base = np.asarray(a, dtype=out.dtype)  # a constant base may be a Python number
            with np.errstate(divide="ignore", invalid="ignore"):  # ln 0 = -inf, ln(a < 0) = NaN
                db = out * np.log(base)
            # d(a^b)/db = a^b ln a; where that is undefined, PyTorch's values: NaN for a < 0; at
            # a == 0, 0 for b >= 0 and a^b ln a = -inf for b < 0 (+inf at -0.0 with an odd b)
            gb = unbroadcast(g * np.where((base == 0) & (b >= 0), 0, db), _shape(b))
        return ga, gb


class Neg(Function):
    name = "neg"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, a):
        return np.negative(a)

    @staticmethod
    def backward(ctx, g):
        return -g  # d(-a)/da = -1


class MatMul(Function):
    name = "matmul"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, a, b):
        a_nd, b_nd = np.ndim(a), np.ndim(b)
        if a_nd == 0 or b_nd == 0:
            raise ShapeError("matmul: operands must be at least 1-D; use * for scalars")
        inner_a = a.shape[-1]
        inner_b = b.shape[-2] if b_nd > 1 else b.shape[0]
        if inner_a != inner_b:
            raise ShapeError(
                f"matmul: inner dimensions differ: {a.shape} @ {b.shape} "
                f"({inner_a} != {inner_b}); the last axis of the left operand must match "
                "the second-to-last axis of the right one"
            )
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        if a.ndim == 2 and b.ndim == 2:  # the common case, no reshaping
            ga = g @ b.T if _needs(ctx, 0) else None  # dL/dA = G B^T
            gb = a.T @ g if _needs(ctx, 1) else None  # dL/dB = A^T G
            return ga, gb
        if a.ndim == 1 and b.ndim == 1:  # inner product, g is a scalar
            ga = g * b if _needs(ctx, 0) else None  # d(a.b)/da = b
            gb = g * a if _needs(ctx, 1) else None  # d(a.b)/db = a
            return ga, gb
        # 1-D operands act as a row (left) or a column (right) vector
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        ga = gb = None
        if _needs(ctx, 0):
            ga = unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        if _needs(ctx, 1):
            gb = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
        return ga, gb


# ---------------------------------------------------------------- reductions
def _is_axis(ax: Any) -> bool:
    return isinstance(ax, numbers.Integral) and not isinstance(ax, bool)


def _norm_axes(op: str, axis: Any, shape: tuple[int, ...]) -> tuple[int, ...]:
    """``axis`` (None, an int or a tuple of ints) of a tensor of ``shape`` as sorted
    non-negative axes; errors name ``op`` (the reduction), the axis and the shape."""
    ndim = len(shape)
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if _is_axis(axis) else tuple(axis) if isinstance(axis, tuple | list) else None
    if axes is None or not all(_is_axis(ax) for ax in axes):
        raise DTypeError(
            f"{op}: axis={axis!r} is not an axis; pass an int, a tuple of ints or None (all axes)"
        )
    out = []
    for ax in axes:
        if not -ndim <= ax < ndim:
            valid = f"[{-ndim}, {ndim - 1}]" if ndim else "none: it is a scalar"
            raise ShapeError(
                f"{op}: axis {ax} is out of range for a {ndim}-d tensor of shape {shape} "
                f"(valid axes: {valid})"
            )
        out.append(int(ax) % ndim)
    if len(set(out)) != len(out):  # as NumPy: (0, 0) or (0, -2) of a 2-D tensor is a mistake
        raise ShapeError(f"{op}: axis {axis!r} names an axis twice (of a tensor of shape {shape})")
    return tuple(sorted(out))


def _expand_reduced(g: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """Put the reduced axes back (as length 1) so ``g`` broadcasts against the input."""
    return g if keepdims else np.expand_dims(g, axes)


class Sum(Function):
    name = "sum"

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape = _shape(a)
        ctx.axes = _norm_axes("sum", axis, ctx.shape)
        ctx.keepdims = keepdims
        return np.sum(a, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        # every summed element receives the output's gradient once
        g = _expand_reduced(g, ctx.axes, ctx.keepdims)
        return np.broadcast_to(g, ctx.shape)


class Mean(Function):
    name = "mean"

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape = _shape(a)
        ctx.axes = _norm_axes("mean", axis, ctx.shape)
        ctx.keepdims = keepdims
        ctx.count = int(np.prod([ctx.shape[i] for i in ctx.axes], dtype=np.int64))
        return np.mean(a, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        g = _expand_reduced(g, ctx.axes, ctx.keepdims)
        return np.broadcast_to(g / ctx.count, ctx.shape)  # d mean / d a_i = 1/n


class _Extreme(Function):
    """max/min: the gradient goes to the extreme elements, shared equally among ties.

    A slice containing NaN has NaN as its extreme (NumPy propagates it); its NaN
    elements then count as the extreme ones and share the gradient, as in PyTorch's
    ``max()`` without ``dim`` (``torch.amax`` gives the whole slice NaN instead).
    """

    owns_gradients = True  # backward returns new arrays
    reduce = staticmethod(np.max)

    @classmethod
    def forward(cls, ctx, a, axis=None, keepdims=False):
        shape = np.shape(a)
        axes = _norm_axes(cls.name, axis, shape)
        empty = [ax for ax in axes if shape[ax] == 0]
        if empty:  # as NumPy: an empty slice has no extreme; other empty axes are fine
            raise ShapeError(
                f"{cls.name}: cannot reduce over axis {empty[0]} of an empty tensor of shape {shape}: "
                "it has length 0, so there is no extreme value; reduce over non-empty axes or "
                "check for empty input first"
            )
        out = cls.reduce(a, axis=axes, keepdims=True)
        ctx.axes, ctx.keepdims = axes, keepdims
        ctx.save_for_backward(a, out)
        return out if keepdims else np.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved
        mask = a == out  # the extreme elements of each slice
        if np.isnan(out).any():  # NaN != NaN: a NaN extreme goes to the slice's NaN elements
            mask |= np.isnan(a) & np.isnan(out)
        mask = mask.astype(a.dtype)
        mask /= mask.sum(axis=ctx.axes, keepdims=True)  # ties share; every slice has >= 1
        return mask * _expand_reduced(g, ctx.axes, ctx.keepdims)


class Max(_Extreme):
    name = "max"
    reduce = staticmethod(np.max)


class Min(_Extreme):
    name = "min"
    reduce = staticmethod(np.min)


# --------------------------------------------------------------- elementwise
class Exp(Function):
    name = "exp"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        return g * out  # d e^a / da = e^a


class Log(Function):
    name = "log"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        return g / a  # d ln a / da = 1/a


class Sqrt(Function):
    name = "sqrt"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, a):
        out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        return g / (2 * out)  # d sqrt(a)/da = 1 / (2 sqrt(a))


class StdRoot(Sqrt):
    """The square root taking a variance to a standard deviation: ``Sqrt``'s forward
    pass. Where the deviation is 0 (a constant slice) the root has no derivative; its
    gradient there is 0, the subgradient PyTorch's ``std`` uses, not ``g / 0`` (inf, then
    NaN once multiplied by the variance's zero gradient)."""

    name = "std"

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        twice = out + out
        # d sqrt(v)/dv = 1 / (2 sqrt(v)), and 0 where sqrt(v) = 0
        return np.divide(g, twice, out=np.zeros_like(twice), where=twice != 0)


class Abs(Function):
    name = "abs"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        return g * np.sign(a)  # d|a|/da = sign(a), 0 at 0


class Tanh(Function):
    name = "tanh"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        return g * (1 - out * out)  # d tanh/da = 1 - tanh^2


def stable_sigmoid(a: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-a) without overflow for large |a|.

    Example:
        >>> import numpy as np
        >>> from minigrad.ops import stable_sigmoid
        >>> stable_sigmoid(np.array([-1000.0, 0.0, 1000.0]))
        array([0. , 0.5, 1. ])
    """
    e = np.exp(-np.abs(a))  # in (0, 1]: never overflows
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


class Sigmoid(Function):
    name = "sigmoid"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, a):
        out = stable_sigmoid(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        return g * out * (1 - out)  # d sigma/da = sigma (1 - sigma)


class Relu(Function):
    name = "relu"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, a):
        # a float zero for float input: NumPy converts it faster than an int, dtype kept
        out = np.maximum(a, 0.0) if a.dtype.kind == "f" else np.maximum(a, 0)
        ctx.save_for_backward(out)  # the next layer keeps it anyway: no extra memory
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        return g * (out > 0)  # d relu/da = 1 where a > 0 (exactly where out > 0), else 0


class Clip(Function):
    name = "clip"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, a, low=None, high=None):
        inside = np.ones(np.shape(a), dtype=bool)
        if low is not None:
            inside &= a >= low
        if high is not None:
            inside &= a <= high
        ctx.save_for_backward(inside)
        return np.clip(a, low, high)

    @staticmethod
    def backward(ctx, g):
        (inside,) = ctx.saved
        return g * inside  # slope 1 inside [low, high], 0 where clipped


def _nan_decides(a: Any, b: Any, wa: np.ndarray) -> np.ndarray:
    """``a``'s share of the gradient of maximum/minimum, where a NaN operand decides: the
    output is NaN because of it, so it gets the gradient (both NaN: half each), as
    ``max()`` gives it to the NaN elements of a slice."""
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    if not (nan_a.any() or nan_b.any()):
        return wa
    return np.where(nan_a, np.where(nan_b, 0.5, 1.0), np.where(nan_b, 0.0, wa))


class Maximum(Function):
    name = "maximum"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        # the larger operand gets the gradient; ties split it half and half
        wa = _nan_decides(a, b, np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0))).astype(g.dtype)
        ga = unbroadcast(g * wa, _shape(a)) if _needs(ctx, 0) else None
        gb = unbroadcast(g * (1 - wa), _shape(b)) if _needs(ctx, 1) else None
        return ga, gb


class Minimum(Function):
    name = "minimum"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        wa = _nan_decides(a, b, np.where(a < b, 1.0, np.where(a == b, 0.5, 0.0))).astype(g.dtype)
        ga = unbroadcast(g * wa, _shape(a)) if _needs(ctx, 0) else None
        gb = unbroadcast(g * (1 - wa), _shape(b)) if _needs(ctx, 1) else None
        return ga, gb


class Where(Function):
    name = "where"
    owns_gradients = True  # backward returns new arrays

    @staticmethod
    def forward(ctx, condition, a, b):
        condition = np.asarray(condition, dtype=bool)
        ctx.save_for_backward(condition)
        ctx.shapes = (_shape(a), _shape(b))
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, g):
        (condition,) = ctx.saved
        sa, sb = ctx.shapes
        ga = unbroadcast(np.where(condition, g, 0), sa) if _needs(ctx, 1) else None
        gb = unbroadcast(np.where(condition, 0, g), sb) if _needs(ctx, 2) else None
        return None, ga, gb


class AsType(Function):
    name = "astype"

    @staticmethod
    def forward(ctx, a, dtype=None):
        ctx.dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.dtype)  # identity, converted back to the input's dtype


# ------------------------------------------------------------------- shaping
class Reshape(Function):
    name = "reshape"

    @staticmethod
    def forward(ctx, a, shape=()):
        ctx.shape = _shape(a)
        return np.reshape(a, shape)

    @staticmethod
    def backward(ctx, g):
        return np.reshape(g, ctx.shape)


class Transpose(Function):
    name = "transpose"

    @staticmethod
    def forward(ctx, a, axes=None):
        ctx.axes = axes
        return np.transpose(a, axes)

    @staticmethod
    def backward(ctx, g):
        if ctx.axes is None:
            return np.transpose(g)
        return np.transpose(g, np.argsort(ctx.axes))  # the inverse permutation


def _is_basic_index(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return builtins.all(p is None or p is Ellipsis or isinstance(p, slice | numbers.Integral) for p in parts)


class GetItem(Function):
    name = "getitem"

    @staticmethod
    def forward(ctx, a, index=None):
        ctx.shape, ctx.dtype, ctx.index = a.shape, a.dtype, index
        return np.array(a[index])

    @staticmethod
    def backward(ctx, g):
        grad = np.zeros(ctx.shape, dtype=ctx.dtype)
        if _is_basic_index(ctx.index):
            grad[ctx.index] = g  # views: each element picked at most once
        else:
            np.add.at(grad, ctx.index, g)  # repeated indices accumulate
        return grad


class Concatenate(Function):
    name = "concatenate"

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        out = np.concatenate(arrays, axis=axis)
        ctx.axis = axis % out.ndim
        ctx.splits = np.cumsum([a.shape[ctx.axis] for a in arrays])[:-1]
        return out

    @staticmethod
    def backward(ctx, g):
        return tuple(np.split(g, ctx.splits, axis=ctx.axis))


class Stack(Function):
    name = "stack"

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        out = np.stack(arrays, axis=axis)
        ctx.axis = axis % out.ndim
        return out

    @staticmethod
    def backward(ctx, g):
        return tuple(np.moveaxis(g, ctx.axis, 0))


# ------------------------------------------------------- functional interface
def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def add(a: Any, b: Any) -> Tensor:
    """``a + b`` with broadcasting.

    Example:
        >>> import minigrad as mg
        >>> mg.ops.add(mg.Tensor([1.0, 2.0]), 1.0)
        Tensor([2., 3.])
    """
    return _binary(Add, a, b)


def sub(a: Any, b: Any) -> Tensor:
    """``a - b`` with broadcasting.

    Example:
        >>> import minigrad as mg
        >>> mg.ops.sub(1.0, mg.Tensor([1.0, 2.0]))
        Tensor([ 0., -1.])
    """
    return _binary(Sub, a, b)


def mul(a: Any, b: Any) -> Tensor:
    """``a * b`` elementwise with broadcasting.

    Example:
        >>> import minigrad as mg
        >>> mg.ops.mul(mg.Tensor([1.0, 2.0]), 3.0)
        Tensor([3., 6.])
    """
    return _binary(Mul, a, b)


def div(a: Any, b: Any) -> Tensor:
    """``a / b`` elementwise with broadcasting.

    Example:
        >>> import minigrad as mg
        >>> mg.ops.div(mg.Tensor([1.0, 2.0]), 2.0)
        Tensor([0.5, 1. ])
    """
    return _binary(Div, a, b)


def pow(a: Any, b: Any) -> Tensor:
    """``a ** b`` elementwise; either side may be a tensor.

    Where the derivatives are undefined the gradients are PyTorch's: d/da is 0 where
    ``b == 0`` (even at ``a == 0``); d/db = a^b ln a is NaN where ``a < 0``, and at
    ``a == 0`` it is 0 for ``b >= 0`` and -inf for ``b < 0``.

    Example:
        >>> import minigrad as mg
        >>> mg.ops.pow(mg.Tensor([2.0, 3.0]), 2)
        Tensor([4., 9.])
    """
    return _binary(Pow, a, b)


def neg(a: Any) -> Tensor:
    """``-a``.

    Example:
        >>> import minigrad as mg
        >>> mg.ops.neg(mg.Tensor([1.0]))
        Tensor([-1.])
    """
    return Neg.apply(_tensor(a))


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product ``a @ b`` for 1-D, 2-D and batched (broadcast) operands.

    Example:
        >>> import minigrad as mg
        >>> mg.ops.matmul(mg.Tensor([[1.0, 2.0]]), mg.Tensor([[3.0], [4.0]]))
        Tensor([[11.]])
    """
    return _binary(MatMul, a, b)


def sum(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Sum over ``axis`` (None for all, an int, or a tuple of ints).

    Example:
        >>> import minigrad as mg
        >>> mg.ops.sum(mg.Tensor([[1.0, 2.0], [3.0, 4.0]]), axis=0)
        Tensor([4., 6.])
    """
    return Sum.apply(_tensor(a), axis=axis, keepdims=keepdims)


def mean(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over ``axis``.

    Example:
        >>> import minigrad as mg
        >>> mg.ops.mean(mg.Tensor([1.0, 2.0, 6.0]))
        Tensor(3.)
    """
    return Mean.apply(_tensor(a), axis=axis, keepdims=keepdims)


def max(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Maximum over ``axis``; tied maxima share the gradient equally.

    NaN propagates, as in NumPy: a slice containing NaN has maximum NaN, and its NaN
    elements share the gradient (as in ``torch.max()``; ``torch.amax`` would make the
    whole slice's gradient NaN). Reducing over an axis of length 0 is a ShapeError;
    other empty axes give an empty result.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> mg.ops.max(mg.Tensor([[1.0, 5.0], [7.0, 2.0]]), axis=1)
        Tensor([5., 7.])
        >>> x = mg.Tensor([1.0, np.nan, 3.0], requires_grad=True)
        >>> x.max().backward(); x.grad
        array([0., 1., 0.])
    """
    return Max.apply(_tensor(a), axis=axis, keepdims=keepdims)


def min(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Minimum over ``axis``; tied minima share the gradient equally. NaN and empty
    axes as in :func:`minigrad.ops.max`.

    Example:
        >>> import minigrad as mg
        >>> mg.ops.min(mg.Tensor([3.0, -1.0]))
        Tensor(-1.)
    """
    return Min.apply(_tensor(a), axis=axis, keepdims=keepdims)


def exp(a: Any) -> Tensor:
    """Elementwise ``e ** a``.

    Example:
        >>> import minigrad as mg
        >>> mg.ops.exp(mg.Tensor([0.0]))
        Tensor([1.])
    """
    return Exp.apply(_tensor(a))


def log(a: Any) -> Tensor:
    """Elementwise natural logarithm.

    Example:
        >>> import minigrad as mg
        >>> mg.ops.log(mg.Tensor([1.0]))
        Tensor([0.])
    """
    return Log.apply(_tensor(a))


def sqrt(a: Any) -> Tensor:
    """Elementwise square root.

    Example:
        >>> import minigrad as mg
        >>> mg.ops.sqrt(mg.Tensor([4.0]))
        Tensor([2.])
    """
    return Sqrt.apply(_tensor(a))


def abs(a: Any) -> Tensor:
    """Elementwise absolute value. Its gradient is ``sign(a)``: 0 at 0 (as in PyTorch)
    and NaN at NaN (PyTorch gives 0 there).

    Example:
        >>> import minigrad as mg
        >>> mg.ops.abs(mg.Tensor([-2.0]))
        Tensor([2.])
    """
    return Abs.apply(_tensor(a))


def tanh(a: Any) -> Tensor:
    """Elementwise hyperbolic tangent.

    Example:
        >>> import minigrad as mg
        >>> mg.ops.tanh(mg.Tensor([0.0]))
        Tensor([0.])
    """
    return Tanh.apply(_tensor(a))


def sigmoid(a: Any) -> Tensor:
    """Elementwise logistic function, stable for large ``|a|``.

    Example:
        >>> import minigrad as mg
        >>> mg.ops.sigmoid(mg.Tensor([0.0]))
        Tensor([0.5])
    """
    return Sigmoid.apply(_tensor(a))


def relu(a: Any) -> Tensor:
    """Elementwise ``max(a, 0)``. The gradient is 1 where ``a > 0``, else 0: at 0 (as in
    PyTorch) and at NaN (PyTorch passes the gradient through a NaN).

    Example:
        >>> import minigrad as mg
        >>> mg.ops.relu(mg.Tensor([-1.0, 2.0]))
        Tensor([0., 2.])
    """
    return Relu.apply(_tensor(a))


def clip(a: Any, min: Any = None, max: Any = None) -> Tensor:
    """Limit values to ``[min, max]`` (either may be None); no gradient where clipped.

    Example:
        >>> import minigrad as mg
        >>> mg.ops.clip(mg.Tensor([-2.0, 0.5, 2.0]), -1.0, 1.0)
        Tensor([-1. ,  0.5,  1. ])
    """
    if min is None and max is None:
        raise ShapeError("clip: give at least one of min and max")
    a = _tensor(a)
    return Clip.apply(a, low=_bound(min, a), high=_bound(max, a))


def _bound(value: Any, like: Tensor) -> Any:
    """A clip bound as a Python number or an array of the tensor's dtype (bounds are
    constants, so converting them never changes a gradient)."""
    if value is None or type(value) in (int, float):
        return value
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    bound = _as_array(value, None, "clip")
    if bound.dtype.kind not in "biuf":
        raise DTypeError(f"clip: bounds must be real numbers, got dtype {bound.dtype}")
    return bound.astype(like.data.dtype, copy=False) if like.data.dtype.kind == "f" else bound


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise larger of ``a`` and ``b``; at ties each gets half the gradient. Where
    one operand is NaN the output is NaN and that operand gets the gradient.

    Example:
        >>> import minigrad as mg
        >>> mg.maximum(mg.Tensor([1.0, 4.0]), mg.Tensor([3.0, 2.0]))
        Tensor([3., 4.])
    """
    return _binary(Maximum, a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise smaller of ``a`` and ``b``; at ties each gets half the gradient. Where
    one operand is NaN the output is NaN and that operand gets the gradient.

    Example:
        >>> import minigrad as mg
        >>> mg.minimum(mg.Tensor([1.0, 4.0]), 2.0)
        Tensor([1., 2.])
    """
    return _binary(Minimum, a, b)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elementwise ``a`` where ``condition`` holds, else ``b``; gradients flow to the
    chosen side only. ``condition`` is constant (a bool array or tensor).

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> mg.where(np.array([True, False]), mg.Tensor([1.0, 2.0]), 0.0)
        Tensor([1., 0.])
    """
    cond = condition.data if isinstance(condition, Tensor) else _as_array(condition, None, "where")
    if cond.dtype != np.bool_:
        raise DTypeError(f"where: condition must be boolean, got dtype {cond.dtype}")
    if isinstance(a, Tensor) and (a.data.dtype.kind == "f" or not isinstance(b, Tensor)):
        ref = a  # the float tensor sets the dtype
    else:
        ref = b if isinstance(b, Tensor) else None
    if ref is None:
        a = Tensor(a)
        ref = a
    if ref is a:
        b = _operand(b, a, "where")
    else:
        a = _operand(a, ref, "where")
    return Where.apply(cond, a, b)


def astype(a: Any, dtype: Any) -> Tensor:
    """Convert to a float ``dtype``; gradients are converted back.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> mg.ops.astype(mg.Tensor([1.0]), np.float32).dtype
        dtype('float32')
    """
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError, SyntaxError) as err:  # np.dtype("01") raises SyntaxError
        raise DTypeError(f"astype: {dtype!r} is not a dtype; use e.g. np.float32") from err
    if dt.kind != "f":
        raise DTypeError(f"astype: minigrad tensors in the graph are floats, got {dt}")
    if _state.promote64:  # inside gradcheck everything stays float64
        dt = np.dtype(np.float64)
    return AsType.apply(_tensor(a), dtype=dt)


def reshape(a: Any, shape: Any) -> Tensor:
    """Same elements, new shape (one axis may be -1).

    Example:
        >>> import minigrad as mg
        >>> mg.ops.reshape(mg.Tensor([1.0, 2.0, 3.0, 4.0]), (2, 2)).shape
        (2, 2)
    """
    try:
        shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)
        shape = tuple(map(operator.index, shape))
    except TypeError as err:
        raise DTypeError(f"reshape: the shape must be an int or a sequence of ints, got {shape!r}") from err
    return Reshape.apply(_tensor(a), shape=shape)


def transpose(a: Any, axes: Any = None) -> Tensor:
    """Permute the axes (reverse them when ``axes`` is None).

    Example:
        >>> import minigrad as mg
        >>> mg.ops.transpose(mg.Tensor([[1.0, 2.0]])).shape
        (2, 1)
    """
    a = _tensor(a)
    if axes is not None:
        ndim = a.data.ndim  # negative axes as non-negative, so backward can invert the permutation
        try:
            axes = tuple(map(operator.index, axes))
        except TypeError as err:
            raise DTypeError(f"transpose: axes must be a sequence of ints, got {axes!r}") from err
        axes = tuple(ax + ndim if -ndim <= ax < 0 else ax for ax in axes)
    return Transpose.apply(a, axes=axes)


def getitem(a: Any, index: Any) -> Tensor:
    """``a[index]``: basic slicing and integer-array indexing (repeated indices
    accumulate their gradients). Tensors inside ``index`` are used as constants.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> x = mg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> x[np.array([0, 0, 2])].sum().backward()
        >>> x.grad
        array([2., 0., 1.])
    """
    if isinstance(index, Tensor):
        index = index.data
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
    elif isinstance(index, list):
        index = _as_array(index, None, "getitem: index")
        if index.size == 0:  # [] is an empty integer index in NumPy, not a float array
            index = index.astype(np.intp)
    return GetItem.apply(_tensor(a), index=index)


def _check_same_dtype(tensors: list[Tensor], op: str) -> None:
    dtypes = {t.data.dtype for t in tensors}
    if len(dtypes) > 1 and not _state.promote64:
        raise DTypeError(
            f"{op}: all tensors need one dtype, got {sorted(map(str, dtypes))}; convert with .astype() first"
        )


def concatenate(tensors: Any, axis: int = 0) -> Tensor:
    """Join tensors along an existing ``axis``.

    Example:
        >>> import minigrad as mg
        >>> mg.concatenate([mg.Tensor([1.0]), mg.Tensor([2.0, 3.0])])
        Tensor([1., 2., 3.])
    """
    tensors = [_tensor(t) for t in tensors]
    if not tensors:
        raise ShapeError("concatenate: needs at least one tensor")
    _check_same_dtype(tensors, "concatenate")
    return Concatenate.apply(*tensors, axis=axis)


def stack(tensors: Any, axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new ``axis``.

    Example:
        >>> import minigrad as mg
        >>> mg.stack([mg.Tensor([1.0, 2.0]), mg.Tensor([3.0, 4.0])]).shape
        (2, 2)
    """
    tensors = [_tensor(t) for t in tensors]
    if not tensors:
        raise ShapeError("stack: needs at least one tensor")
    _check_same_dtype(tensors, "stack")
    return Stack.apply(*tensors, axis=axis)
