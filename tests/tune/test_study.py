"""Studies end to end on tiny configurations: reproducible whatever the executor,
resumable, failures recorded, configuration errors before any trial runs."""

from __future__ import annotations

import io
import json
import textwrap
import types
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool

import pytest

import minigrad as mg
from minigrad.config import run_config
from minigrad.errors import ConfigError
from minigrad.tune import (
    SequentialExecutor,
    Space,
    Study,
    choice,
    int_uniform,
    load_study_config,
    log_uniform,
    run_study,
    uniform,
)

from .conftest import TINY
from .helpers import CountingExecutor, FailThenStop, local_dask_cluster


def outcomes(study: Study) -> list[str]:
    """Each trial's parameters, seed and results as JSON (equal strings: equal bits)."""
    return [
        json.dumps((t.number, t.params, t.seed, t.status, t.metrics, t.final, t.objective))
        for t in study.trials
    ]


# ------------------------------------------------------------ reproducibility
def test_the_same_study_gives_identical_trials_on_every_executor(tmp_path, tiny_config, adam_space):
    settings = dict(trials=6, seed=3, strategy="coarse_to_fine", strategy_options={"rounds": 2})
    sequential = run_study(tiny_config, adam_space, executor="sequential", db=tmp_path / "seq.db", **settings)
    pool = run_study(
        tiny_config, adam_space, executor="process", workers=2, db=tmp_path / "pool.db", **settings
    )
    with local_dask_cluster() as (cluster, client):
        dask = run_study(
            tiny_config,
            adam_space,
            executor="dask",
            scheduler=cluster.scheduler_address,
            db=tmp_path / "d.db",
            **settings,
        )
        executor = run_study(
            tiny_config,
            adam_space,
            executor=client.get_executor(pure=False),
            workers=2,
            db=tmp_path / "e.db",
            **settings,
        )
    assert [t.status for t in sequential.trials] == ["done"] * 6
    assert len(sequential.rounds) == 2 and sequential.rounds[1] != sequential.rounds[0]  # zoomed in
    reference = outcomes(sequential)
    assert outcomes(pool) == reference  # metrics equal bit for bit
    assert outcomes(dask) == reference
    assert outcomes(executor) == reference
    assert {t.worker.split(":")[1] for t in pool.trials}.isdisjoint(
        {t.worker.split(":")[1] for t in sequential.trials}
    )
    other_seed = run_study(
        tiny_config, adam_space, executor="sequential", db=tmp_path / "s4.db", **{**settings, "seed": 4}
    )
    assert outcomes(other_seed) != reference


def test_the_best_config_retrains_the_best_trial_exactly(tmp_path, tiny_config, adam_space):
    study = run_study(tiny_config, adam_space, trials=3, executor="sequential", db=tmp_path / "s.db")
    best = study.best(1)[0]
    config = study.best_config()
    assert config["training"]["seed"] == best.seed
    assert config["optimizer"]["lr"] == best.params["optimizer.lr"]
    result = run_config(config)
    assert {part: result.metrics[part] for part in ("train", "dev")} == best.final
    assert list(result.history["dev_loss"]) == best.metrics["dev_loss"]


# --------------------------------------------------------------- resuming
def test_rerunning_resumes_extends_and_never_reruns_finished_trials(tmp_path, tiny_config, adam_space):
    db = tmp_path / "s.db"
    first = CountingExecutor()
    study = run_study(tiny_config, adam_space, trials=4, executor=first, db=db)
    assert first.numbers == [0, 1, 2, 3]
    again = CountingExecutor()
    resumed = run_study(tiny_config, adam_space, trials=4, executor=again, db=db)
    assert again.numbers == []
    assert outcomes(resumed) == outcomes(study)
    more = CountingExecutor()
    extended = run_study(tiny_config, adam_space, trials=6, executor=more, db=db)
    assert more.numbers == [4, 5]
    assert outcomes(extended)[:4] == outcomes(study)  # the first four unchanged
    assert [t.runs for t in extended.trials] == [1] * 6


