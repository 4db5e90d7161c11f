"""Search spaces: which values a hyperparameter may take, and on which scale to draw them.

The course's rule: sample at random, on the scale where equal distances mean equal
effects. A learning rate between 1e-4 and 1 is drawn as ``10**r`` with ``r`` uniform
in [-4, 0], so each decade gets the same share of trials (a uniform draw would put
90% of them in [0.1, 1]). A momentum ``beta`` between 0.9 and 0.999 is drawn as
``1 - 10**r`` with ``r`` uniform in [-3, -1], because the model is sensitive to
``1 - beta`` (the window ``1 / (1 - beta)`` of the moving average): 0.9 → 0.9005 hardly
matters, 0.999 → 0.9995 doubles the window.

Every distribution has a *sampled scale* ``u`` where draws are uniform:

=========================  =====================  ==================================
distribution               value from ``u``       u range
=========================  =====================  ==================================
``uniform(a, b)``          ``u``                  [a, b]
``log_uniform(a, b)``      ``10**u``              [log10 a, log10 b]
``one_minus_log_uniform``  ``1 - 10**u``          [log10(1 - b), log10(1 - a)]
``int_uniform(a, b)``      ``u`` (integers)       {a, ..., b}
``choice([...])``          ``options[u]``         {0, ..., k - 1}
=========================  =====================  ==================================

Grids are evenly spaced in ``u`` and coarse-to-fine search shrinks intervals in ``u``,
so a zoomed-in learning-rate range stays log-scaled.

In a TOML config a space is the ``[tune.space]`` table, one dotted config key per
hyperparameter (``model.layers[0].units`` and ``model.layers.0.units`` are the same)::

    [tune.space]
    "optimizer.lr" = { log_uniform = [1e-4, 1] }
    "optimizer.beta1" = { one_minus_log_uniform = [0.9, 0.999] }
    "training.batch_size" = { choice = [32, 64, 128] }

Example:
    >>> import numpy as np
    >>> from minigrad.tune import Space, choice, log_uniform
    >>> space = Space({"optimizer.lr": log_uniform(1e-4, 1), "training.batch_size": choice([32, 64])})
    >>> params = space.sample(np.random.default_rng(0))
    >>> sorted(params), 1e-4 <= params["optimizer.lr"] <= 1
    (['optimizer.lr', 'training.batch_size'], True)
"""

from __future__ import annotations

import difflib
import itertools
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from minigrad.errors import ConfigError

__all__ = [
    "DISTRIBUTIONS",
    "Choice",
    "Dimension",
    "IntUniform",
    "LogUniform",
    "OneMinusLogUniform",
    "Space",
    "Uniform",
    "choice",
    "int_uniform",
    "log_uniform",
    "normalize_key",
    "one_minus_log_uniform",
    "parse_dimension",
    "uniform",
]

#: The distribution names a ``[tune.space]`` entry may use.
DISTRIBUTIONS = ("uniform", "log_uniform", "one_minus_log_uniform", "int_uniform", "choice")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _show(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str | list | dict) else repr(value)


