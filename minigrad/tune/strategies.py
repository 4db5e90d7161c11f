"""Search strategies: which point of the space each trial tries.

``random`` (the default)
    Every trial draws each hyperparameter independently, on its own scale. The course's
    advice, and the reason is simple: you rarely know in advance which hyperparameter
    matters. With two hyperparameters on a 5 x 5 grid, 25 trials try only **5** values
    of the one that matters (the learning rate) if the other (Adam's epsilon, say)
    hardly matters; 25 random trials try **25** different learning rates.

``grid``
    Every combination of ``grid_points`` values per hyperparameter, evenly spaced in the
    sampled scale (log for ``log_uniform``). Available for comparison and for tiny
    spaces of choices, but worse than random search for the reason above: its cost grows
    as ``points ** dimensions`` while the number of distinct values of each single
    hyperparameter stays ``points``. ``grid_points`` defaults to the largest count whose
    grid fits in the trial budget.

``coarse_to_fine``
    Random search in ``rounds`` rounds of ``round_size`` trials. After each round the
    space shrinks around its best trials: for every hyperparameter, the box spanned by
    the best ``keep`` fraction of the round's trials (at least 2), padded by
    ``margin`` of the old width on each side and at most ``shrink`` times the old width
    (centered on the best trial when the good trials are spread out). Shrinking happens
    in the sampled scale, so a learning rate range 1e-4 .. 1 zooms in by decades;
    choices keep the options the best trials used. A round starts when the previous one
    has finished, so a study stays reproducible whatever the executor.

``optuna`` (an extra: ``pip install -e ".[optuna]"`` in the minigrad checkout)
    One of Optuna's samplers (``sampler``: ``"tpe"``, the default, ``"random"`` or
    ``"qmc"``) proposes the trials, ``round_size`` at a time: a whole round is asked,
    runs, and is told to the sampler in trial-number order before the next round is
    asked. TPE models the results so far and proposes where good results are likely.
    See :mod:`minigrad.tune.optuna_strategy` for the details (how the space maps to
    Optuna's distributions, how a resumed study rebuilds the sampler's state).

Every strategy is deterministic given the study seed and the finished trials.

Example:
    >>> from minigrad.tune import Space, log_uniform, make_strategy
    >>> space = Space({"optimizer.lr": log_uniform(1e-4, 1)})
    >>> strategy = make_strategy("coarse_to_fine", {"rounds": 2}, trials=8, space=space)
    >>> strategy.rounds()
    [range(0, 4), range(4, 8)]
    >>> strategy.describe()
    {'name': 'coarse_to_fine', 'round_size': 4, 'keep': 0.25, 'shrink': 0.5, 'margin': 0.1}
    >>> make_strategy("optuna", {"sampler": "tpe", "round_size": 4}, trials=8, space=space).describe()
    {'name': 'optuna', 'sampler': 'tpe', 'round_size': 4, 'startup_trials': 10}
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from minigrad.errors import ConfigError
from minigrad.tune.space import Space

__all__ = ["STRATEGIES", "CoarseToFine", "GridSearch", "RandomSearch", "Strategy", "make_strategy"]


class Strategy:
    """The interface of a search strategy.

    A study has one or more rounds of trial numbers. Round 0 searches the whole space;
    before round ``r`` the strategy may narrow the space using round ``r - 1``'s
    finished trials (:meth:`region`). Each trial's parameters come from
    :meth:`suggest` with the trial's own sampling generator.

    Args:
        space: the search space.
        trials: how many trials the study has.
        seed: the study seed (strategies with a random state of their own derive it
            from this; the others draw with the generator :meth:`suggest` receives).
        maximize: whether the study maximizes its metric.

    Example:
        >>> import numpy as np
        >>> from minigrad import tune
        >>> from minigrad.tune.strategies import Strategy
        >>> space = tune.Space({"optimizer.lr": tune.log_uniform(1e-4, 1)})
        >>> strategy = Strategy(space, 5)
        >>> strategy.rounds(), strategy.region(space, [], maximize=False) == space
        ([range(0, 5)], True)
        >>> list(strategy.suggest(space, 0, np.random.default_rng(0)))
        ['optimizer.lr']
    """

    name = ""
    #: Trials per round for strategies that learn between rounds; None: one round.
    round_size: int | None = None

    def __init__(self, space: Space, trials: int, *, seed: int = 0, maximize: bool = False) -> None:
        self.space = space
        self.trials = trials
        self.seed = seed
        self.maximize = maximize

    def describe(self) -> dict[str, Any]:
        """The name and resolved options (part of the study's identity)."""
        return {"name": self.name}

    def rounds(self) -> list[range]:
        """The trial numbers of each round: consecutive runs of :attr:`round_size`."""
        size = self.round_size
        if size is None:
            return [range(self.trials)]
        return [range(start, min(start + size, self.trials)) for start in range(0, self.trials, size)]

    def region(
        self, previous: Space, finished: Sequence[tuple[Mapping[str, Any], float]], *, maximize: bool
    ) -> Space:
        """The space of the next round, from the previous round's space and its done
        trials (failed ones left out) as ``(params, objective)`` pairs in trial-number
        order (``objective`` is None where the metric was not finite)."""
        return previous

    def suggest(self, region: Space, number: int, rng: np.random.Generator) -> dict[str, Any]:
        """The parameters of trial ``number``."""
        return region.sample(rng)


class RandomSearch(Strategy):
    """Each trial draws every hyperparameter at random on its scale (the default).

    Example:
        >>> import numpy as np
        >>> from minigrad import tune
        >>> from minigrad.tune.strategies import RandomSearch
        >>> space = tune.Space({"optimizer.lr": tune.log_uniform(1e-4, 1)})
        >>> lr = RandomSearch(space, 4).suggest(space, 0, np.random.default_rng(0))["optimizer.lr"]
        >>> 1e-4 <= lr <= 1
        True
    """

    name = "random"


class GridSearch(Strategy):
    """Every combination of ``grid_points`` values per hyperparameter (worse than random:
    see the module documentation).

    Example:
        >>> from minigrad import tune
        >>> from minigrad.tune.strategies import GridSearch
        >>> space = tune.Space({"optimizer.lr": tune.log_uniform(1e-4, 1),
        ...                     "training.batch_size": tune.choice([32, 64])})
        >>> grid = GridSearch(space, 6)  # 3 learning rates x 2 batch sizes fit 6 trials
        >>> grid.describe(), len(grid.points)
        ({'name': 'grid', 'grid_points': 3}, 6)
    """

    name = "grid"

    def __init__(
        self,
        space: Space,
        trials: int,
        *,
        grid_points: int | None = None,
        seed: int = 0,
        maximize: bool = False,
    ) -> None:
        super().__init__(space, trials, seed=seed, maximize=maximize)
        if grid_points is None:
            # the largest count per axis whose grid fits the budget (at least 2)
            grid_points = 2
            numeric = any(dim.kind != "choice" for dim in space.values())
            while numeric and grid_points < trials and space.grid_size(grid_points + 1) <= trials:
                grid_points += 1
        self.grid_points = grid_points
        self.points = space.grid(grid_points)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "grid_points": self.grid_points}

    def rounds(self) -> list[range]:
        return [range(min(self.trials, len(self.points)))]

    def suggest(self, region: Space, number: int, rng: np.random.Generator) -> dict[str, Any]:
        return dict(self.points[number])


