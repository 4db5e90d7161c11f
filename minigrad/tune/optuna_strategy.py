"""The ``optuna`` strategy: one of Optuna's samplers proposes the trials (TPE by default),
in rounds, with the guarantees of the built-in strategies.

It needs the ``optuna`` extra (``pip install -e ".[optuna]"`` in the minigrad checkout, or
``pip install "optuna>=4" scipy``). Optuna is imported only when a study uses this strategy.

Rounds
    The trials are split into rounds of ``round_size``. The whole round is asked of the
    sampler at once (Optuna's ask-and-tell interface), then runs on the executor; when it
    has finished, the sampler is told every outcome in trial-number order (a failed trial,
    or one whose metric is not finite, as ``FAIL``) before the next round is asked. So the
    proposals depend on the study seed, the round size and the results of earlier rounds
    only, never on the executor, the number of workers or the order in which trials end:
    sequential, process-pool and Dask runs of a study give identical trials. Within a
    round, TPE's *constant liar* keeps the proposals apart. Smaller rounds let the sampler
    learn more often; rounds as large as the number of workers (or a multiple) keep every
    worker busy.

The SQLite store stays the source of truth
    The Optuna study is an in-memory one in the driver, seeded from the study seed. A
    resumed study rebuilds it by *replaying* the stored rounds: each round is asked again
    and told its stored results, so the sampler reaches the state of an uninterrupted run
    (its random state, QMC's position in its sequence, ...) and proposes the same next
    trials. A stored result whose parameters the replay does not propose again (another
    Optuna version, or trials rerun with ``--retry-failed``) is added to the Optuna study
    as it was stored, and the study goes on from the stored history.

The search space in Optuna's terms (:class:`OptunaSpace`)
    ========================================  ==================================================
    ours                                      Optuna
    ========================================  ==================================================
    ``uniform(a, b)``                         ``FloatDistribution(a, b)``
    ``log_uniform(a, b)``                     ``FloatDistribution(a, b, log=True)``
    ``one_minus_log_uniform(a, b)``           ``r = log10(1 - beta)`` as
                                              ``FloatDistribution(log10(1 - b), log10(1 - a))``,
                                              then ``beta = 1 - 10**r``
    ``int_uniform(a, b)``                     ``IntDistribution(a, b)``
    ``choice([x, y, ...])``                   ``CategoricalDistribution`` of the positions
                                              ``(0, 1, ...)``, so options may be any TOML value
    ========================================  ==================================================

    A momentum ``beta`` in [0.9, 0.999] is thus sampled and modelled as ``r`` in
    [-3, -1], uniformly: TPE fits its densities where equal distances mean equal effects,
    as the random strategy samples. The Optuna parameter is named
    ``log10(1 - <key>)``; every other one has the dotted key as its name.

Samplers (``sampler``)
    ``"tpe"`` (default): the Tree-structured Parzen Estimator, multivariate, with the
    constant liar; the first ``startup_trials`` (default 10) are random. ``"random"``:
    Optuna's random sampler (for comparison; the ``random`` strategy is the same idea).
    ``"qmc"``: a scrambled Sobol sequence, spread more evenly than random draws (needs
    SciPy, which the extra installs). Every sampler is seeded from the study seed.

Options (``[tune]`` keys): ``sampler``, ``round_size`` (default 4), ``startup_trials``.

Example:
    >>> import pathlib, tempfile
    >>> from minigrad.config import load_config
    >>> from minigrad.tune import log_uniform, one_minus_log_uniform, run_study
    >>> config = load_config(overrides=["training.epochs=3", "data.options.n=120", "callbacks=[]"])
    >>> space = {
    ...     "optimizer.lr": log_uniform(1e-3, 1e-1),
    ...     "optimizer.beta1": one_minus_log_uniform(0.8, 0.99),
    ... }
    >>> study = run_study(config, space, trials=4, strategy="optuna",
    ...                   strategy_options={"sampler": "tpe", "round_size": 2},
    ...                   executor="sequential", db=pathlib.Path(tempfile.mkdtemp()) / "tpe.db")
    >>> [t.status for t in study.trials]
    ['done', 'done', 'done', 'done']
    >>> study.spec["strategy"]
    {'name': 'optuna', 'sampler': 'tpe', 'round_size': 2, 'startup_trials': 10}
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import json
import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from minigrad.errors import ConfigError, MissingExtraError
from minigrad.tune.space import Space
from minigrad.tune.strategies import Strategy

__all__ = ["SAMPLERS", "OptunaSearch", "OptunaSpace", "import_optuna"]

#: The Optuna samplers the ``optuna`` strategy offers (the ``sampler`` option).
SAMPLERS = ("tpe", "random", "qmc")

_INSTALL = 'pip install -e ".[optuna]" in the minigrad checkout (or: pip install "optuna>=4" scipy)'


def import_optuna() -> Any:
    """Import Optuna (version 4 or later), or explain how to install it.

    Raises:
        MissingExtraError: Optuna is missing or too old, naming the ``optuna`` extra.

    Example:
        >>> from minigrad.tune.optuna_strategy import import_optuna
        >>> int(import_optuna().__version__.split(".")[0]) >= 4
        True
    """
    try:
        import optuna
    except ImportError as err:
        raise MissingExtraError(
            f"tune.strategy = 'optuna' needs Optuna, an optional dependency ({err}); "
            f"install the optuna extra: {_INSTALL}"
        ) from None
    major = optuna.__version__.split(".")[0]
    if not major.isdigit() or int(major) < 4:
        raise MissingExtraError(
            f"tune.strategy = 'optuna' needs Optuna 4 or later, found {optuna.__version__}; "
            f"upgrade it: {_INSTALL}"
        )
    return optuna


@contextlib.contextmanager
def _quiet(optuna: Any) -> Iterator[None]:
    """Optuna logs each new study and finished trial at INFO; the driver prints its own
    lines, so hide those (Optuna's warnings still show) and restore the level after."""
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(max(level, optuna.logging.WARNING))
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)