def test_a_changed_study_is_an_error_unless_new(tmp_path, tiny_config, adam_space):
    db = tmp_path / "s.db"
    run_study(tiny_config, adam_space, trials=2, executor="sequential", db=db)
    changed = {**adam_space, "optimizer.lr": log_uniform(1e-4, 0.3)}
    with pytest.raises(ConfigError) as info:
        run_study(tiny_config, changed, trials=2, executor="sequential", db=db)
    assert "space.optimizer.lr.log_uniform" in str(info.value) and "--new" in str(info.value)
    with pytest.raises(ConfigError, match="seed: 0 -> 1"):
        run_study(tiny_config, adam_space, trials=2, executor="sequential", db=db, seed=1)
    fresh = CountingExecutor()
    run_study(tiny_config, changed, trials=2, executor=fresh, db=db, new=True)
    assert fresh.numbers == [0, 1]
    assert Study.load(db).spec["space"]["optimizer.lr"] == {"log_uniform": [1e-4, 0.3]}


def test_new_keeps_the_same_study_and_checks_the_executor_before_discarding(
    tmp_path, tiny_config, adam_space
):
    db = tmp_path / "s.db"
    run_study(tiny_config, adam_space, trials=2, executor="sequential", db=db)
    again = CountingExecutor()
    run_study(tiny_config, adam_space, trials=2, executor=again, db=db, new=True)
    assert again.numbers == []  # the same study: nothing discarded, nothing rerun
    changed = {**adam_space, "optimizer.lr": log_uniform(1e-4, 0.3)}
    with pytest.raises(ConfigError, match="executor"):
        run_study(tiny_config, changed, trials=2, executor="proces", db=db, new=True)
    assert [t.status for t in Study.load(db).trials] == ["done", "done"]  # a typo discards nothing


def test_a_second_driver_on_the_same_database_is_refused(tmp_path, tiny_config, adam_space):
    from minigrad.tune.store import StudyStore

    db = tmp_path / "s.db"
    with StudyStore(db) as running:
        running.claim()  # as a driver running this study does
        with pytest.raises(
            ConfigError, match=r"another `minigrad tune` \(pid \d+ .*\) is running this study"
        ):
            run_study(tiny_config, adam_space, trials=2, executor="sequential", db=db)
    study = run_study(tiny_config, adam_space, trials=2, executor="sequential", db=db)
    assert [t.status for t in study.trials] == ["done", "done"]


# --------------------------------------------------------------- failures
@pytest.fixture
def fragile_regularizer(fresh_plugins):
    """A regularizer that builds for any lam but fails during training when lam > 0.5."""
    plugin = types.SimpleNamespace()

    @mg.hookimpl
    def minigrad_register_regularizers(registry):
        def fragile(lam=0.0):
            def penalty(named_parameters, m):
                if lam > 0.5:
                    raise RuntimeError(f"fragile cannot take lam = {lam:.2f}")
                return mg.Tensor(0.0)

            return penalty

        registry.add("fragile", fragile, doc="fails for lam > 0.5")

    plugin.minigrad_register_regularizers = minigrad_register_regularizers
    mg.register_plugin(plugin, name="fragile_plugin")
    yield
    mg.unregister_plugin("fragile_plugin")


def test_a_crashing_trial_is_recorded_with_its_error_and_the_study_goes_on(tmp_path, fragile_regularizer):
    from minigrad.config import load_config

    config = load_config(overrides=[*TINY, "regularizer.name='fragile'", "regularizer.lam=0.1"])
    output = io.StringIO()
    study = run_study(
        config,
        {"regularizer.lam": uniform(0, 1)},
        trials=8,
        executor="sequential",
        db=tmp_path / "s.db",
        output=output,
    )
    failed = [t for t in study.trials if t.status == "failed"]
    done = [t for t in study.trials if t.status == "done"]
    assert failed and done and len(failed) + len(done) == 8
    assert all(t.params["regularizer.lam"] > 0.5 for t in failed)
    assert all(t.error_summary.startswith("RuntimeError: fragile cannot take lam") for t in failed)
    assert "Traceback" in failed[0].error and failed[0].duration is not None
    assert "failed: RuntimeError: fragile" in output.getvalue()
    # failed trials are finished: a rerun leaves them, --retry-failed reruns them
    counting = CountingExecutor()
    run_study(config, {"regularizer.lam": uniform(0, 1)}, trials=8, executor=counting, db=tmp_path / "s.db")
    assert counting.numbers == []
    run_study(
        config,
        {"regularizer.lam": uniform(0, 1)},
        trials=8,
        executor=counting,
        db=tmp_path / "s.db",
        retry_failed=True,
    )
    assert counting.numbers == [t.number for t in failed]


