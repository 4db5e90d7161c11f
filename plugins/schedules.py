"""Built-in learning-rate schedules: pure functions ``epoch -> learning rate``.

Learning-rate decay takes big steps early and small ones near the minimum, where
mini-batch noise would otherwise keep the iterate wandering. Each factory takes the
initial rate ``lr0`` (the rate at epoch 0) and keyword options, validates them
(:class:`~minigrad.ConfigError` naming the schedule, option and value) and returns a
:class:`Schedule`. Attach one with ``Optimizer(..., schedule=fn)`` or
``optimizer.attach_schedule(fn)``; ``optimizer.set_epoch(e)`` then sets ``lr = fn(e)``.
Epochs count from 0 (the course counts from 1, so each of its decays runs one epoch later
here; pass ``lambda epoch: fn(epoch + 1)`` for its numbering) and may be fractional, so a
schedule can be driven per step as well (``set_epoch(step / steps_per_epoch)``).

Example:
    >>> import minigrad as mg
    >>> decay = mg.schedule("inverse_time", lr0=0.2, decay_rate=1.0)
    >>> [decay(epoch) for epoch in (0, 1, 3)]
    [0.2, 0.1, 0.05]
    >>> decay
    inverse_time(lr0=0.2, decay_rate=1.0)
"""

from __future__ import annotations

import bisect
import itertools
import math
import numbers
import reprlib
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

from minigrad.errors import ConfigError
from minigrad.optim import NONNEGATIVE, POSITIVE, Bound, check_hyperparameters

__all__ = [
    "CosineRestarts",
    "Schedule",
    "constant",
    "cosine_restarts",
    "exponential",
    "inverse_sqrt",
    "inverse_time",
    "piecewise",
    "register",
    "staircase",
]


class Schedule:
    """A named, pure learning-rate schedule: call it with an epoch (>= 0) to get a float.

    Example:
        >>> from minigrad_plugins.schedules import Schedule
        >>> halving = Schedule("halving", lambda epoch: 1.0 / 2**epoch, {})
        >>> halving(3), halving
        (0.125, halving())
    """

    __slots__ = ("_rate", "name", "options")

    def __init__(self, name: str, rate: Callable[[float], float], options: dict[str, Any]) -> None:
        self.name = name
        self.options = options
        self._rate = rate

    def __call__(self, epoch: float) -> float:
        if isinstance(epoch, bool) or not isinstance(epoch, numbers.Real) or not 0 <= epoch <= _LARGEST:
            raise _epoch_error(epoch, f"schedule '{self.name}'")
        return float(self._rate(epoch))

    def __repr__(self) -> str:
        return f"{self.name}({', '.join(f'{k}={v!r}' for k, v in self.options.items())})"


#: (0, 1]: per-epoch decay factors.
_FRACTION = Bound(0.0, 1.0, low_open=True)
#: Epochs are finite: the largest float is the last one a schedule answers.
_LARGEST = sys.float_info.max
#: log of the largest float: a cycle start beyond it is inf.
_LOG_LARGEST = math.log(_LARGEST)
#: Where m^i overflows, cycle bounds are computed exactly up to this index, in logarithms beyond.
_EXACT_INDEX = 1100
#: Bound on each search loop of :meth:`CosineRestarts._index` (none needs more than ~65 steps).
_MAX_STEPS = 128
#: :meth:`CosineRestarts.restarts` refuses to build a longer list.
_MAX_RESTARTS = 1_000_000


def _epoch_error(epoch: Any, where: str, what: str = "epoch") -> ConfigError:
    return ConfigError(f"{where}: {what} = {reprlib.repr(epoch)} must be a finite number >= 0")


def _checked_epoch(epoch: Any, where: str, what: str = "epoch") -> Any:
    """``epoch`` if it is a real number in [0, largest float], else a ConfigError from ``where``."""
    if isinstance(epoch, bool) or not isinstance(epoch, numbers.Real) or not 0 <= epoch <= _LARGEST:
        raise _epoch_error(epoch, where, what)
    return epoch


def _exp(value: float) -> float:
    """e^value, inf past the float range."""
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


