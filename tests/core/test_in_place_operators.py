"""In-place operators (``+= -= *= /= **=``) on tensors, and assigning to a parameter.

``p -= lr * p.grad`` under ``no_grad()`` is how a PyTorch user writes a hand-made update:
it must change the parameter where it is, not rebind the name to a new tensor the model
never sees.
"""

import numpy as np
import pytest

import minigrad as mg
from minigrad.errors import BackwardError, DTypeError, ShapeError


def _dense(seed=0):
    return mg.Sequential(mg.layer("dense", 3, 1, rng=seed))


@pytest.mark.parametrize(
    ("apply", "expected"),
    [
        (lambda t: t.__iadd__(2.0), lambda a: a + 2.0),
        (lambda t: t.__isub__(2.0), lambda a: a - 2.0),
        (lambda t: t.__imul__(2.0), lambda a: a * 2.0),
        (lambda t: t.__itruediv__(2.0), lambda a: a / 2.0),
        (lambda t: t.__ipow__(2.0), lambda a: a**2.0),
    ],
    ids=["+=", "-=", "*=", "/=", "**="],
)
def test_each_operator_changes_the_tensor_where_it_is(apply, expected):
    values = np.array([1.0, -2.0, 3.0])
    t = mg.Tensor(values.copy())
    data = t.data
    result = apply(t)
    assert result is t and t.data is data  # the same tensor, the same buffer
    np.testing.assert_array_equal(t.data, expected(values))


def test_hand_written_sgd_under_no_grad_trains_the_model():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]])
    model = _dense()
    params = list(model.parameters())
    losses = []
    for _ in range(50):
        loss = ((model(X) - y) ** 2).mean()
        losses.append(loss.item())
        for p in params:
            p.grad = None
        loss.backward()
        with mg.no_grad():
            for p in params:
                p -= 0.1 * p.grad
    assert list(model.parameters()) == params  # still the model's parameters
    assert losses[-1] < 0.01 * losses[0]


def test_attribute_form_keeps_the_parameter_registered():
    layer = mg.layer("dense", 2, 1, rng=0)
    w = layer.W
    before = w.data.copy()
    with mg.no_grad():
        layer.W -= 1.0
    assert layer.W is w
    assert [name for name, _ in layer.named_parameters()] == ["W", "b"]
    np.testing.assert_array_equal(layer.W.data, before - 1.0)
    assert "W" in layer.state_dict()


def test_leaf_that_requires_grad_is_refused_while_recording():
    w = mg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(BackwardError, match=r"-= on a leaf tensor that requires a gradient.*no_grad"):
        w -= 1.0
    np.testing.assert_array_equal(w.data, [1.0, 2.0])


def test_computed_tensor_gets_a_new_tensor_and_gradients_flow():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    original = h
    h += x  # h = 3x + x
    assert h is not original
    np.testing.assert_array_equal(original.data, [3.0, 6.0])  # the graph's value is untouched
    h.sum().backward()
    np.testing.assert_array_equal(x.grad, [4.0, 4.0])


def test_a_constant_updated_with_a_tracked_tensor_becomes_a_new_tensor_in_the_graph():
    w = mg.Tensor([1.0, 2.0], requires_grad=True)
    x = mg.Tensor([3.0, 4.0])
    original = x
    x += w * w  # recorded: the gradient must reach w
    assert x is not original and x.requires_grad
    np.testing.assert_array_equal(original.data, [3.0, 4.0])
    x.sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0, 4.0])
    with mg.no_grad():  # nothing recorded: in place
        original += w
    np.testing.assert_array_equal(original.data, [4.0, 6.0])


def test_constant_tensor_changes_in_place_while_recording():
    x = mg.Tensor([1.0, 2.0])
    data = x.data
    x *= 2.0
    assert x.data is data
    np.testing.assert_array_equal(x.data, [2.0, 4.0])


def test_dtype_is_kept_and_mixed_float_dtypes_are_refused():
    t = mg.Tensor(np.ones(3, dtype=np.float32))
    t += 0.5  # a Python number takes the tensor's dtype, as in every op
    assert t.dtype == np.float32
    with pytest.raises(DTypeError, match="float32 and float64"):
        t += np.ones(3)
    counts = mg.Tensor(np.array([1, 2]))
    with pytest.raises(DTypeError, match=r"\+=: the result is float64 but the tensor holds int64"):
        counts += 0.5
    counts += 1
    np.testing.assert_array_equal(counts.data, [2, 3])


def test_shape_cannot_change():
    t = mg.Tensor(np.zeros(3))
    with pytest.raises(ShapeError, match=r"\+=: the result has shape \(2, 3\) but the tensor has shape"):
        t += np.ones((2, 3))
    np.testing.assert_array_equal(t.data, np.zeros(3))  # nothing written


def test_backward_through_a_graph_that_saved_the_old_values_is_refused():
    w = mg.Parameter([1.0, 2.0])
    loss = (w * w).sum()
    with mg.no_grad():
        w -= 0.5
    with pytest.raises(BackwardError, match=r"saved the data of a parameter.*in-place operator"):
        loss.backward()


def test_backward_refuses_a_changed_input_tensor_too():
    w = mg.Tensor([1.0, 2.0], requires_grad=True)
    x = mg.Tensor([3.0, 4.0])
    loss = (w * x).sum()
    x += 1.0
    with pytest.raises(BackwardError, match="saved the data of a tensor of shape"):
        loss.backward()


def test_a_graph_recorded_after_the_change_backprops():
    w = mg.Tensor([1.0, 2.0], requires_grad=True)
    with mg.no_grad():
        w += 1.0
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [4.0, 6.0])


@pytest.mark.parametrize("value", [mg.Tensor([[1.0], [2.0]]), np.ones((2, 1)), 3.0])
def test_assigning_a_non_parameter_to_a_parameter_is_refused(value):
    layer = mg.layer("dense", 2, 1, rng=0)
    w = layer.W
    with pytest.raises(TypeError, match=r"Dense\.W is a parameter: assigning a .* would take it out"):
        layer.W = value
    assert layer.W is w and "W" in dict(layer.named_parameters())


def test_parameters_can_still_be_replaced_or_removed():
    layer = mg.layer("dense", 2, 1, rng=0)
    new = mg.Parameter(np.zeros((2, 1)))
    layer.W = new
    assert dict(layer.named_parameters())["W"] is new
    layer.b = None
    assert list(dict(layer.named_parameters())) == ["W"]
