"""Built-in callbacks: early stopping, progress bar, checkpoint, CSV logger, stop-on-NaN,
snapshots; registration and calling order."""

from __future__ import annotations

import io
from types import SimpleNamespace

import numpy as np
import pytest

import minigrad as mg


def data(n=120, noise=0.3, seed=0):
    X, Y = mg.dataset("moons", n=n, noise=noise, seed=seed)
    train, dev, _ = mg.split(X, Y, ratios=(0.6, 0.4), seed=0)
    norm = mg.Normalizer().fit(train[0])
    return (norm.transform(train[0]), train[1]), (norm.transform(dev[0]), dev[1])


def mlp(seed=0, hidden=16):
    rng = np.random.default_rng(seed)
    return mg.Sequential(
        mg.layer("dense", 2, hidden, rng=rng), mg.layer("relu"), mg.layer("dense", hidden, 2, rng=rng)
    )


class WeightRecorder:
    """Keeps a copy of the weights and the logs at the end of every epoch."""

    def __init__(self):
        self.weights, self.logs = [], []

    def on_epoch_end(self, trainer, epoch, logs):
        self.weights.append(trainer.model.state_dict())
        self.logs.append(dict(logs))


def run(callbacks, *, epochs=30, lr=0.05, model=None, optimizer="adam", **options):
    train, dev = data()
    model = model or mlp()
    history = mg.fit(
        model,
        train,
        dev=dev,
        loss="softmax_cross_entropy",
        optimizer=mg.optimizer(optimizer, model.parameters(), lr=lr),
        epochs=epochs,
        batch_size=16,
        callbacks=callbacks,
        **options,
    )
    return model, history


def assert_same_weights(model, state):
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, state[key], err_msg=key)


def test_builtin_callbacks_are_registered_by_the_builtin_plugin():
    names = {c.name: c.plugin for c in mg.components("callbacks")}
    for name in ("early_stopping", "progress_bar", "checkpoint", "csv_logger", "stop_on_nan", "snapshot"):
        assert names.get(name) == "builtin", name


def test_early_stopping_stops_after_patience_and_restores_the_best_epoch():
    recorder = WeightRecorder()
    stopper = mg.callback("early_stopping", patience=3)
    # a large learning rate on a small noisy set: dev cost bottoms out early, then rises
    model, history = run([recorder, stopper], epochs=200, lr=0.1, model=mlp(hidden=64))
    dev = history["dev_cost"]
    best = int(np.argmin(dev))
    assert len(history) == best + 1 + 3 < 200  # stopped `patience` epochs after the best
    assert stopper.best_epoch == history.best_epoch == best
    assert stopper.stopped_epoch == len(history) - 1
    assert "did not improve for 3 epochs" in history.stop_reason
    assert_same_weights(model, recorder.weights[best])


def test_early_stopping_restores_the_best_weights_when_epochs_run_out():
    recorder = WeightRecorder()
    model, history = run([recorder, mg.callback("early_stopping", patience=1000)], epochs=40, lr=0.1)
    best = int(np.argmin(history["dev_cost"]))
    assert len(history) == 40 and best < 39  # the best epoch is not the last one
    assert_same_weights(model, recorder.weights[best])


def test_early_stopping_keeps_the_last_weights_when_the_last_epoch_is_the_best():
    recorder = WeightRecorder()
    # a tiny learning rate: the dev cost improves every epoch, so the last epoch is the best
    model, history = run([recorder, mg.callback("early_stopping", patience=2)], epochs=5, lr=1e-3)
    assert np.all(np.diff(history["dev_cost"]) < 0)
    assert history.best_epoch == 4
    assert_same_weights(model, recorder.weights[-1])


def test_early_stopping_min_delta_and_max_mode():
    stopper = mg.callback("early_stopping", monitor="dev_accuracy", patience=2, min_delta=0.5)
    _, history = run([stopper], epochs=20)
    assert stopper.mode == "max"
    assert len(history) == 3  # no accuracy can improve by 0.5 after the first epoch
    with pytest.raises(mg.ConfigError, match="patience"):
        mg.callback("early_stopping", patience=-1)


