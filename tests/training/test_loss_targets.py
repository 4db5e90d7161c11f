"""What a loss passed to fit / evaluate receives as its target: a (m,) target for (m, 1)
outputs is reshaped to (m, 1) for every loss (as the built-in losses do themselves), so a
plain function cannot broadcast it to (m, m); integer labels for (m, C) outputs stay (m,)."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def linear_data(m=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, 2))
    y = X @ np.array([2.0, -3.0]) + 0.5  # (m,): one target per example
    return X, y


def squared_error(p, y):
    return ((p - y) ** 2).mean()


def test_fit_with_a_plain_function_loss_learns_from_a_1d_target():
    X, y = linear_data()
    model = mg.Sequential(mg.layer("dense", 2, 1, rng=0))
    optimizer = mg.optimizer("adam", model.parameters(), lr=0.05)
    mg.fit(
        model,
        (X, y),
        loss=squared_error,
        optimizer=optimizer,
        epochs=200,
        batch_size=50,
        metrics=[],
        gradient_limits=None,  # the noiseless fit is exact: its gradients do vanish
    )
    np.testing.assert_allclose(model[0].W.data.ravel(), [2.0, -3.0], atol=0.05)
    np.testing.assert_allclose(model[0].b.data, [0.5], atol=0.05)


def test_the_loss_sees_the_target_as_a_column_for_one_output():
    X, y = linear_data(m=8)
    seen = []

    def recording(p, target):
        seen.append((p.shape, np.shape(target)))
        return squared_error(p, target)

    model = mg.Sequential(mg.layer("dense", 2, 1, rng=0))
    optimizer = mg.optimizer("sgd", model.parameters(), lr=0.01)
    mg.fit(model, (X, y), loss=recording, optimizer=optimizer, epochs=1, batch_size=4, metrics=[])
    assert seen and all(target == p for p, target in seen)  # batches and the evaluation
    assert ((4, 1), (4, 1)) in seen and ((8, 1), (8, 1)) in seen


def test_trainer_cost_reshapes_a_1d_target_for_one_output():
    X, y = linear_data(m=6)
    model = mg.Sequential(mg.layer("dense", 2, 1, rng=0))
    optimizer = mg.optimizer("sgd", model.parameters(), lr=0.1)
    trainer = mg.Trainer(model, (X, y), loss=squared_error, optimizer=optimizer, metrics=[])
    outputs = model(X)
    _, loss = trainer.cost(outputs, y)
    expected = np.mean((outputs.data - y[:, None]) ** 2)
    np.testing.assert_allclose(float(loss.data), expected)


def test_evaluate_hands_a_plain_function_loss_a_column_target():
    X, y = linear_data(m=10)
    model = mg.Sequential(mg.layer("dense", 2, 1, rng=0))
    scores = mg.evaluate(model, X, y, loss=squared_error, link="identity")
    outputs = model.eval()(X).data
    np.testing.assert_allclose(scores["loss"], np.mean((outputs - y[:, None]) ** 2))


def test_integer_labels_for_several_outputs_stay_one_dimensional():
    X = np.random.default_rng(0).standard_normal((9, 2))
    labels = np.arange(9) % 3
    seen = []
    ce = mg.loss("softmax_cross_entropy")

    def recording(p, target):
        seen.append(np.shape(target))
        return ce(p, target)

    model = mg.Sequential(mg.layer("dense", 2, 3, rng=0))
    optimizer = mg.optimizer("sgd", model.parameters(), lr=0.1)
    mg.fit(model, (X, labels), loss=recording, optimizer=optimizer, epochs=1, batch_size=9)
    mg.evaluate(model, X, labels, loss=recording)
    assert seen and set(seen) == {(9,)}


def test_built_in_losses_give_the_same_value_either_way():
    X, y = linear_data(m=10)
    model = mg.Sequential(mg.layer("dense", 2, 1, rng=0))
    flat = mg.evaluate(model, X, y, loss="mean_squared_error")
    column = mg.evaluate(model, X, y[:, None], loss="mean_squared_error")
    assert flat == column


def test_a_loss_that_flattens_the_prediction_is_refused_not_trained_on_garbage():
    # the (m, 1) target meets a flattened (m,) prediction: NumPy broadcasts to (m, m)
    X, y = linear_data(m=40)
    for flattening in (
        lambda p, t: ((p.reshape(-1) - t) ** 2).mean(),
        lambda p, t: ((p[:, 0] - t) ** 2).mean(),
    ):
        model = mg.Sequential(mg.layer("dense", 2, 1, rng=0))
        optimizer = mg.optimizer("sgd", model.parameters(), lr=0.01)
        refused = r"combines a \(10,\) tensor with a \(10, 1\) one into \(10, 10\)"
        with pytest.raises(mg.ShapeError, match=refused):
            mg.fit(model, (X, y), loss=flattening, optimizer=optimizer, epochs=1, batch_size=10, metrics=[])


def test_pairwise_terms_of_a_column_and_a_row_are_not_refused():
    # a (b, 1) column against a (1, b) row is a deliberate pairwise term
    X, y = linear_data(m=40)

    def with_pairwise(p, t):
        spread = ((p - p.reshape(1, -1)) ** 2).mean()
        return squared_error(p, t) + 1e-3 * spread

    model = mg.Sequential(mg.layer("dense", 2, 1, rng=0))
    optimizer = mg.optimizer("sgd", model.parameters(), lr=0.01)
    mg.fit(model, (X, y), loss=with_pairwise, optimizer=optimizer, epochs=2, batch_size=10, metrics=[])
