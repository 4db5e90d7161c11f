"""The optuna strategy: the space maps onto Optuna's distributions on the right scales,
studies are identical whatever the executor and after a resume, TPE learns from the told
results, failures are told as FAIL, a missing Optuna is a clear MissingExtraError, and the
strategy is chosen from TOML and the command line like the others."""

from __future__ import annotations

import json
import logging
import math
import sys
import textwrap
import warnings

import numpy as np
import pytest

from minigrad.cli import main
from minigrad.errors import ConfigError, MissingExtraError
from minigrad.tune import (
    SequentialExecutor,
    Space,
    Study,
    choice,
    int_uniform,
    log_uniform,
    make_strategy,
    one_minus_log_uniform,
    run_study,
    uniform,
)

from .helpers import CountingExecutor, FailThenStop, local_dask_cluster

EVERY_KIND = Space(
    {
        "optimizer.lr": log_uniform(1e-4, 1),
        "optimizer.beta1": one_minus_log_uniform(0.9, 0.999),
        "model.layers.0.units": int_uniform(8, 64),
        "training.batch_size": choice([16, 32, 64, 128]),
        "regularizer.lam": uniform(0.0, 0.5),
        "model.layers.1.type": choice(["relu", {"type": "tanh"}, [1, 2]]),  # any TOML value
    }
)


@pytest.fixture
def optuna():
    return pytest.importorskip("optuna")


def drive(strategy, objective, *, fail=()):
    """Run ``strategy`` the way the study driver does, on a cheap objective: suggest each
    round, evaluate it, hand its done trials to region(); trials in ``fail`` fail."""
    region, params = strategy.space, []
    for index, numbers in enumerate(strategy.rounds()):
        if index:
            done = [(params[n], objective(params[n])) for n in strategy.rounds()[index - 1] if n not in fail]
            region = strategy.region(region, done, maximize=strategy.maximize)
        params += [strategy.suggest(region, n, np.random.default_rng(n)) for n in numbers]
    return params


def outcomes(study):
    return [json.dumps((t.number, t.params, t.seed, t.status, t.metrics, t.objective)) for t in study.trials]


# ----------------------------------------------------------------- mapping
def test_every_kind_maps_to_its_optuna_distribution(optuna):
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    from minigrad.tune.optuna_strategy import OptunaSpace

    mapping = OptunaSpace(EVERY_KIND)
    distributions = dict(mapping.distributions)
    r = distributions.pop("log10(1 - optimizer.beta1)")  # r = log10(1 - beta), uniform
    assert isinstance(r, FloatDistribution) and not r.log
    assert (r.low, r.high) == (pytest.approx(-3.0), -1.0)  # log10(1 - 0.999) = -2.9999999999999996
    assert distributions == {
        "optimizer.lr": FloatDistribution(1e-4, 1.0, log=True),
        "model.layers.0.units": IntDistribution(8, 64),
        "training.batch_size": CategoricalDistribution((0, 1, 2, 3)),
        "regularizer.lam": FloatDistribution(0.0, 0.5),
        "model.layers.1.type": CategoricalDistribution((0, 1, 2)),
    }
    params = {
        "optimizer.lr": 0.01,
        "optimizer.beta1": 0.99,
        "model.layers.0.units": 40,
        "training.batch_size": 64,
        "regularizer.lam": 0.25,
        "model.layers.1.type": {"type": "tanh"},
    }
    values = mapping.to_optuna(params)
    assert values["log10(1 - optimizer.beta1)"] == pytest.approx(-2.0)
    assert values["training.batch_size"] == 2 and values["model.layers.1.type"] == 1
    back = mapping.from_optuna(values)
    assert back.keys() == params.keys()
    assert back["optimizer.beta1"] == pytest.approx(0.99) and back["model.layers.1.type"] == {"type": "tanh"}
    # the ends of each range stay inside despite rounding in log10 and back
    ends = mapping.from_optuna({**values, "log10(1 - optimizer.beta1)": -3.0, "optimizer.lr": 1.0})
    assert EVERY_KIND.contains(ends) and ends["optimizer.beta1"] <= 0.999