def stop_epoch(stopper, values):
    """Feed ``values`` (one per epoch) to ``stopper.on_epoch_end`` through a minimal
    trainer; the epoch at which it stopped training, or None."""
    model = mg.Sequential(mg.layer("dense", 1, 1, rng=0))
    history = SimpleNamespace()
    trainer = SimpleNamespace(model=model, history=history, stop_training=False, start_epoch=0, dev=())
    stopper.on_train_begin(trainer)
    for epoch, value in enumerate(values):
        stopper.on_epoch_end(trainer, epoch, {stopper.monitor: value})
        if trainer.stop_training:
            return epoch
    return None


def test_early_stopping_a_flat_cost_is_no_improvement():
    stopper = mg.callback("early_stopping", patience=3)
    assert stop_epoch(stopper, [0.7] * 20) == 3  # epoch 0 sets the best; 1, 2, 3 only equal it
    assert stopper.best_epoch == 0 and stopper.best == 0.7


def test_early_stopping_min_mode_needs_an_improvement_of_more_than_min_delta():
    stopper = mg.callback("early_stopping", patience=2, min_delta=0.1)
    # 0.85 beats 1.0 by more than 0.1; 0.80 and 0.78 beat 0.85 by less: no improvement
    assert stop_epoch(stopper, [1.0, 0.85, 0.80, 0.78, 0.5]) == 3
    assert stopper.best_epoch == 1 and stopper.best == 0.85
    steady = mg.callback("early_stopping", patience=2, min_delta=0.1)
    assert stop_epoch(steady, [1.0 - 0.04 * e for e in range(20)]) == 2  # 0.04 per epoch is not enough
    assert steady.best_epoch == 0


def test_early_stopping_max_mode_needs_an_improvement_of_more_than_min_delta():
    stopper = mg.callback("early_stopping", monitor="dev_accuracy", patience=2, min_delta=0.05)
    assert stopper.mode == "max"
    # accuracies rising by 0.02 a epoch never beat the best by 0.05
    assert stop_epoch(stopper, [0.5, 0.52, 0.54, 0.56, 0.58, 0.6]) == 2
    assert stopper.best_epoch == 0
    rising = mg.callback("early_stopping", monitor="dev_accuracy", patience=2, min_delta=0.05)
    assert stop_epoch(rising, [0.5, 0.6, 0.62, 0.64, 0.9]) == 3
    assert rising.best_epoch == 1 and rising.best == 0.6
    flat = mg.callback("early_stopping", monitor="dev_accuracy", patience=2)
    assert stop_epoch(flat, [0.8] * 10) == 2


def test_early_stopping_defaults():
    stopper = mg.callback("early_stopping")
    assert stopper.monitor == "dev_cost" and stopper.mode == "min"
    assert stopper.patience == 10 and stopper.min_delta == 0.0
    assert stopper.restore_best_weights is True and stopper.start_from_epoch == 0
    assert mg.callback("early_stopping", monitor="dev_accuracy").mode == "max"  # mode="auto"
    assert mg.callback("early_stopping", monitor="train_accuracy").mode == "max"
    # patience 10: ten epochs without improvement stop training, any improvement counts
    assert stop_epoch(mg.callback("early_stopping"), [1.0] + [1.0 - 1e-12] + [2.0] * 20) == 11
    assert stop_epoch(mg.callback("early_stopping", monitor="dev_accuracy"), [0.5] + [0.4] * 20) == 10


def test_progress_bar_default_beta_is_the_courses_0_9():
    bar = mg.callback("progress_bar")
    assert bar.beta == 0.9
    bar.on_batch_end(None, 1, {"cost": 2.0})
    bar.on_batch_end(None, 2, {"cost": 1.0})
    # (0.1 · 0.9 · 2 + 0.1 · 1) / (1 − 0.9²)
    assert bar.smoothed_cost == pytest.approx(0.28 / 0.19, rel=1e-12)


