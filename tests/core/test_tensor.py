"""Tensor construction, dtype rules, operands of other types, and conveniences."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg


def f32(values):
    return mg.Tensor(np.asarray(values, dtype=np.float32), requires_grad=True)


# -------------------------------------------------------------- construction
def test_python_floats_use_the_default_dtype_and_arrays_keep_theirs():
    assert mg.Tensor([1.0, 2.0]).dtype == np.float64
    assert mg.Tensor(1.5).dtype == np.float64
    data = np.ones(3, dtype=np.float32)
    t = mg.Tensor(data)
    assert t.dtype == np.float32 and t.data is data  # not copied
    assert mg.Tensor(np.float32(2.0)).dtype == np.float32
    assert mg.Tensor([1, 2]).dtype.kind == "i"
    assert mg.Tensor([True, False]).dtype == np.bool_
    assert mg.Tensor([1, 2], dtype=np.float32).dtype == np.float32
    assert mg.Tensor(mg.Tensor(data)).data is data


def test_set_default_dtype():
    try:
        mg.set_default_dtype(np.float32)
        assert mg.get_default_dtype() == np.float32
        assert mg.Tensor([1.0]).dtype == np.float32
        assert mg.Tensor(np.ones(1)).dtype == np.float64  # arrays keep theirs
        assert mg.Parameter([1.0]).dtype == np.float32
    finally:
        mg.set_default_dtype(np.float64)
    with pytest.raises(mg.DTypeError, match="not a float dtype"):
        mg.set_default_dtype(np.int32)


def test_basic_properties_and_conversions():
    t = mg.Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and len(t) == 2
    assert t.numpy() is t.data
    assert mg.Tensor([2.5]).item() == 2.5 and float(mg.Tensor(2.5)) == 2.5
    assert np.asarray(t) is t.data
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert bool(mg.Tensor(1.0)) and not bool(mg.Tensor(0.0))
    assert t.is_leaf and not t.requires_grad and t.grad is None


def test_repr():
    assert repr(mg.Tensor([1.0, 2.0])) == "Tensor([1., 2.])"
    assert repr(mg.Tensor([1.0], requires_grad=True)) == "Tensor([1.], requires_grad=True)"
    assert repr(mg.Tensor(np.ones(1, dtype=np.float32))) == "Tensor([1.], dtype=float32)"


def test_comparisons_are_constant_boolean_tensors_and_equality_is_identity():
    a = mg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert (a > 1.5).data.tolist() == [False, True, True]
    assert (a <= mg.Tensor([1.0, 1.0, 1.0])).data.tolist() == [True, False, False]
    assert (a >= 2).dtype == np.bool_ and not (a < 2).requires_grad
    b = mg.Tensor([1.0, 2.0, 3.0])
    assert a == a and a != b  # identity, so tensors work as dict keys
    assert len({a, b, a}) == 2


def test_grad_mode_is_per_thread():
    seen = []
    with mg.no_grad():
        thread = threading.Thread(target=lambda: seen.append(mg.is_grad_enabled()))
        thread.start()
        thread.join()
        assert not mg.is_grad_enabled()
    assert seen == [True]


# ---------------------------------------------------- operands of other types
SCALARS = {
    "python float": 2.0,
    "python int": 2,
    "np.float64": np.float64(2.0),
    "np.int64": np.int64(2),
    "np.float32": np.float32(2.0),
    "np.bool_": np.bool_(True),
}

OPS = {
    "add": lambda x, c: x + c,
    "radd": lambda x, c: c + x,
    "sub": lambda x, c: x - c,
    "rsub": lambda x, c: c - x,
    "mul": lambda x, c: x * c,
    "rmul": lambda x, c: c * x,
    "div": lambda x, c: x / c,
    "rdiv": lambda x, c: c / x,
    "pow": lambda x, c: x**c,
    "rpow": lambda x, c: c**x,
    "maximum": lambda x, c: mg.maximum(x, c),
    "minimum": lambda x, c: mg.minimum(c, x),
    "where": lambda x, c: mg.where(np.array([True, False]), x, c),
    "clip": lambda x, c: x.clip(c, c * 4),
}


@pytest.mark.parametrize("scalar", sorted(SCALARS))
@pytest.mark.parametrize("op", sorted(OPS))
def test_a_float32_tensor_keeps_its_dtype_with_any_scalar(op, scalar):
    x = f32([1.0, 3.0])
    y = OPS[op](x, SCALARS[scalar])
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("op", ["add", "radd", "mul", "rmul", "sub", "rsub", "maximum", "where"])
@pytest.mark.parametrize(
    "constant",
    [np.array([1, 2]), [1, 2], [1.5, 2.5], mg.Tensor(np.array([1, 2])), mg.Tensor([True, False])],
    ids=["int array", "int list", "float list", "int tensor", "bool tensor"],
)
def test_integer_data_and_lists_take_the_float_tensors_dtype(op, constant):
    x = f32([1.0, 3.0])
    y = OPS[op](x, constant)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_matmul_with_lists_and_arrays_on_either_side():
    x = mg.Tensor([[1.0, 2.0]], requires_grad=True)
    assert (x @ [[1.0], [2.0]]).data.tolist() == [[5.0]]
    y = np.array([[1.0], [2.0]]) @ x  # ndarray @ Tensor defers to the Tensor
    assert isinstance(y, mg.Tensor) and y.shape == (2, 2)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [[3.0, 3.0]])
    assert isinstance(np.ones(2) + mg.Tensor([1.0, 2.0]), mg.Tensor)


def test_operations_on_two_constants():
    assert mg.ops.add(1.0, [1.0, 2.0]).data.tolist() == [2.0, 3.0]
    assert mg.ops.matmul([[1.0, 2.0]], [[1.0], [1.0]]).data.tolist() == [[3.0]]
    assert mg.where([True, False], 1.0, 2.0).data.tolist() == [1.0, 2.0]


def test_complex_and_string_operands_are_refused():
    x = mg.Tensor([1.0, 2.0])
    with pytest.raises(mg.DTypeError, match="mul"):
        x * 1j
    with pytest.raises(mg.DTypeError, match="add"):
        x + np.array(["a", "b"])
    with pytest.raises(mg.DTypeError, match="clip"):
        x.clip(np.array(["a"]), None)


def test_where_needs_a_boolean_condition():
    with pytest.raises(mg.DTypeError, match="boolean"):
        mg.where(np.array([1, 0]), mg.Tensor([1.0, 2.0]), 0.0)


def test_astype_converts_the_gradient_back():
    x = mg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x.astype(np.float32)
    assert y.dtype == np.float32
    (y * np.float32(3)).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])
    with pytest.raises(mg.DTypeError, match="astype"):
        x.astype(np.int32)


def test_clip_needs_a_bound():
    with pytest.raises(mg.ShapeError, match="clip"):
        mg.ops.clip(mg.Tensor([1.0]))


# --------------------------------------------------------------------- shapes
def test_reshape_accepts_several_forms():
    x = mg.Tensor(np.arange(6.0))
    assert x.reshape(2, 3).shape == (2, 3)
    assert x.reshape((3, 2)).shape == (3, 2)
    assert x.reshape([3, -1]).shape == (3, 2)
    assert x.reshape(6).shape == (6,)
    assert x.reshape(2, 3).flatten().shape == (6,)


def test_transpose_forms_and_negative_axes():
    x = mg.Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    assert x.T.shape == (4, 3, 2) and x.transpose().shape == (4, 3, 2)
    y = x.transpose(-1, 0, 1)
    assert y.shape == (4, 2, 3)
    np.testing.assert_array_equal(y.data, np.transpose(x.data, (2, 0, 1)))
    g = np.random.default_rng(0).standard_normal(y.shape)
    y.backward(g)
    np.testing.assert_array_equal(x.grad, np.transpose(g, (1, 2, 0)))
    with pytest.raises(mg.ShapeError, match="transpose"):
        x.transpose(0, 1, -4)


def test_repeated_integer_indices_accumulate():
    x = mg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x[[0, 0, 1], [1, 1, 2]].sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 2.0, 0.0], [0.0, 0.0, 1.0]])
    y = mg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y[mg.Tensor(np.array([2, 2, 2]))].sum().backward()  # a tensor index is a constant
    np.testing.assert_array_equal(y.grad, [0.0, 0.0, 3.0])


def test_ties_in_max_share_the_gradient():
    x = mg.Tensor([[1.0, 3.0, 3.0], [2.0, 0.0, -1.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])
    m = mg.Tensor([2.0, 2.0], requires_grad=True)
    mg.maximum(m, mg.Tensor([2.0, 1.0])).sum().backward()
    np.testing.assert_array_equal(m.grad, [0.5, 1.0])


def test_kinks_take_the_documented_subgradient():
    x = mg.Tensor([0.0, 0.0, 0.0], requires_grad=True)
    (x.abs() + x.relu()).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])
    y = mg.Tensor([-1.0, 1.0, 2.0], requires_grad=True)
    y.clip(-1.0, 1.0).sum().backward()  # the bounds themselves are inside
    np.testing.assert_array_equal(y.grad, [1.0, 1.0, 0.0])


def test_power_of_zero_base_has_a_finite_exponent_gradient():
    base = mg.Tensor([0.0, 2.0])
    e = mg.Tensor([2.0, 3.0], requires_grad=True)
    (base**e).sum().backward()
    np.testing.assert_allclose(e.grad, [0.0, 8.0 * np.log(2.0)])


def test_sigmoid_is_stable_for_large_inputs():
    x = mg.Tensor([-1000.0, 0.0, 1000.0], requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = x.sigmoid()
        y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(x.grad, [0.0, 0.25, 0.0])


# ----------------------------------------------------- float32 end to end
FLOAT32_OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: 1.5 - a - b,
    "mul": lambda a, b: a * b * 2,
    "div": lambda a, b: a / (b * b + 1) / 3,
    "pow": lambda a, b: (a * a + 1) ** b + 2.0**a + a**3,
    "neg": lambda a, b: -a + b,
    "matmul": lambda a, b: a @ b.T,
    "reductions": lambda a, b: a.sum(axis=0) + a.mean(axis=1, keepdims=True) * b.max() - b.min(axis=0),
    "unary": lambda a, b: (a.exp() + (b * b + 1).log() + (a * a + 1).sqrt() + a.abs()).tanh().sigmoid(),
    "piecewise": lambda a, b: a.relu() + b.clip(-0.5, 0.5) + mg.maximum(a, b) + mg.minimum(a, 0.25),
    "where": lambda a, b: mg.where(a.data > 0, a, b) + mg.where(b.data > 0, 1.0, b),
    "shaping": lambda a, b: a.reshape(-1).flatten() * b.T.transpose().reshape(-1),
    "indexing": lambda a, b: a[0] + a[:, -1:].sum() + b[np.array([0, 0])].sum(axis=0),
    "join": lambda a, b: mg.concatenate([a, b], axis=1).sum(axis=1) + mg.stack([a, b]).mean(axis=0).sum(),
    "astype": lambda a, b: (a.astype(np.float64) * 2).astype(a.dtype) + b,
    "numpy scalars": lambda a, b: a * np.float64(0.5) + b / np.int64(3) - np.float32(1),
}


@pytest.mark.parametrize("op", sorted(FLOAT32_OPS))
@given(values=hnp.arrays(np.float64, (2, 3), elements=st.floats(-2, 2, width=32, allow_subnormal=False)))
def test_float32_in_float32_out_with_float32_gradients(op, values):
    # values exactly representable in float32, so both runs see the same inputs (and ties)
    fn = FLOAT32_OPS[op]
    a64 = mg.Tensor(values, requires_grad=True)
    b64 = mg.Tensor(values[::-1] * 0.5, requires_grad=True)
    a32 = mg.Tensor(a64.data.astype(np.float32), requires_grad=True)
    b32 = mg.Tensor(b64.data.astype(np.float32), requires_grad=True)
    out32, out64 = fn(a32, b32), fn(a64, b64)
    assert out32.dtype == np.float32
    out32.sum().backward()
    out64.sum().backward()
    for t32, t64 in ((a32, a64), (b32, b64)):
        assert t32.grad.dtype == np.float32
        np.testing.assert_allclose(t32.grad, t64.grad, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(out32.data, out64.data, rtol=1e-4, atol=1e-5)