class Dimension:
    """One hyperparameter's distribution (base class; build one with :func:`uniform`,
    :func:`log_uniform`, :func:`one_minus_log_uniform`, :func:`int_uniform` or
    :func:`choice`).

    Attributes:
        kind: the distribution name (one of :data:`DISTRIBUTIONS`).
        scale: how plots draw it: ``"linear"``, ``"log"``, ``"one_minus_log"`` (a logit
            axis, so 0.9, 0.99, 0.999 are evenly spaced) or ``"categorical"``.

    Example:
        >>> import numpy as np
        >>> from minigrad import tune
        >>> lr = tune.log_uniform(1e-4, 1)
        >>> isinstance(lr, tune.Dimension), lr.kind, lr.scale
        (True, 'log_uniform', 'log')
        >>> lr.contains(lr.sample(np.random.default_rng(0))), lr.contains(2.0)
        (True, False)
        >>> lr.probes(), lr.to_spec()
        ([0.0001, 1.0], {'log_uniform': [0.0001, 1.0]})
    """

    kind = ""
    scale = "linear"

    def sample(self, rng: np.random.Generator) -> Any:
        """One value drawn with ``rng``."""
        raise NotImplementedError

    def grid(self, points: int) -> list[Any]:
        """``points`` values evenly spaced in the sampled scale (all options of a choice)."""
        raise NotImplementedError

    def probes(self) -> list[Any]:
        """The values that must all be valid in the config (the ends, or every option)."""
        raise NotImplementedError

    def contains(self, value: Any) -> bool:
        """Whether ``value`` can be drawn from this dimension."""
        raise NotImplementedError

    def shrink(self, top: Sequence[Any], best: Any, *, factor: float, margin: float) -> Dimension:
        """A narrower dimension around the values of the best trials (coarse to fine).

        Args:
            top: the values of the best trials.
            best: the value of the single best trial (always kept inside).
            factor: the new width is at most ``factor`` times the old one (and at
                least a tenth of that, so a round never collapses the interval).
            margin: padding on each side of the box around ``top``, as a fraction of
                the old width.
        """
        raise NotImplementedError

    def to_spec(self) -> dict[str, Any]:
        """The TOML/JSON form, e.g. ``{"log_uniform": [0.0001, 1.0]}``."""
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dimension) and self.to_spec() == other.to_spec()

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_spec(), sort_keys=True))

    def __repr__(self) -> str:
        ((kind, args),) = self.to_spec().items()
        if kind == "choice":
            return f"choice({args!r})"
        return f"{kind}({args[0]!r}, {args[1]!r})"


class _Continuous(Dimension):
    """A real interval sampled uniformly in ``u = forward(value)``."""

    def __init__(self, low: float, high: float) -> None:
        self.low = float(low)
        self.high = float(high)

    # the sampled scale: u = forward(value), value = inverse(u)
    @staticmethod
    def forward(value: float) -> float:
        return float(value)

    @staticmethod
    def inverse(u: float) -> float:
        return float(u)

    def u_bounds(self) -> tuple[float, float]:
        """The interval of ``u``, lowest first."""
        a, b = self.forward(self.low), self.forward(self.high)
        return (a, b) if a <= b else (b, a)

    @classmethod
    def from_u(cls, u_low: float, u_high: float) -> _Continuous:
        a, b = sorted((cls.inverse(u_low), cls.inverse(u_high)))
        return cls(a, b)

    def sample(self, rng: np.random.Generator) -> float:
        lo, hi = self.u_bounds()
        return self.inverse(lo + (hi - lo) * rng.random())  # u ~ U[lo, hi)

    def grid(self, points: int) -> list[float]:
        lo, hi = self.u_bounds()
        return sorted(self.inverse(float(u)) for u in np.linspace(lo, hi, points))

    def probes(self) -> list[float]:
        return [self.low, self.high]

    def contains(self, value: Any) -> bool:
        if not _is_number(value):
            return False
        span = self.high - self.low
        return self.low - 1e-9 * span <= float(value) <= self.high + 1e-9 * span

    def shrink(self, top: Sequence[Any], best: Any, *, factor: float, margin: float) -> Dimension:
        lo, hi = self.u_bounds()
        width = hi - lo
        us = [self.forward(v) for v in top]
        new_lo, new_hi = min(us) - margin * width, max(us) + margin * width
        limit = factor * width
        # spread-out best trials: zoom in on the best one; identical ones: keep some room
        span = limit if new_hi - new_lo > limit else max(new_hi - new_lo, 0.1 * limit)
        if span != new_hi - new_lo:
            center = self.forward(best)
            new_lo, new_hi = center - span / 2, center + span / 2
        if new_lo < lo:  # slide back inside the old interval, keeping the width
            new_lo, new_hi = lo, min(hi, new_hi + (lo - new_lo))
        if new_hi > hi:
            new_lo, new_hi = max(lo, new_lo - (new_hi - hi)), hi
        return self.from_u(new_lo, new_hi)

    def to_spec(self) -> dict[str, Any]:
        return {self.kind: [self.low, self.high]}