def _float(value: Fraction) -> float:
    """The float nearest ``value``, inf past the float range."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _options(name: str, bounds: dict[str, Bound], **options: Any) -> dict[str, Any]:
    for key, value in options.items():  # integers beyond floats (10**400) can't be range-checked
        if isinstance(value, numbers.Integral) and not isinstance(value, bool) and abs(value) > _LARGEST:
            raise ConfigError(
                f"schedule '{name}': {key} = {reprlib.repr(value)} is beyond the float range; "
                f"give {key} a value in {bounds.get(key, 'range')} below 1.8e308"
            )
    return check_hyperparameters(f"schedule '{name}'", options, options, bounds)


# ------------------------------------------------------------------------ schedules
def constant(lr0: float) -> Schedule:
    """lr = lr0 at every epoch.

    Example:
        >>> from minigrad_plugins.schedules import constant
        >>> constant(0.05)(100)
        0.05
    """
    o = _options("constant", {"lr0": POSITIVE}, lr0=lr0)
    rate = o["lr0"]
    return Schedule("constant", lambda epoch: rate, o)


def inverse_time(lr0: float, *, decay_rate: float = 1.0) -> Schedule:
    """lr = lr0 / (1 + decay_rate * epoch), the course's learning-rate decay.

    Args:
        lr0: initial rate, > 0.
        decay_rate: >= 0 (0 keeps lr0).

    Example:
        >>> from minigrad_plugins.schedules import inverse_time
        >>> inverse_time(0.2, decay_rate=1.0)(3)
        0.05
    """
    o = _options("inverse_time", {"lr0": POSITIVE, "decay_rate": NONNEGATIVE}, lr0=lr0, decay_rate=decay_rate)
    lr0, decay_rate = o["lr0"], o["decay_rate"]
    return Schedule("inverse_time", lambda epoch: lr0 / (1.0 + decay_rate * epoch), o)


def exponential(lr0: float, *, base: float = 0.95) -> Schedule:
    """lr = lr0 * base^epoch (the course's 0.95^epoch by default).

    Args:
        lr0: initial rate, > 0.
        base: decay per epoch, in (0, 1].

    Example:
        >>> from minigrad_plugins.schedules import exponential
        >>> round(exponential(0.1)(2), 12)    # 0.1 * 0.9025
        0.09025
    """
    o = _options("exponential", {"lr0": POSITIVE, "base": _FRACTION}, lr0=lr0, base=base)
    lr0, base = o["lr0"], o["base"]
    return Schedule("exponential", lambda epoch: lr0 * base**epoch, o)


def inverse_sqrt(lr0: float, *, k: float = 1.0) -> Schedule:
    """lr = lr0 * k / sqrt(max(epoch, 1)).

    The course writes k / sqrt(epoch_num) * lr0 with epochs counted from 1; we count
    from 0, and epoch 0 uses the epoch-1 rate (lr0 * k) instead of dividing by zero, so
    the formula holds verbatim for every epoch >= 1 and the rate never increases.

    Args:
        lr0: base rate, > 0.
        k: > 0, scales the whole curve.

    Example:
        >>> from minigrad_plugins.schedules import inverse_sqrt
        >>> fn = inverse_sqrt(0.3, k=2.0)
        >>> fn(0), fn(1), fn(4), fn(9)
        (0.6, 0.6, 0.3, 0.2)
    """
    o = _options("inverse_sqrt", {"lr0": POSITIVE, "k": POSITIVE}, lr0=lr0, k=k)
    lr0, k = o["lr0"], o["k"]
    return Schedule("inverse_sqrt", lambda epoch: lr0 * k / math.sqrt(max(epoch, 1)), o)


def staircase(lr0: float, *, factor: float = 0.5, step_size: float = 10) -> Schedule:
    """lr = lr0 * factor^floor(epoch / step_size): discrete decay every ``step_size`` epochs.

    Args:
        lr0: initial rate, > 0.
        factor: multiplier per stair, in (0, 1].
        step_size: epochs per stair, > 0.

    Example:
        >>> from minigrad_plugins.schedules import staircase
        >>> fn = staircase(0.1, factor=0.5, step_size=10)
        >>> fn(9), fn(10), fn(25)
        (0.1, 0.05, 0.025)
    """
    bounds = {"lr0": POSITIVE, "factor": _FRACTION, "step_size": POSITIVE}
    o = _options("staircase", bounds, lr0=lr0, factor=factor, step_size=step_size)
    lr0, factor, step_size = o["lr0"], o["factor"], o["step_size"]

    def rate(epoch: float) -> float:
        stairs = epoch / step_size  # inf for a tiny step_size: factor^inf is 0 (or 1 for factor 1)
        return lr0 * factor ** (math.floor(stairs) if stairs < math.inf else stairs)

    return Schedule("staircase", rate, o)


def piecewise(lr0: float, *, boundaries: Sequence[float], values: Sequence[float]) -> Schedule:
    """lr = lr0 before boundaries[0], values[i] from boundaries[i] on: set by hand.

    Args:
        lr0: rate before the first boundary, > 0.
        boundaries: epochs where the rate changes, > 0 and strictly increasing.
        values: the rates (> 0) that start at each boundary; as many as boundaries.

    Example:
        >>> from minigrad_plugins.schedules import piecewise
        >>> fn = piecewise(0.1, boundaries=[5, 10], values=[0.05, 0.01])
        >>> fn(4), fn(5), fn(12)
        (0.1, 0.05, 0.01)
    """
    where = "schedule 'piecewise'"
    o = _options("piecewise", {"lr0": POSITIVE}, lr0=lr0)
    try:
        boundaries, values = list(boundaries), list(values)
    except TypeError:
        raise ConfigError(f"{where}: boundaries and values must be lists of numbers") from None
    if not boundaries or len(boundaries) != len(values):
        raise ConfigError(
            f"{where}: needs one value per boundary (at least one), got boundaries = {boundaries} "
            f"and values = {values}"
        )
    for name, items in (("boundaries", boundaries), ("values", values)):
        for i, item in enumerate(items):
            key = f"{name}[{i}]"
            check_hyperparameters(where, {key: item}, {key: 1.0}, {key: POSITIVE})
    if any(later <= earlier for earlier, later in itertools.pairwise(boundaries)):
        raise ConfigError(f"{where}: boundaries = {boundaries} must be strictly increasing")
    o["boundaries"] = edges = tuple(float(b) for b in boundaries)
    o["values"] = tuple(float(v) for v in values)
    rates = (o["lr0"], *o["values"])
    return Schedule("piecewise", lambda epoch: rates[bisect.bisect_right(edges, epoch)], o)


class CosineRestarts(Schedule):
    """The schedule :func:`cosine_restarts` returns; it also knows where its cycles restart.

    Cycle i starts at S(i) = period (m^i - 1) / (m - 1) (i * period when m = 1) and lasts
    T_i = period * m^i. Every epoch a float can hold is answered in a bounded number of
    steps: with m = 1 the remainder t_cur = epoch mod period is exact (``divmod``); with
    m > 1 the index comes from logarithms, m^i <= 1 + epoch (m - 1) / period, and a few
    comparisons with S fix what rounding moved.
    """

    __slots__ = (
        "_integers",
        "_log_m",
        "_log_scale",
        "_lr0",
        "_lr_min",
        "_multiplier",
        "_near_one",
        "_period",
    )

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__("cosine_restarts", self._cosine, options)
        self._lr0, self._lr_min = options["lr0"], options["lr_min"]
        self._period, m = options["period"], options["multiplier"]
        self._multiplier = m
        self._log_m = math.log1p(m - 1)  # log m, accurate for m near 1
        # log S(i) ~ log(period / (m - 1)) + i log m once m^i >> 1
        self._log_scale = math.log(self._period) - math.log(m - 1) if m > 1 else 0.0
        self._near_one = m - 1 < 2**-10
        self._integers = isinstance(self._period, int) and isinstance(m, int)

    # ------------------------------------------------------------ cycle arithmetic
    def _start(self, index: int) -> float:
        """S(index) = period (m^i - 1) / (m - 1) for m > 1, inf past the float range."""
        period, m = self._period, self._multiplier
        if index <= 1:
            return float(index * period)  # 0 and period, exactly
        y = index * self._log_m  # log m^i
        if self._log_scale + y > _LOG_LARGEST + 1:
            return math.inf  # certainly beyond floats (and m^i would be a needlessly huge integer)
        if self._integers:  # exact: (m^i - 1) / (m - 1) = 1 + m + ... + m^(i-1)
            try:
                return float(period * ((m**index - 1) // (m - 1)))
            except OverflowError:
                return math.inf
        if self._near_one and y < 1:
            # m^i - 1 would cancel the digits that matter (its rounding / (m - 1) is a large
            # part of a cycle): expm1(i log m) keeps them
            return period * (math.expm1(y) / (m - 1))
        try:
            start = period * ((m**index - 1) / (m - 1))
            if start < math.inf:
                return start
        except OverflowError:
            pass
        # m^i left the float range though S may not have (a tiny period): exact arithmetic
        # while the powers stay small, logarithms beyond (where the -1 no longer matters)
        if index > _EXACT_INDEX:
            return _exp(self._log_scale + y)
        exact_m = Fraction(m)
        return _float(Fraction(period) * (exact_m**index - 1) / (exact_m - 1))

    def _length(self, index: int) -> float:
        """T_index = period * m^index, inf past the float range."""
        period, m = self._period, self._multiplier
        try:
            length = float(period * m**index)
            if length < math.inf or self._integers:
                return length
        except OverflowError:
            if self._integers:
                return math.inf
        if index > _EXACT_INDEX:
            return _exp(math.log(period) + index * self._log_m)
        return _float(Fraction(period) * Fraction(m) ** index)

    def _index(self, epoch: float) -> int:
        """The largest i with S(i) <= epoch (m > 1): a logarithm, then a bounded search.

        S(i) <= epoch  <=>  m^i <= u = 1 + epoch (m - 1) / period, so i = floor(log u / log m)
        up to rounding. The estimate is checked against S; when rounding moved it, the
        bracket S(lo) <= epoch < S(hi) widens by doubling steps and is then bisected. Each
        loop doubles or halves a distance, and S is inf before i reaches 2^63 even for the
        smallest m > 1, so none needs more than ~65 of its _MAX_STEPS.
        """
        period, m = self._period, self._multiplier
        x = epoch / period * (m - 1.0)
        log_u = math.log1p(x) if x < math.inf else math.log(epoch) + math.log(m - 1.0) - math.log(period)
        guess = int(log_u / self._log_m)
        if self._start(guess) <= epoch < self._start(guess + 1):
            return guess  # the usual case
        lo, hi, step = guess, guess + 1, 1
        for _ in range(_MAX_STEPS):
            if lo == 0 or self._start(lo) <= epoch:
                break
            lo, step = max(lo - step, 0), 2 * step
        step = 1
        for _ in range(_MAX_STEPS):
            if epoch < self._start(hi):
                break
            lo, hi, step = hi, hi + step, 2 * step
        for _ in range(_MAX_STEPS):  # bisect: S(lo) <= epoch < S(hi)
            if hi - lo <= 1:
                break
            middle = (lo + hi) // 2
            if self._start(middle) <= epoch:
                lo = middle
            else:
                hi = middle
        return lo

    def _locate(self, epoch: float) -> tuple[int | float, float, float]:
        """``(index, t_cur, length)``: the cycle holding ``epoch`` and the time into it.

        With m = 1 the index may be a float beyond 2^53 (:meth:`cycle` makes it exact).
        """
        if type(epoch) is not int:
            epoch = float(epoch)  # NumPy scalars too
        if self._multiplier == 1:
            index, t_cur = divmod(epoch, self._period)  # t_cur exact: epoch - index * period
            return index, t_cur, float(self._period)
        index = self._index(epoch)
        return index, epoch - self._start(index), self._length(index)

    def cycle(self, epoch: float) -> tuple[int, float, float]:
        """``(index, start, length)`` of the cycle containing ``epoch``.

        Example:
            >>> from minigrad_plugins.schedules import cosine_restarts
            >>> cosine_restarts(1.0, period=4, multiplier=2).cycle(13)
            (2, 12.0, 16.0)
        """
        epoch = _checked_epoch(epoch, f"schedule '{self.name}': cycle()")
        index, t_cur, length = self._locate(epoch)
        if isinstance(index, float):  # m = 1: epoch - t_cur is exactly index * period
            index = int((Fraction(float(epoch)) - Fraction(t_cur)) / Fraction(self._period))
        start = epoch - t_cur if self._multiplier == 1 else self._start(index)
        return index, float(start), length

    def restarts(self, until: float) -> list[float]:
        """The epochs in (0, until) where a new cycle starts and lr jumps back to lr0.

        For a snapshot ensemble, save the model at the end of each cycle, i.e. just
        before each of these epochs (and at the end of training). A span holding more
        than a million restarts is refused with a :class:`~minigrad.ConfigError`.

        Example:
            >>> from minigrad_plugins.schedules import cosine_restarts
            >>> cosine_restarts(0.1, period=5, multiplier=2).restarts(40)
            [5.0, 15.0, 35.0]
        """
        where = f"schedule '{self.name}': restarts(until={reprlib.repr(until)})"
        until = _checked_epoch(until, where, "until")
        if self._multiplier == 1:
            count = divmod(until, self._period)[0]  # the k with k * period <= until

            def start(k: int) -> float:
                return float(k * self._period)
        else:
            count, start = self._index(until), self._start
        if count > _MAX_RESTARTS:
            shown = f"{count:.0f}" if count < 1e18 else f"{count:.3g}"  # int, float or inf
            raise ConfigError(
                f"{where} would list {shown} restarts, more than {_MAX_RESTARTS:,}: ask for a shorter "
                f"span, or use cycle(epoch) to find the cycle of one epoch"
            )
        return [value for value in map(start, range(1, int(count) + 1)) if value < until]

    def _cosine(self, epoch: float) -> float:
        index, t_cur, length = self._locate(epoch)
        if length < math.inf:
            fraction = t_cur / length
        elif t_cur > 0:  # T_i beyond the float range (t_cur is not): divide in logarithms
            fraction = math.exp(math.log(t_cur) - math.log(self._period) - index * self._log_m)
        else:
            fraction = 0.0
        # lr_min + (lr0 - lr_min) (1 + cos(pi t_cur / T_i)) / 2. Late in a cycle 1 + cos
        # cancels to 0 (the rate would touch lr_min before the restart), so there the same
        # factor is taken as sin^2(pi (1 - t_cur / T_i) / 2), 1 - fraction being exact.
        if fraction <= 0.5:
            factor = (1.0 + math.cos(math.pi * fraction)) / 2
        else:
            factor = math.sin(math.pi * (1.0 - fraction) / 2) ** 2
        # at a restart (cos = 1) the sum can round one step above lr0, so it is capped there
        return min(self._lr_min + (self._lr0 - self._lr_min) * factor, self._lr0)


def cosine_restarts(
    lr0: float, *, period: float = 10, lr_min: float = 0.0, multiplier: float = 1
) -> CosineRestarts:
    """lr = lr_min + (lr0 - lr_min) (1 + cos(pi t_cur / T_i)) / 2, restarting each cycle (SGDR).

    Cycle i lasts T_i = period * multiplier^i epochs; t_cur is the number of epochs since
    the cycle began. The rate falls along a half cosine from lr0 towards lr_min, then
    jumps back to lr0. Each cycle's end (low rate, a good minimum) is the moment to save a
    snapshot for a snapshot ensemble (:meth:`CosineRestarts.restarts` lists the restarts).

    Args:
        lr0: rate at the start of every cycle, > 0.
        period: length of the first cycle in epochs, > 0.
        lr_min: floor, 0 <= lr_min < lr0 (the rate stays above it within a cycle).
        multiplier: each cycle is this many times longer than the previous one, >= 1.

    Example:
        >>> from minigrad_plugins.schedules import cosine_restarts
        >>> fn = cosine_restarts(1.0, period=4, lr_min=0.0)
        >>> fn(0), fn(2), fn(4)
        (1.0, 0.5, 1.0)
    """
    bounds = {"lr0": POSITIVE, "period": POSITIVE, "lr_min": NONNEGATIVE, "multiplier": Bound(1.0)}
    o = _options("cosine_restarts", bounds, lr0=lr0, period=period, lr_min=lr_min, multiplier=multiplier)
    if o["lr_min"] >= o["lr0"]:
        raise ConfigError(
            f"schedule 'cosine_restarts': lr_min = {o['lr_min']!r} must be below lr0 = {o['lr0']!r}"
        )
    return CosineRestarts(o)


# ------------------------------------------------------------ examples for the kit
# Each returns (fn, [(epoch, expected_lr), ...]) with the expected rates worked out by
# hand from the documented formula, not by calling the schedule.
def _constant_example(rng: Any) -> tuple[Schedule, list[tuple[float, float]]]:
    return constant(0.05), [(0, 0.05), (1, 0.05), (7, 0.05), (100, 0.05)]


def _inverse_time_example(rng: Any) -> tuple[Schedule, list[tuple[float, float]]]:
    # 0.2 / (1 + 1 * epoch)
    return inverse_time(0.2, decay_rate=1.0), [(0, 0.2), (1, 0.1), (3, 0.05), (9, 0.02)]


def _exponential_example(rng: Any) -> tuple[Schedule, list[tuple[float, float]]]:
    # 0.1 * 0.95^epoch: 0.95^2 = 0.9025, 0.95^3 = 0.857375
    return exponential(0.1), [(0, 0.1), (1, 0.095), (2, 0.09025), (3, 0.0857375)]


def _inverse_sqrt_example(rng: Any) -> tuple[Schedule, list[tuple[float, float]]]:
    # 0.3 * 2 / sqrt(max(epoch, 1))
    return inverse_sqrt(0.3, k=2.0), [(0, 0.6), (1, 0.6), (4, 0.3), (9, 0.2), (16, 0.15)]


def _staircase_example(rng: Any) -> tuple[Schedule, list[tuple[float, float]]]:
    # 0.1 * 0.5^floor(epoch / 10)
    return staircase(0.1, factor=0.5, step_size=10), [(0, 0.1), (9, 0.1), (10, 0.05), (25, 0.025)]


def _piecewise_example(rng: Any) -> tuple[Schedule, list[tuple[float, float]]]:
    fn = piecewise(0.1, boundaries=[5, 10], values=[0.05, 0.01])
    return fn, [(0, 0.1), (4.5, 0.1), (5, 0.05), (9, 0.05), (10, 0.01), (50, 0.01)]


def _cosine_restarts_example(rng: Any) -> tuple[Schedule, list[tuple[float, float]]]:
    # cycles [0, 4), [4, 12), [12, 28); lr = 0.1 + 0.9 (1 + cos(pi t_cur / T)) / 2
    quarter = 0.1 + 0.9 * (0.5 + math.sqrt(2) / 4)  # t_cur / T = 1/4: cos = sqrt(2)/2
    fn = cosine_restarts(1.0, period=4, lr_min=0.1, multiplier=2)
    return fn, [(0, 1.0), (1, quarter), (2, 0.55), (4, 1.0), (6, quarter), (8, 0.55), (12, 1.0), (20, 0.55)]


_SCHEDULES = (
    (constant, "lr0", _constant_example),
    (inverse_time, "lr0 / (1 + decay_rate * epoch)", _inverse_time_example),
    (exponential, "lr0 * base^epoch", _exponential_example),
    (inverse_sqrt, "lr0 * k / sqrt(max(epoch, 1))", _inverse_sqrt_example),
    (staircase, "lr0 * factor^floor(epoch / step_size)", _staircase_example),
    (piecewise, "lr0 before boundaries[0], values[i] from boundaries[i] on", _piecewise_example),
    (
        cosine_restarts,
        "lr_min + (lr0 - lr_min) (1 + cos(pi t_cur / T_i)) / 2, T_i = period * multiplier^i",
        _cosine_restarts_example,
    ),
)


def register(registry):
    """Register the built-in schedules on ``registry``."""
    for factory, formula, example in _SCHEDULES:
        registry.add(factory.__name__, factory, doc=formula, example=example)
