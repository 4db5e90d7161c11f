"""The optimizer driver: :class:`Optimizer` runs a per-parameter update rule over param groups.

An optimizer plugin provides an *update rule* (Optax style: pure functions, the state lives
outside the rule) and the core :class:`Optimizer` drives it:

- ``rule.defaults``: the hyperparameters and their values, always including ``lr``;
- ``rule.init(param_array) -> state``: a dict of arrays (and numbers) for one parameter;
- ``rule.update(grad, state, hyper, step) -> (delta, state)``: ``hyper`` holds the
  hyperparameters of the parameter's group, ``step`` is that parameter's update count
  t = 1, 2, ... (Adam's bias correction needs it). The driver applies
  ``param.data += delta`` in place.
- optionally ``rule.validate(hyper) -> hyper``: raise :class:`~minigrad.ConfigError` for
  out-of-range values; return the hyperparameters normalized.
- optionally a ``param`` keyword on ``update``: the driver then passes the parameter's
  current array (read-only) to rules that need it, e.g. decoupled weight decay.
- optionally ``rule.update_in_place(param, grad, state, hyper, step) -> state``: the same
  change as ``param += update(grad, state, hyper, step)[0]``, made in place on the
  parameter's array ``param``; the driver then calls it instead of ``update``. It saves
  the parameter-sized ``delta``: :func:`add_scaled` adds ``scale * grad`` in cache-sized
  chunks, and :func:`chunks` walks several arrays together chunk by chunk (the built-in
  rules use them). A subclass that redefines ``update`` but not ``update_in_place``, or
  an ``update`` replaced on the instance, is driven through ``update``, so the change
  is not bypassed.

The rule keeps no hidden state. The state arrays are **owned by the optimizer**: a rule may
update them in place and return the same dict (the built-ins do, to save allocations).

:class:`UpdateRule` is an optional base class that validates hyperparameters against
declared :class:`Bound` s. :func:`optimizer` builds an Optimizer around a registered rule.

Example:
    >>> import numpy as np
    >>> import minigrad as mg
    >>> w = mg.Parameter(np.array([1.0, -2.0]))
    >>> opt = mg.optimizer("sgd", [w], lr=0.1)
    >>> (w * w).sum().backward()          # dJ/dw = 2w
    >>> opt.step(); opt.zero_grad()
    >>> w.data
    array([ 0.8, -1.6])
"""

from __future__ import annotations

import inspect
import math
import numbers
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from minigrad.errors import ConfigError, PluginError, ShapeError, StateDictError
from minigrad.manager import get_plugin_manager
from minigrad.module import Module
from minigrad.tensor import Tensor, _next_sequence

__all__ = [
    "NONNEGATIVE",
    "POSITIVE",
    "UNIT_INTERVAL",
    "Bound",
    "Optimizer",
    "UpdateRule",
    "add_scaled",
    "check_hyperparameters",
    "chunks",
    "clip_grad_norm",
    "optimizer",
]


