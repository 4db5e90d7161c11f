"""Reports: the best-trials table and the plot of the metric against each hyperparameter."""

from __future__ import annotations

import math

import pytest

from minigrad.tune.report import best_trials, format_failures, format_table, plot_study
from minigrad.tune.store import TrialRecord

SPACE = {
    "optimizer.lr": {"log_uniform": [1e-4, 1.0]},
    "optimizer.beta1": {"one_minus_log_uniform": [0.9, 0.999]},
    "model.layers.0.units": {"int_uniform": [8, 64]},
    "training.batch_size": {"choice": [32, 64, 128]},
}


def trial(number, objective, *, lr=1e-2, beta=0.95, units=16, batch=64, status="done", error=None):
    params = {
        "optimizer.lr": lr,
        "optimizer.beta1": beta,
        "model.layers.0.units": units,
        "training.batch_size": batch,
    }
    metrics = {"epoch": list(range(5))} if status == "done" else None
    return TrialRecord(
        number, 0, params, number, status, objective=objective, metrics=metrics, duration=1.0, error=error
    )


TRIALS = [
    trial(0, 0.8, lr=1e-4, beta=0.9, units=8, batch=32),
    trial(1, 0.95, lr=3e-3, beta=0.99, units=40, batch=128),
    trial(2, 0.9, lr=0.2, beta=0.999, units=64, batch=64),
    trial(3, None, lr=0.9),  # diverged: no finite metric
    trial(4, None, status="failed", error="RuntimeError: out of memory\n\nTraceback ..."),
    trial(5, 0.95, lr=5e-3),  # ties with trial 1: the lower number ranks first
]


def test_best_trials_rank_by_direction_and_break_ties_by_number():
    assert [t.number for t in best_trials(TRIALS, maximize=True)] == [1, 5, 2, 0]
    assert [t.number for t in best_trials(TRIALS, maximize=False, k=2)] == [0, 2]


def test_the_table_lists_the_best_trials_with_their_parameters():
    table = format_table(TRIALS, metric="dev_accuracy", maximize=True, k=3)
    lines = table.splitlines()
    assert lines[0] == (
        "best 3 of 6 trials by dev_accuracy (higher is better); 1 failed, 1 without a finite dev_accuracy"
    )
    assert lines[1].split() == [
        "rank",
        "trial",
        "dev_accuracy",
        "optimizer.lr",
        "optimizer.beta1",
        "model.layers.0.units",
        "training.batch_size",
        "epochs",
        "time",
    ]
    assert lines[2].split() == ["1", "1", "0.9500", "0.003", "0.99", "40", "128", "5", "1.0s"]
    assert [line.split()[1] for line in lines[2:]] == ["1", "5", "2"]


def test_the_table_of_a_study_without_finished_trials_says_so():
    assert format_table([trial(0, None, status="running")], metric="dev_loss", maximize=False) == (
        "best 0 of 1 trials by dev_loss (lower is better); 1 unfinished"
    )


def test_failures_are_listed_with_the_first_line_of_their_error():
    text = format_failures(TRIALS)
    assert "trial 4" in text and "RuntimeError: out of memory" in text and "Traceback" not in text
    assert format_failures(TRIALS[:3]) == ""


def test_the_plot_draws_each_hyperparameter_on_its_scale(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "plots" / "study.png"
    fig = plot_study(TRIALS, SPACE, metric="dev_accuracy", maximize=True, path=path)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == list(SPACE)
    lr, beta, units, batch = axes
    assert lr.get_xscale() == "log"  # 10^r: decades evenly spaced
    assert beta.get_xscale() == "logit"  # 1 - beta on a log scale, labelled in beta
    assert [t.get_text() for t in beta.get_xticklabels()] == ["0.9", "0.99", "0.999"]
    assert units.get_xscale() == "linear"
    assert [t.get_text() for t in batch.get_xticklabels()] == ["32", "64", "128"]
    for ax in axes:
        assert ax.get_ylabel() == "dev_accuracy"
        points = ax.collections[0].get_offsets()
        assert len(points) == 4  # finished trials with a finite metric only
    assert "best: 0.003" in lr.get_legend().get_texts()[0].get_text()
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in path.parent.iterdir()] == ["study.png"]  # no temporary file left


def test_no_plot_before_any_trial_finishes(tmp_path):
    assert plot_study([trial(0, None, status="running")], SPACE, metric="dev_loss", maximize=False) is None


def test_the_best_point_is_starred_where_it_is():
    pytest.importorskip("matplotlib")
    fig = plot_study(TRIALS, SPACE, metric="dev_accuracy", maximize=True)
    star = fig.axes[0].collections[1].get_offsets()[0]
    assert math.isclose(star[0], 3e-3) and math.isclose(star[1], 0.95)
