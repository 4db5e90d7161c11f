"""The public Function API: what a plugin author's custom op may rely on, and the
InvalidGradientError contract checked after every backward."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


class Scale(mg.Function):
    """y = a * x with a constant factor ``a`` passed raw."""

    @staticmethod
    def forward(ctx, x, a):
        ctx.a = a
        return x * a

    @staticmethod
    def backward(ctx, g):
        return g * ctx.a, None


def make_function(backward, *, name=None, forward=None):
    """A two-input Function (x * y + x) with the given backward."""

    def default_forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y + x

    attrs = {"forward": staticmethod(forward or default_forward), "backward": staticmethod(backward)}
    if name:
        attrs["name"] = name
    return type("Custom", (mg.Function,), attrs)


def correct_backward(ctx, g):
    x, y = ctx.saved
    return mg.unbroadcast(g * (y + 1), x.shape), mg.unbroadcast(g * x, y.shape)


# ----------------------------------------------------------- custom functions
def test_a_correct_custom_function_passes_gradcheck():
    Custom = make_function(correct_backward)
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]])
    y = np.array([0.7, -0.4, 1.1])
    report = mg.gradcheck(Custom.apply, [x, y])
    assert report.verdict == "great", str(report)


def test_constants_reach_forward_untouched_and_tensors_as_arrays():
    seen = {}

    class Probe(mg.Function):
        @staticmethod
        def forward(ctx, x, factor, labels, nothing, *, mode):
            seen.update(x=x, factor=factor, labels=labels, nothing=nothing, mode=mode)
            return x * factor

        @staticmethod
        def backward(ctx, g):
            return g * 2.0, None, None, None

    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    labels = (1, 2)
    out = Probe.apply(x, 2.0, labels, None, mode="train")
    assert type(seen["x"]) is np.ndarray and seen["x"] is x.data
    assert seen["factor"] == 2.0 and type(seen["factor"]) is float
    assert seen["labels"] is labels and seen["nothing"] is None and seen["mode"] == "train"
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_needs_input_grad_tells_backward_which_inputs_need_one():
    recorded = []

    class Record(mg.Function):
        @staticmethod
        def forward(ctx, a, b, c):
            return a * b * c

        @staticmethod
        def backward(ctx, g):
            recorded.append(ctx.needs_input_grad)
            return tuple(g if need else None for need in ctx.needs_input_grad)

    x = mg.Tensor(np.ones(2), requires_grad=True)
    const = mg.Tensor(np.ones(2))
    Record.apply(x, const, 3.0).sum().backward()
    Record.apply(const, 2.0, x).sum().backward()
    assert recorded == [(True, False, False), (False, False, True)]


def test_constants_may_get_none_and_receive_nothing():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    Scale.apply(x, 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_under_no_grad_forward_runs_but_nothing_is_saved():
    calls = []

    class Saver(mg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.note = "kept"
            calls.append(ctx.saved)
            return x + 1

        @staticmethod
        def backward(ctx, g):
            return g

    x = mg.Tensor([1.0], requires_grad=True)
    with mg.no_grad():
        y = Saver.apply(x)
    assert not y.requires_grad and y.is_leaf and calls == [()]


def test_no_tensor_requires_grad_gives_a_plain_tensor():
    y = Scale.apply(mg.Tensor([1.0, 2.0]), 2.0)
    assert not y.requires_grad and y.is_leaf
    np.testing.assert_array_equal(y.data, [2.0, 4.0])


def test_forward_may_return_a_number():
    class Total(mg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.shape = x.shape
            return float(x.sum())

        @staticmethod
        def backward(ctx, g):
            return np.broadcast_to(g, ctx.shape)

    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    y = Total.apply(x)
    assert isinstance(y.data, np.ndarray) and y.shape == ()
    y.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_numpy_errors_in_forward_become_shape_errors_naming_the_function():
    class Pair(mg.Function):
        name = "pair_op"

        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g, g

    with pytest.raises(mg.ShapeError, match=r"pair_op.*\(2,\), \(3,\)"):
        Pair.apply(mg.Tensor(np.ones(2)), mg.Tensor(np.ones(3)))
    assert Pair.op_name() == "pair_op"
    assert Scale.op_name() == "Scale"


def test_forward_receives_float64_arrays_inside_gradcheck():
    dtypes = []

    class Spy(mg.Function):
        @staticmethod
        def forward(ctx, x):
            dtypes.append(x.dtype)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    report = mg.gradcheck(Spy.apply, [np.ones(3, dtype=np.float32)])
    assert report.verdict == "great"
    assert set(dtypes) == {np.dtype(np.float64)}


# -------------------------------------------------------- InvalidGradientError
def run_backward(Custom):
    x = mg.Tensor(np.ones((2, 3)), requires_grad=True)
    y = mg.Tensor(np.ones(3), requires_grad=True)
    Custom.apply(x, y).sum().backward()


def test_wrong_shape_names_the_function_the_input_position_and_both_shapes():
    def backward(ctx, g):
        x, _ = ctx.saved
        return g * 1.0, g * x  # the second should be summed over the broadcast axis

    with pytest.raises(mg.InvalidGradientError) as info:
        run_backward(make_function(backward))
    message = str(info.value)
    assert "Custom.backward" in message
    assert "input 1" in message
    assert "(2, 3)" in message and "(3,)" in message


@pytest.mark.parametrize(
    "wrong",
    [
        lambda g: g[:1],  # (1, 3): would broadcast, must not
        lambda g: g.sum(axis=0),  # (3,): would broadcast too
        lambda g: g.T,  # (3, 2): same size, wrong shape
        lambda g: g.sum(),  # a scalar
    ],
    ids=["(1, 3)", "(3,)", "transposed", "scalar"],
)
def test_wrong_shaped_gradients_are_never_broadcast_or_summed(wrong):
    def backward(ctx, g):
        x, y = ctx.saved
        return wrong(g), mg.unbroadcast(g * x, y.shape)

    with pytest.raises(mg.InvalidGradientError, match=r"input 0.*\(2, 3\)"):
        run_backward(make_function(backward))


def test_wrong_dtype_names_the_function_input_and_both_dtypes():
    def backward(ctx, g):
        x, y = ctx.saved
        return (g * (y + 1)).astype(np.float32), mg.unbroadcast(g * x, y.shape)

    with pytest.raises(mg.InvalidGradientError) as info:
        run_backward(make_function(backward))
    message = str(info.value)
    assert "Custom.backward" in message and "input 0" in message
    assert "float32" in message and "float64" in message


def test_a_non_array_gradient_is_an_invalid_gradient():
    def backward(ctx, g):
        return [[1.0, 1.0, 1.0]] * 2, None

    with pytest.raises(mg.InvalidGradientError, match="list"):
        run_backward(make_function(backward))


@pytest.mark.parametrize("count", [1, 3])
def test_wrong_number_of_gradients(count):
    def backward(ctx, g):
        x, y = ctx.saved
        grads = (g * (y + 1), mg.unbroadcast(g * x, y.shape), None)
        return grads[:count] if count > 1 else grads[0]

    with pytest.raises(mg.InvalidGradientError) as info:
        run_backward(make_function(backward))
    message = str(info.value)
    assert "Custom.backward" in message
    assert f"returned {count} gradient(s) for 2 input(s)" in message


def test_a_wrong_sign_is_reported_by_gradcheck_as_a_bug_naming_the_input():
    def backward(ctx, g):
        x, y = ctx.saved
        return mg.unbroadcast(g * (y + 1), x.shape), -mg.unbroadcast(g * x, y.shape)

    Custom = make_function(backward)
    x = mg.Tensor(np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]]), requires_grad=True, name="x")
    y = mg.Tensor(np.array([0.7, -0.4, 1.1]), requires_grad=True, name="y")
    report = mg.gradcheck(Custom.apply, [x, y])
    assert not report.passed and report.verdict == "bug"
    assert report.relative_error >= 1e-3
    assert report.worst.name == "y"
    by_name = {c.name: c for c in report.checks}
    assert by_name["x"].verdict == "great" and by_name["y"].verdict == "bug"
    assert "worst: y[" in str(report)


def test_a_forward_returning_several_outputs_is_refused_not_stacked():
    class Both(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return x, x * 2

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(
        mg.MinigradError, match=r"forward returned a tuple of 2, but a Function has one output"
    ):
        Both.apply(mg.Tensor([1.0, 2.0]))


def test_a_forward_returning_a_list_of_numbers_is_one_output():
    class Numbers(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return [1.0, 2.0]

        @staticmethod
        def backward(ctx, g):
            return g

    assert Numbers.apply(mg.Tensor([0.0, 0.0])).tolist() == [1.0, 2.0]