class Uniform(_Continuous):
    """Uniform on [low, high]: for hyperparameters whose effect is linear (dropout
    keep probability in 0.5 .. 1, say). Build with :func:`uniform`.

    Example:
        >>> from minigrad import tune
        >>> tune.uniform(0.5, 1.0).grid(3)
        [0.5, 0.75, 1.0]
    """

    kind = "uniform"


class LogUniform(_Continuous):
    """``10**r`` with ``r`` uniform in [log10 low, log10 high]: each decade gets the same
    share of samples (learning rates, weight decay). Build with :func:`log_uniform`.

    Example:
        >>> from minigrad import tune
        >>> tune.log_uniform(1e-4, 1).grid(5)  # one value per decade
        [0.0001, 0.001, 0.01, 0.1, 1.0]
    """

    kind = "log_uniform"
    scale = "log"

    @staticmethod
    def forward(value: float) -> float:
        """The sampled scale of ``value``: ``r = log10(value)``.

        Example:
            >>> from minigrad.tune import LogUniform
            >>> LogUniform.forward(0.01)
            -2.0
        """
        return math.log10(value)  # r = log10(value)

    @staticmethod
    def inverse(u: float) -> float:
        """The value at ``u`` of the sampled scale: ``10**u``.

        Example:
            >>> from minigrad.tune import LogUniform
            >>> LogUniform.inverse(-2.0)
            0.01
        """
        return 10.0**u  # value = 10^r


class OneMinusLogUniform(_Continuous):
    """``1 - 10**r`` with ``r`` uniform in [log10(1 - high), log10(1 - low)]: for
    averaging coefficients (beta of momentum, RMSprop, Adam) where ``1 - beta``
    matters. Build with :func:`one_minus_log_uniform`.

    Example:
        >>> from minigrad import tune
        >>> [round(beta, 6) for beta in tune.one_minus_log_uniform(0.9, 0.999).grid(3)]
        [0.9, 0.99, 0.999]
    """

    kind = "one_minus_log_uniform"
    scale = "one_minus_log"

    @staticmethod
    def forward(value: float) -> float:
        """The sampled scale of ``value``: ``r = log10(1 - value)``.

        Example:
            >>> from minigrad.tune import OneMinusLogUniform
            >>> round(OneMinusLogUniform.forward(0.99), 9)
            -2.0
        """
        return math.log10(1.0 - value)  # r = log10(1 - beta)

    @staticmethod
    def inverse(u: float) -> float:
        """The value at ``u`` of the sampled scale: ``1 - 10**u``.

        Example:
            >>> from minigrad.tune import OneMinusLogUniform
            >>> OneMinusLogUniform.inverse(-2.0)
            0.99
        """
        return 1.0 - 10.0**u  # beta = 1 - 10^r


class IntUniform(Dimension):
    """An integer uniform in {low, ..., high} (both included): layer widths, number of
    epochs. Build with :func:`int_uniform`.

    Example:
        >>> from minigrad import tune
        >>> units = tune.int_uniform(8, 64)
        >>> units.grid(3), units.contains(16), units.contains(16.5)
        ([8, 36, 64], True, False)
    """

    kind = "int_uniform"

    def __init__(self, low: int, high: int) -> None:
        self.low = int(low)
        self.high = int(high)

    def sample(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.low, self.high, endpoint=True))

    def grid(self, points: int) -> list[int]:
        return sorted({round(float(u)) for u in np.linspace(self.low, self.high, points)})

    def probes(self) -> list[int]:
        return [self.low, self.high]

    def contains(self, value: Any) -> bool:
        return _is_number(value) and float(value).is_integer() and self.low <= value <= self.high

    def shrink(self, top: Sequence[Any], best: Any, *, factor: float, margin: float) -> Dimension:
        continuous = Uniform(self.low, self.high) if self.high > self.low else None
        if continuous is None:
            return self
        narrower = continuous.shrink(top, best, factor=factor, margin=margin)
        low = max(self.low, min(round(narrower.low), int(best)))
        high = min(self.high, max(round(narrower.high), int(best)))
        return IntUniform(low, high)

    def to_spec(self) -> dict[str, Any]:
        return {self.kind: [self.low, self.high]}