def test_progress_bar_shows_the_bias_corrected_ewma_of_the_batch_cost():
    stream = io.StringIO()
    bar = mg.callback("progress_bar", beta=0.9, file=stream)
    costs = []

    class Costs:
        def on_batch_end(self, trainer, step, logs):
            costs.append(logs["cost"])

    run([Costs(), bar], epochs=3)
    expected = mg.ewma(costs, 0.9, bias_correction=True)[-1]
    assert bar.smoothed_cost == pytest.approx(expected, rel=1e-12)
    # closed form of the bias-corrected average: sum (1 - b) b^(t-i) x_i / (1 - b^t)
    t = len(costs)
    closed = sum(0.1 * 0.9 ** (t - 1 - i) * c for i, c in enumerate(costs)) / (1 - 0.9**t)
    assert bar.smoothed_cost == pytest.approx(closed, rel=1e-12)
    output = stream.getvalue()
    assert "3/3" in output and f"cost={bar.smoothed_cost:.4f}" in output and "dev_acc=" in output


def test_checkpoint_every_k_epochs_and_at_the_best(tmp_path):
    saved = []

    class Spy:
        order = 200  # after the checkpoint callback

        def on_epoch_end(self, trainer, epoch, logs):
            saved.append(
                mg.load_checkpoint(tmp_path / "last.npz").epoch if (tmp_path / "last.npz").exists() else None
            )

    ckpt = mg.callback("checkpoint", path=tmp_path / "last.npz", every=2, save_best=True)
    _, history = run([Spy(), ckpt], epochs=6)
    assert saved == [None, 1, 1, 3, 3, 5]
    best = int(np.argmin(history["dev_cost"]))
    best_ckpt = mg.load_checkpoint(tmp_path / "last-best.npz")
    assert best_ckpt.epoch == best
    assert mg.load_checkpoint(tmp_path / "last.npz").extra["trainer"]["history"]["epochs"] == list(range(6))
    with pytest.raises(mg.ConfigError, match="never save"):
        mg.callback("checkpoint", every=0)


def test_checkpoint_also_saves_the_last_epoch(tmp_path):
    run([mg.callback("checkpoint", path=tmp_path / "a.npz", every=4)], epochs=6)
    assert mg.load_checkpoint(tmp_path / "a.npz").epoch == 5  # epochs ran out
    stopper = mg.callback("early_stopping", patience=0)  # stops after the first non-improvement
    _, history = run(
        [stopper, mg.callback("checkpoint", path=tmp_path / "b.npz", every=50)], epochs=40, lr=0.5
    )
    assert len(history) < 40
    assert mg.load_checkpoint(tmp_path / "b.npz").epoch == stopper.stopped_epoch == len(history) - 1


def test_checkpoint_callback_runs_after_the_others():
    order = []

    class Early:
        def on_epoch_end(self, trainer, epoch, logs):
            order.append("early")

    class Late:
        order = 100

        def on_epoch_end(self, trainer, epoch, logs):
            order.append("late")

    run([Late(), Early()], epochs=1)
    assert order == ["early", "late"]


def test_csv_logger_matches_the_history(tmp_path):
    logger = mg.callback("csv_logger", path=tmp_path / "history.csv")
    _, history = run([logger], epochs=4)
    assert (tmp_path / "history.csv").read_text() == history.to_csv()


def test_stop_on_nan_restores_the_last_good_state_and_reports_epoch_and_step():
    recorder = {}

    class Steps:
        """Keeps the weights the last finite mini-batch cost was computed with."""

        def on_train_begin(self, trainer):
            recorder["before"] = trainer.model.state_dict()

        def on_batch_end(self, trainer, step, logs):
            if np.isfinite(logs["cost"]):
                recorder["good"] = recorder["before"]
            recorder["before"] = trainer.model.state_dict()  # the next cost comes from these

    stopper = mg.callback("stop_on_nan")
    train, dev = data()
    model = mlp()
    with pytest.warns(RuntimeWarning, match="stop_on_nan"), np.errstate(all="ignore"):
        history = mg.fit(
            model,
            train,
            dev=dev,
            loss="softmax_cross_entropy",
            optimizer=mg.optimizer("sgd", model.parameters(), lr=1e6),  # diverges
            epochs=50,
            batch_size=16,
            callbacks=[Steps(), stopper],
            gradient_limits=None,
        )
    assert len(history) < 50
    assert all(np.isfinite(p.data).all() for p in model.parameters())
    assert_same_weights(model, recorder["good"])
    report = stopper.report
    assert report == history.stop_reason
    assert "at epoch" in report and "step" in report and "learning rate" in report


