"""The :class:`Tensor`, gradient mode (:func:`no_grad`) and the backward engine.

A Tensor wraps one ``numpy.ndarray`` (:attr:`Tensor.data`). When it was produced
by a :class:`~minigrad.Function` from inputs that need gradients, it keeps the
:class:`~minigrad.Context` node that made it; :meth:`Tensor.backward` walks those
nodes in reverse topological order (iteratively, so a chain of 100,000 ops is
fine) and accumulates gradients into the leaves' :attr:`Tensor.grad`.
"""

from __future__ import annotations

import functools
import itertools
import threading
import warnings
import weakref
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from heapq import heappop, heappush
from typing import Any

import numpy as np

from minigrad.errors import BackwardError, DTypeError, InvalidGradientError, ShapeError

__all__ = [
    "Tensor",
    "enable_grad",
    "get_default_dtype",
    "is_grad_enabled",
    "no_grad",
    "set_default_dtype",
]

_FLOAT_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


#: The autograd switches ``(enabled, promote64, anomaly)`` of the running thread (or
#: asyncio task). Every op reads all three, so they live in one tuple: one
#: ``ContextVar.get()`` per op, which CPython answers from a per-thread cache, several
#: times cheaper than a ``threading.local`` attribute.
_switches: ContextVar[tuple[bool, bool, Any]] = ContextVar("minigrad_switches", default=(True, False, None))
_get_switches = _switches.get


def _switch(index: int, doc: str) -> property:
    """A property reading and replacing one entry of the switches tuple."""

    def get(state: _State) -> Any:
        return _switches.get()[index]

    def set_(state: _State, value: Any) -> None:
        switches = list(_switches.get())
        switches[index] = value
        _switches.set(tuple(switches))

    return property(get, set_, doc=doc)


class _State:
    """Named access to the autograd switches of the running thread (or asyncio task).

    A new thread starts with the defaults: gradients recorded, no float64 promotion,
    no anomaly detector.
    """

    __slots__ = ()

    @property
    def switches(self) -> tuple[bool, bool, Any]:
        """``(enabled, promote64, anomaly)``."""
        return _switches.get()

    enabled = _switch(0, "Record graphs?")
    promote64 = _switch(1, "Inside gradcheck's float64 scope (minigrad.gradcheck._promoted)?")
    anomaly = _switch(2, "An AnomalyDetector while detect_anomaly() is active, else None.")


_state = _State()
_default_dtype = np.dtype(np.float64)

# The graph clock. It counts down: each recorded node takes the next reading as its
# ``sequence`` (see _run_backward), and changing a tensor's data in place through
# minigrad (an optimizer step, load_state_dict) stamps the tensor with the next reading
# too, so "changed after node n was recorded" is ``tensor._changed_at < n.sequence``.
_next_sequence = itertools.count(0, -1).__next__
_UNCHANGED = 1  # above every reading: never changed in place


#: Tensors :func:`_mark_changed` stamped, and the latest stamp: a backward whose root was
#: recorded before that stamp checks every node against them (a frozen parameter that
#: load_state_dict changed is no node's gradient-receiving input, so the leaf check in
#: _run_backward never meets it). Optimizer steps stamp their parameters directly: those
#: receive gradients, and the leaf check covers them.
_changed_tensors: weakref.WeakSet[Tensor] = weakref.WeakSet()
_latest_change = [_UNCHANGED]
_changed_lock = threading.Lock()  # a load_state_dict may run while another thread backprops


def _changed_first(tensor: Tensor) -> int:
    """Sort key: the tensor changed first comes first (the clock counts down)."""
    return -tensor._changed_at


def _mark_changed(tensor: Tensor) -> None:
    """Record that ``tensor.data`` was just changed in place (see the graph clock)."""
    with _changed_lock:
        tensor._changed_at = stamp = _next_sequence()
        _changed_tensors.add(tensor)
        _latest_change[0] = stamp


def get_default_dtype() -> np.dtype:
    """The float dtype for Python numbers and lists turned into tensors, and for new
    parameters (float64 unless changed with :func:`set_default_dtype`).

    Example:
        >>> import minigrad as mg
        >>> mg.get_default_dtype()
        dtype('float64')
    """
    return _default_dtype


def set_default_dtype(dtype: Any) -> None:
    """Set the float dtype of tensors made from Python data and of new parameters.

    NumPy arrays always keep their own dtype. The setting is process-wide: every
    thread sees it (unlike :func:`no_grad`, which is per thread and asyncio task), so set
    it once at start-up rather than around one thread's work.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> mg.set_default_dtype(np.float32)
        >>> mg.Tensor([1.0]).dtype
        dtype('float32')
        >>> mg.set_default_dtype(np.float64)
    """
    global _default_dtype
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError, SyntaxError):
        dt = None
    if dt not in _FLOAT_DTYPES:
        shown = f"{dtype!r}" if dt is None else f"{dt}"
        raise DTypeError(f"set_default_dtype: {shown} is not a float dtype; use np.float32 or np.float64")
    _default_dtype = dt


def is_grad_enabled() -> bool:
    """Whether ops currently record the graph for backward.

    Example:
        >>> import minigrad as mg
        >>> with mg.no_grad():
        ...     mg.is_grad_enabled()
        False
    """
    return _state.enabled


#: The grad modes that ``with`` blocks of no_grad / enable_grad will restore, innermost
#: last, per thread and asyncio task (blocks nest within one, whichever object opened them).
_saved_modes: ContextVar[tuple[bool, ...]] = ContextVar("minigrad_saved_modes", default=())


class _GradMode:
    """Sets grad mode inside ``with`` blocks or calls of a decorated function; one
    object may be entered again, nested in itself, or shared between threads."""

    __slots__ = ("enabled",)

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __enter__(self) -> None:
        _saved_modes.set((*_saved_modes.get(), _state.enabled))
        _state.enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        saved = _saved_modes.get()
        _saved_modes.set(saved[:-1])
        _state.enabled = saved[-1]

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return wrapper


