"""Hyperparameter search, the course's way: at random, on the right scale, coarse to
fine, many models at once (caviar) or one watched closely (panda).

A study trains the same configuration as ``minigrad train`` with sampled values
substituted at dotted keys (``optimizer.lr``, ``optimizer.beta1``,
``regularizer.lam``, ``training.batch_size``, ``model.layers[0].units``, ...), records
every trial in an SQLite database and reports the best ones.

- :mod:`~minigrad.tune.space`: the distributions (:func:`uniform`, :func:`log_uniform`,
  :func:`one_minus_log_uniform`, :func:`int_uniform`, :func:`choice`) and :class:`Space`.
- :mod:`~minigrad.tune.strategies`: ``random`` (default), ``grid`` (worse, kept for
  comparison), ``coarse_to_fine``, and ``optuna`` (Optuna's samplers, an extra:
  :mod:`~minigrad.tune.optuna_strategy`).
- :mod:`~minigrad.tune.executors`: sequential (panda), process pool (caviar, default),
  Dask.
- :mod:`~minigrad.tune.trial`: one trial, its seeds and its config.
- :mod:`~minigrad.tune.store`: the SQLite results store (resumable, crash-safe).
- :mod:`~minigrad.tune.report`: the best-trials table and the plot.
- :mod:`~minigrad.tune.study`: :func:`run_study`, :class:`Study`, :func:`load_study_config`.

From the command line: ``minigrad tune examples/tune.toml --trials 16 --workers 2``.

Example:
    >>> import pathlib, tempfile
    >>> from minigrad.config import load_config
    >>> from minigrad import tune
    >>> config = load_config(overrides=["training.epochs=3", "data.options.n=120"])
    >>> space = {
    ...     "optimizer.lr": tune.log_uniform(1e-3, 1e-1),
    ...     "optimizer.beta1": tune.one_minus_log_uniform(0.8, 0.99),
    ... }
    >>> study = tune.run_study(config, space, trials=3, executor="sequential", seed=1,
    ...                        db=pathlib.Path(tempfile.mkdtemp()) / "adam.db")
    >>> len(study.trials), sorted(study.best()[0].params)
    (3, ['optimizer.beta1', 'optimizer.lr'])
"""

from minigrad.tune.executors import EXECUTORS, SequentialExecutor, open_executor
from minigrad.tune.report import format_table, plot_study
from minigrad.tune.space import (
    DISTRIBUTIONS,
    Choice,
    Dimension,
    IntUniform,
    LogUniform,
    OneMinusLogUniform,
    Space,
    Uniform,
    choice,
    int_uniform,
    log_uniform,
    normalize_key,
    one_minus_log_uniform,
    parse_dimension,
    uniform,
)
from minigrad.tune.store import StudyStore, TrialRecord
from minigrad.tune.strategies import STRATEGIES, make_strategy
from minigrad.tune.study import Study, StudyConfig, load_study_config, run_study
from minigrad.tune.trial import METRICS, run_trial, trial_config, trial_seed

__all__ = [
    "DISTRIBUTIONS",
    "EXECUTORS",
    "METRICS",
    "STRATEGIES",
    "Choice",
    "Dimension",
    "IntUniform",
    "LogUniform",
    "OneMinusLogUniform",
    "SequentialExecutor",
    "Space",
    "Study",
    "StudyConfig",
    "StudyStore",
    "TrialRecord",
    "Uniform",
    "choice",
    "format_table",
    "int_uniform",
    "load_study_config",
    "log_uniform",
    "make_strategy",
    "normalize_key",
    "one_minus_log_uniform",
    "open_executor",
    "parse_dimension",
    "plot_study",
    "run_study",
    "run_trial",
    "trial_config",
    "trial_seed",
    "uniform",
]
