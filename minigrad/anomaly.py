"""Anomaly mode: stop at the first NaN or infinity and say which op and layer made it.

Inside :func:`detect_anomaly` every op checks its output as soon as its ``forward``
returns, and every ``backward`` checks the gradients it returns. The first
non-finite value raises :class:`~minigrad.AnomalyError` naming

- the phase (forward or backward) and the op (``log``, ``div``, ``dense``, ...),
- the model layer that ran the op, by its dotted name in the model (``3``,
  ``encoder.1``) and its description (``dense(16 -> 2)``),
- the shapes involved and the index and value of the first non-finite element,
- the likely cause (log of 0, division by 0, overflowing ``exp``, exploding values
  from a too-high learning rate, NaN already present in the data, ...).

Outside anomaly mode nothing is checked and nothing costs anything: the core reads
one attribute per op and per layer call. Inside it every op pays an ``isfinite``
pass over its output, so use it to debug, not to train for real.

The layer names come from ``model=`` when given; otherwise the outermost module
being called (usually the model itself) is taken as the root, so names are dotted
paths in it all the same. Gradients are checked for backward passes that *start*
inside the ``with`` block.

:func:`minigrad.fit` takes ``detect_anomaly=True`` to train a whole run in anomaly
mode (the model is passed for you).

Example:
    >>> import numpy as np
    >>> import minigrad as mg
    >>> model = mg.Sequential(mg.layer("dense", 2, 2, rng=0), mg.layer("relu"))
    >>> X = np.array([[1.0, 2.0], [np.inf, 0.0]])
    >>> try:
    ...     with mg.detect_anomaly(model=model):
    ...         model(X)
    ... except mg.AnomalyError as err:
    ...     print(err.phase, err.op, err.layer)
    forward dense 0
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

import numpy as np

from minigrad import tensor as _tensor
from minigrad.errors import AnomalyError, InvalidGradientError

__all__ = ["AnomalyDetector", "describe_divergence", "detect_anomaly"]

#: Inputs larger than this in magnitude count as "exploding" in the hints.
_HUGE = 1e6

#: Likely causes, by op name, of a non-finite value appearing in that op.
_OP_HINTS = {
    "log": "log of 0 is -inf and of a negative number NaN: clip its argument (x.clip(1e-12, None)), "
    "or compute the loss from logits with the fused 'softmax_cross_entropy' / 'binary_cross_entropy' "
    "losses instead of log(softmax) or log(sigmoid)",
    "div": "division by 0 (x/0 is inf, 0/0 NaN): add a small epsilon to the denominator",
    "sqrt": "sqrt of a negative number is NaN, and its gradient 1/(2 sqrt(x)) is inf at x = 0: "
    "add a small epsilon inside the root",
    "pow": "a negative base with a fractional exponent is NaN, and 0 to a negative power inf",
    "exp": "exp overflows to inf above about 709 (float64) or 88 (float32): the values feeding it "
    "are exploding; use the fused losses on logits rather than exp by hand",
    "softmax_cross_entropy": "the logits are non-finite or huge: the model's outputs are exploding",
    "binary_cross_entropy": "the logits are non-finite or huge: the model's outputs are exploding",
    "batch_norm": "a batch whose values are non-finite or huge; eps must stay > 0",
}
#: What the ``with`` blocks of detectors restore on exit, innermost last: the previous
#: detector and the NumPy error state they entered. Per thread and asyncio task, like
#: no_grad's saved modes, so one detector object may be shared: each thread or task
#: leaves its own block (a NumPy errstate must be left in the context that entered it).
_saved: ContextVar[tuple[tuple[Any, Any], ...]] = ContextVar("minigrad_anomaly_saved", default=())
#: The modules being called in anomaly mode, outermost first, per thread and asyncio task.
_layers: ContextVar[tuple[Any, ...]] = ContextVar("minigrad_anomaly_layers", default=())

_EXPLODING = (
    "values this large usually mean training diverged: the learning rate is probably too high "
    "(try dividing it by 10), or the inputs are not normalized (mg.Normalizer); gradient "
    "clipping and He/Xavier initialization also help"
)


def check_owned_gradients(ctx: Any, grads: Sequence[Any], grad_output: Any = None) -> None:
    """Check what ``owns_gradients = True`` promises: every gradient array is writable
    and shares memory with nothing the engine or the Function still holds.

    Raises :class:`~minigrad.InvalidGradientError` naming the Function, the input
    position and what the gradient shares memory with. Anomaly mode runs this after
    every backward of such a Function.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> from minigrad.anomaly import check_owned_gradients
        >>> class Passthrough(mg.Function):
        ...     owns_gradients = True           # wrong: backward returns grad_output itself
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         return x.copy()
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         return g
        >>> ctx = mg.Context(Passthrough, (None,), (True,))
        >>> g = np.ones(2)
        >>> try:
        ...     check_owned_gradients(ctx, (g,), g)
        ... except mg.InvalidGradientError as err:
        ...     print(str(err)[:72])
        Passthrough.backward declares owns_gradients = True, but the gradient fo
    """
    holders: list[tuple[str, Any]] = [("the incoming gradient (grad_output)", grad_output)]
    holders += [(f"array {i} saved for backward", a) for i, a in enumerate(ctx.saved)]
    holders += [(f"input {i}", p.data) for i, p in enumerate(ctx.parents) if p is not None]
    arrays = [(i, g) for i, g in enumerate(grads) if isinstance(g, np.ndarray)]
    for position, grad in arrays:
        holders_here = holders + [(f"the gradient for input {i}", g) for i, g in arrays if i != position]
        problem = None
        if not grad.flags.writeable:
            problem = "is read-only (a broadcast view?)"
        else:
            for label, other in holders_here:
                if isinstance(other, np.ndarray) and np.may_share_memory(grad, other):
                    problem = f"shares memory with {label}"
                    break
        if problem is not None:
            raise InvalidGradientError(
                f"{ctx.fn.__name__}.backward declares owns_gradients = True, but the gradient for "
                f"input {position} {problem}; the engine would hand it to a leaf's .grad and later "
                "add into it in place. Return a new array (e.g. grad.copy()) or set "
                "owns_gradients = False on the Function"
            )


def _is_checkable(array: Any) -> bool:
    return isinstance(array, np.ndarray) and array.dtype.kind in "fc"


def _first_bad(array: np.ndarray) -> tuple[tuple[int, ...], float, int, int]:
    """(index of the first non-finite element, its value, #NaN, #inf)."""
    bad = ~np.isfinite(array)
    index = tuple(int(i) for i in np.argwhere(bad)[0]) if array.ndim else ()
    n_nan = int(np.isnan(array).sum())
    return index, array[index], n_nan, int(bad.sum()) - n_nan


def _kind(value: Any) -> str:
    return "NaN" if np.isnan(value) else ("-inf" if value < 0 else "inf")


def _magnitude(arrays: Sequence[Any]) -> float:
    largest = 0.0
    for a in arrays:
        if _is_checkable(a) and a.size:
            finite = a[np.isfinite(a)]
            if finite.size:
                largest = max(largest, float(np.abs(finite).max()))
    return largest


class AnomalyDetector:
    """The checker :func:`detect_anomaly` installs; also its context manager.

    The core calls :meth:`check_forward` after every op's ``forward`` and
    :meth:`check_backward` after every ``backward``; :meth:`call_module` wraps each
    layer call so the op knows which layer ran it. Use it through
    :func:`detect_anomaly`.

    One detector object may be entered again, nested in itself, or shared between
    threads and asyncio tasks: what a ``with`` block restores on exit belongs to the
    thread or task that entered it, as with :func:`~minigrad.no_grad`.

    Attributes:
        model: the model whose dotted layer names are used (or None).
        stack: the modules the running thread (or task) is calling right now,
            outermost first.

    Example:
        >>> import minigrad as mg
        >>> with mg.detect_anomaly() as detector:
        ...     mg.is_grad_enabled()
        True
        >>> type(detector).__name__
        'AnomalyDetector'
    """

    def __init__(self, model: Any = None) -> None:
        if model is not None and not hasattr(model, "named_modules"):
            from minigrad.errors import ConfigError

            raise ConfigError(
                f"detect_anomaly: model must be a minigrad Module (to name its layers), got "
                f"{type(model).__name__}"
            )
        self.model = model

    @property
    def stack(self) -> list[Any]:
        """The modules the running thread (or asyncio task) is calling, outermost first."""
        return list(_layers.get())

    # ----------------------------------------------------------- switching
    def __enter__(self) -> AnomalyDetector:
        # NumPy's divide/overflow/invalid warnings are replaced by the precise report
        errstate = np.errstate(divide="ignore", over="ignore", invalid="ignore")
        errstate.__enter__()
        _saved.set((*_saved.get(), (_tensor._state.anomaly, errstate)))
        _tensor._state.anomaly = self
        return self

    def __exit__(self, *exc: Any) -> None:
        saved = _saved.get()
        _saved.set(saved[:-1])
        previous, errstate = saved[-1]
        _tensor._state.anomaly = previous
        errstate.__exit__(*exc)

    def __call__(self, func: Callable) -> Callable:
        """Use as a decorator: ``func`` runs in anomaly mode."""

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with AnomalyDetector(self.model):
                return func(*args, **kwargs)

        return wrapper

    # ------------------------------------------------------- core callbacks
    def call_module(self, module: Any, args: tuple, kwargs: dict) -> Any:
        """Run ``module.forward`` with ``module`` on the layer stack (called by ``Module.__call__``)."""
        layers = _layers.get()
        _layers.set((*layers, module))
        try:
            return module.forward(*args, **kwargs)
        finally:
            _layers.set(layers)

    def check_forward(self, fn: type, out: Any, ctx: Any = None, inputs: Sequence[Any] = ()) -> None:
        """Record the current layer on ``ctx``; raise if ``out`` holds NaN or inf."""
        layers = _layers.get()
        where = (layers[0], layers[-1]) if layers else None
        if ctx is not None and where is not None:
            ctx.anomaly_layer = where
        if not _is_checkable(out) or np.isfinite(out).all():
            return
        index, value, n_nan, n_inf = _first_bad(out)
        op = fn.op_name() if hasattr(fn, "op_name") else fn.__name__
        layer, layer_text = self._layer(where)
        shapes = ", ".join(str(np.shape(a)) for a in inputs) or "none"
        message = (
            f"detect_anomaly: the forward pass of op '{op}' ({fn.__name__}){layer_text} produced "
            f"{_kind(value)}: output shape {out.shape}, first non-finite value {value} at index "
            f"{index} ({n_nan} NaN and {n_inf} inf of {out.size} elements); input shapes {shapes}."
        )
        hints = self._forward_hints(op, inputs)
        raise AnomalyError(
            message + " " + " ".join(hints),
            phase="forward",
            op=op,
            layer=layer,
            shape=out.shape,
            index=index,
        )

    def check_backward(self, ctx: Any, grads: Sequence[Any], grad_output: Any = None) -> None:
        """Raise if a gradient ``ctx.fn.backward`` returned holds NaN or inf, or breaks
        the Function's :attr:`~minigrad.Function.owns_gradients` promise."""
        if getattr(ctx.fn, "owns_gradients", False):
            check_owned_gradients(ctx, grads, grad_output)
        for position, grad in enumerate(grads):
            if grad is None or not _is_checkable(grad) or np.isfinite(grad).all():
                continue
            fn = ctx.fn
            op = fn.op_name()
            where = getattr(ctx, "anomaly_layer", None)
            layer, layer_text = self._layer(where)
            index, value, n_nan, n_inf = _first_bad(grad)
            inputs = [None if p is None else p.data for p in ctx.parents]
            shapes = ", ".join("constant" if a is None else str(a.shape) for a in inputs)
            message = (
                f"detect_anomaly: the backward pass of op '{op}' ({fn.__name__}){layer_text} returned "
                f"a gradient with {_kind(value)} for input {position} (shape {grad.shape}): first "
                f"non-finite value {value} at index {index} ({n_nan} NaN and {n_inf} inf of "
                f"{grad.size} elements); input shapes {shapes}. Every gradient flowing into it was "
                "finite, so this op's backward made it."
            )
            hints = self._backward_hints(op, [a for a in inputs if a is not None])
            raise AnomalyError(
                message + " " + " ".join(hints),
                phase="backward",
                op=op,
                layer=layer,
                shape=grad.shape,
                index=index,
                input_position=position,
            )

    # --------------------------------------------------------------- naming
    def _layer(self, where: tuple[Any, Any] | None) -> tuple[str | None, str]:
        """(the layer's dotted name or class name, the phrase for the message)."""
        if where is None:
            return None, " outside any layer"
        root, module = where
        root = self.model if self.model is not None else root
        description = getattr(module, "label", None)
        if not isinstance(description, str):
            description = type(module).__name__
        name = None
        for dotted, candidate in root.named_modules():
            if candidate is module:
                name = dotted
                break
        if name is None:  # a module outside the given model
            return type(module).__name__, f" in layer {description} (not part of the model)"
        if name == "":
            return type(module).__name__, f" in the model itself ({description}), outside its layers"
        return name, f" in layer {name} ({description}) of the {type(root).__name__} model"

    # ---------------------------------------------------------------- hints
    @staticmethod
    def _forward_hints(op: str, inputs: Sequence[Any]) -> list[str]:
        for position, a in enumerate(inputs):
            if _is_checkable(a) and not np.isfinite(a).all():
                index, value, _, _ = _first_bad(a)
                return [
                    f"Its input {position} already held {_kind(value)} (first at index {index}) that "
                    "no op of this anomaly check produced: it came in from outside (the data, a "
                    "parameter, or a tensor made before detect_anomaly): check it with "
                    "np.isfinite(X).all()."
                ]
        return AnomalyDetector._backward_hints(op, inputs)

    @staticmethod
    def _backward_hints(op: str, inputs: Sequence[Any]) -> list[str]:
        """The likely cause of ``op``'s non-finite output (also the forward hints once
        its inputs are known to be finite)."""
        hints = []
        if op in _OP_HINTS:
            hints.append(f"Likely cause: {_OP_HINTS[op]}.")
        largest = _magnitude(inputs)
        if largest > _HUGE:
            hints.append(f"Its inputs reach |x| = {largest:.3g}: {_EXPLODING}.")
        elif op not in _OP_HINTS:
            hints.append(f"If values grow step after step, {_EXPLODING}.")
        return hints


def detect_anomaly(model: Any = None) -> AnomalyDetector:
    """Anomaly mode: raise :class:`~minigrad.AnomalyError` at the first NaN or inf that
    an op produces in forward or backward, naming the op, the layer and the cause.

    Use it as a context manager or a decorator. ``model`` (optional) names layers by
    their dotted names in it (``3``, ``encoder.1``); without it the outermost module
    being called serves as the root. For a whole training run use
    ``mg.fit(..., detect_anomaly=True)``.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> x = mg.Tensor(np.array([1.0, 0.0]), requires_grad=True)
        >>> try:
        ...     with mg.detect_anomaly():
        ...         x.log()
        ... except mg.AnomalyError as err:
        ...     print(err.op, "log of 0" in str(err))
        log True
        >>> @mg.detect_anomaly()
        ... def step(v):
        ...     return (v * 2).sum()
        >>> step(x)
        Tensor(2., requires_grad=True)
    """
    return AnomalyDetector(model)


def describe_divergence(costs: Sequence[float], lr: float | None, *, window: int = 1000) -> str | None:
    """Diagnose a diverging learning rate from the latest mini-batch costs.

    Among the last ``window`` finite costs, finds the largest growth from a cost to a
    later one. When it exceeds a factor 10 (and the peak is over 10 times the first
    cost of the window, so mini-batch noise near a minimum does not count), returns
    ``"the cost grew by a factor X over N steps (from A to B): the learning rate LR is
    probably too high; try LR/10"``; otherwise None.

    Example:
        >>> from minigrad.anomaly import describe_divergence
        >>> print(describe_divergence([0.7, 0.6, 3.0, 40.0, 900.0], 0.5))
        the cost grew by a factor 1.5e+03 over 3 steps (from 0.6 to 900): the learning rate
        0.5 is probably too high; try 0.05
        >>> describe_divergence([0.7, 0.6, 0.5, 0.9, 0.4], 0.5) is None
        True
    """
    values = [abs(float(c)) for c in costs if c is not None and math.isfinite(c)][-window:]
    if len(values) < 2:
        return None
    tiny = 1e-300
    low = 0
    factor, start, peak = 0.0, 0, 0
    for j in range(1, len(values)):
        if values[j - 1] < values[low]:
            low = j - 1
        growth = values[j] / max(values[low], tiny)
        if growth > factor:
            factor, start, peak = growth, low, j
    if factor <= 10 or values[peak] <= 10 * max(values[0], tiny):
        return None
    text = (
        f"the cost grew by a factor {factor:.2g} over {peak - start} steps "
        f"(from {values[start]:.3g} to {values[peak]:.3g})"
    )
    if lr is None or not math.isfinite(lr) or lr <= 0:
        return text + ": the learning rate is probably too high; divide it by 10"
    return text + f": the learning rate {lr:.3g} is probably too high; try {lr / 10:.3g}"