def no_grad(func: Callable[..., Any] | None = None) -> Any:
    """Context manager (and decorator, with or without parentheses) in which ops record
    no graph: faster, less memory.

    Use it for evaluation, prediction and parameter updates. The mode belongs to the
    running thread (and asyncio task): a new thread starts with gradients recorded.

    Example:
        >>> import minigrad as mg
        >>> w = mg.Tensor([1.0], requires_grad=True)
        >>> with mg.no_grad():
        ...     y = w * 2
        >>> y.requires_grad
        False
        >>> @mg.no_grad
        ... def double(t):
        ...     return t * 2
        >>> double(w).requires_grad
        False
    """
    mode = _GradMode(False)
    return mode if func is None else mode(func)


def enable_grad(func: Callable[..., Any] | None = None) -> Any:
    """Context manager (and decorator) that turns graph recording back on inside
    :func:`no_grad`.

    Example:
        >>> import minigrad as mg
        >>> with mg.no_grad(), mg.enable_grad():
        ...     mg.is_grad_enabled()
        True
    """
    mode = _GradMode(True)
    return mode if func is None else mode(func)


@functools.cache
def _pickled_slots(cls: type) -> tuple[str, ...]:
    """The slots of ``cls`` and its bases that pickling keeps (see Tensor.__getstate__)."""
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        slots = klass.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in _UNPICKLED and name not in names:
                names.append(name)
    return tuple(names)


_UNPICKLED = frozenset({"__weakref__", "__dict__", "_ctx", "_changed_at"})


def _warn_if_detaching(data: Any, what: str) -> None:
    """Building a tensor from tensors that require gradients keeps their values, not
    their graph: say so (as PyTorch does), since gradients would silently stop there."""
    if isinstance(data, Tensor):
        if data.requires_grad:
            warnings.warn(
                f"{what}(t): t requires a gradient, and the new tensor shares its data but not its "
                "graph (no gradient flows back through it); write t.detach() to say so, or use t "
                "itself to keep the graph",
                UserWarning,
                stacklevel=3,
            )
    elif any(isinstance(item, Tensor) and item.requires_grad for item in data):
        warnings.warn(
            f"{what}([t, ...]): the tensors require gradients, and the new tensor copies their "
            "values but not their graph; use mg.stack([...]) (or mg.concatenate) to keep it",
            UserWarning,
            stacklevel=3,
        )


def _as_array(data: Any, dtype: Any, what: str) -> np.ndarray:
    """Convert user data to an ndarray without copying ndarrays of the right dtype."""
    if isinstance(data, Tensor):
        data = data.data
    try:
        if dtype is not None:
            dtype = np.dtype(dtype)
        if isinstance(data, np.ndarray | np.generic):
            array = np.asarray(data) if dtype is None else np.asarray(data, dtype=dtype)
        else:
            array = np.asarray(data)
            if dtype is not None:
                array = array.astype(dtype, copy=False)
            elif array.dtype.kind == "f":
                array = array.astype(_default_dtype, copy=False)
    except (TypeError, ValueError, OverflowError, SyntaxError) as err:  # ragged lists, junk dtypes
        if "inhomogeneous" in str(err):
            raise ShapeError(
                f"{what}: nested lists of different lengths cannot form an array; every row "
                f"needs the same length ({err})"
            ) from err
        raise DTypeError(
            f"{what}: cannot convert {type(data).__name__} data"
            f"{'' if dtype is None else f' to dtype {dtype!r}'} to an array ({err}); pass numbers: "
            "a float, int or bool array or nested lists of them"
        ) from err
    if array.dtype.kind not in "biuf":
        raise DTypeError(
            f"{what}: cannot hold data of dtype {array.dtype} ({type(data).__name__}); "
            "pass numbers: a float, int or bool array or nested lists of them"
        )
    return array


