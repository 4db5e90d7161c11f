"""The backward engine: graph walking, accumulation, grad modes, retain_graph and the
errors raised at its boundary."""

from __future__ import annotations

import gc
import sys
import threading

import numpy as np
import pytest

import minigrad as mg
from minigrad.function import unbroadcast


def leaf(values, dtype=np.float64):
    return mg.Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


# ------------------------------------------------------------------- the walk
def test_backward_through_a_chain_of_100000_ops():
    limit = sys.getrecursionlimit()
    x = leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert sys.getrecursionlimit() == limit
    np.testing.assert_allclose(x.grad, 1.00001**100_000, rtol=1e-9)
    del y  # tearing down the long chain must not overflow the C stack either
    gc.collect()


def test_backward_through_a_long_chain_with_side_branches():
    x = leaf([1.0, 2.0])
    y = x
    for i in range(20_000):
        y = y + x * 0.0 if i % 2 else y * 1.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_paths_of_different_lengths_meet_in_the_right_order():
    x = leaf(3.0)
    a = x * 2  # a = 2x
    b = a * 3  # b = 6x
    c = (a + b) * a  # c = 8x * 2x = 16 x^2
    c.backward()
    assert x.grad == pytest.approx(32 * 3.0)


def test_diamond_graph_accumulates_both_branches():
    a = leaf([1.0, -2.0])
    b = leaf([3.0, 4.0])
    c = leaf([0.5, 0.25])
    (a * b + a * c).sum().backward()
    np.testing.assert_allclose(a.grad, b.data + c.data)
    np.testing.assert_allclose(b.grad, a.data)
    np.testing.assert_allclose(c.grad, a.data)


def test_tensor_used_twice_in_one_op():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * x.data)
    y = leaf([2.0])
    (y @ y).backward()
    np.testing.assert_allclose(y.grad, [4.0])


def test_shared_intermediate_feeds_two_branches():
    x = leaf([0.3, -0.7])
    h = x.tanh()
    (h.exp() + h * h).sum().backward()
    dh = np.exp(np.tanh(x.data)) + 2 * np.tanh(x.data)
    np.testing.assert_allclose(x.grad, dh * (1 - np.tanh(x.data) ** 2))


def test_only_tensors_that_require_grad_receive_one():
    x = leaf([1.0, 2.0])
    constant = mg.Tensor([3.0, 4.0])
    (x * constant).sum().backward()
    assert constant.grad is None
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


# ------------------------------------------------------- seeds and gradients
def test_scalar_backward_seeds_with_one():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_one_element_non_scalar_can_backward_without_gradient():
    x = leaf([[2.0]])
    (x * x).backward()
    np.testing.assert_array_equal(x.grad, [[4.0]])


def test_backward_on_a_leaf():
    x = leaf(2.0)
    x.backward()
    assert x.grad == 1.0


@pytest.mark.parametrize("wrap", [np.asarray, mg.Tensor, lambda g: g.tolist()])
def test_explicit_gradient_for_a_non_scalar(wrap):
    x = leaf([1.0, 2.0, 3.0])
    y = x * x
    y.backward(wrap(np.array([1.0, 0.0, -1.0])))
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, -6.0])


def test_non_scalar_without_gradient_is_a_backward_error():
    x = leaf([1.0, 2.0])
    with pytest.raises(mg.BackwardError, match=r"shape \(2,\).*sum\(\)"):
        (x * 2).backward()


def test_gradient_of_the_wrong_shape_is_a_backward_error():
    x = leaf([1.0, 2.0])
    with pytest.raises(mg.BackwardError, match=r"\(3,\).*\(2,\)"):
        (x * 2).backward(np.ones(3))


def test_backward_on_a_tensor_without_grad_is_a_backward_error():
    with pytest.raises(mg.BackwardError, match="does not require a gradient"):
        (mg.Tensor([1.0]) * 2).sum().backward()


def test_backward_error_is_a_runtime_error():
    assert issubclass(mg.BackwardError, RuntimeError)


# -------------------------------------------------------------- grad buffers
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_grad_has_the_shape_and_dtype_of_the_data(dtype):
    rng = np.random.default_rng(0)
    x = leaf(rng.standard_normal((4, 3)), dtype)
    w = leaf(rng.standard_normal((3, 2)), dtype)
    b = leaf(rng.standard_normal(2), dtype)
    h = (x @ w + b).tanh().sigmoid().relu()
    parts = mg.concatenate([h, h * 2.0], axis=1)
    out = (parts[:, [0, 0, 3]].max(axis=1) + (w.T @ w).mean() - b.abs().sum() * np.float64(0.5)) ** 2
    out = mg.stack([out, out.exp() / 3]).sum()
    assert out.dtype == dtype
    out.backward()
    for t in (x, w, b):
        assert t.grad.shape == t.shape
        assert t.grad.dtype == dtype