class Choice(Dimension):
    """One of a list of options, each equally likely (optimizer names, activations,
    batch sizes). Build with :func:`choice`.

    Example:
        >>> from minigrad import tune
        >>> batch = tune.choice([32, 64, 128])
        >>> batch.grid(10), batch.index(64)  # a grid holds every option once
        ([32, 64, 128], 1)
    """

    kind = "choice"
    scale = "categorical"

    def __init__(self, options: Sequence[Any]) -> None:
        self.options = list(options)

    def sample(self, rng: np.random.Generator) -> Any:
        return self.options[int(rng.integers(len(self.options)))]

    def grid(self, points: int) -> list[Any]:
        return list(self.options)

    def probes(self) -> list[Any]:
        return list(self.options)

    def contains(self, value: Any) -> bool:
        return any(_same(value, option) for option in self.options)

    def index(self, value: Any) -> int:
        """The position of ``value`` among the options."""
        return next(i for i, option in enumerate(self.options) if _same(value, option))

    def shrink(self, top: Sequence[Any], best: Any, *, factor: float, margin: float) -> Dimension:
        kept = [o for o in self.options if any(_same(o, v) for v in [*top, best])]
        return Choice(kept or self.options)

    def to_spec(self) -> dict[str, Any]:
        return {self.kind: list(self.options)}


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


# ---------------------------------------------------------------- builders
def _bounds(kind: str, low: Any, high: Any, where: str) -> tuple[float, float]:
    for name, value in (("a", low), ("b", high)):
        if not _is_number(value) or not math.isfinite(float(value)):
            raise ConfigError(f"{where}: {kind}(a, b) needs two finite numbers; {name} = {_show(value)}")
    if not low < high:
        raise ConfigError(f"{where}: {kind}(a, b) needs a < b, got a = {low!r}, b = {high!r}")
    return float(low), float(high)


def uniform(low: float, high: float, *, where: str = "uniform") -> Uniform:
    """Uniform on [low, high].

    Example:
        >>> from minigrad.tune import uniform
        >>> uniform(0.5, 1.0)
        uniform(0.5, 1.0)
    """
    return Uniform(*_bounds("uniform", low, high, where))


def log_uniform(low: float, high: float, *, where: str = "log_uniform") -> LogUniform:
    """``10**r``, ``r`` uniform in [log10 low, log10 high] (needs 0 < low < high).

    Example:
        >>> import numpy as np
        >>> from minigrad.tune import log_uniform
        >>> lr, rng = log_uniform(1e-4, 1), np.random.default_rng(0)
        >>> values = [lr.sample(rng) for _ in range(4000)]
        >>> np.histogram(values, bins=[1e-4, 1e-3, 1e-2, 1e-1, 1])[0]  # about 1000 per decade
        array([1014, 1017,  969, 1000])
    """
    low, high = _bounds("log_uniform", low, high, where)
    if low <= 0:
        raise ConfigError(
            f"{where}: log_uniform(a, b) needs 0 < a < b (it samples 10^r with r in "
            f"[log10 a, log10 b]), got a = {low!r}; use uniform for ranges that include 0"
        )
    return LogUniform(low, high)


def one_minus_log_uniform(
    low: float, high: float, *, where: str = "one_minus_log_uniform"
) -> OneMinusLogUniform:
    """``1 - 10**r``, ``r`` uniform in [log10(1 - high), log10(1 - low)] (needs
    0 <= low < high < 1).

    Example:
        >>> import numpy as np
        >>> from minigrad.tune import one_minus_log_uniform
        >>> beta, rng = one_minus_log_uniform(0.9, 0.999), np.random.default_rng(0)
        >>> values = [beta.sample(rng) for _ in range(4000)]
        >>> sum(v < 0.99 for v in values)  # about half in [0.9, 0.99], half in [0.99, 0.999]
        1969
    """
    low, high = _bounds("one_minus_log_uniform", low, high, where)
    if not 0 <= low < high < 1:
        raise ConfigError(
            f"{where}: one_minus_log_uniform(a, b) needs 0 <= a < b < 1 (it samples 1 - 10^r "
            f"with r in [log10(1 - b), log10(1 - a)]), got a = {low!r}, b = {high!r}"
        )
    return OneMinusLogUniform(low, high)