def test_sampled_values_lie_in_their_ranges_on_the_right_scale(optuna):
    strategy = make_strategy(
        "optuna", {"sampler": "random", "round_size": 1000}, trials=1000, space=EVERY_KIND
    )
    params = drive(strategy, lambda p: 0.0)
    assert all(EVERY_KIND.contains(p) for p in params)
    lr = np.array([p["optimizer.lr"] for p in params])
    beta = np.array([p["optimizer.beta1"] for p in params])
    units = [p["model.layers.0.units"] for p in params]
    decades = np.histogram(lr, bins=[1e-4, 1e-3, 1e-2, 1e-1, 1])[0]
    assert decades.min() > 200 and decades.max() < 300  # a quarter per decade, not 90% in [0.1, 1]
    assert 440 < np.sum(beta < 0.99) < 560  # half in [0.9, 0.99], half in [0.99, 0.999]
    assert all(isinstance(u, int) for u in units) and {min(units), max(units)} == {8, 64}
    assert {p["training.batch_size"] for p in params} == {16, 32, 64, 128}
    assert len({json.dumps(p["model.layers.1.type"]) for p in params}) == 3


@pytest.mark.parametrize("sampler", ["tpe", "qmc"])
def test_other_samplers_stay_in_range_too(optuna, sampler):
    strategy = make_strategy("optuna", {"sampler": sampler, "startup_trials": 4}, trials=16, space=EVERY_KIND)
    params = drive(strategy, lambda p: math.log10(p["optimizer.lr"]) ** 2)
    assert all(EVERY_KIND.contains(p) for p in params) and len(params) == 16
    assert len({p["optimizer.lr"] for p in params}) == 16


# --------------------------------------------------------- what TPE learns
def bowl(p):
    """Lowest at lr = 10^-2.5, beta1 = 0.99, 40 units, batch size 64."""
    return (
        (math.log10(p["optimizer.lr"]) + 2.5) ** 2
        + (math.log10(1 - p["optimizer.beta1"]) + 2) ** 2
        + ((p["model.layers.0.units"] - 40) / 28) ** 2
        + (p["training.batch_size"] != 64)
    )


def test_tpe_concentrates_near_the_optimum_where_random_search_does_not(optuna):
    space = Space({k: EVERY_KIND[k] for k in list(EVERY_KIND)[:4]})
    options = {"round_size": 4, "startup_trials": 8}
    tpe = [bowl(p) for p in drive(make_strategy("optuna", options, trials=48, space=space), bowl)]
    rnd = [
        bowl(p)
        for p in drive(
            make_strategy("optuna", {**options, "sampler": "random"}, trials=48, space=space), bowl
        )
    ]
    assert np.mean(tpe[-16:]) < 0.4 * np.mean(rnd[-16:])
    assert np.median(tpe[-16:]) < 0.5 * np.median(tpe[:16])


def test_maximizing_studies_are_told_their_direction(optuna):
    space = Space({"optimizer.lr": log_uniform(1e-4, 1)})
    score = lambda p: -abs(math.log10(p["optimizer.lr"]) + 3)  # noqa: E731  best at 1e-3
    strategy = make_strategy("optuna", {"startup_trials": 4}, trials=32, space=space, maximize=True)
    lrs = [p["optimizer.lr"] for p in drive(strategy, score)]
    assert strategy.optuna_study.direction == optuna.study.StudyDirection.MAXIMIZE
    assert np.median(np.abs(np.log10(lrs[-8:]) + 3)) < 0.5  # near 1e-3, not at either end
    with pytest.raises(ValueError, match="maximizes"):
        strategy.region(space, [], maximize=False)


# --------------------------------------------------------------- telling
def test_results_are_told_in_trial_order_and_failures_as_fail(optuna):
    space = Space({"optimizer.lr": log_uniform(1e-4, 1)})
    strategy = make_strategy("optuna", {"round_size": 4}, trials=12, space=space, seed=5)
    objective = lambda p: float(np.log10(p["optimizer.lr"]))  # noqa: E731
    params = drive(strategy, objective, fail={1, 6})
    told = strategy.optuna_study.trials
    states = [t.state.name for t in told]
    assert (
        states
        == ["COMPLETE", "FAIL", "COMPLETE", "COMPLETE", "COMPLETE", "COMPLETE", "FAIL", "COMPLETE"]
        + ["RUNNING"] * 4
    )  # the last round is asked, not yet told
    assert [t.number for t in told] == list(range(12))
    for trial, ours in zip(told, params):
        assert trial.params["optimizer.lr"] == ours["optimizer.lr"]
        if trial.state.name == "COMPLETE":
            assert trial.value == objective(ours)