def test_a_combination_the_config_rejects_fails_that_trial_only(tmp_path, tiny_config):
    space = {"optimizer.name": choice(["adam", "momentum"]), "optimizer.beta2": uniform(0.99, 0.999)}
    study = run_study(tiny_config, space, trials=8, executor="sequential", db=tmp_path / "s.db")
    for trial in study.trials:
        if trial.params["optimizer.name"] == "momentum":  # momentum has no beta2
            assert trial.status == "failed" and "beta2" in trial.error and trial.runs == 1
        else:
            assert trial.status == "done"
    assert {t.status for t in study.trials} == {"done", "failed"}


def test_retrying_a_failed_trial_keeps_the_rounds_planned_since(tmp_path, tiny_config, adam_space):
    """Coarse to fine: round 1 was planned from round 0 without its failed trial (the best
    one, as it turns out); rerunning that trial changes round 0's results, but round 1
    keeps its stored space and trials."""
    settings = dict(
        trials=6, seed=3, strategy="coarse_to_fine", strategy_options={"rounds": 2}, db=tmp_path / "s.db"
    )
    with pytest.raises(KeyboardInterrupt):
        run_study(tiny_config, adam_space, executor=FailThenStop(fail=1, stop=4), **settings)
    cut = Study.load(tmp_path / "s.db")
    assert [t.status for t in cut.trials] == ["done", "failed", "done", "done", "running", "pending"]
    counting = CountingExecutor()
    study = run_study(tiny_config, adam_space, executor=counting, retry_failed=True, **settings)
    assert counting.numbers == [1, 4, 5] and [t.status for t in study.trials] == ["done"] * 6
    assert [t.params for t in study.trials] == [t.params for t in cut.trials]
    assert study.rounds == cut.rounds  # round 1's space is the one its trials were drawn from
    assert all(Space(study.rounds[1]).contains(t.params) for t in study.trials[3:])


class BreakingExecutor(Executor):
    """Runs trials in process, but pretends the worker of trial 1 died."""

    def submit(self, fn, /, *args, **kwargs):
        future = Future()
        if args[0].number == 1:
            future.set_exception(BrokenProcessPool("A process in the process pool was terminated abruptly"))
        else:
            future.set_result(fn(*args, **kwargs))
        return future


def test_a_dead_worker_fails_its_trial_and_the_study_goes_on(tmp_path, tiny_config, adam_space):
    study = run_study(tiny_config, adam_space, trials=3, executor=BreakingExecutor(), db=tmp_path / "s.db")
    assert [t.status for t in study.trials] == ["done", "failed", "done"]
    assert study.trials[1].error.startswith("WorkerDied: the worker process died")


class BrokenAfterOne(Executor):
    """Like a process pool whose worker died on trial 1: that call and every later
    submission fail with BrokenProcessPool."""

    def __init__(self) -> None:
        self.broken = False

    def submit(self, fn, /, *args, **kwargs):
        future = Future()
        if self.broken or args[0].number == 1:
            self.broken = True
            future.set_exception(BrokenProcessPool("A process in the process pool was terminated abruptly"))
        else:
            future.set_result(fn(*args, **kwargs))
        return future