def test_float32_explicit_gradient_is_converted_to_the_output_dtype():
    x = leaf([1.0, 2.0], np.float32)
    (x * 2).backward(np.array([1.0, 1.0]))  # float64 gradient
    assert x.grad.dtype == np.float32


def test_grad_is_a_writable_private_array():
    x = leaf([1.0, 2.0])
    g = np.array([5.0, 6.0])
    x.sum().backward()  # Sum's backward broadcasts (a read-only view)
    assert x.grad.flags.writeable
    y = leaf([1.0, 2.0])
    (y * 1.0).backward(g)
    y.grad += 1
    np.testing.assert_array_equal(g, [5.0, 6.0])


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data + 3)
    x.zero_grad()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


# ----------------------------------------------------------------- grad modes
def test_no_grad_records_nothing():
    x = leaf([1.0, 2.0])
    with mg.no_grad():
        y = (x * 2).exp()
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()
    assert not y.requires_grad
    assert y.is_leaf


def test_enable_grad_inside_no_grad():
    x = leaf([1.0])
    with mg.no_grad():
        with mg.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and not z.requires_grad
    y.sum().backward()
    assert x.grad == 2.0


def test_no_grad_as_a_decorator_and_restored_after_an_error():
    @mg.no_grad()
    def predict(t):
        return t * 2

    assert not predict(leaf([1.0])).requires_grad
    with pytest.raises(ZeroDivisionError), mg.no_grad():
        raise ZeroDivisionError
    assert mg.is_grad_enabled()


def test_no_grad_without_parentheses_and_one_object_entered_again_and_nested():
    @mg.no_grad
    def predict(t):
        return t * 2

    @mg.enable_grad
    def train_step(t):
        return t * 2

    assert not predict(leaf([1.0])).requires_grad and predict.__name__ == "predict"
    with mg.no_grad():
        assert train_step(leaf([1.0])).requires_grad and not mg.is_grad_enabled()
    ctx = mg.no_grad()
    for _ in range(2):  # a context object may be used for several blocks
        with ctx:
            assert not mg.is_grad_enabled()
        assert mg.is_grad_enabled()
    with ctx, mg.enable_grad(), ctx:
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()


def test_detach_shares_data_and_stops_the_gradient():
    x = leaf([1.0, 2.0])
    d = x.detach()
    assert d.data is x.data and not d.requires_grad and d.is_leaf
    (d * x).sum().backward()
    np.testing.assert_array_equal(x.grad, x.data)


def test_requires_grad_toggle():
    x = mg.Tensor([1.0, 2.0]).requires_grad_()
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
    with pytest.raises(mg.DTypeError):
        mg.Tensor([1, 2]).requires_grad_()


# --------------------------------------------------------------- retain_graph
def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad, 4 * x.data)


def test_second_backward_through_a_freed_graph_is_a_backward_error():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(mg.BackwardError, match="retain_graph=True"):
        y.backward()


def test_freed_graph_drops_saved_arrays():
    x = leaf([1.0, 2.0])
    h = x * x
    y = h.sum()
    y.backward()
    assert h._ctx.saved == () and h._ctx.freed


def test_backward_through_a_partly_freed_graph_is_an_error():
    x = leaf([1.0, 2.0])
    h = x.exp()
    h.sum().backward()
    with pytest.raises(mg.BackwardError, match="exp"):
        (h * 2).sum().backward()


# -------------------------------------------------------------------- dtypes
@pytest.mark.parametrize(
    "data",
    [np.arange(3), [1, 2, 3], np.array([True, False]), np.array([1, 2], dtype=np.uint8)],
    ids=["int array", "int list", "bool", "uint8"],
)
def test_non_float_data_with_requires_grad_is_a_dtype_error(data):
    with pytest.raises(mg.DTypeError, match="float dtype"):
        mg.Tensor(data, requires_grad=True)
    with pytest.raises(mg.DTypeError):
        mg.Parameter(data)


@pytest.mark.parametrize("data", [np.array(["a"]), np.array([object()]), np.array([1j])])
def test_object_string_and_complex_data_are_refused(data):
    with pytest.raises(mg.DTypeError, match="dtype"):
        mg.Tensor(data)
    with pytest.raises(mg.DTypeError):
        mg.Tensor(data, requires_grad=True)


MIXED = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "matmul": lambda a, b: a @ b,
    "maximum": mg.maximum,
    "minimum": mg.minimum,
    "where": lambda a, b: mg.where(np.array([True, False]), a, b),
    "concatenate": lambda a, b: mg.concatenate([a, b]),
    "stack": lambda a, b: mg.stack([a, b]),
}