class CoarseToFine(Strategy):
    """Rounds of random search, each in a space shrunk around the previous round's
    best trials (see the module documentation for the rule).

    Example:
        >>> from minigrad import tune
        >>> from minigrad.tune.strategies import CoarseToFine
        >>> space = tune.Space({"optimizer.lr": tune.log_uniform(1e-4, 1)})
        >>> strategy = CoarseToFine(space, 8, rounds=2)
        >>> strategy.rounds()
        [range(0, 4), range(4, 8)]
        >>> results = [(1e-3, 0.2), (1e-2, 0.1), (0.1, 0.5), (1.0, 0.9)]  # (lr, dev cost)
        >>> done = [({"optimizer.lr": lr}, cost) for lr, cost in results]
        >>> strategy.region(space, done, maximize=False)  # around 1e-3 .. 1e-2
        Space({'optimizer.lr': log_uniform(0.000398..., 0.0251...)})
    """

    name = "coarse_to_fine"

    def __init__(
        self,
        space: Space,
        trials: int,
        *,
        rounds: int = 3,
        round_size: int | None = None,
        keep: float = 0.25,
        shrink: float = 0.5,
        margin: float = 0.1,
        seed: int = 0,
        maximize: bool = False,
    ) -> None:
        super().__init__(space, trials, seed=seed, maximize=maximize)
        self.round_size = round_size if round_size is not None else max(1, math.ceil(trials / rounds))
        self.keep = keep
        self.shrink = shrink
        self.margin = margin

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "round_size": self.round_size,
            "keep": self.keep,
            "shrink": self.shrink,
            "margin": self.margin,
        }

    def region(
        self, previous: Space, finished: Sequence[tuple[Mapping[str, Any], float]], *, maximize: bool
    ) -> Space:
        usable = [(p, v) for p, v in finished if v is not None and math.isfinite(v)]
        if not usable:
            return previous  # nothing learned: search the same region again
        # best first; ties keep trial order (the sort is stable)
        ranked = sorted(usable, key=lambda pv: -pv[1] if maximize else pv[1])
        n_top = min(len(ranked), max(2, math.ceil(self.keep * len(ranked))))
        top = [p for p, _ in ranked[:n_top]]
        best = ranked[0][0]
        region = previous
        for key, dim in previous.items():
            narrower = dim.shrink([p[key] for p in top], best[key], factor=self.shrink, margin=self.margin)
            region = region.replace(key, narrower)
        return region