class Tensor:
    """An n-dimensional array that records the ops applied to it for reverse-mode autodiff.

    Args:
        data: array-like. NumPy arrays keep their dtype (and are not copied);
            Python floats and lists of them become :func:`get_default_dtype`.
        requires_grad: accumulate a gradient into :attr:`grad` on backward.
            Needs a float dtype.
        dtype: optional dtype to convert to.
        name: optional label, used in error reports.

    Example:
        >>> import minigrad as mg
        >>> x = mg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        >>> (x @ x).sum().backward()
        >>> x.grad
        array([[ 7., 11.],
               [ 9., 13.]])
    """

    __slots__ = ("__weakref__", "_changed_at", "_ctx", "data", "grad", "name", "requires_grad")
    __array_priority__ = 1000  # (see __array_ufunc__ for ndarray <op> Tensor)
    _noun = "tensor"  # what errors call it (Parameter: "parameter")

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        *,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        if isinstance(data, Tensor | list | tuple) and _state.enabled:
            _warn_if_detaching(data, type(self).__name__)
        array = _as_array(data, dtype, type(self).__name__)
        if requires_grad and array.dtype.kind != "f":
            raise DTypeError(
                f"{type(self).__name__}: requires_grad=True needs a float dtype, got "
                f"{array.dtype}; convert first, e.g. np.asarray(data, dtype=np.float64)"
            )
        self.data = array
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._ctx = None
        self.name = name
        self._changed_at = _UNCHANGED

    def __getstate__(self) -> dict[str, Any]:
        """Pickling, for copies (``copy.deepcopy``) and for other processes
        (``multiprocessing``, Dask): the data, gradient, flags and name, not the graph node
        that made the tensor nor its in-place stamp, which belong to this process's graph
        clock (a stamp carried into a new process made its every backward look stale).
        An unpickled tensor is a leaf. (minigrad's own files never use pickle.)

        Example:
            >>> import copy
            >>> import minigrad as mg
            >>> w = mg.Parameter([1.0, 2.0], regularize=False)
            >>> twin = copy.deepcopy(w)
            >>> twin, twin.regularize, twin.data is w.data
            (Parameter([1., 2.], requires_grad=True), False, False)
        """
        state = dict(getattr(self, "__dict__", {}))  # (a subclass without __slots__)
        for name in _pickled_slots(type(self)):
            if hasattr(self, name):
                state[name] = getattr(self, name)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        self._ctx = None
        self._changed_at = _UNCHANGED

    # ----------------------------------------------------------------- basics
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of :attr:`data`."""
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        """The dtype of :attr:`data`."""
        return self.data.dtype

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self.data.ndim

    @property
    def size(self) -> int:
        """Number of elements."""
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (inputs and parameters)."""
        return self._ctx is None

    def numpy(self) -> np.ndarray:
        """The underlying ndarray (shared, not copied).

        Example:
            >>> import minigrad as mg
            >>> mg.Tensor([1.0, 2.0]).numpy()
            array([1., 2.])
        """
        return self.data

    def item(self) -> float | int | bool:
        """The single element as a Python number.

        Example:
            >>> import minigrad as mg
            >>> mg.Tensor([2.5]).item()
            2.5
        """
        return self.data.item()

    def detach(self) -> Tensor:
        """A tensor sharing :attr:`data` but cut off from the graph.

        Example:
            >>> import minigrad as mg
            >>> mg.Tensor([1.0], requires_grad=True).detach().requires_grad
            False
        """
        return Tensor(self.data)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set :attr:`requires_grad` in place and return ``self``.

        Example:
            >>> import minigrad as mg
            >>> mg.Tensor([1.0]).requires_grad_().requires_grad
            True
        """
        if requires_grad and self.data.dtype.kind != "f":
            raise DTypeError(f"requires_grad_: needs a float dtype, got {self.data.dtype}")
        if not requires_grad and self._ctx is not None:
            raise BackwardError(
                "requires_grad_(False) on a tensor computed from others would cut it out of the graph in "
                "place; use t.detach() for a copy without gradient, or build it under mg.no_grad()"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def zero_grad(self) -> None:
        """Fill :attr:`grad` with zeros in place (keeping the buffer), if there is one.

        Example:
            >>> import minigrad as mg
            >>> x = mg.Tensor([1.0], requires_grad=True)
            >>> (x * 3).sum().backward(); x.zero_grad(); x.grad
            array([0.])
        """
        if self.grad is not None:
            self.grad.fill(0)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = ", requires_grad=True" if self.requires_grad else ""
        if self.data.dtype != _default_dtype and self.data.dtype.kind == "f":
            extra += f", dtype={self.data.dtype}"
        return f"Tensor({body}{extra})"

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        """The rows along axis 0, each ``self[i]``: differentiable, so gradients flow back
        from every row (unpacking ``a, b = t`` and ``for row in t`` work too).

        Example:
            >>> import minigrad as mg
            >>> x = mg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
            >>> top, bottom = x
            >>> (top * bottom).sum().backward()
            >>> x.grad
            array([[3., 4.],
                   [1., 2.]])
        """
        if self.data.ndim == 0:
            raise TypeError(
                "iteration over a 0-d tensor (shape ()): it has no rows; use .item() for its "
                "value, or .reshape(1) for a 1-element tensor to iterate"
            )
        return (_ops.getitem(self, i) for i in range(len(self.data)))

    def __contains__(self, value: Any) -> bool:
        """``value in t``: whether any element equals ``value``, as in NumPy (``==``
        between tensors compares identity, so iterating would never find a number).

        Example:
            >>> import minigrad as mg
            >>> 2.0 in mg.Tensor([1.0, 2.0]), 3.0 in mg.Tensor([1.0, 2.0])
            (True, False)
        """
        return bool(_compare(self, value, np.equal, "in").data.any())

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        """``float(t)`` of a one-element tensor, of any shape (``(1, 1)`` too)."""
        return float(self._only_value("float"))

    def __int__(self) -> int:
        """``int(t)`` of a one-element tensor (truncating, as ``int(2.7)``)."""
        return int(self._only_value("int"))

    def _only_value(self, what: str) -> Any:
        if self.data.size != 1:
            raise TypeError(
                f"{what}(t): the tensor has shape {self.data.shape}, not one element; reduce it "
                "first (.sum(), .mean()) or pick one element (t[0])"
            )
        return self.data.item()

    def __index__(self) -> int:
        """A 0-d integer tensor as an index: ``labels[t.argmax()]``."""
        return self.data.__index__()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        # NumPy 2 protocol: copy=True must copy (np.array(t) is a snapshot), copy=False
        # must not, copy=None copies only to convert (np.asarray(t) shares the data)
        data = self.data
        if dtype is not None and np.dtype(dtype) != data.dtype:
            if copy is False:
                raise ValueError(
                    f"{type(self).__name__}: converting {data.dtype} data to {np.dtype(dtype)} "
                    "needs a copy, but copy=False was asked; pass copy=None to allow it"
                )
            return data.astype(dtype)
        return data.copy() if copy else data

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NumPy ufuncs meeting a tensor. Those minigrad differentiates run as its ops
        (``np.exp(t)`` is ``t.exp()``, ``array + t`` is ``t.__radd__(array)``; ``==`` and
        ``!=`` compare identity, as on tensors). Those without a gradient (tests such as
        ``np.isfinite``, steps such as ``np.sign``) and any ufunc on constants compute on
        the arrays and return an ndarray. Any other would drop the graph, so on a tensor
        that requires a gradient it is a TypeError naming the fix.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> x = mg.Tensor([0.0, 1.0], requires_grad=True)
            >>> np.exp(x).sum().backward(); x.grad
            array([1.        , 2.71828183])
        """
        if method == "__call__" and not kwargs:
            op = _UFUNC_OPS.get(ufunc)
            if op is not None:
                return op(*inputs)
        if any(isinstance(x, Tensor) for x in kwargs.get("out", ())):
            raise TypeError(f"np.{ufunc.__name__}(..., out=tensor): write into an array (t.data) instead")
        tracked = any(isinstance(x, Tensor) and x.requires_grad for x in inputs) and _state.enabled
        if tracked and method == "__call__" and _has_no_gradient(ufunc):
            tracked = False  # a test (np.isnan) or a step (np.sign, np.floor): nothing to differentiate
        if tracked:
            call = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
            raise TypeError(
                f"np.{call} on a tensor that requires a gradient would return an array and drop the graph: "
                "use the tensor's methods and minigrad.ops (exp, log, sqrt, abs, tanh, maximum, ...), "
                "write a Function for it, or pass t.data for a value without gradient"
            )
        return getattr(ufunc, method)(*_arrays(inputs), **kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """NumPy's array functions meeting a tensor. Those with a minigrad op run as it
        (``np.concatenate``, ``np.stack``, ``np.where`` with three arguments,
        ``np.transpose``, ``np.reshape``, ``np.clip``, ``np.squeeze``, ``np.expand_dims``,
        ``np.ravel``, ``np.dot`` of vectors and matrices) and give tensors; reductions
        (``np.sum``, ``np.mean``, ...) call the tensor's methods, as before. Any other runs
        on the arrays; a floating-point array computed from a tensor that requires a
        gradient would drop the graph, so that is a TypeError naming the fix (tests such
        as ``np.allclose`` and index results such as ``np.argsort`` are not arrays of
        values, and pass).

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> x = mg.Tensor([[1.0, 2.0]], requires_grad=True)
            >>> y = np.concatenate([x, 2 * x], axis=1)
            >>> y.sum().backward(); x.grad
            array([[3., 3.]])
        """
        if not all(issubclass(kind, Tensor | np.ndarray) for kind in types):
            return NotImplemented
        if func in _SHAPE_ONLY:  # np.zeros_like(p): the values are not used, nothing to drop
            return func(*_arrays(args), **kwargs)
        adapter = _ARRAY_FUNCTION_OPS.get(func)
        if adapter is not None:
            result = adapter(*args, **kwargs)
            if result is not NotImplemented:
                return result
        outer = _array_function_call.get()
        token = _array_function_call.set(func) if outer is None else None  # name the call the user made
        try:
            result = func._implementation(*args, **kwargs)
        finally:
            if token is not None:
                _array_function_call.reset(token)
        if _state.enabled and _holds_values(result) and _tracks(args, kwargs):
            raise TypeError(
                f"{_numpy_name(outer or func)} on a tensor that requires a gradient would return an "
                "array and drop the graph: use the tensor's methods and minigrad's functions (reshape, "
                "transpose, mg.concatenate, mg.stack, mg.where, ...; any options beyond theirs are "
                "not supported), write a Function for it, or pass t.data for a value without gradient"
            )
        return result

    # --------------------------------------------------------------- backward
    def backward(self, gradient: Any = None, *, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires it.

        Args:
            gradient: the upstream gradient, same shape as ``self``; may be omitted
                for a tensor with one element (it defaults to 1).
            retain_graph: keep the graph's saved arrays so backward can run again.
                Without it the graph is freed and a second backward is an error.

        Example:
            >>> import minigrad as mg
            >>> w = mg.Tensor([2.0, -1.0], requires_grad=True)
            >>> loss = (w * w).sum()
            >>> loss.backward()
            >>> w.grad
            array([ 4., -2.])
        """
        if not self.requires_grad:
            raise BackwardError(
                "backward: this tensor does not require a gradient (no input of the ops "
                "that made it has requires_grad=True, or it was made under no_grad())"
            )
        if gradient is None:
            if self.data.size != 1:
                raise BackwardError(
                    f"backward: the output has shape {self.data.shape}, not a scalar; "
                    "reduce it first (e.g. .sum() or .mean()) or pass gradient= of that shape"
                )
            data = self.data  # dself/dself = 1
            seed = np.array(1, dtype=data.dtype) if data.ndim == 0 else np.ones(data.shape, dtype=data.dtype)
        else:
            seed = _as_array(gradient, None, "backward: gradient")
            if seed.shape != self.data.shape:
                raise BackwardError(
                    f"backward: gradient has shape {seed.shape} but the tensor has shape "
                    f"{self.data.shape}; pass a gradient of the tensor's shape"
                )
            seed = seed.astype(self.data.dtype, copy=False)
        if self._ctx is None:
            _accumulate_leaf(self, seed)
            return
        _run_backward(self._ctx, seed, retain_graph)

    # ------------------------------------------------------ operators & methods
    def __add__(self, other: Any) -> Tensor:
        return _ops.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _ops.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _ops.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ops.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _ops.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _ops.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ops.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ops.div(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _ops.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _ops.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.matmul(other, self)

    # In-place operators. ``p -= lr * p.grad`` under no_grad() changes p where it is (a
    # parameter stays the model's parameter); without these, Python would rebind p to a
    # new tensor and the model would never see the update.
    def __iadd__(self, other: Any) -> Tensor:
        return self._in_place(other, _ops.add, "+=")

    def __isub__(self, other: Any) -> Tensor:
        return self._in_place(other, _ops.sub, "-=")

    def __imul__(self, other: Any) -> Tensor:
        return self._in_place(other, _ops.mul, "*=")

    def __itruediv__(self, other: Any) -> Tensor:
        return self._in_place(other, _ops.div, "/=")

    def __ipow__(self, other: Any) -> Tensor:
        return self._in_place(other, _ops.pow, "**=")

    def _in_place(self, other: Any, op: Callable[[Any, Any], Tensor], symbol: str) -> Tensor:
        """``self <op>= other``: in place when no graph is recorded through ``self``.

        * A tensor computed by a recorded op (part of a graph), or an ``other`` that
          requires a gradient while gradients are recorded: a new tensor, as
          ``a = a <op> other`` (gradients flow through it as usual).
        * A leaf that requires a gradient while gradients are recorded: an error, as in
          PyTorch (the change would be recorded nowhere); update it under ``no_grad()``.
        * Otherwise ``self.data`` is overwritten with the result, computed with the op's
          own checks; the result must keep ``self``'s shape and dtype. The tensor is
          stamped as changed, so a backward through a graph that saved its old values
          refuses to run (as after an optimizer step).

        Example:
            >>> import minigrad as mg
            >>> w = mg.Tensor([1.0, 2.0], requires_grad=True)
            >>> (w * w).sum().backward()
            >>> with mg.no_grad():
            ...     w -= 0.25 * w.grad
            >>> w
            Tensor([0.5, 1. ], requires_grad=True)
        """
        if _state.enabled and (self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)):
            if self._ctx is not None or not self.requires_grad:
                return op(self, other)
            raise BackwardError(
                f"{symbol} on a leaf tensor that requires a gradient, while gradients are recorded: "
                "the change would be recorded nowhere. Update parameters under `with mg.no_grad():` "
                f"(e.g. `p {symbol} lr * p.grad`) or with an optimizer; for a new tensor, write "
                f"`t = t {symbol[:-1]} x`"
            )
        with no_grad():
            result = op(self, other).data
        data = self.data
        if result.shape != data.shape:
            raise ShapeError(
                f"{symbol}: the result has shape {result.shape} but the tensor has shape "
                f"{data.shape}; an in-place operation cannot change the shape: write "
                f"`t = t {symbol[:-1]} x` for a new tensor"
            )
        if result.dtype != data.dtype:
            raise DTypeError(
                f"{symbol}: the result is {result.dtype} but the tensor holds {data.dtype}; "
                f"an in-place operation cannot change the dtype: convert the operand, or write "
                f"`t = t {symbol[:-1]} x` for a new tensor"
            )
        data[...] = result
        _mark_changed(self)
        return self

    def __neg__(self) -> Tensor:
        return _ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.getitem(self, index)

    # Comparisons give constant boolean tensors (no gradient flows through them).
    # == and != keep identity semantics so tensors can live in sets and dicts.
    def __lt__(self, other: Any) -> Tensor:
        return _compare(self, other, np.less, "<")

    def __le__(self, other: Any) -> Tensor:
        return _compare(self, other, np.less_equal, "<=")

    def __gt__(self, other: Any) -> Tensor:
        return _compare(self, other, np.greater, ">")

    def __ge__(self, other: Any) -> Tensor:
        return _compare(self, other, np.greater_equal, ">=")

    __hash__ = object.__hash__

    def _numpy_options(self, method: str, dtype: Any, out: Any) -> Tensor:
        """The tensor a reduction works on, given the options NumPy's functions pass to
        it (``np.sum(t)``, ``np.mean(t, dtype=np.float64)``): ``dtype`` converts first
        (differentiably); ``out=`` cannot be honoured, results being new tensors."""
        if out is not None:
            raise TypeError(
                f"{method}: out= is not supported for a Tensor (every result is a new tensor); "
                "use the returned tensor"
            )
        return self if dtype is None else self.astype(dtype)  # (None and None: self, the usual case)

    def sum(self, axis: Any = None, keepdims: bool = False, *, dtype: Any = None, out: Any = None) -> Tensor:
        """Sum over ``axis`` (None: all; int or tuple). See :func:`minigrad.ops.sum`.
        ``dtype`` converts first, so ``np.sum(t, dtype=np.float64)`` works on tensors.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> np.sum(mg.Tensor([[1.0, 2.0], [3.0, 4.0]]), axis=0)
            Tensor([4., 6.])
        """
        x = self._numpy_options("sum", dtype, out)
        return _ops.sum(x, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False, *, dtype: Any = None, out: Any = None) -> Tensor:
        """Mean over ``axis``. See :func:`minigrad.ops.mean`. ``dtype`` converts first."""
        x = self._numpy_options("mean", dtype, out)
        return _ops.mean(x, axis=axis, keepdims=keepdims)

    def var(
        self, axis: Any = None, keepdims: bool = False, *, ddof: int = 0, dtype: Any = None, out: Any = None
    ) -> Tensor:
        """Variance over ``axis``: the summed squared deviations from the mean divided by
        ``n - ddof`` (``ddof=0``, the default as in NumPy: the mean of the squares; ``ddof=1``:
        the unbiased estimate). Differentiable, built from mean, subtraction and sum.

        Example:
            >>> import minigrad as mg
            >>> x = mg.Tensor([1.0, 2.0, 3.0, 4.0])
            >>> x.var().item(), x.var(ddof=1).item(), x.std().item()
            (1.25, 1.6666666666666667, 1.118033988749895)
        """
        x = self._numpy_options("var", dtype, out)
        _ops._norm_axes("var", axis, x.shape)  # errors name var, not the mean inside it
        deviations = x - x.mean(axis=axis, keepdims=True)
        squares = (deviations * deviations).sum(axis=axis, keepdims=keepdims)
        count = self.data.size // max(squares.data.size, 1) if self.data.size else 0
        # n - ddof, at least 0: inf (or NaN for no elements) when ddof >= n, as in NumPy
        return squares / max(count - ddof, 0)

    def std(
        self, axis: Any = None, keepdims: bool = False, *, ddof: int = 0, dtype: Any = None, out: Any = None
    ) -> Tensor:
        """Standard deviation over ``axis``, the square root of :meth:`var` (same ``ddof``).
        Where it is 0 (a constant slice) its gradient is 0, as in PyTorch, not NaN.

        Example:
            >>> import minigrad as mg
            >>> mg.Tensor([[1.0, 3.0], [5.0, 7.0]]).std(axis=0)
            Tensor([2., 2.])
        """
        x = self._numpy_options("std", dtype, out)
        _ops._norm_axes("std", axis, x.shape)
        return _ops.StdRoot.apply(x.var(axis=axis, keepdims=keepdims, ddof=ddof))

    def argmax(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Index of the maximum over ``axis`` (all elements flattened when None), as a
        constant integer tensor (no gradient).

        Example:
            >>> import minigrad as mg
            >>> mg.Tensor([[1.0, 5.0], [7.0, 2.0]]).argmax(axis=1)
            Tensor([1, 0])
        """
        where = f"argmax: axis={axis!r} of a tensor of shape {self.shape}"
        return Tensor(_numpy_call(where, np.argmax, self.data, axis=axis, keepdims=keepdims))

    def argmin(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Index of the minimum over ``axis``, as a constant integer tensor (no gradient).

        Example:
            >>> import minigrad as mg
            >>> mg.Tensor([3.0, 1.0, 2.0]).argmin().item()
            1
        """
        where = f"argmin: axis={axis!r} of a tensor of shape {self.shape}"
        return Tensor(_numpy_call(where, np.argmin, self.data, axis=axis, keepdims=keepdims))

    def max(self, axis: Any = None, keepdims: bool = False, *, out: Any = None) -> Tensor:
        """Maximum over ``axis``; ties (and NaNs, in a slice whose max is NaN) share the
        gradient equally. See :func:`minigrad.ops.max`."""
        x = self._numpy_options("max", None, out)
        return _ops.max(x, axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False, *, out: Any = None) -> Tensor:
        """Minimum over ``axis``; ties (and NaNs, in a slice whose min is NaN) share the
        gradient equally. See :func:`minigrad.ops.min`."""
        x = self._numpy_options("min", None, out)
        return _ops.min(x, axis=axis, keepdims=keepdims)

    def exp(self) -> Tensor:
        """Elementwise e**x."""
        return _ops.exp(self)

    def log(self) -> Tensor:
        """Elementwise natural logarithm."""
        return _ops.log(self)

    def sqrt(self) -> Tensor:
        """Elementwise square root."""
        return _ops.sqrt(self)

    def abs(self) -> Tensor:
        """Elementwise absolute value (gradient 0 at 0); ``abs(t)`` too.

        Example:
            >>> import minigrad as mg
            >>> abs(mg.Tensor([-2.0, 3.0]))
            Tensor([2., 3.])
        """
        return _ops.abs(self)

    __abs__ = abs

    def tanh(self) -> Tensor:
        """Elementwise hyperbolic tangent."""
        return _ops.tanh(self)

    def sigmoid(self) -> Tensor:
        """Elementwise logistic function 1 / (1 + e**-x)."""
        return _ops.sigmoid(self)

    def relu(self) -> Tensor:
        """Elementwise max(x, 0)."""
        return _ops.relu(self)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        """Limit values to [min, max]; the gradient is 0 where clipped."""
        return _ops.clip(self, min, max)

    def reshape(self, *shape: Any) -> Tensor:
        """Same data, new shape (``-1`` infers one axis)."""
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = tuple(shape[0])
        return _ops.reshape(self, shape)

    def transpose(self, *axes: Any) -> Tensor:
        """Permute axes (reverse them when none are given)."""
        if len(axes) == 1 and isinstance(axes[0], tuple | list):
            axes = tuple(axes[0])
        return _ops.transpose(self, axes or None)

    @property
    def T(self) -> Tensor:
        """The transpose (axes reversed)."""
        return _ops.transpose(self, None)

    def flatten(self) -> Tensor:
        """All elements in one axis."""
        return _ops.reshape(self, (-1,))

    def squeeze(self, axis: Any = None) -> Tensor:
        """Drop axes of length 1 (all of them, or ``axis``); a differentiable reshape.

        Example:
            >>> import minigrad as mg
            >>> mg.Tensor([[1.0], [2.0]]).squeeze().shape, mg.Tensor([[1.0, 2.0]]).squeeze(0).shape
            ((2,), (2,))
        """
        where = f"squeeze: cannot drop axis {axis!r} of shape {self.shape}"
        return _ops.reshape(self, _numpy_call(where, np.squeeze, self.data, axis=axis).shape)

    def unsqueeze(self, axis: int) -> Tensor:
        """Insert an axis of length 1 at position ``axis``; a differentiable reshape.

        Example:
            >>> import minigrad as mg
            >>> mg.Tensor([1.0, 2.0]).unsqueeze(0).shape, mg.Tensor([1.0, 2.0]).unsqueeze(-1).shape
            ((1, 2), (2, 1))
        """
        where = f"unsqueeze: cannot insert axis {axis!r} into {self.shape}"
        return _ops.reshape(self, _numpy_call(where, np.expand_dims, self.data, axis).shape)

    def tolist(self) -> Any:
        """The values as (nested) Python lists, like ``ndarray.tolist``.

        Example:
            >>> import minigrad as mg
            >>> mg.Tensor([[1.0, 2.0]]).tolist()
            [[1.0, 2.0]]
        """
        return self.data.tolist()

    def astype(self, dtype: Any) -> Tensor:
        """A copy converted to the float ``dtype``; the gradient is converted back."""
        return _ops.astype(self, dtype)


def _numpy_call(where: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, a NumPy call whose errors (a bad axis: AxisError is a
    ValueError; an empty array) become a ShapeError beginning with ``where``."""
    try:
        return fn(*args, **kwargs)
    except (ValueError, TypeError) as err:
        raise ShapeError(f"{where}: {err}") from None


def _compare(tensor: Tensor, other: Any, ufunc: Any, symbol: str) -> Tensor:
    """``tensor <symbol> other`` as a constant boolean tensor, with minigrad errors."""
    other = _as_array(other, None, f"comparison {symbol}")
    try:
        return Tensor(ufunc(tensor.data, other))
    except ValueError as err:
        raise ShapeError(
            f"comparison {symbol}: shapes {tensor.data.shape} and {other.shape} do not broadcast"
        ) from err


# ------------------------------------------------------------------ the engine
def _accumulate_leaf(leaf: Tensor, grad: np.ndarray) -> None:
    leaf_grad = leaf.grad
    if leaf_grad is None:
        leaf.grad = np.array(grad, dtype=leaf.data.dtype, copy=True)
    else:
        _check_leaf_grad(leaf, leaf_grad)
        np.add(leaf_grad, grad, out=leaf_grad)


def _check_leaf_grad(leaf: Tensor, leaf_grad: Any) -> None:
    """The ``.grad`` backward adds into must be an array of the tensor's shape and dtype
    (a ``.grad`` set by hand to another shape would broadcast the sum, or fail deep in
    NumPy)."""
    data = leaf.data
    if type(leaf_grad) is np.ndarray and leaf_grad.shape == data.shape and leaf_grad.dtype == data.dtype:
        return
    label = f" '{leaf.name}'" if leaf.name else ""
    got = (
        f"shape {leaf_grad.shape}, dtype {leaf_grad.dtype}"
        if isinstance(leaf_grad, np.ndarray)
        else f"a {type(leaf_grad).__name__}"
    )
    raise BackwardError(
        f"backward: the {leaf._noun}{label} of shape {data.shape} and dtype {data.dtype} holds a .grad "
        f"of {got}, which the new gradient cannot be added into; set .grad = None (or zero_grad()) "
        "before backward, or assign an array of the tensor's shape and dtype"
    )


def _run_backward(root: Any, seed: np.ndarray, retain_graph: bool) -> None:
    """Propagate ``seed`` from ``root`` down to the leaves.

    Nodes wait in a min-heap keyed by ``ctx.sequence``, which counts down as nodes are
    created, so the newest waiting node comes out first. A node is created after the
    nodes of all its inputs, so by then every node that feeds gradient into it (all newer)
    is done: the order is topological without a graph search, and only nodes that receive
    a gradient are visited. The loop is iterative, so graph depth is unlimited.
    """
    grads = {root: seed}
    heap = [(root.sequence, root)]
    done = []
    _, promote, anomaly = _switches.get()
    ndarray = np.ndarray
    # a tensor changed in place since this graph was recorded (load_state_dict): check
    # every node's saved arrays against such tensors, not only gradient-receiving leaves
    changed: Any = ()
    if _latest_change[0] < root.sequence:
        with _changed_lock:
            since = [t for t in _changed_tensors if t._changed_at < root.sequence]
        changed = sorted(since, key=_changed_first)
    try:
        while heap:
            ctx = heappop(heap)[1]
            grad_out = grads.pop(ctx)
            if ctx.freed:
                raise BackwardError(
                    f"backward: the graph through {ctx.fn.op_name()} was already freed by an "
                    "earlier backward(); call backward(retain_graph=True) the first time "
                    "to run backward twice"
                )
            done.append(ctx)
            for tensor in changed:
                _check_saved_unchanged((ctx,), tensor)
            in_grads = ctx.fn.backward(ctx, grad_out)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
            parents = ctx.parents
            owned = ctx.fn.owns_gradients
            if len(in_grads) != len(parents):
                raise InvalidGradientError(
                    f"{ctx.fn.__name__}.backward returned {len(in_grads)} gradient(s) for "
                    f"{len(parents)} input(s) of forward; return one per input (None for "
                    "inputs without a gradient)"
                )
            if anomaly is not None:
                anomaly.check_backward(ctx, in_grads, grad_out)
            position = -1
            for parent in parents:
                position += 1
                if parent is None:
                    continue
                grad = in_grads[position]
                if grad is None:
                    continue
                data = parent.data
                # the Function contract in its cheap common case (an array of the input's
                # shape and dtype); anything else gets the full check
                if type(grad) is not ndarray or grad.shape != data.shape or grad.dtype != data.dtype:
                    grad = _checked_grad(ctx, position, parent, grad, promote)
                parent_ctx = parent._ctx
                if parent_ctx is None:
                    if parent._changed_at < ctx.sequence:  # changed in place since forward
                        _check_saved_unchanged(done, parent)
                    leaf_grad = parent.grad
                    if leaf_grad is None:
                        # the leaf must own its .grad (it is accumulated into in place):
                        # a Function whose backward returns new arrays hands them over
                        if owned and type(grad) is ndarray:
                            parent.grad = grad
                        else:
                            parent.grad = np.array(grad, dtype=data.dtype)
                    else:
                        if (
                            type(leaf_grad) is not ndarray
                            or leaf_grad.shape != data.shape
                            or leaf_grad.dtype != data.dtype
                        ):
                            _check_leaf_grad(parent, leaf_grad)
                        np.add(leaf_grad, grad, out=leaf_grad)
                else:
                    previous = grads.get(parent_ctx)
                    if previous is None:
                        grads[parent_ctx] = grad
                        heappush(heap, (parent_ctx.sequence, parent_ctx))
                    else:
                        grads[parent_ctx] = previous + grad
    finally:
        if not retain_graph:
            for ctx in done:
                ctx.release()


def _check_saved_unchanged(nodes: list[Any], leaf: Tensor) -> None:
    """Raise when ``leaf.data``, changed in place after the forward pass, is what one
    of ``nodes`` (this backward's nodes so far) saved for backward: their gradients
    read the new values.

    The nodes downstream of the leaf were all processed before the leaf is reached, so
    a node that saved a view of it (``x @ w.T`` saves ``w.T``) is among them; a graph
    that kept nothing of the leaf (``x + w`` saves nothing) is unaffected.
    """
    data = leaf.data
    changed_at = leaf._changed_at
    for ctx in nodes:
        if ctx.sequence < changed_at:  # recorded after the change: it saved the new values
            continue
        for item in (*ctx.saved, *ctx.__dict__.values()):
            items = item if isinstance(item, tuple | list) else (item,)
            if any(isinstance(a, np.ndarray) and np.shares_memory(a, data) for a in items):
                label = f" '{leaf.name}'" if leaf.name else ""
                raise BackwardError(
                    f"backward: {ctx.fn.op_name()} saved the data of a {leaf._noun}{label} of shape "
                    f"{data.shape} for its backward pass, and that data was changed in place "
                    "after the forward pass (by an optimizer step, load_state_dict or an in-place "
                    "operator such as -=), so the gradient would come from the new values; call "
                    "backward() before opt.step(), or run the forward pass again after changing the "
                    "parameters"
                )


def _checked_grad(ctx: Any, position: int, parent: Tensor, grad: Any, promote: bool) -> Any:
    """The InvalidGradientError check of the Function contract."""
    expected = parent.data
    shape = getattr(grad, "shape", None)
    if shape != expected.shape:
        got = f"shape {shape}" if shape is not None else f"a {type(grad).__name__}"
        raise InvalidGradientError(
            f"{ctx.fn.__name__}.backward returned a gradient with {got} for input "
            f"{position}, whose shape is {expected.shape}; the gradient must have "
            "exactly the input's shape (use minigrad.unbroadcast to undo broadcasting)"
        )
    if grad.dtype != expected.dtype:
        if expected.dtype.kind != "f" and parent.requires_grad:
            raise DTypeError(
                f"backward: input {position} of {ctx.fn.op_name()}, a {parent._noun} of shape "
                f"{expected.shape} and dtype {expected.dtype}, has requires_grad=True (set after it "
                "was made); "
                "only float tensors can have gradients: convert it first, e.g. "
                "t = mg.Tensor(t.data.astype(np.float64), requires_grad=True)"
            )
        if promote:
            return grad.astype(expected.dtype)
        raise InvalidGradientError(
            f"{ctx.fn.__name__}.backward returned a gradient of dtype {grad.dtype} for "
            f"input {position}, whose dtype is {expected.dtype}; return the input's dtype"
        )
    return grad


from minigrad import ops as _ops  # noqa: E402  (ops builds on Tensor)

#: The NumPy function the user called, while its implementation runs (it may call others
#: on the same tensors: np.zeros_like calls np.empty_like).
_array_function_call: ContextVar[Any] = ContextVar("minigrad_array_function_call", default=None)

#: Array functions that read only shapes and dtypes: computed on the arrays.
_SHAPE_ONLY = frozenset({np.zeros_like, np.ones_like, np.empty_like, np.full_like})


def _arrays(args: Any) -> list[Any]:
    """The arguments with tensors replaced by their arrays."""
    return [a.data if isinstance(a, Tensor) else a for a in args]


def _numpy_name(func: Any) -> str:
    """``np.sort``, ``np.linalg.norm``: how the user called it."""
    module = getattr(func, "__module__", None) or "numpy"
    inner = module.removeprefix("numpy").lstrip(".")
    return f"np.{inner + '.' if inner and not inner.startswith('_') else ''}{func.__name__}"


def _holds_values(result: Any) -> bool:
    """Whether an array function's result holds floating-point values (a graph would
    carry them) rather than a test, indices or a shape."""
    if isinstance(result, np.ndarray | np.floating):
        return result.dtype.kind in "fc"
    if isinstance(result, tuple | list):
        return any(_holds_values(item) for item in result)
    return False


def _tracks(args: Any, kwargs: Any) -> bool:
    """Whether a tensor that requires a gradient is among the arguments (or in a list
    of them, as np.concatenate takes)."""
    for value in (*args, *kwargs.values()):
        items = value if isinstance(value, tuple | list) else (value,)
        if any(isinstance(item, Tensor) and item.requires_grad for item in items):
            return True
    return False


def _np_concatenate(arrays: Any, axis: Any = 0, **options: Any) -> Any:
    if options or axis is None:  # out=, dtype=, casting=, axis=None: NumPy's own
        return NotImplemented
    return _ops.concatenate(arrays, axis=axis)


def _np_stack(arrays: Any, axis: int = 0, **options: Any) -> Any:
    return NotImplemented if options else _ops.stack(arrays, axis=axis)


def _np_where(condition: Any, *values: Any) -> Any:
    return _ops.where(condition, *values) if len(values) == 2 else NotImplemented


def _np_transpose(a: Any, axes: Any = None) -> Any:
    return _ops._tensor(a).transpose(*(() if axes is None else (tuple(axes),)))


def _np_reshape(a: Any, shape: Any = None, order: str = "C", **options: Any) -> Any:
    if options or order != "C" or shape is None:  # newshape=, copy=, Fortran order
        return NotImplemented
    return _ops._tensor(a).reshape(shape)


def _np_clip(a: Any, a_min: Any = None, a_max: Any = None, **options: Any) -> Any:
    return NotImplemented if options else _ops._tensor(a).clip(a_min, a_max)


def _np_squeeze(a: Any, axis: Any = None) -> Any:
    return _ops._tensor(a).squeeze(axis)


def _np_expand_dims(a: Any, axis: Any) -> Any:
    if isinstance(axis, tuple | list):
        return NotImplemented
    return _ops._tensor(a).unsqueeze(axis)


def _np_ravel(a: Any, order: str = "C") -> Any:
    return _ops._tensor(a).flatten() if order == "C" else NotImplemented


def _np_dot(a: Any, b: Any, out: Any = None) -> Any:
    if out is not None:
        return NotImplemented
    a, b = _ops._tensor(a), _ops._tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        return _ops.mul(a, b)  # np.dot with a scalar multiplies
    if a.ndim > 2 or b.ndim > 2:  # N-d dot is not matmul: NumPy's own
        return NotImplemented
    return _ops.matmul(a, b)


#: NumPy's array functions that run as minigrad ops (see Tensor.__array_function__);
#: an adapter returns NotImplemented for options it does not take.
_ARRAY_FUNCTION_OPS: dict[Any, Callable[..., Any]] = {
    np.concatenate: _np_concatenate,
    np.stack: _np_stack,
    np.where: _np_where,
    np.transpose: _np_transpose,
    np.reshape: _np_reshape,
    np.clip: _np_clip,
    np.squeeze: _np_squeeze,
    np.expand_dims: _np_expand_dims,
    np.ravel: _np_ravel,
    np.dot: _np_dot,
}


def _has_no_gradient(ufunc: Any) -> bool:
    """Whether ``ufunc``'s result carries no gradient: it is boolean (``np.isnan``) or
    piecewise constant (``np.sign``, ``np.floor``), so computing it on arrays drops nothing."""
    return ufunc in _PIECEWISE_CONSTANT or all(types.endswith("?") for types in ufunc.types)


_PIECEWISE_CONSTANT = frozenset({np.sign, np.floor, np.ceil, np.rint, np.trunc})

#: The ufuncs that run as minigrad ops when they meet a tensor (see Tensor.__array_ufunc__).
_UFUNC_OPS: dict[Any, Callable[..., Any]] = {
    np.add: _ops.add,
    np.subtract: _ops.sub,
    np.multiply: _ops.mul,
    np.true_divide: _ops.div,
    np.power: _ops.pow,
    np.matmul: _ops.matmul,
    np.negative: _ops.neg,
    np.positive: lambda a: a,
    np.exp: _ops.exp,
    np.log: _ops.log,
    np.sqrt: _ops.sqrt,
    np.absolute: _ops.abs,
    np.tanh: _ops.tanh,
    np.maximum: _ops.maximum,
    np.minimum: _ops.minimum,
    np.less: lambda a, b: _ops._tensor(a) < b,
    np.less_equal: lambda a, b: _ops._tensor(a) <= b,
    np.greater: lambda a, b: _ops._tensor(a) > b,
    np.greater_equal: lambda a, b: _ops._tensor(a) >= b,
    np.equal: lambda a, b: a is b,  # == on tensors compares identity
    np.not_equal: lambda a, b: a is not b,
}