def test_snapshot_callback_collects_weights_every_k_epochs():
    snap = mg.callback("snapshot", every=2)
    recorder = WeightRecorder()
    _, history = run([recorder, snap], epochs=6)
    assert len(snap.snapshots) == 3 and len(history.snapshots) == 3
    for state, epoch in zip(snap.snapshots, (1, 3, 5)):
        for key, value in state.items():
            np.testing.assert_array_equal(value, recorder.weights[epoch][key])


def test_one_callback_object_serves_several_runs_without_carrying_state_over(tmp_path):
    """An ensemble's members share the callback objects they were given: each member's
    early stopping judges its own run and restores its own best weights."""
    train, dev = data()

    def build(seed):
        model = mlp(seed)
        return model, mg.optimizer("adam", model.parameters(), lr=0.05)

    stopper = mg.callback("early_stopping", patience=3)
    snapshots = mg.callback("snapshot", every=2)
    best = mg.callback("checkpoint", path=tmp_path / "last.npz", every=0, save_best=True)
    ensemble, histories = mg.fit_ensemble(
        build,
        train,
        dev=dev,
        seeds=(0, 1),
        loss="softmax_cross_entropy",
        epochs=12,
        batch_size=16,
        callbacks=[stopper, snapshots, best],
    )
    separate = []
    for seed in (0, 1):
        model, optimizer = build(seed)
        separate.append(
            mg.fit(
                model,
                train,
                dev=dev,
                loss="softmax_cross_entropy",
                optimizer=optimizer,
                epochs=12,
                batch_size=16,
                seed=seed,
                callbacks=[mg.callback("early_stopping", patience=3)],
            )
        )
        assert_same_weights(model, ensemble.models[seed].state_dict())
    assert [h.best_epoch for h in histories] == [h.best_epoch for h in separate]
    assert [len(h) for h in histories] == [len(h) for h in separate]
    assert len(snapshots.snapshots) == len(histories[1]) // 2  # the second run's only
    assert best.best == min(histories[1]["dev_cost"])  # judged within the second run


@pytest.mark.parametrize(
    ("name", "options", "words"),
    [
        (
            "early_stopping",
            {"restore_best_weights": "no"},
            "restore_best_weights='no'; it must be True or False",
        ),
        ("early_stopping", {"min_delta": float("nan")}, "min_delta=nan; it must be a finite number >= 0"),
        ("early_stopping", {"start_from_epoch": "3"}, "start_from_epoch='3'; it must be an int >= 0"),
        ("early_stopping", {"patience": True}, "patience=True; it must be an int >= 0"),
        ("early_stopping", {"monitor": 3}, "monitor=3; it must be a history key"),
        ("progress_bar", {"beta": "0.9"}, r"beta='0.9'; it must be a finite number in \[0, 1\)"),
        ("progress_bar", {"beta": 1.0}, r"beta=1.0; it must be a finite number in \[0, 1\)"),
        ("checkpoint", {"save_best": "yes"}, "save_best='yes'; it must be True or False"),
        ("snapshot", {"every": True}, "every=True; it must be an int >= 1"),
    ],
)
def test_callback_options_of_the_wrong_kind_are_config_errors(name, options, words):
    with pytest.raises(mg.ConfigError, match=words):
        mg.callback(name, **options)


def test_callback_options_accept_numpy_numbers():
    assert mg.callback("early_stopping", patience=np.int64(3), min_delta=np.float32(0.5)).patience == 3
    assert mg.callback("progress_bar", beta=np.float64(0.5)).beta == 0.5
    assert mg.callback("snapshot", every=np.int32(2)).every == 2