def test_a_broken_pool_is_replaced_and_the_next_trials_run(tmp_path, tiny_config, adam_space, monkeypatch):
    import contextlib

    from minigrad.tune import study as study_module
    from minigrad.tune.executors import ExecutorHandle

    rebuilt = []

    def rebuild():
        rebuilt.append(SequentialExecutor())
        return rebuilt[-1]

    @contextlib.contextmanager
    def fake_open_executor(kind, *, workers=None, scheduler=None):
        yield ExecutorHandle(BrokenAfterOne(), 1, "a pool that breaks", rebuild=rebuild)

    monkeypatch.setattr(study_module, "open_executor", fake_open_executor)
    study = run_study(tiny_config, adam_space, trials=4, executor="process", db=tmp_path / "s.db")
    assert [t.status for t in study.trials] == ["done", "failed", "done", "done"]
    assert len(rebuilt) == 1 and "WorkerDied" in study.trials[1].error


class BreaksBeforeTwo(SequentialExecutor):
    """A pool found broken when trial 2 is submitted (it broke between two looks)."""

    def submit(self, fn, /, *args, **kwargs):
        if args[0].number == 2:
            raise BrokenProcessPool("A child process terminated abruptly")
        return super().submit(fn, *args, **kwargs)


def test_a_pool_found_broken_at_submission_is_replaced(tmp_path, tiny_config, adam_space, monkeypatch):
    import contextlib

    from minigrad.tune import study as study_module
    from minigrad.tune.executors import ExecutorHandle

    @contextlib.contextmanager
    def fake_open_executor(kind, *, workers=None, scheduler=None):
        yield ExecutorHandle(BreaksBeforeTwo(), 1, "a pool that breaks", rebuild=SequentialExecutor)

    monkeypatch.setattr(study_module, "open_executor", fake_open_executor)
    study = run_study(tiny_config, adam_space, trials=4, executor="process", db=tmp_path / "s.db")
    assert [t.status for t in study.trials] == ["done"] * 4


class NeverStarts(Executor):
    """A pool whose workers die at start-up (an unguarded script, code from stdin)."""

    def submit(self, fn, /, *args, **kwargs):
        future = Future()
        future.set_exception(BrokenProcessPool("A process in the process pool was terminated abruptly"))
        return future


def _patch_executor(monkeypatch, executor, rebuild):
    import contextlib

    from minigrad.tune import study as study_module
    from minigrad.tune.executors import ExecutorHandle

    @contextlib.contextmanager
    def fake_open_executor(kind, *, workers=None, scheduler=None):
        yield ExecutorHandle(executor, 2, "a pool", rebuild=rebuild)

    monkeypatch.setattr(study_module, "open_executor", fake_open_executor)


def test_a_pool_that_broke_before_finishing_anything_gets_one_more_chance(
    tmp_path, tiny_config, adam_space, monkeypatch
):
    _patch_executor(monkeypatch, NeverStarts(), SequentialExecutor)
    study = run_study(tiny_config, adam_space, trials=3, executor="process", db=tmp_path / "s.db")
    assert [t.status for t in study.trials] == ["done"] * 3


def test_workers_that_never_start_stop_the_study_with_advice(tmp_path, tiny_config, adam_space, monkeypatch):
    _patch_executor(monkeypatch, NeverStarts(), NeverStarts)
    with pytest.raises(mg.MinigradError, match="died twice before finishing any trial") as info:
        run_study(tiny_config, adam_space, trials=3, executor="process", db=tmp_path / "s.db")
    assert "__main__" in str(info.value) and "--executor sequential" in str(info.value)
    statuses = [t.status for t in Study.load(tmp_path / "s.db").trials]
    assert "failed" not in statuses and "done" not in statuses  # nothing is wrongly marked finished
    monkeypatch.undo()
    assert [
        t.status
        for t in run_study(
            tiny_config, adam_space, trials=3, executor="sequential", db=tmp_path / "s.db"
        ).trials
    ] == ["done"] * 3


# ----------------------------------------------------------------- display
def test_sequential_mode_shows_each_trial_live(tmp_path, tiny_config, adam_space):
    output = io.StringIO()
    run_study(tiny_config, adam_space, trials=2, executor="sequential", db=tmp_path / "s.db", output=output)
    text = output.getvalue()
    assert "sequential (panda" in text
    assert "trial 1 epoch 4/4  cost~" in text and "dev_loss" in text
    assert "[2/2] trial 1  dev_loss" in text


