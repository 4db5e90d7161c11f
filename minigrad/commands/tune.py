"""Search hyperparameters: train many variants of a config and keep the best.

The config is a `minigrad train` TOML file plus a [tune] table: the settings and the
search space, one dotted config key per hyperparameter, sampled on its own scale:

    [tune]
    trials = 16
    metric = "dev_accuracy"
    [tune.space]
    "optimizer.lr" = { log_uniform = [1e-4, 1] }            # 10^r, r in [-4, 0]
    "optimizer.beta1" = { one_minus_log_uniform = [0.8, 0.999] }  # 1 - 10^r
    "regularizer.lam" = { log_uniform = [1e-3, 10] }
    "model.layers[0].units" = { int_uniform = [8, 64] }
    "training.batch_size" = { choice = [32, 64, 128] }

Strategies: random (default; the course's advice), grid (worse: it tries few values of
the hyperparameter that matters), coarse_to_fine (rounds that zoom in on the best
trials), optuna (Optuna's TPE or QMC sampler, asked a round at a time; needs the optuna
extra, pip install -e ".[optuna]" in the minigrad checkout; [tune] keys sampler,
round_size, startup_trials).
Executors: process (caviar, default: --workers models in parallel), sequential
(panda: one model at a time with a live display), dask (--scheduler tcp://host:8786,
or --scheduler local).

Every trial is stored in an SQLite database (default studies/<config name>.db, and
studies/tune.db without a config) as soon as it finishes; running the same command again
resumes the study without rerunning finished trials (a changed study is an error unless
--new). At the end it prints the best trials, writes the plot of the metric against each
hyperparameter (.png beside the database) and the best trial's full config (.best.toml:
`minigrad train` retrains it). Both are named after the database: its .db, .sqlite or
.sqlite3 suffix is replaced (studies/lr.db -> studies/lr.best.toml), any other name is
kept whole (studies/lr.v1 -> studies/lr.v1.best.toml), so two studies never write each
other's files.

Without a config the built-in recipe (the one `minigrad train` runs) is searched over the
dimensions given with --space; at least one is needed.

Examples:
    minigrad tune --space "optimizer.lr={log_uniform=[1e-4,1]}" --set training.epochs=30
    minigrad tune --space "training.batch_size={choice=[32,64,128]}" --db studies/batch.db
    minigrad tune study.toml --strategy coarse_to_fine --trials 24
    minigrad tune study.toml --executor sequential --trials 4
    minigrad tune study.toml --scheduler tcp://10.0.0.5:8786 --trials 200
    minigrad tune --show studies/tune.db      # the study of the first example
    minigrad tune examples/tune.toml --trials 16   # in the minigrad source repository

study.toml stands for your config with a [tune] table as above; examples/tune.toml, a
complete one, is in the minigrad source repository, not in the installed package.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``minigrad tune``."""
    from minigrad.tune.executors import EXECUTORS
    from minigrad.tune.strategies import STRATEGIES

    parser.add_argument(
        "config",
        nargs="?",
        help="a TOML config with a [tune] table (default: the built-in recipe, searched over the --space "
        "dimensions, which are then required)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value (also tune.* settings), e.g. --set training.epochs=30 (repeatable)",
    )
    parser.add_argument(
        "--space",
        action="append",
        default=[],
        metavar="KEY=DISTRIBUTION",
        help="add a dimension, e.g. --space 'optimizer.lr={log_uniform=[1e-4,1]}' (repeatable)",
    )
    parser.add_argument("--trials", type=int, help="number of trials (default 16)")
    parser.add_argument("--strategy", choices=list(STRATEGIES), help="search strategy (default random)")
    parser.add_argument("--seed", type=int, help="the study seed (default 0)")
    parser.add_argument("--metric", help="what to optimize: dev_loss (default), dev_accuracy, dev_cost, ...")
    parser.add_argument("--executor", choices=list(EXECUTORS), help="where trials run (default process)")
    parser.add_argument("--workers", type=int, help="parallel workers (default: one per core)")
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="a Dask scheduler address, or 'local' (implies dask)"
    )
    parser.add_argument("--db", metavar="PATH", help="the study database (default studies/<config name>.db)")
    parser.add_argument(
        "--new",
        action="store_true",
        help="discard a different study stored in the database (the same one is resumed)",
    )
    parser.add_argument("--retry-failed", action="store_true", help="rerun the trials that failed before")
    parser.add_argument(
        "--top", type=int, default=5, metavar="K", help="how many best trials to print (default 5)"
    )
    parser.add_argument(
        "--plot", metavar="PATH", help="where to write the plot (default: beside the database)"
    )
    parser.add_argument("--no-plot", action="store_true", help="do not draw the plot")
    parser.add_argument("--quiet", action="store_true", help="no progress lines, only the final table")
    parser.add_argument("--show", metavar="STUDY_DB", help="print the best trials of a stored study and exit")