# --------------------------------------------------------------------------- validation
@dataclass(frozen=True)
class Bound:
    """An interval a hyperparameter must lie in, e.g. ``[0, 1)`` for a decay rate beta.

    Example:
        >>> from minigrad.optim import Bound
        >>> beta = Bound(0.0, 1.0, high_open=True)
        >>> str(beta), beta.contains(0.9), beta.contains(1.0)
        ('[0, 1)', True, False)
    """

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the interval."""
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def __str__(self) -> str:
        def fmt(x: float) -> str:
            return f"{x:g}" if math.isfinite(x) else ("inf" if x > 0 else "-inf")

        left = "(" if self.low_open or self.low == -math.inf else "["
        right = ")" if self.high_open or self.high == math.inf else "]"
        return f"{left}{fmt(self.low)}, {fmt(self.high)}{right}"


#: ``[0, inf)``: learning rates, weight decay.
NONNEGATIVE = Bound(0.0)
#: ``(0, inf)``: epsilons, initial learning rates.
POSITIVE = Bound(0.0, low_open=True)
#: ``[0, 1)``: EWMA decay rates (beta, beta1, beta2).
UNIT_INTERVAL = Bound(0.0, 1.0, high_open=True)


def check_hyperparameters(
    owner: str,
    hyper: Mapping[str, Any],
    defaults: Mapping[str, Any],
    bounds: Mapping[str, Bound | type[bool]] | None = None,
) -> dict[str, Any]:
    """Validate ``hyper`` against ``defaults`` (known keys, types) and ``bounds`` (ranges).

    A bound is a :class:`Bound`, or ``bool`` for a switch that must be True or False
    (needed when ``defaults`` is the user's own ``hyper``, as in :class:`UpdateRule`).

    Returns a new dict with every value normalized to a Python ``bool``, ``int`` or
    ``float`` (NumPy scalars would upcast float32 arithmetic to float64). A key missing
    from ``hyper`` takes its default. Errors name ``owner``, the key and the value.

    Example:
        >>> from minigrad.optim import check_hyperparameters, UNIT_INTERVAL
        >>> check_hyperparameters("optimizer 'momentum'", {"beta": 0.5}, {"lr": 0.1, "beta": 0.9},
        ...                       {"beta": UNIT_INTERVAL})
        {'lr': 0.1, 'beta': 0.5}
        >>> check_hyperparameters("optimizer 'momentum'", {"beta": 1.0}, {"lr": 0.1, "beta": 0.9},
        ...                       {"beta": UNIT_INTERVAL})
        Traceback (most recent call last):
        ...
        minigrad.errors.ConfigError: optimizer 'momentum': beta = 1.0 is out of range [0, 1)
    """
    unknown = [key for key in hyper if key not in defaults]
    if unknown:
        raise ConfigError(
            f"{owner}: unknown hyperparameter{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))}; it takes {', '.join(map(repr, defaults))}"
        )
    bounds = bounds or {}
    checked: dict[str, Any] = {}
    for key, default in defaults.items():
        value = hyper.get(key, default)
        bound = bounds.get(key)
        # a switch: bounded by bool, or a bool default without a numeric range (when
        # defaults are the given values, step_size=False must not pass as a switch)
        if bound is bool or (isinstance(default, bool | np.bool_) and bound is None):
            if not isinstance(value, bool | np.bool_):
                raise ConfigError(f"{owner}: {key} = {value!r} must be True or False")
            checked[key] = bool(value)
            continue
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            raise ConfigError(f"{owner}: {key} = {value!r} must be a real number")
        if isinstance(value, numbers.Integral) and abs(int(value)) > sys.float_info.max:
            digits = len(str(abs(int(value))))
            raise ConfigError(
                f"{owner}: {key} = an integer of {digits} digits is beyond the float range; "
                "give a finite number"
            )
        if isinstance(default, numbers.Integral) and isinstance(value, numbers.Integral):
            value = int(value)
        else:
            value = float(value)
        # show the value as given (0, not 0.0), but NumPy scalars as plain numbers
        given = hyper.get(key, default)
        shown = given if type(given) in (int, float) else value
        if not math.isfinite(value):
            raise ConfigError(f"{owner}: {key} = {shown!r} must be finite")
        if bound is not None and not bound.contains(value):
            raise ConfigError(f"{owner}: {key} = {shown!r} is out of range {bound}")
        checked[key] = value
    return checked


#: Elements per chunk of :func:`chunks`: 128 KiB of float32, 256 KiB of float64, so a
#: chunk of each array an update touches, and the scratch buffer, stay in the L2 cache.
_CHUNK = 32768


def chunks(*arrays: np.ndarray, min_bytes: int = 0) -> Iterator[tuple[np.ndarray, ...]] | None:
    """Walk same-shaped arrays chunk by chunk, for elementwise updates that stay in cache.

    An update rule that makes several passes over a large parameter (Adam makes about
    ten) reads each array from main memory on every pass. Done chunk by chunk, every pass
    after the first finds the chunk in the CPU cache, and one chunk-sized scratch buffer
    replaces the parameter-sized temporaries.

    Args:
        arrays: the arrays to walk together, e.g. the parameter, its gradient and the
            rule's state arrays.
        min_bytes: return None when the first array is no larger than this (below the
            cache size, whole-array operations are as fast and cost fewer calls).

    Returns:
        An iterator of tuples: flat views of the same 32,768 consecutive elements of each
        array (writes go to the arrays), then a scratch array of that length, shared by all
        chunks; or None when the arrays are small (``min_bytes``) or cannot be walked
        together (different shapes or dtypes, or not C-contiguous). On None, update the
        arrays whole.

    Example:
        >>> import numpy as np
        >>> from minigrad.optim import chunks
        >>> w, g = np.zeros(70_000), np.ones(70_000)
        >>> for w_part, g_part, scratch in chunks(w, g):
        ...     _ = np.multiply(g_part, -0.5, out=scratch)
        ...     w_part += scratch
        >>> float(w.min()), float(w.max())
        (-0.5, -0.5)
        >>> chunks(w, g, min_bytes=1 << 20) is None  # 560 kB: do it whole
        True
    """
    first = arrays[0]
    if first.nbytes <= min_bytes:
        return None
    for array in arrays:
        if array.dtype != first.dtype or array.shape != first.shape or not array.flags.c_contiguous:
            return None
    return _walk([array.reshape(-1) for array in arrays], first.size, first.dtype)


def _walk(flat: list[np.ndarray], n: int, dtype: np.dtype) -> Iterator[tuple[np.ndarray, ...]]:
    scratch = np.empty(min(n, _CHUNK), dtype)
    for start in range(0, n, _CHUNK):
        stop = start + _CHUNK
        yield (*(a[start:stop] for a in flat), scratch if stop <= n else scratch[: n - start])


def clip_grad_norm(params: Iterable[Tensor], max_norm: float) -> float:
    """Scale the gradients of ``params`` in place so that their joint L2 norm is at most
    ``max_norm``; returns the norm before clipping.

    The norm is over all the gradients as one vector (parameters without a gradient are
    skipped; each gradient's squared norm is summed in float64). When it exceeds
    ``max_norm`` every gradient is multiplied by ``max_norm / norm``, which keeps the
    direction of the step and caps its length: the usual cure for exploding gradients. A
    non-finite norm is returned as it is, with the gradients left alone (scaling would
    spread the NaN); see :func:`minigrad.detect_anomaly` for where it came from.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> from minigrad.optim import clip_grad_norm
        >>> w = mg.Parameter(np.zeros(2)); w.grad = np.array([3.0, 4.0])
        >>> clip_grad_norm([w], max_norm=1.0), w.grad
        (5.0, array([0.6, 0.8]))
    """
    if isinstance(max_norm, bool) or not isinstance(max_norm, numbers.Real) or not max_norm > 0:
        raise ConfigError(f"clip_grad_norm: max_norm={max_norm!r}; it must be a number > 0")
    if isinstance(params, Tensor):
        params = [params]
    grads = [p.grad for p in params if p.grad is not None]
    total = math.sqrt(sum(float(np.vdot(g, g).real) for g in grads))  # vdot: no temporary
    if total > max_norm and math.isfinite(total):
        for g in grads:
            g *= g.dtype.type(max_norm / total)
    return total


def add_scaled(target: np.ndarray, x: np.ndarray, scale: float) -> None:
    """``target += scale * x``, in place, without a temporary the size of ``target``.

    For arrays of more than 32,768 elements the product is formed chunk by chunk
    (:func:`chunks`) in one small scratch buffer and added at once, so it never leaves
    the CPU cache and no parameter-sized array is allocated (a large one costs page
    faults every step). The numbers are exactly those of ``target += np.multiply(x,
    scale)``: the same elementwise operations in the arrays' dtype (``scale`` is used as
    a Python float, so it does not promote float32 arrays). Arrays of different shapes
    or dtypes, or not C-contiguous, take that one-line path.

    Update rules use it in ``update_in_place`` (see the module docstring).

    Example:
        >>> import numpy as np
        >>> from minigrad.optim import add_scaled
        >>> w = np.ones(100_000, dtype=np.float32)
        >>> add_scaled(w, np.full(100_000, 2.0, dtype=np.float32), -0.25)
        >>> w.dtype, float(w.min()), float(w.max())
        (dtype('float32'), 0.5, 0.5)
    """
    scale = float(scale)
    parts = chunks(target, x) if target.size > _CHUNK else None
    if parts is None:
        target += np.multiply(x, scale)
        return
    for part, values, product in parts:
        np.multiply(values, scale, out=product)  # scale x, chunk by chunk
        part += product


def _update_takes_param(rule: Any) -> bool:
    """Whether ``rule.update`` takes the ``param`` keyword (the driver then passes it)."""
    try:
        return "param" in inspect.signature(rule.update).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False


def _in_place_method(rule: Any) -> Callable | None:
    """The rule's ``update_in_place``, unless ``update`` was redefined after it.

    A subclass of a built-in rule that overrides only ``update`` (or a rule whose
    ``update`` was replaced on the instance) would otherwise have its change bypassed by
    the inherited in-place path.
    """
    method = getattr(rule, "update_in_place", None)
    if method is None:
        return None
    here = vars(rule) if hasattr(rule, "__dict__") else {}
    if "update" in here:
        return method if "update_in_place" in here else None
    if "update_in_place" in here:
        return method

    def owner(name: str) -> type | None:
        return next((cls for cls in type(rule).__mro__ if name in vars(cls)), None)

    defines_update, defines_in_place = owner("update"), owner("update_in_place")
    redefined = (  # update was redefined below the class that wrote update_in_place
        defines_update is not None
        and defines_in_place is not None
        and defines_update is not defines_in_place
        and issubclass(defines_update, defines_in_place)
    )
    return None if redefined else method


class UpdateRule:
    """Optional base class for update rules: holds validated ``defaults``, no other state.

    Subclasses set ``name``, ``bounds`` (key -> :class:`Bound`) and implement ``init`` and
    ``update``; their ``__init__`` passes every hyperparameter (with its default) to
    ``super().__init__``. Any object with ``defaults``, ``init`` and ``update`` works as a
    rule too; this class only saves writing the validation.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> from minigrad.optim import UpdateRule, NONNEGATIVE
        >>> class SignSGD(UpdateRule):
        ...     '''delta = -lr * sign(g)'''
        ...     name = "sign_sgd"
        ...     bounds = {"lr": NONNEGATIVE}
        ...     def __init__(self, *, lr=0.01):
        ...         super().__init__(lr=lr)
        ...     def init(self, param):
        ...         return {}
        ...     def update(self, grad, state, hyper, step):
        ...         return -hyper["lr"] * np.sign(grad), state
        >>> w = mg.Parameter(np.array([3.0, -4.0]))
        >>> opt = mg.Optimizer([w], SignSGD(lr=0.5))
        >>> (w * w).sum().backward(); opt.step()
        >>> w.data
        array([ 2.5, -3.5])
    """

    #: Registered name, used in error messages.
    name: str = "rule"
    #: Allowed range of each hyperparameter: a :class:`Bound`, or ``bool`` for a switch.
    #: Keys without a bound accept any finite number.
    bounds: ClassVar[Mapping[str, Bound | type[bool]]] = {}

    def __init__(self, **hyper: Any) -> None:
        self.defaults = check_hyperparameters(f"optimizer '{self.name}'", hyper, hyper, self.bounds)

    def validate(self, hyper: Mapping[str, Any]) -> dict[str, Any]:
        """Check ``hyper`` (e.g. one param group's values) against :attr:`bounds`."""
        return check_hyperparameters(f"optimizer '{self.name}'", hyper, self.defaults, self.bounds)

    def init(self, param: np.ndarray) -> dict[str, Any]:
        """The initial state for one parameter array (never keep a reference to it)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement init()")

    def update(
        self, grad: np.ndarray, state: dict[str, Any], hyper: Mapping[str, Any], step: int
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Return ``(delta, state)`` for one parameter; ``param += delta`` is applied by the driver.

        A subclass may also define ``update_in_place(param, grad, state, hyper, step) ->
        state``, which makes the same change to the array ``param`` in place; the driver
        then calls that instead (see :func:`add_scaled`). ``update`` stays the reference:
        the conformance kit checks that the two agree.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement update()")

    def __repr__(self) -> str:
        options = ", ".join(f"{k}={v!r}" for k, v in self.defaults.items())
        return f"{type(self).__name__}({options})"


# ------------------------------------------------------------------------------ driver
class _Slot:
    """One parameter with its state and its own update count t."""

    __slots__ = ("param", "state", "step")

    def __init__(self, param: Tensor, state: dict[str, Any]) -> None:
        self.param = param
        self.state = state
        self.step = 0


_NO_EPOCH = -1


class Optimizer:
    """Drives an update rule over parameter groups: ``step()``, ``zero_grad()``, state dicts.

    Args:
        params: an iterable of :class:`~minigrad.Parameter` (e.g. ``model.parameters()``),
            or of param-group dicts ``{"params": [...], "lr": 0.01, <other hyper>}`` whose
            values override the optimizer-wide ones for that group.
        rule: an update rule (see the module docstring), e.g. from a registered factory;
            :func:`minigrad.optimizer` builds both in one call by name.
        lr: learning rate for every group that does not set its own; default
            ``rule.defaults["lr"]``.
        schedule: optional ``fn(epoch) -> lr``, as :meth:`attach_schedule`.
        **hyper: other hyperparameters for every group (``beta1=0.95``); unknown keys
            and out-of-range values raise :class:`~minigrad.ConfigError`.

    Each parameter keeps its own state and update count t (a parameter whose ``grad`` is
    None is skipped and its t does not advance). ``param.data`` is updated in place and
    keeps its dtype (float32 models stay float32).

    Hyperparameters live in :attr:`param_groups` (one dict per group, with the group's
    ``"params"``); change them there, through :attr:`lr` or with a schedule.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> w = mg.Parameter(np.array([1.0, 2.0]))
        >>> b = mg.Parameter(np.array([0.5]), regularize=False)
        >>> opt = mg.optimizer("momentum", [{"params": [w]}, {"params": [b], "lr": 0.0}],
        ...                    lr=0.1, beta=0.9)
        >>> ((w * w).sum() + b.sum()).backward()
        >>> opt.step()
        >>> w.data, b.data                 # v = 0.1 * g, w -= 0.1 v; b has lr 0
        (array([0.98, 1.96]), array([0.5]))
        >>> opt
        Optimizer(momentum, 2 groups, 2 params, lr=[0.1, 0.0], beta=0.9, bias_correction=False)
    """

    def __init__(
        self,
        params: Iterable[Any],
        rule: Any,
        *,
        lr: float | None = None,
        schedule: Callable[[Any], float] | None = None,
        **hyper: Any,
    ) -> None:
        for attribute in ("defaults", "init", "update"):
            if not hasattr(rule, attribute):
                hint = (
                    f"; to build one by name use mg.optimizer({rule!r}, params, ...)"
                    if isinstance(rule, str)
                    else ""
                )
                raise ConfigError(
                    f"Optimizer: rule {rule!r} has no '{attribute}'; an update rule needs "
                    f"'defaults', 'init(param)' and 'update(grad, state, hyper, step)'{hint}"
                )
        self.rule = rule
        self.name: str = getattr(rule, "name", None) or type(rule).__name__
        defaults = dict(rule.defaults)
        if "lr" not in defaults:
            raise PluginError(f"optimizer '{self.name}': its rule's defaults {defaults} have no 'lr'")
        if lr is not None:
            hyper["lr"] = lr
        self._base = self._validate(hyper, None)
        self._pass_param = _update_takes_param(rule)
        self._update_in_place = _in_place_method(rule)

        self.param_groups: list[dict[str, Any]] = []
        self._slots: list[list[_Slot]] = []
        self._owner: dict[int, int] = {}  # id(param) -> group index
        items = self._as_list(params)
        if not items:
            raise ConfigError(
                f"optimizer '{self.name}': got an empty parameter list; pass model.parameters() "
                "of a model that has parameters"
            )
        if all(isinstance(item, Mapping) for item in items):
            for group in items:
                self.add_param_group(group)
        elif any(isinstance(item, Mapping) for item in items):
            raise ConfigError(
                f"optimizer '{self.name}': params mixes parameters and param-group dicts; "
                "pass either a list of Parameters or a list of {'params': [...], ...} dicts"
            )
        else:
            self.add_param_group({"params": items})
        #: Number of completed :meth:`step` calls.
        self.iterations = 0
        self.schedule: Callable[[Any], float] | None = None
        self.epoch: int | float | None = None
        if schedule is not None:
            self.attach_schedule(schedule)

    # ------------------------------------------------------------------ set-up
    def _as_list(self, params: Any) -> list[Any]:
        if isinstance(params, Tensor):
            raise ConfigError(
                f"optimizer '{self.name}': params is a single {type(params).__name__}; "
                "pass an iterable of them, e.g. [w] or model.parameters()"
            )
        if isinstance(params, Module):
            raise ConfigError(
                f"optimizer '{self.name}': params is a {type(params).__name__} module; "
                "pass model.parameters()"
            )
        if isinstance(params, Mapping):
            return [params]
        try:
            return list(params)
        except TypeError:
            raise ConfigError(
                f"optimizer '{self.name}': params must be an iterable of Parameters or of "
                f"param-group dicts, got {type(params).__name__}"
            ) from None

    def _where(self, group: int | None) -> str:
        return f"optimizer '{self.name}'" + ("" if group is None else f" (param group {group})")

    def _validate(self, hyper: Mapping[str, Any], group: int | None) -> dict[str, Any]:
        """Merge ``hyper`` over the rule's defaults and check it; errors end with the group."""
        try:
            known = self.rule.defaults
            unknown = [key for key in hyper if key not in known]
            if unknown:
                raise ConfigError(
                    f"optimizer '{self.name}': unknown hyperparameter{'s' if len(unknown) > 1 else ''} "
                    f"{', '.join(map(repr, unknown))}; {self.name} takes {', '.join(map(repr, known))}"
                )
            merged = {**known, **hyper}
            merged["lr"] = self._checked_lr(merged["lr"])
            validate = getattr(self.rule, "validate", None)
            return merged if validate is None else dict(validate(merged))
        except ConfigError as err:
            if group is None:
                raise
            raise ConfigError(f"{err} (param group {group})") from err

    def _checked_lr(self, value: Any) -> float:
        owner = f"optimizer '{self.name}'"
        return check_hyperparameters(owner, {"lr": value}, {"lr": 0.0}, {"lr": NONNEGATIVE})["lr"]

    def add_param_group(self, group: Mapping[str, Any]) -> None:
        """Add a group ``{"params": [...], <hyper>: value}``; missing hyperparameters take the
        optimizer-wide values. A parameter may belong to one group only.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> w, b = mg.Parameter(np.ones(2)), mg.Parameter(np.zeros(1))
            >>> opt = mg.optimizer("sgd", [w], lr=0.1)
            >>> opt.add_param_group({"params": [b], "lr": 0.01})
            >>> [g["lr"] for g in opt.param_groups]
            [0.1, 0.01]
        """
        index = len(self.param_groups)
        if not isinstance(group, Mapping) or "params" not in group:
            raise ConfigError(
                f"{self._where(index)}: a param group is a dict with a 'params' list, got {group!r}"
            )
        params = self._as_list(group["params"])
        if not params:
            raise ConfigError(f"{self._where(index)}: the group's 'params' list is empty")
        seen: dict[int, int] = {}
        for position, param in enumerate(params):
            if not isinstance(param, Tensor) or not param.requires_grad:
                what = type(param).__name__
                if isinstance(param, tuple):
                    what += " (pass model.parameters(), not named_parameters())"
                elif isinstance(param, Tensor):
                    what += (
                        " that does not require a gradient (frozen?); give the optimizer the trainable "
                        "ones: [p for p in model.parameters() if p.requires_grad]"
                    )
                raise ConfigError(f"{self._where(index)}: item {position} of params is a {what}")
            if param.data.dtype.kind != "f":
                raise ConfigError(
                    f"{self._where(index)}: item {position} has dtype {param.data.dtype}; "
                    "parameters must be float arrays"
                )
            owner = self._owner.get(id(param), seen.get(id(param)))
            if owner is not None:
                twice = "twice in this group" if owner == index else f"in param groups {owner} and {index}"
                name = f" '{param.name}'" if param.name else ""
                raise ConfigError(
                    f"{self._where(index)}: parameter{name} of shape {param.shape} appears {twice}; "
                    "each parameter may belong to one group only"
                )
            seen[id(param)] = index
        hyper = self._validate({**self._base, **{k: v for k, v in group.items() if k != "params"}}, index)
        slots = [_Slot(p, self.rule.init(p.data)) for p in params]
        self._owner.update(seen)
        self.param_groups.append({"params": params, **hyper})
        self._slots.append(slots)

    # -------------------------------------------------------------- training
    def step(self) -> None:
        """Apply one update to every parameter that has a gradient (``param.data += delta``,
        or the rule's ``update_in_place`` when it has one).

        The updates are independent of each other; they run from the last parameter to
        the first, so the first layer's weights, which the next forward pass reads first,
        are the ones still in the CPU cache when the step returns.

        A step is not atomic: an interrupt (Ctrl-C, ``KeyboardInterrupt``) or another
        exception raised during it can leave some parameters (and their optimizer state)
        updated and the others not, a model that matches no step. After such an
        interruption, reload a checkpoint, or the model's and the optimizer's state dicts
        saved before the step, before training on. (A backward through a graph recorded
        before the step is refused anyway: its parameters were changed in place.)
        """
        update = self.rule.update
        pass_param = self._pass_param
        in_place = self._update_in_place
        for group, slots in zip(reversed(self.param_groups), reversed(self._slots)):
            hyper = dict(group)
            del hyper["params"]
            for slot in reversed(slots):
                param = slot.param
                grad = param.grad
                if grad is None:
                    continue
                data = param.data
                if getattr(grad, "shape", None) != data.shape:  # a .grad set by hand
                    got = f"shape {grad.shape}" if hasattr(grad, "shape") else f"a {type(grad).__name__}"
                    raise ShapeError(
                        f"optimizer '{self.name}': a parameter of shape {param.data.shape} has a .grad "
                        f"of {got}; set .grad to an array of the parameter's shape (backward() does)"
                    )
                t = slot.step + 1
                param._changed_at = _next_sequence()  # see _mark_changed (inlined)
                if in_place is not None:
                    slot.state = in_place(data, grad, slot.state, hyper, t)
                    slot.step = t
                    continue
                if pass_param:
                    delta, state = update(grad, slot.state, hyper, t, param=data)
                else:
                    delta, state = update(grad, slot.state, hyper, t)
                try:
                    data += delta  # in place: keeps the buffer and the dtype
                except (ValueError, TypeError) as err:
                    raise PluginError(
                        f"optimizer '{self.name}': update returned a delta of shape "
                        f"{np.shape(delta)} for a parameter of shape {param.shape}: {err}"
                    ) from err
                slot.state = state
                slot.step = t
        self.iterations += 1

    def zero_grad(self, *, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient before the next backward pass.

        By default the gradients are dropped (``.grad`` becomes None), as in PyTorch 2:
        the next backward then hands each parameter the gradient array it computes,
        with no pass to zero a buffer and none to add into it. ``set_to_none=False``
        fills the existing buffers with zeros instead, for code that reads ``.grad``
        between the steps and expects an array.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> w = mg.Parameter(np.ones(2)); opt = mg.optimizer("sgd", [w])
            >>> (w * 3).sum().backward(); opt.zero_grad(); w.grad is None
            True
            >>> (w * 3).sum().backward(); opt.zero_grad(set_to_none=False); w.grad
            array([0., 0.])
        """
        for slots in self._slots:
            for slot in slots:
                param = slot.param
                if set_to_none:
                    param.grad = None
                elif param.grad is not None:
                    param.grad.fill(0)

    # ------------------------------------------------------------ learning rate
    @property
    def lr(self) -> float:
        """The learning rate (of the first param group); setting it sets every group's.

        :attr:`lrs` lists each group's rate when groups set their own.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> opt = mg.optimizer("adam", [mg.Parameter(np.ones(2))])
            >>> opt.lr
            0.001
            >>> opt.lr = 0.01; opt.param_groups[0]["lr"]
            0.01
        """
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        rate = self._checked_lr(value)
        for group in self.param_groups:
            group["lr"] = rate
        self._base["lr"] = rate

    @property
    def lrs(self) -> list[float]:
        """The learning rate of each param group.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> w, b = mg.Parameter(np.ones(2)), mg.Parameter(np.ones(1))
            >>> mg.optimizer("sgd", [{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1).lrs
            [0.1, 0.5]
        """
        return [group["lr"] for group in self.param_groups]

    def attach_schedule(self, schedule: Callable[[Any], float] | None) -> None:
        """Drive the learning rate by ``schedule(epoch) -> lr`` (None detaches it).

        The schedule **replaces** the learning rate: :meth:`set_epoch` sets every group's
        ``lr`` to ``schedule(epoch)``, whatever ``lr`` the optimizer or a group was built
        with. A schedule's own ``lr0`` is the rate at epoch 0, so attaching sets
        ``lr = schedule(0)`` straight away (and the epoch to 0).

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> opt = mg.optimizer("sgd", [mg.Parameter(np.ones(2))], lr=1.0)
            >>> opt.attach_schedule(mg.schedule("inverse_time", lr0=0.2, decay_rate=1.0))
            >>> opt.lr
            0.2
            >>> opt.set_epoch(3); opt.lr
            0.05
        """
        if schedule is not None and not callable(schedule):
            raise ConfigError(
                f"optimizer '{self.name}': schedule must be a function epoch -> lr, got "
                f"{type(schedule).__name__}; build one with mg.schedule(name, lr0=...)"
            )
        self.schedule = schedule
        if schedule is not None:
            self.set_epoch(0)

    def set_epoch(self, epoch: int | float) -> None:
        """Record ``epoch`` (or step, for per-step schedules) and, if a schedule is attached,
        set every group's ``lr = schedule(epoch)``.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> opt = mg.optimizer("sgd", [mg.Parameter(np.ones(1))],
            ...                    schedule=mg.schedule("exponential", lr0=1.0, base=0.5))
            >>> opt.set_epoch(2); opt.lr
            0.25
        """
        if isinstance(epoch, bool) or not isinstance(epoch, numbers.Real) or epoch < 0:
            raise ConfigError(f"optimizer '{self.name}': set_epoch({epoch!r}) needs a number >= 0")
        if self.schedule is not None:
            try:
                rate = self._checked_lr(self.schedule(epoch))
            except ConfigError as err:
                raise ConfigError(
                    f"{err} (returned by the schedule {self.schedule!r} at epoch {epoch})"
                ) from err
            for group in self.param_groups:
                group["lr"] = rate
            self._base["lr"] = rate
        self.epoch = epoch

    # -------------------------------------------------------------- inspection
    def state_of(self, param: Tensor) -> dict[str, Any]:
        """A copy of one parameter's state, with its update count under ``"step"``.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> w = mg.Parameter(np.ones(2)); opt = mg.optimizer("momentum", [w], lr=0.1)
            >>> (2 * w).sum().backward(); opt.step()
            >>> opt.state_of(w)
            {'step': 1, 'v': array([0.2, 0.2])}
        """
        for slots in self._slots:
            for slot in slots:
                if slot.param is param:
                    copied = {
                        k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in slot.state.items()
                    }
                    return {"step": slot.step, **copied}
        raise ConfigError(
            f"optimizer '{self.name}': that parameter (shape {param.shape}) is not optimized here"
        )

    def __repr__(self) -> str:
        n_params = sum(len(slots) for slots in self._slots)
        n_groups = len(self.param_groups)
        shown = []
        for key in self.rule.defaults:
            values = [group[key] for group in self.param_groups]
            shown.append(f"{key}={values[0]!r}" if all(v == values[0] for v in values) else f"{key}={values}")
        groups = f"{n_groups} group{'s' if n_groups > 1 else ''}"
        params = f"{n_params} param{'s' if n_params > 1 else ''}"
        return f"Optimizer({self.name}, {groups}, {params}, {', '.join(shown)})"

    # -------------------------------------------------------------- state dict
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume, as a flat dict of NumPy arrays, numbers and one string.

        It can be saved with ``np.savez(path, **optimizer.state_dict())`` and read back with
        ``np.load(path, allow_pickle=False)``; loading it continues training bit-identically.
        Parameters are numbered ``i = 0, 1, ...`` in group order, then in the order
        given. Keys:

        - ``"rule"``: the rule's name (``"adam"``), checked on load;
        - ``"iterations"``: completed :meth:`step` calls; ``"epoch"``: the last
          :meth:`set_epoch` value, ``-1`` if none;
        - ``"num_groups"``, ``"num_params"``;
        - ``"group.{g}.params"``: int array of the parameter numbers in group ``g``;
        - ``"group.{g}.{hyper}"``: each hyperparameter of group ``g`` (``group.0.lr``);
        - ``"param.{i}.step"``: parameter ``i``'s update count t;
        - ``"param.{i}.{key}"``: a copy of each entry of its state (``param.3.v``).

        The parameters themselves are not included (save ``model.state_dict()``), nor is
        an attached schedule (a function; attach it again after loading).

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> w = mg.Parameter(np.ones(2)); opt = mg.optimizer("momentum", [w], lr=0.1)
            >>> sorted(opt.state_dict())  # doctest: +NORMALIZE_WHITESPACE
            ['epoch', 'group.0.beta', 'group.0.bias_correction', 'group.0.lr', 'group.0.params',
             'iterations', 'num_groups', 'num_params', 'param.0.step', 'param.0.v', 'rule']
        """
        state: dict[str, Any] = {
            "rule": self.name,
            "iterations": self.iterations,
            "epoch": _NO_EPOCH if self.epoch is None else self.epoch,
            "num_groups": len(self.param_groups),
            "num_params": sum(len(slots) for slots in self._slots),
        }
        index = 0
        for g, (group, slots) in enumerate(zip(self.param_groups, self._slots)):
            state[f"group.{g}.params"] = np.arange(index, index + len(slots), dtype=np.int64)
            for key, value in group.items():
                if key != "params":
                    state[f"group.{g}.{key}"] = value
            for slot in slots:
                state[f"param.{index}.step"] = slot.step
                for key, value in slot.state.items():
                    state[f"param.{index}.{key}"] = value.copy() if isinstance(value, np.ndarray) else value
                index += 1
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved (also from ``np.load``); every problem is
        reported at once as a :class:`~minigrad.StateDictError`.

        The optimizer must have been built like the saved one: same rule, same groups of
        parameters with the same shapes and dtypes. Hyperparameters, update counts, state
        arrays (copied) and the epoch are restored; a schedule stays attached but is not
        called (the saved learning rate is kept until the next :meth:`set_epoch`).

        Example:
            >>> import io
            >>> import numpy as np
            >>> import minigrad as mg
            >>> w = mg.Parameter(np.ones(2)); opt = mg.optimizer("adam", [w], lr=0.1)
            >>> (w * w).sum().backward(); opt.step()
            >>> buffer = io.BytesIO(); np.savez(buffer, **opt.state_dict()); _ = buffer.seek(0)
            >>> fresh = mg.optimizer("adam", [w])
            >>> fresh.load_state_dict(np.load(buffer, allow_pickle=False))
            >>> fresh.lr, fresh.state_of(w)["step"]
            (0.1, 1)
        """
        where = f"load_state_dict into optimizer '{self.name}'"
        if not isinstance(state, Mapping) and not hasattr(state, "keys"):
            raise StateDictError(f"{where}: expected a dict (or np.load result), got {type(state).__name__}")
        keys = set(state.keys())
        expected = self.state_dict()
        problems: list[str] = []
        saved_rule = _as_str(state["rule"]) if "rule" in keys else None
        if saved_rule is not None and saved_rule != self.name:
            raise StateDictError(
                f"{where}: the state dict was saved by optimizer '{saved_rule}'; build a "
                f"'{saved_rule}' optimizer to load it"
            )
        missing = sorted(k for k in expected if k not in keys)
        unexpected = sorted(k for k in keys if k not in expected)
        if missing:
            problems.append(f"missing keys {missing}")
        if unexpected:
            problems.append(f"unexpected keys {unexpected}")
        values: dict[str, Any] = {}
        for key, current in expected.items():
            if key not in keys or key in ("rule", "epoch"):
                continue
            raw = state[key]
            if isinstance(current, np.ndarray):
                new = np.asarray(raw)
                if new.shape != current.shape:
                    problems.append(f"{key}: shape {new.shape} in the state dict but {current.shape} here")
                elif key.endswith(".params") and not np.array_equal(new, current):
                    problems.append(f"{key}: groups hold parameters {new.tolist()}, here {current.tolist()}")
                elif new.dtype != current.dtype:
                    problems.append(f"{key}: dtype {new.dtype} in the state dict but {current.dtype} here")
                else:
                    values[key] = np.array(new, copy=True)
            else:
                try:
                    values[key] = _as_number(raw, current)
                except (TypeError, ValueError):
                    problems.append(f"{key}: {raw!r} is not a number like {current!r}")
        epoch = np.asarray(state["epoch"]).item() if "epoch" in keys else _NO_EPOCH
        if (
            isinstance(epoch, bool)
            or not isinstance(epoch, int | float)
            or (epoch < 0 and epoch != _NO_EPOCH)
        ):
            problems.append(f"epoch: {epoch!r} is not an epoch (a number >= 0, or -1 for none)")
        for key in ("num_groups", "num_params"):
            if key in values and values[key] != expected[key]:
                problems.append(f"{key}: {values[key]} in the state dict but {expected[key]} here")
        if problems:
            raise StateDictError(f"{where}: " + "; ".join(problems))

        hypers = []
        for g, group in enumerate(self.param_groups):
            hyper = {key: values[f"group.{g}.{key}"] for key in group if key != "params"}
            try:
                hypers.append(self._validate(hyper, g))
            except ConfigError as err:
                raise StateDictError(f"{where}: {err}") from err
        index = 0
        for group, slots, hyper in zip(self.param_groups, self._slots, hypers):
            group.update(hyper)
            for slot in slots:
                slot.step = values[f"param.{index}.step"]
                slot.state = {key: values[f"param.{index}.{key}"] for key in slot.state}
                index += 1
        self.iterations = values["iterations"]
        self.epoch = None if epoch == _NO_EPOCH else epoch
        self._base["lr"] = self.param_groups[0]["lr"]


def _as_str(value: Any) -> str:
    return str(np.asarray(value).item()) if isinstance(value, np.ndarray) else str(value)


def _as_number(raw: Any, like: Any) -> Any:
    """``raw`` (a number or 0-d array from np.load) as the Python type of ``like``."""
    value = np.asarray(raw)
    if value.ndim != 0 or value.dtype.kind not in "biuf":
        raise TypeError(raw)
    value = value.item()
    if isinstance(like, bool):
        return bool(value)
    if isinstance(like, int):
        if value != int(value):
            raise ValueError(raw)
        return int(value)
    return float(value)


def optimizer(
    name: str, params: Iterable[Any], *, schedule: Callable[[Any], float] | None = None, **hyper: Any
) -> Optimizer:
    """Build an :class:`Optimizer` around the registered update rule ``name``.

    ``hyper`` goes to the rule's factory (unknown keys and out-of-range values raise
    :class:`~minigrad.ConfigError` naming the optimizer, key and value); param-group dicts
    in ``params`` may override it per group.

    Args:
        name: a registered optimizer: ``sgd``, ``momentum``, ``rmsprop``, ``adam``,
            ``adamw`` or one a plugin adds.
        params: ``model.parameters()`` or a list of param-group dicts.
        schedule: optional ``fn(epoch) -> lr`` (see :meth:`Optimizer.attach_schedule`).
        **hyper: hyperparameters, e.g. ``lr=0.01, beta1=0.9``.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> model = mg.Sequential(mg.layer("dense", 3, 2))
        >>> opt = mg.optimizer("adam", model.parameters(), lr=0.01)
        >>> opt.lr, opt.rule.defaults["beta2"]
        (0.01, 0.999)
        >>> mg.optimizer("adam", model.parameters(), beta1=1.5)
        Traceback (most recent call last):
        ...
        minigrad.errors.ConfigError: optimizer 'adam': beta1 = 1.5 is out of range [0, 1)
    """
    rule = get_plugin_manager().registry("optimizers").create(name, **hyper)
    return Optimizer(params, rule, schedule=schedule)