class ClosedByReader(io.StringIO):
    """Standard output piped into ``head``: it breaks at the first live line."""

    def write(self, text):
        if self.broken or "epoch" in text:
            self.broken = True
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)

    broken = False


def test_a_closed_output_stops_the_study_without_failing_the_running_trial(tmp_path, tiny_config, adam_space):
    with pytest.raises(BrokenPipeError):
        run_study(
            tiny_config,
            adam_space,
            trials=2,
            executor="sequential",
            db=tmp_path / "s.db",
            output=ClosedByReader(),
        )
    # trial 0 was stored before the driver's line about it failed; trial 1 waits for a resume
    assert [t.status for t in Study.load(tmp_path / "s.db").trials] == ["done", "pending"]


# ------------------------------------------------------------ config errors
@pytest.mark.parametrize(
    ("space", "words"),
    [
        ({"optimizer.bta1": uniform(0.8, 0.9)}, ["optimizer.bta1", "did you mean 'beta1'"]),
        ({"optimiser.lr": uniform(0.1, 0.2)}, ["optimiser", "did you mean 'optimizer'"]),
        ({"model.layers[9].units": int_uniform(4, 8)}, ["model.layers.9.units", "array of 5 items"]),
        ({"model.layers[1].units": int_uniform(4, 8)}, ["model.layers.1.units", "unknown option"]),
        ({"optimizer.lr": uniform(-1, 1)}, ["optimizer.lr = -1", "out of range", "narrow the range"]),
        ({"training.batch_size": choice([32, 0])}, ["training.batch_size = 0", ">= 1"]),
        ({}, ["search space is empty", "[tune.space]"]),
    ],
)
def test_bad_spaces_are_config_errors_before_any_trial_runs(tmp_path, tiny_config, space, words):
    counting = CountingExecutor()
    with pytest.raises(ConfigError) as info:
        run_study(tiny_config, space, trials=2, executor=counting, db=tmp_path / "s.db", source="study.toml")
    message = str(info.value)
    assert message.startswith("study.toml")
    for word in words:
        assert word in message, message
    assert counting.numbers == []


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"metric": "test_accuracy"}, ["tune.metric = 'test_accuracy'", "test set"]),
        ({"metric": "dev_acuracy"}, ["did you mean 'dev_accuracy'"]),
        ({"trials": 0}, ["tune.trials = 0"]),
        ({"seed": -1}, ["tune.seed = -1"]),
        ({"direction": "up"}, ["tune.direction = 'up'"]),
        ({"strategy": "grdi"}, ["did you mean 'grid'"]),
        ({"executor": "threads"}, ["tune.executor = 'threads'", "sequential, process, dask"]),
        ({"workers": 0, "executor": "process"}, ["tune.workers = 0"]),
        ({"scheduler": "tcp://x:1", "executor": "process"}, ["needs the dask executor"]),
        ({"db": 5}, ["tune.db = 5: expected a file path"]),
        ({"name": 5}, ["tune.name = 5: expected a string"]),
    ],
)
def test_bad_settings_are_config_errors(tmp_path, tiny_config, adam_space, options, words):
    settings = {"trials": 2, "executor": "sequential", "db": tmp_path / "s.db", **options}
    with pytest.raises(ConfigError) as info:
        run_study(tiny_config, adam_space, **settings)
    for word in words:
        assert word in str(info.value), str(info.value)


def test_accuracy_is_refused_for_regression(tmp_path):
    from minigrad.config import load_config

    config = load_config(overrides=[*TINY, "training.loss='mean_squared_error'"])
    with pytest.raises(ConfigError, match="records no accuracy"):
        run_study(config, {"optimizer.lr": log_uniform(1e-3, 1)}, metric="dev_accuracy", db=tmp_path / "s.db")