@pytest.mark.parametrize("op", sorted(MIXED))
@pytest.mark.parametrize("order", ["32, 64", "64, 32"])
def test_mixing_float32_and_float64_is_a_dtype_error_naming_the_op(op, order):
    a32 = mg.Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    b64 = mg.Tensor(np.array([3.0, 4.0]), requires_grad=True)
    a, b = (a32, b64) if order == "32, 64" else (b64, a32)
    with pytest.raises(mg.DTypeError, match=op) as info:
        MIXED[op](a, b)
    assert "float32" in str(info.value) and "float64" in str(info.value)


def test_float64_array_operand_with_a_float32_tensor_is_a_dtype_error():
    x = mg.Tensor(np.ones(2, dtype=np.float32))
    with pytest.raises(mg.DTypeError, match="mul"):
        x * np.array(2.0)
    with pytest.raises(mg.DTypeError, match="add"):
        np.ones(2) + x


# -------------------------------------------------------------------- shapes
@pytest.mark.parametrize(
    ("op", "fn"),
    [("add", lambda a, b: a + b), ("mul", lambda a, b: a * b), ("maximum", mg.maximum)],
)
def test_shape_mismatch_is_a_shape_error_naming_op_and_both_shapes(op, fn):
    a = mg.Tensor(np.ones((2, 3)), requires_grad=True)
    b = mg.Tensor(np.ones(4))
    with pytest.raises(mg.ShapeError) as info:
        fn(a, b)
    message = str(info.value)
    assert message.startswith(op) and "(2, 3)" in message and "(4,)" in message


def test_matmul_inner_dimension_mismatch_message():
    a = mg.Tensor(np.ones((2, 3)))
    b = mg.Tensor(np.ones((2, 3)))
    with pytest.raises(mg.ShapeError) as info:
        a @ b
    message = str(info.value)
    assert "matmul" in message and "(2, 3) @ (2, 3)" in message and "3 != 2" in message
    with pytest.raises(mg.ShapeError, match=r"matmul.*\(4,\) @ \(3, 2\)"):
        mg.Tensor(np.ones(4)) @ mg.Tensor(np.ones((3, 2)))
    with pytest.raises(mg.ShapeError, match="at least 1-D"):
        mg.Tensor(2.0) @ mg.Tensor(np.ones(2))


def test_other_shape_errors_name_the_op():
    x = mg.Tensor(np.ones((2, 3)))
    with pytest.raises(mg.ShapeError, match=r"reshape.*\(2, 3\)"):
        x.reshape(4, 2)
    with pytest.raises(mg.ShapeError, match="concatenate"):
        mg.concatenate([x, mg.Tensor(np.ones((2, 2)))], axis=0)
    with pytest.raises(mg.ShapeError, match="stack"):
        mg.stack([x, mg.Tensor(np.ones((3, 2)))])
    with pytest.raises(mg.ShapeError, match="axis 2 is out of range"):
        x.sum(axis=2)
    with pytest.raises(mg.ShapeError, match="getitem"):
        x[5]
    with pytest.raises(mg.ShapeError, match=r"max.*empty"):
        mg.Tensor(np.ones((0, 2))).max()
    assert issubclass(mg.ShapeError, ValueError)


# ---------------------------------------------------------------- unbroadcast
@pytest.mark.parametrize(
    ("grad_shape", "shape"),
    [((4, 2, 3), (2, 1)), ((4, 2, 3), (3,)), ((2, 3), ()), ((2, 3), (1, 1)), ((2, 3), (2, 3)), ((5,), (1,))],
)
def test_unbroadcast_sums_over_the_broadcast_copies(grad_shape, shape):
    grad = np.random.default_rng(0).standard_normal(grad_shape)
    out = unbroadcast(grad, shape)
    assert out.shape == shape
    # <grad, broadcast(v)> == <unbroadcast(grad), v> for every v: check with a random v
    v = np.random.default_rng(1).standard_normal(shape)
    assert np.sum(grad * np.broadcast_to(v, grad_shape)) == pytest.approx(np.sum(out * v))


def test_one_grad_mode_object_shared_by_threads_restores_each_threads_mode():
    ctx = mg.enable_grad()
    a_entered, b_entered, a_exited = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def a():
        with ctx:
            a_entered.set()
            b_entered.wait(5)
        a_exited.set()
        seen["A after"] = mg.is_grad_enabled()

    def b():
        with mg.no_grad():
            a_entered.wait(5)
            with ctx:
                b_entered.set()
                a_exited.wait(5)
            seen["B after"] = mg.is_grad_enabled()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"A after": True, "B after": False}