# The Optuna adapter subclasses Strategy, so it is imported once Strategy exists; it
# imports Optuna itself only when a study uses it.
from minigrad.tune.optuna_strategy import SAMPLERS, OptunaSearch  # noqa: E402

#: Strategy names and their classes.
STRATEGIES: dict[str, type[Strategy]] = {
    "random": RandomSearch,
    "grid": GridSearch,
    "coarse_to_fine": CoarseToFine,
    "optuna": OptunaSearch,
}

# option name -> (strategies that take it, checker, description)
_OPTIONS: dict[str, tuple[tuple[str, ...], Any, str]] = {
    "grid_points": (("grid",), lambda v: _is_int(v) and v >= 2, "an integer >= 2"),
    "rounds": (("coarse_to_fine",), lambda v: _is_int(v) and v >= 1, "an integer >= 1"),
    "round_size": (("coarse_to_fine", "optuna"), lambda v: _is_int(v) and v >= 1, "an integer >= 1"),
    "keep": (("coarse_to_fine",), lambda v: _is_real(v) and 0 < v <= 1, "a fraction in (0, 1]"),
    "shrink": (("coarse_to_fine",), lambda v: _is_real(v) and 0 < v < 1, "a fraction in (0, 1)"),
    "margin": (("coarse_to_fine",), lambda v: _is_real(v) and 0 <= v < 1, "a fraction in [0, 1)"),
    "sampler": (("optuna",), lambda v: v in SAMPLERS, f"one of {', '.join(map(repr, SAMPLERS))}"),
    "startup_trials": (("optuna",), lambda v: _is_int(v) and v >= 1, "an integer >= 1"),
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def strategy_options() -> dict[str, tuple[str, ...]]:
    """Each strategy option and the strategies that read it."""
    return {name: spec[0] for name, spec in _OPTIONS.items()}


def make_strategy(
    name: str,
    options: Mapping[str, Any] | None = None,
    *,
    trials: int,
    space: Space,
    where: str = "tune",
    seed: int = 0,
    maximize: bool = False,
) -> Strategy:
    """Build a strategy by name with validated options.

    Options (``[tune]`` keys): ``grid_points`` (grid); ``rounds``, ``round_size``,
    ``keep``, ``shrink``, ``margin`` (coarse_to_fine); ``sampler``, ``round_size``,
    ``startup_trials`` (optuna). Options of another strategy are ignored. ``seed`` and
    ``maximize`` are the study's seed and direction (:func:`~minigrad.tune.run_study`
    passes them).

    Raises:
        ConfigError: unknown strategy or bad option value, naming ``where`` and the key;
            the optuna strategy without Optuna installed.

    Example:
        >>> from minigrad.tune import Space, int_uniform, make_strategy
        >>> grid = make_strategy("grid", trials=10, space=Space({"model.layers.0.units": int_uniform(8, 64)}))
        >>> grid.describe(), len(grid.rounds()[0])
        ({'name': 'grid', 'grid_points': 10}, 10)
    """
    if name not in STRATEGIES:
        close = difflib.get_close_matches(str(name), STRATEGIES, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            f"{where}.strategy = {name!r}: unknown strategy{hint} (allowed: {', '.join(STRATEGIES)})"
        )
    mine: dict[str, Any] = {}
    for key, value in (options or {}).items():
        if key not in _OPTIONS:
            close = difflib.get_close_matches(key, _OPTIONS, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"{where}.{key}: unknown strategy option{hint} (allowed: {', '.join(_OPTIONS)})"
            )
        users, check, text = _OPTIONS[key]
        if not check(value):
            raise ConfigError(f"{where}.{key} = {value!r}: expected {text}")
        if name in users:
            mine[key] = value
    return STRATEGIES[name](space, trials, seed=seed, maximize=maximize, **mine)