# ------------------------------------------------------------ study files
def test_a_study_file_has_train_sections_and_a_tune_table(tmp_path):
    path = tmp_path / "study.toml"
    path.write_text(
        textwrap.dedent(
            """
            [training]
            epochs = 7
            [optimizer]
            name = "adam"
            [tune]
            trials = 5
            strategy = "coarse_to_fine"
            rounds = 2
            [tune.space]
            "optimizer.lr" = { log_uniform = [1e-4, 1] }
            optimizer.beta1 = { one_minus_log_uniform = [0.9, 0.999] }
            "model.layers[0].units" = { int_uniform = [8, 64] }
            """
        )
    )
    study = load_study_config(path, overrides=["tune.trials=6", "training.batch_size=32"])
    assert study.config["training"]["epochs"] == 7 and study.config["training"]["batch_size"] == 32
    assert study.tune == {"trials": 6, "strategy": "coarse_to_fine", "rounds": 2}
    assert list(study.space) == [
        "optimizer.lr",
        "optimizer.beta1",
        "model.layers.0.units",
    ]  # unquoted keys too
    assert study.name == "study" and study.source == str(path)
    extra = load_study_config(path, space=["regularizer.lam={log_uniform=[1e-3, 1]}"])
    assert list(extra.space)[-1] == "regularizer.lam"
    # --space replaces a key however the file spells it, keeping its place
    units = load_study_config(path, space=["model.layers.0.units={int_uniform=[4, 8]}"])
    assert list(units.space) == list(study.space)
    assert units.space["model.layers.0.units"].to_spec() == {"int_uniform": [4, 8]}


def test_switching_the_optimizer_with_set_drops_the_old_options(tmp_path):
    path = tmp_path / "study.toml"
    path.write_text(
        '[optimizer]\nname = "adam"\nbeta1 = 0.8\n[tune.space]\n"optimizer.lr" = {uniform = [0.1, 0.2]}\n'
    )
    study = load_study_config(path, overrides=["optimizer.name='momentum'"])
    assert study.config["optimizer"] == {"name": "momentum"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[tune]\ntrails = 3\n", ["tune.trails", "did you mean 'trials'"]),
        ("[tune]\nspace = 3\n", ["tune.space must be a table"]),
        ('[tune.space]\n"optimizer.lr" = { log_uniform = [0, 1] }\n', ["optimizer.lr", "0 < a < b"]),
        ("[optimizer\n", ["malformed TOML"]),
        ("[trainig]\nepochs = 3\n", ["trainig", "did you mean 'training'"]),
        ("tune = 3\n", ["tune must be a table"]),
    ],
)
def test_study_file_errors_name_the_file_and_the_key(tmp_path, text, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_study_config(path)
    message = str(info.value)
    assert str(path) in message
    for word in words:
        assert word in message, message


def test_a_grid_larger_than_the_trials_says_which_values_are_left_out(tmp_path, tiny_config):
    space = {
        "optimizer.lr": log_uniform(1e-3, 0.3),
        "regularizer.lam": uniform(0.0, 0.1),
        "training.batch_size": choice([16, 32]),
    }
    out = io.StringIO()
    run_study(
        tiny_config, space, trials=4, strategy="grid", executor="sequential", db=tmp_path / "g.db", output=out
    )
    assert (
        "note: the grid has 8 points and only the first 4 run: optimizer.lr takes 1 of its 2 values; "
        "ask for 8 trials, or use random search"
    ) in out.getvalue()


def test_more_trials_for_coarse_to_fine_says_how_to_extend_the_study(tmp_path, tiny_config, adam_space):
    settings = dict(strategy="coarse_to_fine", strategy_options={"rounds": 2}, executor="sequential")
    run_study(tiny_config, adam_space, trials=4, db=tmp_path / "c.db", **settings)
    with pytest.raises(ConfigError, match=r"--set tune.round_size=2 keeps the stored study and adds trials"):
        run_study(tiny_config, adam_space, trials=8, db=tmp_path / "c.db", **settings)
    extended = CountingExecutor()
    options = {"rounds": 2, "round_size": 2}
    study = run_study(
        tiny_config,
        adam_space,
        trials=8,
        db=tmp_path / "c.db",
        **{**settings, "strategy_options": options, "executor": extended},
    )
    assert extended.numbers == [4, 5, 6, 7] and len(study.rounds) == 4
