"""Accuracy needs class labels: whole numbers in [0, C) (C = 2 for one output) or one-hot
(probability) rows of width C. Anything else is a ConfigError saying what was found and
pointing to loss= / link=, never a silent number."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


class Logits(mg.Module):
    def forward(self, x):
        return x


def outputs(m, columns, seed=0):
    return np.random.default_rng(seed).standard_normal((m, columns))


def test_regression_targets_without_a_loss_are_refused():
    X = outputs(8, 1)
    y = np.linspace(-1.3, 2.7, 8)
    with pytest.raises(mg.ConfigError) as caught:
        mg.evaluate(Logits(), X, y)
    message = str(caught.value)
    assert message.startswith("evaluate: accuracy")
    assert "-1.3" in message  # what was found
    assert "loss=" in message and "link='identity'" in message


def test_labels_one_and_two_for_one_output_are_refused():
    X = outputs(8, 1)
    labels = np.array([1, 2, 1, 2, 1, 2, 1, 2])
    with pytest.raises(mg.ConfigError, match=r"\[0, 2\).*\[2, 2, 2, 2\]"):
        mg.evaluate(Logits(), X, labels)


def test_labels_beyond_the_classes_are_refused():
    X = outputs(6, 3)
    labels = np.array([5, 6, 7, 5, 6, 7])
    with pytest.raises(mg.ConfigError, match=r"3 classes.*\[0, 3\).*\[5, 6, 7, 5, 6\]"):
        mg.evaluate(Logits(), X, labels)


def test_negative_labels_are_refused():
    with pytest.raises(mg.ConfigError, match=r"\[-1"):
        mg.evaluate(Logits(), outputs(4, 3), np.array([-1, 0, 1, 2]))


def test_rows_of_another_width_are_refused():
    with pytest.raises(mg.ConfigError, match=r"\(4, 2\).*3"):
        mg.evaluate(Logits(), outputs(4, 3), np.eye(2)[[0, 1, 0, 1]])


def test_rows_that_are_not_one_hot_are_refused():
    rows = np.array([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.2, 0.1], [0.0, 0.0, 1.0]])
    with pytest.raises(mg.ConfigError, match="one-hot"):
        mg.evaluate(Logits(), outputs(4, 3), rows)


@pytest.mark.parametrize(
    ("columns", "labels"),
    [
        (1, np.array([0, 1, 1, 0])),
        (1, np.array([[0], [1], [1], [0]])),
        (1, np.array([0.0, 1.0, 1.0, 0.0])),  # whole-valued floats
        (1, np.array([True, False, True, True])),
        (3, np.array([0, 2, 1, 2])),
        (3, np.array([0.0, 2.0, 1.0, 2.0])),
        (3, np.eye(3)[[0, 2, 1, 2]]),
        (3, np.array([[0.8, 0.1, 0.1], [0.0, 0.0, 1.0], [0.2, 0.7, 0.1], [0.0, 0.5, 0.5]])),
    ],
)
def test_class_labels_are_scored(columns, labels):
    scores = mg.evaluate(Logits(), outputs(4, columns), labels)
    assert 0.0 <= scores["accuracy"] <= 1.0


def test_accuracy_is_the_fraction_right():
    X = np.array([[3.0, 0.0], [0.0, 2.0], [1.0, 0.0], [0.0, 1.0]])
    assert mg.evaluate(Logits(), X, np.array([0, 1, 1, 1]))["accuracy"] == 0.75


def test_fit_with_a_custom_regression_loss_and_default_metrics_is_refused_before_training():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 2))
    y = X @ np.array([1.5, -0.5])
    model = mg.Sequential(mg.layer("dense", 2, 1, rng=0))
    before = model[0].W.data.copy()
    optimizer = mg.optimizer("sgd", model.parameters(), lr=0.1)
    with pytest.raises(mg.ConfigError, match=r"fit \(train\): accuracy.*link='identity'"):
        mg.fit(model, (X, y), loss=lambda p, t: ((p - t) ** 2).mean(), optimizer=optimizer, epochs=2)
    np.testing.assert_array_equal(model[0].W.data, before)


def test_fit_with_a_custom_regression_loss_trains_without_accuracy():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 2))
    y = X @ np.array([1.5, -0.5])
    model = mg.Sequential(mg.layer("dense", 2, 1, rng=0))
    optimizer = mg.optimizer("sgd", model.parameters(), lr=0.1)
    history = mg.fit(
        model, (X, y), loss=lambda p, t: ((p - t) ** 2).mean(), optimizer=optimizer, epochs=2, metrics=[]
    )
    assert "train_accuracy" not in history
    history = mg.fit(model, (X, y), loss="mean_squared_error", optimizer=optimizer, epochs=2)
    assert "train_accuracy" not in history


def test_ensemble_accuracy_checks_the_labels_too():
    with pytest.raises(mg.ConfigError, match=r"Ensemble.accuracy: accuracy.*\[0, 2\)"):
        mg.Ensemble([Logits()]).accuracy(np.array([[1.0], [-1.0]]), np.array([0.5, 1.5]))


def test_fit_names_itself_when_the_labels_do_not_fit_the_outputs():
    X = np.random.default_rng(0).standard_normal((8, 2))
    labels = np.array([1, 2, 1, 2, 1, 2, 1, 2])  # whole numbers, but one output means 0 or 1

    def loss(p, t):
        return ((p - t) ** 2).mean()

    model = mg.Sequential(mg.layer("dense", 2, 1, rng=0))
    optimizer = mg.optimizer("sgd", model.parameters(), lr=0.1)
    with pytest.raises(mg.ConfigError, match=r"^fit \(train\): accuracy.*\[0, 2\).*\[2, 2, 2, 2\]"):
        mg.fit(model, (X, labels), loss=loss, optimizer=optimizer, epochs=1)