def _setting(cli: Any, tune: dict[str, Any], key: str) -> Any:
    from minigrad.tune.study import TUNE_DEFAULTS

    if cli is not None:
        return cli
    return tune.get(key, TUNE_DEFAULTS[key])


#: Suffixes of a study database that the names of its plot and best config replace.
DB_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def study_file(db: Path, suffix: str) -> Path:
    """The file beside study database ``db`` ending in ``suffix``: a ``.db``, ``.sqlite``
    or ``.sqlite3`` suffix is replaced, any other name is kept whole (``with_suffix``
    would give ``lr.v1`` and ``lr.v2`` the same ``lr.best.toml``).

    Example:
        >>> from pathlib import Path
        >>> from minigrad.commands.tune import study_file
        >>> study_file(Path("studies/lr.db"), ".best.toml").name
        'lr.best.toml'
        >>> study_file(Path("studies/lr.v1"), ".best.toml").name
        'lr.v1.best.toml'
    """
    if db.suffix.lower() in DB_SUFFIXES:
        return db.with_suffix(suffix)
    return db.with_name(db.name + suffix)


def _show(args: argparse.Namespace) -> int:
    from minigrad.errors import ConfigError
    from minigrad.tune import Study
    from minigrad.tune.report import format_failures

    if args.config:
        raise ConfigError("--show STUDY_DB prints a stored study; drop the CONFIG argument")
    study = Study.load(args.show)
    print(study.summary())
    print()
    print(study.table(args.top))
    failures = format_failures(study.trials, limit=None)
    if failures:
        print()
        print(failures)
    if args.plot and study.plot(args.plot) is not None:
        print(f"\nplot: {args.plot}")
    return 0


def _check_positive(name: str, value: int | None) -> None:
    from minigrad.errors import ConfigError

    if value is not None and value < 1:
        raise ConfigError(f"{name} {value}: it must be an integer >= 1")


def run(args: argparse.Namespace) -> int:
    """Run or resume the study, print the best trials, write the plot; returns the exit code."""
    from minigrad.config import dumps_toml
    from minigrad.errors import ConfigError, MinigradError
    from minigrad.tune import load_study_config, run_study
    from minigrad.tune.strategies import strategy_options

    if args.show:
        return _show(args)
    _check_positive("--trials", args.trials)
    _check_positive("--workers", args.workers)
    _check_positive("--top", args.top)
    if args.plot and not args.no_plot:
        from minigrad.plots import figure_format

        figure_format(args.plot)  # a bad suffix is an error now, not after the study
    study_config = load_study_config(args.config, overrides=args.overrides, space=args.space)
    if not args.config and not len(study_config.space):
        raise ConfigError(
            "minigrad tune without a CONFIG searches the built-in recipe over the dimensions given "
            "with --space, and none was given: add one or more, e.g. "
            "--space 'optimizer.lr={log_uniform=[1e-4,1]}' (see minigrad tune --help), "
            "or pass a TOML config with a [tune.space] table"
        )
    tune = study_config.tune
    scheduler = _setting(args.scheduler, tune, "scheduler")
    executor = args.executor or tune.get("executor") or ("dask" if scheduler else "process")
    db = _setting(args.db, tune, "db") or Path("studies") / f"{study_config.name}.db"
    if not isinstance(db, str | Path):
        raise ConfigError(f"{study_config.source}: tune.db = {db!r}: expected a file path (a string)")
    db = Path(db)
    study = run_study(
        study_config.config,
        study_config.space,
        trials=_setting(args.trials, tune, "trials"),
        strategy=_setting(args.strategy, tune, "strategy"),
        strategy_options={k: v for k, v in tune.items() if k in strategy_options()},
        seed=_setting(args.seed, tune, "seed"),
        metric=_setting(args.metric, tune, "metric"),
        direction=tune.get("direction", "auto"),
        executor=executor,
        workers=_setting(args.workers, tune, "workers"),
        scheduler=scheduler,
        db=db,
        name=tune.get("name"),
        new=args.new,
        retry_failed=args.retry_failed,
        output=None if args.quiet else sys.stdout,
        source=study_config.source,
    )
    from minigrad.tune.report import format_failures

    print()
    print(study.table(args.top))
    failures = format_failures(study.trials)
    if failures:
        print()
        print(failures)
    if not study.best(1):
        print("\nno trial finished with a finite metric", file=sys.stderr)
        return 1
    print()
    if not args.no_plot:
        plot_path = Path(args.plot) if args.plot else study_file(db, ".png")
        try:
            study.plot(plot_path)
            print(f"plot: {plot_path}")
        except MinigradError as err:  # e.g. matplotlib is not installed
            print(f"plot skipped: {err}", file=sys.stderr)
    best_path = study_file(db, ".best.toml")
    from minigrad.checkpoint import atomic_write

    with atomic_write(best_path, "w") as handle:
        handle.write(dumps_toml(study.best_config()))
    print(f"best config: {best_path} (minigrad train {best_path} retrains trial {study.best(1)[0].number})")
    print(f"study: {db} (minigrad tune --show {db})")
    return 0
