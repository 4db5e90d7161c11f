"""Every error minigrad raises on purpose.

All of them derive from :class:`MinigradError`, so ``except mg.MinigradError``
catches anything the framework reports about your input, your model or a plugin.
Each message says what was wrong, where (op, layer, plugin, file), with the
actual values or shapes, and what to do about it.

Example:
    >>> import minigrad as mg
    >>> try:
    ...     mg.Tensor([1, 2], requires_grad=True)
    ... except mg.MinigradError as err:
    ...     print(type(err).__name__)
    DTypeError
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "AnomalyError",
    "BackwardError",
    "ConfigError",
    "DTypeError",
    "InvalidGradientError",
    "MinigradError",
    "MissingExtraError",
    "PluginError",
    "RegistrationError",
    "ShapeError",
    "StateDictError",
    "UnknownComponentError",
]


class MinigradError(Exception):
    """Base class of every error minigrad raises deliberately.

    Example:
        >>> import minigrad as mg
        >>> issubclass(mg.ShapeError, mg.MinigradError)
        True
    """


class ShapeError(MinigradError, ValueError):
    """Operands or data have shapes that do not fit together.

    The message names the op or layer and both shapes.

    Example:
        >>> import minigrad as mg
        >>> try:
        ...     mg.Tensor([[1.0, 2.0]]) @ mg.Tensor([[1.0, 2.0]])
        ... except mg.ShapeError as err:
        ...     print(str(err).split(":")[0])
        matmul
    """


class DTypeError(MinigradError, TypeError):
    """An array has a dtype minigrad cannot use there (integers that need a gradient,
    objects, or two different float dtypes mixed in one op).

    Example:
        >>> import minigrad as mg
        >>> try:
        ...     mg.Tensor(["a"])
        ... except mg.DTypeError:
        ...     print("refused")
        refused
    """


class InvalidGradientError(MinigradError):
    """A :class:`~minigrad.Function` returned a gradient that does not match its input.

    Raised right after the offending ``backward`` with the Function's name, the input
    position and both shapes (or dtypes); the core never sums or broadcasts a
    wrong-shaped gradient silently.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> class Bad(mg.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         return x * 2
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         return grad.sum()
        >>> x = mg.Tensor(np.ones(3), requires_grad=True)
        >>> try:
        ...     Bad.apply(x).sum().backward()
        ... except mg.InvalidGradientError as err:
        ...     print("Bad.backward" in str(err))
        True
    """


class BackwardError(MinigradError, RuntimeError):
    """``backward()`` was called where it cannot run: through a freed graph, on a
    tensor that does not require a gradient, on a non-scalar without a gradient, or
    through a graph whose saved parameter data was changed in place afterwards (an
    optimizer step, ``load_state_dict``, ``-=``); also an in-place operator on a
    parameter while gradients are recorded.

    Example:
        >>> import minigrad as mg
        >>> x = mg.Tensor([1.0, 2.0], requires_grad=True)
        >>> try:
        ...     (x * 2).backward()
        ... except mg.BackwardError as err:
        ...     print("scalar" in str(err))
        True
    """


class StateDictError(MinigradError, KeyError):
    """A state dict does not fit the module or optimizer it is loaded into.

    The message lists missing keys, unexpected keys and mis-shaped entries.

    Example:
        >>> import minigrad as mg
        >>> issubclass(mg.StateDictError, KeyError)
        True
    """

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class RegistrationError(MinigradError):
    """A plugin registered a component badly, e.g. under a name another plugin owns.

    Example:
        >>> import minigrad as mg
        >>> reg = mg.Registry("schedules")
        >>> reg.add("flat", lambda lr0: (lambda epoch: lr0), plugin="first")
        >>> try:
        ...     reg.add("flat", lambda lr0: (lambda epoch: lr0), plugin="second")
        ... except mg.RegistrationError as err:
        ...     print("first" in str(err) and "second" in str(err))
        True
    """


class UnknownComponentError(MinigradError, KeyError):
    """A component name is not registered; the message lists close matches.

    Example:
        >>> import minigrad as mg
        >>> reg = mg.Registry("schedules")
        >>> reg.add("constant", lambda lr0: (lambda epoch: lr0), plugin="demo")
        >>> try:
        ...     reg.get("constnat")
        ... except mg.UnknownComponentError as err:
        ...     print("constant" in str(err))
        True
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class AnomalyError(MinigradError, FloatingPointError):
    """Anomaly mode (:func:`~minigrad.detect_anomaly`) met the first NaN or infinity.

    The message names the phase, the op, the layer (by its dotted name in the model),
    the shapes, the index and value of the first non-finite element, and likely
    causes. The same facts are attributes: ``phase`` (``"forward"`` or
    ``"backward"``), ``op``, ``layer`` (dotted name or class name, None outside any
    layer), ``shape``, ``index`` and, for backward, ``input_position``.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> try:
        ...     with mg.detect_anomaly():
        ...         mg.Tensor(np.array([-1.0])).sqrt()
        ... except mg.AnomalyError as err:
        ...     print(err.phase, err.op, err.index)
        forward sqrt (0,)
    """

    def __init__(
        self,
        message: str,
        *,
        phase: str | None = None,
        op: str | None = None,
        layer: str | None = None,
        shape: tuple[int, ...] | None = None,
        index: tuple[int, ...] | None = None,
        input_position: int | None = None,
    ) -> None:
        super().__init__(message)
        self.phase = phase
        self.op = op
        self.layer = layer
        self.shape = shape
        self.index = index
        self.input_position = input_position


class PluginError(MinigradError):
    """A plugin failed to load or failed inside one of its hooks.

    The message names the plugin (and its distribution when known) and the cause.

    Example:
        >>> import minigrad as mg
        >>> issubclass(mg.PluginError, mg.MinigradError)
        True
    """


class ConfigError(MinigradError, ValueError):
    """A configuration value (file, CLI option or keyword) is missing, unknown or out
    of range. The message names the key, the bad value and the allowed values.

    Example:
        >>> import minigrad as mg
        >>> issubclass(mg.ConfigError, ValueError)
        True
    """


class MissingExtraError(MinigradError, ImportError):
    """A feature needs an optional dependency that is not installed.

    The message names the feature and the extra that provides it, e.g.
    ``pip install -e ".[plot]"`` in the minigrad checkout.

    Example:
        >>> import minigrad as mg
        >>> issubclass(mg.MissingExtraError, ImportError)
        True
    """


def did_you_mean(name: object, options: Iterable[str]) -> str:
    """A ``"; did you mean 'x', 'y'?"`` hint for a misspelled ``name`` (case-insensitive,
    up to three close ``options``), or an empty string.

    Example:
        >>> from minigrad.errors import did_you_mean
        >>> did_you_mean("Adma", ["adam", "sgd"]), did_you_mean("zzz", ["adam"])
        ("; did you mean 'adam'?", '')
    """
    lowered = {option.lower(): option for option in options}
    close = difflib.get_close_matches(str(name).lower(), list(lowered), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(repr(lowered[c]) for c in close)}?" if close else ""