def int_uniform(low: int, high: int, *, where: str = "int_uniform") -> IntUniform:
    """An integer uniform in {low, ..., high}, both ends included.

    Example:
        >>> from minigrad.tune import int_uniform
        >>> int_uniform(8, 64).grid(3)
        [8, 36, 64]
    """
    for name, value in (("a", low), ("b", high)):
        if not _is_number(value) or not float(value).is_integer():
            raise ConfigError(f"{where}: int_uniform(a, b) needs two integers; {name} = {_show(value)}")
    if not low <= high:
        raise ConfigError(f"{where}: int_uniform(a, b) needs a <= b, got a = {low!r}, b = {high!r}")
    return IntUniform(int(low), int(high))


def choice(options: Iterable[Any], *, where: str = "choice") -> Choice:
    """One of ``options``, each equally likely.

    Example:
        >>> from minigrad.tune import choice
        >>> choice(["adam", "momentum"]).grid(5)
        ['adam', 'momentum']
    """
    if isinstance(options, str | bytes | Mapping) or not isinstance(options, Iterable):
        raise ConfigError(f"{where}: choice needs a list of options, e.g. choice([32, 64, 128])")
    options = [o.item() if isinstance(o, np.generic) else o for o in options]
    if not options:
        raise ConfigError(f"{where}: choice needs at least one option, got []")
    for i, option in enumerate(options):
        try:
            json.dumps(option, allow_nan=False)
        except (TypeError, ValueError):
            raise ConfigError(
                f"{where}: choice option {i} = {option!r} is not a TOML value "
                "(use numbers, strings, booleans, arrays or tables)"
            ) from None
        if any(_same(option, other) for other in options[:i]):
            raise ConfigError(f"{where}: choice lists {_show(option)} twice")
    return Choice(options)


def parse_dimension(spec: Any, *, where: str = "tune.space") -> Dimension:
    """A :class:`Dimension` from its TOML form ``{log_uniform = [1e-4, 1]}`` (or a
    Dimension, returned as is).

    Raises:
        ConfigError: naming ``where``, the value and the allowed distributions.

    Example:
        >>> from minigrad.tune import parse_dimension
        >>> parse_dimension({"one_minus_log_uniform": [0.9, 0.999]})
        one_minus_log_uniform(0.9, 0.999)
        >>> parse_dimension({"log_unifrom": [1e-4, 1]})
        Traceback (most recent call last):
        ...
        minigrad.errors.ConfigError: tune.space: unknown distribution 'log_unifrom'; did you mean ...
    """
    if isinstance(spec, Dimension):
        return spec
    allowed = ", ".join(DISTRIBUTIONS)
    example = "e.g. { log_uniform = [1e-4, 1] } or { choice = [32, 64] }"
    if not isinstance(spec, Mapping) or len(spec) != 1:
        raise ConfigError(
            f"{where} = {_show(spec)}: expected a table with one distribution, {example} (allowed: {allowed})"
        )
    ((kind, args),) = spec.items()
    if kind not in DISTRIBUTIONS:
        close = difflib.get_close_matches(str(kind), DISTRIBUTIONS, n=2, cutoff=0.5)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ConfigError(f"{where}: unknown distribution {kind!r}{hint} (allowed: {allowed})")
    if kind == "choice":
        return choice(args, where=where)
    if not isinstance(args, list | tuple) or len(args) != 2:
        raise ConfigError(f"{where}: {kind} needs two bounds [a, b], got {_show(args)}")
    builder = {
        "uniform": uniform,
        "log_uniform": log_uniform,
        "one_minus_log_uniform": one_minus_log_uniform,
        "int_uniform": int_uniform,
    }[kind]
    return builder(args[0], args[1], where=where)


_KEY_PART = re.compile(r"[A-Za-z0-9_\-]+")