class OptunaSpace:
    """A :class:`~minigrad.tune.Space` in Optuna's terms: its distributions and the
    conversion of parameters both ways (the mapping is tabled in the module documentation).

    Args:
        space: the search space.

    Raises:
        ConfigError: Optuna is not installed.

    Attributes:
        space: the search space.
        names: ``{dotted key: Optuna parameter name}``.
        distributions: ``{Optuna parameter name: Optuna distribution}``, in the space's order.

    Example:
        >>> from minigrad.tune import Space, choice, one_minus_log_uniform
        >>> from minigrad.tune.optuna_strategy import OptunaSpace
        >>> mapping = OptunaSpace(Space({
        ...     "optimizer.beta1": one_minus_log_uniform(0.9, 0.999),
        ...     "training.batch_size": choice([32, 64]),
        ... }))
        >>> mapping.distributions
        {'log10(1 - optimizer.beta1)': FloatDistribution(high=-1.0, log=False, low=-3.0, step=None),
         'training.batch_size': CategoricalDistribution(choices=(0, 1))}
        >>> mapping.from_optuna({"log10(1 - optimizer.beta1)": -2.0, "training.batch_size": 1})
        {'optimizer.beta1': 0.99, 'training.batch_size': 64}
        >>> mapping.to_optuna({"optimizer.beta1": 0.99, "training.batch_size": 64})
        {'log10(1 - optimizer.beta1)': -2.0, 'training.batch_size': 1}
    """

    def __init__(self, space: Space) -> None:
        kinds = import_optuna().distributions
        self.space = space
        self.names: dict[str, str] = {}
        self.distributions: dict[str, Any] = {}
        for key, dim in space.items():
            name = key
            if dim.kind == "uniform":
                distribution = kinds.FloatDistribution(dim.low, dim.high)
            elif dim.kind == "log_uniform":
                distribution = kinds.FloatDistribution(dim.low, dim.high, log=True)
            elif dim.kind == "one_minus_log_uniform":
                name = f"log10(1 - {key})"
                distribution = kinds.FloatDistribution(*dim.u_bounds())  # r = log10(1 - beta), uniform
            elif dim.kind == "int_uniform":
                distribution = kinds.IntDistribution(dim.low, dim.high)
            elif dim.kind == "choice":
                distribution = kinds.CategoricalDistribution(tuple(range(len(dim.options))))
            else:
                raise ConfigError(f"tune.space: {key}: the optuna strategy cannot sample {dim!r}")
            self.names[key] = name
            self.distributions[name] = distribution

    def from_optuna(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Our parameters (``{dotted key: value}``) from an Optuna trial's ``params``."""
        params: dict[str, Any] = {}
        for key, dim in self.space.items():
            value = values[self.names[key]]
            if dim.kind == "choice":
                params[key] = copy.deepcopy(dim.options[int(value)])
            elif dim.kind == "int_uniform":
                params[key] = int(value)
            else:
                if dim.kind == "one_minus_log_uniform":
                    value = dim.inverse(float(value))  # beta = 1 - 10^r
                params[key] = min(max(float(value), dim.low), dim.high)  # rounding stays inside
        return params

    def to_optuna(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Optuna's parameters from ours (to add a stored trial to an Optuna study)."""
        values: dict[str, Any] = {}
        for key, dim in self.space.items():
            value = params[key]
            if dim.kind == "choice":
                values[self.names[key]] = dim.index(value)
            elif dim.kind == "int_uniform":
                values[self.names[key]] = int(value)
            else:
                if dim.kind == "one_minus_log_uniform":
                    value = dim.forward(float(value))  # r = log10(1 - beta)
                distribution = self.distributions[self.names[key]]
                values[self.names[key]] = min(max(float(value), distribution.low), distribution.high)
        return values


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


class OptunaSearch(Strategy):
    """Trials proposed by an Optuna sampler, asked a round at a time and told in
    trial-number order (see the module documentation). Build it with
    :func:`~minigrad.tune.make_strategy` (``"optuna"``) or ``run_study(...,
    strategy="optuna")``.

    Args:
        space: the search space.
        trials: how many trials the study has.
        sampler: one of :data:`SAMPLERS`.
        round_size: trials asked at once.
        startup_trials: random trials before TPE models the results (``"tpe"`` only).
        seed: the study seed (the sampler's seed derives from it).
        maximize: whether higher objectives are better.

    Raises:
        MissingExtraError: Optuna (or SciPy for ``"qmc"``) is not installed.
        ConfigError: an unknown sampler.

    Example:
        >>> import numpy as np
        >>> from minigrad.tune import Space, log_uniform, make_strategy
        >>> space = Space({"optimizer.lr": log_uniform(1e-4, 1)})
        >>> strategy = make_strategy("optuna", {"round_size": 2}, trials=4, space=space, seed=0)
        >>> strategy.rounds()
        [range(0, 2), range(2, 4)]
        >>> first = [strategy.suggest(space, n, np.random.default_rng()) for n in (0, 1)]
        >>> after = strategy.region(space, [(p, abs(np.log10(p["optimizer.lr"]) + 2)) for p in first],
        ...                         maximize=False)
        >>> second = [strategy.suggest(after, n, np.random.default_rng()) for n in (2, 3)]
        >>> all(1e-4 <= p["optimizer.lr"] <= 1 for p in first + second)
        True
    """

    name = "optuna"

    def __init__(
        self,
        space: Space,
        trials: int,
        *,
        sampler: str = "tpe",
        round_size: int = 4,
        startup_trials: int = 10,
        seed: int = 0,
        maximize: bool = False,
    ) -> None:
        super().__init__(space, trials, seed=seed, maximize=maximize)
        self._optuna = import_optuna()
        if sampler not in SAMPLERS:
            raise ConfigError(f"tune.sampler = {sampler!r}: expected one of {', '.join(SAMPLERS)}")
        if sampler == "qmc" and importlib.util.find_spec("scipy") is None:
            raise MissingExtraError(
                f"tune.sampler = 'qmc' needs SciPy (scipy.stats.qmc), which the optuna extra installs: "
                f"{_INSTALL}"
            )
        self.sampler = sampler
        self.round_size = round_size
        self.startup_trials = startup_trials
        self.mapping = OptunaSpace(space)
        self._study: Any = None
        # per round: (trial number, Optuna trial, our params) of every asked trial
        self._asked: list[list[tuple[int, Any, dict[str, Any]]]] = []
        # per finished round: its done trials as the driver gave them to region()
        self._results: list[list[tuple[Mapping[str, Any], float | None]]] = []
        self._told = 0  # rounds told so far

    @property
    def optuna_study(self) -> Any:
        """The in-memory Optuna study (None until the first round is asked)."""
        return self._study

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {"name": self.name, "sampler": self.sampler}
        described["round_size"] = self.round_size
        if self.sampler == "tpe":
            described["startup_trials"] = self.startup_trials
        return described

    def region(
        self, previous: Space, finished: Sequence[tuple[Mapping[str, Any], float]], *, maximize: bool
    ) -> Space:
        """Keep the previous round's results; they are told to the sampler before the
        next round is asked. The space itself never changes."""
        if maximize != self.maximize:
            built = "maximizes" if self.maximize else "minimizes"
            raise ValueError(
                f"the optuna strategy was built for a study that {built}; "
                "pass the study's direction to make_strategy (maximize=...)"
            )
        self._results.append([(params, objective) for params, objective in finished])
        return previous

    def suggest(self, region: Space, number: int, rng: np.random.Generator) -> dict[str, Any]:
        """The parameters Optuna proposed for trial ``number`` (``rng`` is not used: the
        sampler has its own seed, and asks a whole round at once)."""
        current = len(self._results)  # rounds before this one have been given to region()
        rounds = self.rounds()
        if current >= len(rounds) or number not in rounds[current]:
            expected = f"trials {rounds[current]}" if current < len(rounds) else "no trials left"
            raise ValueError(
                f"trial {number} is not in round {current} of the optuna strategy ({expected}); "
                "suggest the trials of a round, then pass its results to region() before the next"
            )
        with _quiet(self._optuna):
            while len(self._asked) <= current:
                self._tell(len(self._asked))
                self._ask(len(self._asked))
        params = next(p for n, _, p in self._asked[current] if n == number)
        return copy.deepcopy(params)

    # ---------------------------------------------------------------- Optuna
    def _make_sampler(self) -> Any:
        samplers = self._optuna.samplers
        # 32 bits of the root of the study's seed sequence (each trial's streams are
        # spawned children of it, so they never coincide)
        seed = int(np.random.SeedSequence(self.seed).generate_state(1, np.uint32)[0])
        with warnings.catch_warnings():
            # QMC (and, in Optuna 4, TPE's constant liar and multivariate mode) are marked
            # experimental; that notice is not for our users
            warnings.filterwarnings("ignore", category=self._optuna.exceptions.ExperimentalWarning)
            if self.sampler == "tpe":
                return samplers.TPESampler(
                    seed=seed, n_startup_trials=self.startup_trials, multivariate=True, constant_liar=True
                )
            if self.sampler == "qmc":
                return samplers.QMCSampler(
                    qmc_type="sobol", scramble=True, seed=seed, warn_independent_sampling=False
                )
            return samplers.RandomSampler(seed=seed)

    def _ask(self, index: int) -> None:
        """Ask every trial of round ``index`` (the rounds before it have been told)."""
        if self._study is None:
            self._study = self._optuna.create_study(
                sampler=self._make_sampler(), direction="maximize" if self.maximize else "minimize"
            )
        asked = []
        for number in self.rounds()[index]:
            trial = self._study.ask(self.mapping.distributions)
            asked.append((number, trial, self.mapping.from_optuna(trial.params)))
        self._asked.append(asked)

    def _tell(self, upto: int) -> None:
        """Tell the sampler the results of every asked round before round ``upto``."""
        optuna = self._optuna
        while self._told < upto:
            # the driver gives the done trials of the round in trial-number order; the
            # round's other trials failed
            results = list(self._results[self._told])
            for _, trial, params in self._asked[self._told]:
                match = next((i for i, (stored, _) in enumerate(results) if _same(stored, params)), None)
                objective = None if match is None else results.pop(match)[1]
                if objective is not None and math.isfinite(objective):
                    self._study.tell(trial, float(objective))
                else:
                    self._study.tell(trial, state=optuna.trial.TrialState.FAIL)
            # stored results with parameters this sampler did not propose: keep the store's history
            for params, objective in results:
                finite = objective is not None and math.isfinite(objective)
                self._study.add_trial(
                    optuna.trial.create_trial(
                        params=self.mapping.to_optuna(params),
                        distributions=self.mapping.distributions,
                        value=float(objective) if finite else None,
                        state=optuna.trial.TrialState.COMPLETE if finite else optuna.trial.TrialState.FAIL,
                    )
                )
            self._told += 1
