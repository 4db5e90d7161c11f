"""Training guards: stop-on-NaN restores the last good state and reports where it
happened; a diverging learning rate is diagnosed as such."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.anomaly import describe_divergence

pytestmark = pytest.mark.filterwarnings(
    "ignore:overflow encountered:RuntimeWarning", "ignore:invalid value encountered:RuntimeWarning"
)


def mlp(seed=0):
    return mg.Sequential(
        mg.layer("dense", 2, 8, rng=seed), mg.layer("relu"), mg.layer("dense", 8, 2, rng=seed + 1)
    )


class Recorder:
    """Remembers the starting state and, after every step, the cost and a copy of the
    model and optimizer state."""

    def __init__(self):
        self.steps = []

    def on_train_begin(self, trainer):
        self.initial = trainer.model_state()

    def on_batch_end(self, trainer, step, logs):
        self.steps.append((step, logs["epoch"], logs["cost"], trainer.model_state()))


def diverge(optimizer_name="sgd", lr=1e6, epochs=40):
    X, Y = mg.dataset("moons", n=64, noise=0.1, seed=0)
    model = mlp()
    optimizer = mg.optimizer(optimizer_name, model.parameters(), lr=lr)
    recorder, stopper = Recorder(), mg.callback("stop_on_nan")
    with pytest.warns(RuntimeWarning, match="stop_on_nan"):
        history = mg.fit(
            model,
            (X, Y),
            loss="softmax_cross_entropy",
            optimizer=optimizer,
            epochs=epochs,
            batch_size=16,
            callbacks=[recorder, stopper],
            gradient_limits=None,
        )
    return model, optimizer, history, recorder, stopper


@pytest.mark.parametrize(("optimizer_name", "lr"), [("sgd", 1e6), ("adam", 1e200)])
def test_stop_on_nan_restores_the_last_good_model_and_optimizer_state(optimizer_name, lr):
    """The state restored is the one the last finite cost came from: the state before
    that step's update (recorded after the step before it). The state after it is where
    the non-finite cost came from."""
    model, optimizer, history, recorder, stopper = diverge(optimizer_name, lr)
    bad = next(i for i, (_, _, cost, state) in enumerate(recorder.steps) if not np.isfinite(cost))
    assert bad >= 1, "the run must take at least one good step first"
    good_state = recorder.steps[bad - 2][3] if bad >= 2 else recorder.initial
    for name, value in good_state["model"].items():
        np.testing.assert_array_equal(model.state_dict()[name], value, err_msg=name)
    saved, now = good_state["optimizer"], optimizer.state_dict()
    assert saved.keys() == now.keys()
    for key in saved:
        np.testing.assert_array_equal(np.asarray(now[key]), np.asarray(saved[key]), err_msg=key)
    assert all(np.isfinite(p.data).all() for p in model.parameters())
    assert len(history) < 40 and history.stop_reason == stopper.report


def test_the_report_names_epoch_step_and_batch_of_the_first_non_finite_cost():
    _, _, _, recorder, stopper = diverge()
    bad_step, bad_epoch, _, _ = next(s for s in recorder.steps if not np.isfinite(s[2]))
    report = stopper.report
    assert f"at epoch {bad_epoch}, step {bad_step} (batch {(bad_step - 1) % 4} of the epoch)" in report
    assert f"restored the state before step {bad_step - 1} (the last finite cost came from it)" in report


def test_a_diverging_learning_rate_is_diagnosed_with_the_growth_and_a_smaller_rate():
    *_, stopper = diverge("sgd", lr=1e6)
    report = stopper.report
    match = re.search(r"the cost grew by a factor ([0-9.e+]+) over (\d+) steps", report)
    assert match, report
    assert float(match.group(1)) > 1e3
    assert "the learning rate 1e+06 is probably too high; try 1e+05" in report


def test_stop_on_nan_stays_quiet_on_a_healthy_run():
    X, Y = mg.dataset("moons", n=64, noise=0.1, seed=0)
    model = mlp()
    stopper = mg.callback("stop_on_nan")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        history = mg.fit(
            model,
            (X, Y),
            loss="softmax_cross_entropy",
            optimizer=mg.optimizer("adam", model.parameters(), lr=0.01),
            epochs=5,
            batch_size=16,
            callbacks=[stopper],
        )
    assert len(history) == 5 and stopper.report is None and history.stop_reason is None


@pytest.mark.parametrize(
    "costs",
    [
        [0.69, 0.6, 0.55, 0.7, 0.5, 0.45],  # mini-batch noise on the way down
        [0.02, 0.001, 0.03, 0.002, 0.04],  # noise near a minimum: large ratios, small costs
        [0.7],
        [],
        [float("nan"), float("inf")],
    ],
)
def test_noise_is_not_called_divergence(costs):
    assert describe_divergence(costs, 0.1) is None


def test_divergence_reports_the_largest_growth_and_the_rate_to_try():
    text = describe_divergence([0.7, 0.5, 0.4, 4.0, 400.0, 4e6, float("nan")], 0.3)
    assert text.startswith("the cost grew by a factor 1e+07 over 3 steps (from 0.4 to 4e+06)")
    assert text.endswith("the learning rate 0.3 is probably too high; try 0.03")
    assert describe_divergence([1.0, 100.0], None).endswith("divide it by 10")
