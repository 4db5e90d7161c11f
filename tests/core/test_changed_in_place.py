"""Backward through a graph whose saved parameter data was changed in place afterwards
(by an optimizer step or load_state_dict) is refused instead of computing with the new
values; graphs that kept nothing of the parameter, or were recorded after the change,
are unaffected."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def _step(opt, *params):
    for p in params:
        p.grad = np.ones(p.shape)
    opt.step()
    opt.zero_grad()


def _model_and_batch():
    model = mg.Sequential(mg.layer("dense", 3, 4), mg.layer("relu"), mg.layer("dense", 4, 2))
    rng = np.random.default_rng(0)
    return model, rng.standard_normal((5, 3)), np.array([0, 1, 0, 1, 1])


def test_a_step_between_forward_and_backward_is_refused_naming_op_shape_and_fix():
    model, X, y = _model_and_batch()
    opt = mg.optimizer("sgd", model.parameters(), lr=0.1)
    loss = mg.loss("softmax_cross_entropy")(model(X), y)
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(mg.BackwardError) as info:
        loss.backward()
    message = str(info.value)
    assert "changed in place after the forward pass" in message
    assert "shape (4, 2)" in message or "shape (3, 4)" in message
    assert "call backward() before opt.step()" in message


@pytest.mark.parametrize("rule", ["sgd", "momentum", "adam"])
def test_every_optimizer_step_records_the_change(rule):
    w = mg.Parameter([1.0, 2.0])
    opt = mg.optimizer(rule, [w])
    J = (w * w).sum()  # mul saves w
    _step(opt, w)
    with pytest.raises(mg.BackwardError, match="mul saved the data of a parameter of shape"):
        J.backward()


def test_a_view_saved_downstream_of_the_parameter_is_caught():
    w = mg.Parameter([[1.0, 2.0], [3.0, 4.0]])
    x = mg.Tensor([[1.0, 1.0]], requires_grad=True)
    opt = mg.optimizer("sgd", [w], lr=1.0)
    y = (x @ w.T).sum()  # transpose saves nothing; matmul saves the view w.T
    _step(opt, w)
    with pytest.raises(mg.BackwardError, match="matmul saved"):
        y.backward()


def test_load_state_dict_records_the_change():
    model, X, y = _model_and_batch()
    state = {k: v + 1 for k, v in model.state_dict().items()}
    loss = mg.loss("softmax_cross_entropy")(model(X), y)
    model.load_state_dict(state)
    with pytest.raises(mg.BackwardError, match="load_state_dict"):
        loss.backward()


def test_a_graph_that_saved_nothing_of_the_parameter_still_backprops():
    w = mg.Parameter([1.0, 2.0])
    opt = mg.optimizer("sgd", [w], lr=1.0)
    J = (w + 1).sum()  # add saves nothing: dJ/dw = 1 whatever w is
    _step(opt, w)
    J.backward()
    np.testing.assert_array_equal(w.grad, [1.0, 1.0])


def test_nodes_recorded_after_the_change_are_not_blamed():
    w = mg.Parameter([1.0, 2.0])
    opt = mg.optimizer("sgd", [w], lr=1.0)
    before = (w + 1).sum()
    _step(opt, w)  # w is now [0, 1]
    after = (w * w).sum()  # saves the new values: its gradient is right
    (before + after).backward()
    np.testing.assert_array_equal(w.grad, 1 + 2 * w.data)


def test_the_usual_loop_and_a_copy_saved_by_forward_are_unaffected():
    model, X, y = _model_and_batch()
    opt = mg.optimizer("adam", model.parameters(), lr=0.01)
    loss_fn = mg.loss("softmax_cross_entropy")
    for _ in range(3):
        loss = loss_fn(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    w = mg.Parameter([1.0, 2.0])
    J = w.exp().sum()  # exp saves its output, a new array
    _step(mg.optimizer("sgd", [w], lr=1.0), w)
    J.backward()
    np.testing.assert_allclose(w.grad, np.exp([1.0, 2.0]))


def test_a_frozen_parameter_changed_by_load_state_dict_is_caught_too():
    """A frozen parameter receives no gradient, but the gradients flowing through the
    ops that saved it would come from its new values."""
    model = mg.Sequential(mg.layer("dense", 2, 2, rng=0), mg.layer("dense", 2, 1, rng=1))
    model[1].W.requires_grad = False
    x = np.ones((3, 2))
    state = {"1.W": model[1].W.data + 1}  # the frozen weights only
    loss = model(x).sum()
    model.load_state_dict(state, strict=False)
    with pytest.raises(mg.BackwardError, match="saved the data of a parameter of shape \\(2, 1\\)"):
        loss.backward()
    model.load_state_dict(state, strict=False)  # before the forward pass: nothing to refuse
    model(x).sum().backward()