def test_a_non_finite_metric_is_a_failure_and_unknown_stored_trials_are_added(optuna):
    space = Space({"optimizer.lr": log_uniform(1e-4, 1)})
    strategy = make_strategy("optuna", {"round_size": 2}, trials=4, space=space)
    first = [strategy.suggest(space, n, None) for n in (0, 1)]
    stranger = {"optimizer.lr": 0.5}  # stored, but not what this sampler proposed
    strategy.region(space, [(first[0], None), (stranger, 0.25)], maximize=False)
    strategy.suggest(space, 2, None)
    trials = strategy.optuna_study.trials
    assert [t.state.name for t in trials[:3]] == ["FAIL", "FAIL", "COMPLETE"]
    assert trials[2].params == {"optimizer.lr": 0.5} and trials[2].value == 0.25
    with pytest.raises(ValueError, match="not in round 1"):
        strategy.suggest(space, 0, None)


def test_a_study_with_failing_trials_goes_on(tmp_path, tiny_config, optuna, monkeypatch):
    import minigrad.tune.study as study_module

    built, make = [], study_module.make_strategy

    def keep(*args, **kwargs):  # keep the strategy the study builds
        built.append(make(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(study_module, "make_strategy", keep)
    # momentum has no beta2: those trials fail when their config is built
    space = {"optimizer.name": choice(["adam", "momentum"]), "optimizer.beta2": uniform(0.99, 0.999)}
    study = run_study(
        tiny_config,
        space,
        trials=8,
        strategy="optuna",
        strategy_options={"round_size": 4},
        executor="sequential",
        db=tmp_path / "s.db",
    )
    statuses = [t.status for t in study.trials]
    assert set(statuses) == {"done", "failed"}
    told = built[0].optuna_study.trials
    expected = ["COMPLETE" if s == "done" else "FAIL" for s in statuses[:4]] + ["RUNNING"] * 4
    assert [t.state.name for t in told] == expected


# ------------------------------------------------------ reproducibility
SETTINGS = dict(trials=7, seed=2, strategy="optuna", strategy_options={"round_size": 3, "startup_trials": 3})


def test_sequential_process_and_dask_runs_give_identical_trials(tmp_path, tiny_config, adam_space, optuna):
    sequential = run_study(tiny_config, adam_space, executor="sequential", db=tmp_path / "seq.db", **SETTINGS)
    pool = run_study(tiny_config, adam_space, executor="process", workers=2, db=tmp_path / "p.db", **SETTINGS)
    assert [t.status for t in sequential.trials] == ["done"] * 7
    assert outcomes(pool) == outcomes(sequential)
    other = run_study(
        tiny_config, adam_space, executor="sequential", db=tmp_path / "s3.db", **{**SETTINGS, "seed": 3}
    )
    assert [t.params for t in other.trials] != [t.params for t in sequential.trials]

    pytest.importorskip("distributed")
    with local_dask_cluster() as (_, client):
        dask = run_study(
            tiny_config,
            adam_space,
            executor=client.get_executor(pure=False),
            workers=2,
            db=tmp_path / "d.db",
            **SETTINGS,
        )
    assert outcomes(dask) == outcomes(sequential)


class StopAt(SequentialExecutor):
    """Runs trials in this process; Ctrl-C when trial ``at`` is submitted."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at

    def submit(self, fn, /, *args, **kwargs):
        if args[0].number == self.at:
            raise KeyboardInterrupt
        return super().submit(fn, *args, **kwargs)


@pytest.mark.parametrize("sampler", ["tpe", "qmc"])
@pytest.mark.parametrize("stop", [6, 7])  # where a round starts, and mid-round
def test_a_resumed_study_proposes_what_an_uninterrupted_one_does(
    tmp_path, tiny_config, adam_space, optuna, sampler, stop
):
    settings = {
        **SETTINGS,
        "trials": 9,
        "strategy_options": {**SETTINGS["strategy_options"], "sampler": sampler},
    }
    whole = run_study(tiny_config, adam_space, executor="sequential", db=tmp_path / "whole.db", **settings)
    with pytest.raises(KeyboardInterrupt):
        run_study(tiny_config, adam_space, executor=StopAt(stop), db=tmp_path / "cut.db", **settings)
    assert [t.status for t in Study.load(tmp_path / "cut.db").trials if t.status == "done"] == ["done"] * stop
    counting = CountingExecutor()
    resumed = run_study(tiny_config, adam_space, executor=counting, db=tmp_path / "cut.db", **settings)
    assert counting.numbers == list(range(stop, 9))  # no finished trial ran again
    assert outcomes(resumed) == outcomes(whole)
    # the trial submitted at Ctrl-C counts two starts, every other one
    assert [t.runs for t in resumed.trials] == [2 if t.number == stop else 1 for t in resumed.trials]


def test_retrying_a_failed_trial_keeps_the_trials_planned_since(tmp_path, tiny_config, adam_space, optuna):
    """Round 1 was asked after round 0 with trial 1 failed; trial 1 rerun with
    --retry-failed changes what the sampler is told, and the stored trials of round 1
    still run with their stored parameters (as the module documentation says)."""
    settings = {**SETTINGS, "db": tmp_path / "s.db"}
    with pytest.raises(KeyboardInterrupt):
        run_study(tiny_config, adam_space, executor=FailThenStop(fail=1, stop=4), **settings)
    cut = Study.load(tmp_path / "s.db")
    assert [t.status for t in cut.trials] == ["done", "failed", "done", "done", "running", "pending"]
    counting = CountingExecutor()
    study = run_study(tiny_config, adam_space, executor=counting, retry_failed=True, **settings)
    assert counting.numbers == [1, 4, 5, 6] and [t.status for t in study.trials] == ["done"] * 7
    assert [t.params for t in study.trials[:6]] == [t.params for t in cut.trials]


def test_extending_a_study_keeps_its_trials(tmp_path, tiny_config, adam_space, optuna):
    db = tmp_path / "s.db"
    short = run_study(tiny_config, adam_space, executor="sequential", db=db, **{**SETTINGS, "trials": 4})
    counting = CountingExecutor()
    longer = run_study(tiny_config, adam_space, executor=counting, db=db, **SETTINGS)
    assert counting.numbers == [4, 5, 6]
    assert outcomes(longer)[:4] == outcomes(short)


# ----------------------------------------------------------- quiet Optuna
def test_optuna_logs_and_experimental_warnings_stay_out_of_the_way(optuna):
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("optuna")
    logger.addHandler(handler)
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.INFO)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for sampler in ("tpe", "qmc"):
                strategy = make_strategy("optuna", {"sampler": sampler}, trials=8, space=EVERY_KIND)
                drive(strategy, lambda p: 1.0, fail={2})
        assert [r.getMessage() for r in records if r.levelno < logging.WARNING] == []
        assert optuna.logging.get_verbosity() == optuna.logging.INFO  # restored
        assert not [w for w in caught if issubclass(w.category, optuna.exceptions.ExperimentalWarning)]
        optuna.create_study()  # the handler does see Optuna's INFO lines outside the strategy
        assert any("A new study created" in r.getMessage() for r in records)
    finally:
        logger.removeHandler(handler)
        optuna.logging.set_verbosity(level)


# ------------------------------------------------------------ no Optuna
def test_without_optuna_the_error_names_the_extra(tmp_path, tiny_config, adam_space, monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)  # `import optuna` raises ImportError
    with pytest.raises(MissingExtraError) as info:  # as for the dask executor: exit code 1
        make_strategy("optuna", trials=4, space=Space({"optimizer.lr": log_uniform(1e-4, 1)}))
    assert "tune.strategy = 'optuna' needs Optuna" in str(info.value)
    assert 'pip install -e ".[optuna]"' in str(info.value) and "minigrad[optuna]" not in str(info.value)
    counting = CountingExecutor()
    with pytest.raises(MissingExtraError, match="needs Optuna"):
        run_study(tiny_config, adam_space, strategy="optuna", executor=counting, db=tmp_path / "s.db")
    assert counting.numbers == [] and not (tmp_path / "s.db").exists()
    # the other strategies do not need it
    assert make_strategy("random", trials=4, space=Space(adam_space)).describe() == {"name": "random"}


def test_an_old_optuna_is_refused(optuna, monkeypatch):
    monkeypatch.setattr(optuna, "__version__", "3.6.1")
    with pytest.raises(MissingExtraError, match=r"needs Optuna 4 or later, found 3\.6\.1"):
        make_strategy("optuna", trials=4, space=Space({"optimizer.lr": log_uniform(1e-4, 1)}))


def test_qmc_without_scipy_names_the_extra(optuna, monkeypatch):
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "scipy" else find_spec(name, *a)
    )
    with pytest.raises(MissingExtraError, match=r"'qmc' needs SciPy.*\.\[optuna\]"):
        make_strategy(
            "optuna", {"sampler": "qmc"}, trials=4, space=Space({"optimizer.lr": log_uniform(1e-4, 1)})
        )


def test_a_missing_optuna_exits_1_on_the_command_line_like_a_missing_dask(tmp_path, capsys, monkeypatch):
    config = tmp_path / "study.toml"
    config.write_text(STUDY)
    args = ["tune", str(config), "--db", str(tmp_path / "s.db"), "--no-plot", "--quiet"]
    monkeypatch.setitem(sys.modules, "optuna", None)
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "needs Optuna" in err and '.[optuna]"' in err and "Traceback" not in err
    monkeypatch.setitem(sys.modules, "distributed", None)  # the dask executor's extra: the same code
    assert main([*args, "--strategy", "random", "--executor", "dask", "--new"]) == 1
    assert ".[dask]" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"sampler": "tpee"}, ["tune.sampler = 'tpee'", "'tpe', 'random', 'qmc'"]),
        ({"round_size": 0}, ["tune.round_size = 0", "integer >= 1"]),
        ({"startup_trials": 1.5}, ["tune.startup_trials = 1.5"]),
        ({"samplr": "tpe"}, ["tune.samplr", "did you mean 'sampler'"]),
    ],
)
def test_bad_options_are_config_errors(options, words):
    with pytest.raises(ConfigError) as info:
        make_strategy("optuna", options, trials=4, space=Space({"optimizer.lr": log_uniform(1e-4, 1)}))
    for word in words:
        assert word in str(info.value), str(info.value)


def test_the_study_identity_holds_the_options_that_matter(optuna):
    space = Space({"optimizer.lr": log_uniform(1e-4, 1)})
    assert make_strategy("optuna", trials=10, space=space).describe() == {
        "name": "optuna",
        "sampler": "tpe",
        "round_size": 4,
        "startup_trials": 10,
    }
    # startup_trials is TPE's; coarse_to_fine's options are ignored, as usual
    qmc = make_strategy(
        "optuna", {"sampler": "qmc", "startup_trials": 3, "keep": 0.5}, trials=10, space=space
    )
    assert qmc.describe() == {"name": "optuna", "sampler": "qmc", "round_size": 4}
    assert qmc.rounds() == [range(0, 4), range(4, 8), range(8, 10)]


# ---------------------------------------------------------- TOML and CLI
STUDY = textwrap.dedent(
    """
    [data]
    options = { n = 90 }
    [training]
    epochs = 4
    [tune]
    trials = 4
    strategy = "optuna"
    sampler = "qmc"
    round_size = 2
    executor = "sequential"
    [tune.space]
    "optimizer.lr" = { log_uniform = [1e-3, 0.3] }
    "optimizer.beta1" = { one_minus_log_uniform = [0.8, 0.99] }
    """
)


def test_the_strategy_is_chosen_in_the_tune_table_and_on_the_command_line(tmp_path, capsys, optuna):
    config = tmp_path / "study.toml"
    config.write_text(STUDY)
    db = tmp_path / "study.db"
    assert main(["tune", str(config), "--db", str(db), "--no-plot", "--set", "callbacks=[]"]) == 0
    out = capsys.readouterr().out
    assert "round 2/2:" in out and "[4/4] trial" in out
    assert "Trial 0 finished" not in out and "A new study created" not in out
    study = Study.load(db)
    assert study.spec["strategy"] == {"name": "optuna", "sampler": "qmc", "round_size": 2}
    assert [t.status for t in study.trials] == ["done"] * 4
    assert main(["tune", "--show", str(db)]) == 0
    assert "optuna search (sampler=qmc, round_size=2)" in capsys.readouterr().out

    # --strategy and --set pick it for a config whose [tune] table says otherwise
    db2 = tmp_path / "other.db"
    args = ["tune", str(config), "--db", str(db2), "--no-plot", "--quiet", "--set", "callbacks=[]"]
    text = STUDY.replace('strategy = "optuna"', 'strategy = "random"')
    config.write_text(text)
    assert main([*args, "--strategy", "optuna", "--set", "tune.sampler='random'", "--trials", "3"]) == 0
    capsys.readouterr()
    assert Study.load(db2).spec["strategy"] == {"name": "optuna", "sampler": "random", "round_size": 2}

    assert main([*args, "--strategy", "optuna", "--set", "tune.sampler='cmaes'", "--new"]) == 2
    err = capsys.readouterr().err
    assert "tune.sampler = 'cmaes'" in err and "Traceback" not in err