def normalize_key(key: Any, *, where: str = "tune.space") -> str:
    """A dotted config key in the form ``--set`` uses: brackets become dotted indices.

    Example:
        >>> from minigrad.tune import normalize_key
        >>> normalize_key("model.layers[2].units")
        'model.layers.2.units'
    """
    if not isinstance(key, str):
        raise ConfigError(f"{where}: the key {key!r} must be a dotted config key such as 'optimizer.lr'")
    dotted = re.sub(r"\[(-?\d+)\]", r".\1", key.strip())
    parts = dotted.split(".")
    if len(parts) < 2 or not all(_KEY_PART.fullmatch(p) for p in parts):
        raise ConfigError(
            f"{where}: {key!r} is not a dotted config key; write section.key, e.g. 'optimizer.lr', "
            "'regularizer.lam' or 'model.layers[0].units'"
        )
    return dotted


# -------------------------------------------------------------------- space
class Space(Mapping[str, Dimension]):
    """An ordered mapping from dotted config keys to :class:`Dimension` objects.

    The order is the declaration order; it fixes the order of draws, so the same seed
    gives the same trials.

    Args:
        dimensions: ``{key: Dimension or TOML form}``.
        source: named in error messages (e.g. the config file).

    Example:
        >>> from minigrad.tune import Space
        >>> space = Space({
        ...     "optimizer.lr": {"log_uniform": [1e-3, 1e-1]},
        ...     "model.layers[0].units": {"int_uniform": [8, 32]},
        ... })
        >>> list(space), space.grid_size(3)
        (['optimizer.lr', 'model.layers.0.units'], 9)
        >>> space.grid(2)[1]
        {'optimizer.lr': 0.001, 'model.layers.0.units': 32}
    """

    def __init__(self, dimensions: Mapping[str, Any] | None = None, *, source: str = "tune.space") -> None:
        if dimensions is None:
            dimensions = {}
        if not isinstance(dimensions, Mapping):
            raise ConfigError(
                f"{source}: the search space must be a table of dotted keys, e.g. "
                '"optimizer.lr" = { log_uniform = [1e-4, 1] }'
            )
        self._dims: dict[str, Dimension] = {}
        for key, spec in dimensions.items():
            where = f"{source}: {key!r}" if not isinstance(spec, Dimension) else source
            name = normalize_key(key, where=where)
            if name in self._dims:
                raise ConfigError(f"{source}: {key!r} repeats the key {name!r}")
            self._dims[name] = parse_dimension(spec, where=f"{source}: {name}")

    def __getitem__(self, key: str) -> Dimension:
        return self._dims[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dims)

    def __len__(self) -> int:
        return len(self._dims)

    def __repr__(self) -> str:
        return f"Space({self._dims!r})"

    def sample(self, rng: np.random.Generator) -> dict[str, Any]:
        """One value per key, drawn in declaration order."""
        return {key: dim.sample(rng) for key, dim in self._dims.items()}

    def grid(self, points: int) -> list[dict[str, Any]]:
        """Every combination of ``points`` values per key (all options of a choice), the
        last key varying fastest."""
        axes = [dim.grid(points) for dim in self._dims.values()]
        return [dict(zip(self._dims, combo)) for combo in itertools.product(*axes)]

    def grid_size(self, points: int) -> int:
        """The number of points :meth:`grid` makes."""
        return math.prod(len(dim.grid(points)) for dim in self._dims.values())

    def contains(self, params: Mapping[str, Any]) -> bool:
        """Whether every value of ``params`` lies in this space."""
        return all(key in params and dim.contains(params[key]) for key, dim in self._dims.items())

    def to_spec(self) -> dict[str, dict[str, Any]]:
        """The TOML/JSON form ``{key: {distribution: args}}``; ``Space(space.to_spec())``
        rebuilds it."""
        return {key: dim.to_spec() for key, dim in self._dims.items()}

    def replace(self, key: str, dimension: Dimension) -> Space:
        """A copy with ``key``'s dimension replaced."""
        dims = dict(self._dims)
        dims[key] = dimension
        return Space(dims)
