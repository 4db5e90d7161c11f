"""Tensor construction, dtype rules, operands of other types, and conveniences."""

from __future__ import annotations

import threading
import warnings

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


def test_np_array_of_a_tensor_is_a_snapshot_and_asarray_shares():
    w = mg.Parameter([1.0, 2.0])
    snapshot, shared = np.array(w), np.asarray(w)
    w.data -= 1.0
    np.testing.assert_array_equal(snapshot, [1.0, 2.0])  # a copy, as np.array of a list
    assert shared is w.data
    assert not np.shares_memory(np.asarray(w, copy=True), w.data)
    assert np.asarray(w, copy=False) is w.data
    assert np.array(w, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="needs a copy, but copy=False"):
        np.asarray(w, dtype=np.float32, copy=False)


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


def test_a_nan_operand_of_maximum_and_minimum_gets_the_gradient():
    # the output is NaN because of it (as max() gives the gradient to a slice's NaN)
    nan = np.nan
    for op in (mg.maximum, mg.minimum):
        a = mg.Tensor([nan, 1.0, nan, 2.0], requires_grad=True)
        b = mg.Tensor([0.0, nan, nan, 2.0], requires_grad=True)
        op(a, b).sum().backward()
        np.testing.assert_array_equal(a.grad, [1.0, 0.0, 0.5, 0.5])
        np.testing.assert_array_equal(b.grad, [0.0, 1.0, 0.5, 0.5])
        x = mg.Tensor([[nan], [3.0]], requires_grad=True)  # broadcast against a row
        op(x, mg.Tensor([[0.5, 5.0]])).sum().backward()
        np.testing.assert_array_equal(x.grad, [[2.0], [1.0]])


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


NAN = np.nan


def test_nan_maxima_share_the_gradient():
    # max() propagates NaN, so a slice's NaN elements are its maxima; they share the
    # gradient as in torch.max() (torch.amax gives the whole slice NaN, a 0/0)
    x = mg.Tensor([[1.0, NAN, 3.0, NAN], [1.0, 2.0, 3.0, 3.0]], requires_grad=True)
    assert np.isnan(x.max().item())
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.5, 0.0, 0.5], [0.0, 0.0, 0.0, 0.0]])
    x.grad = None
    x.min(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.5, 0.0, 0.5], [1.0, 0.0, 0.0, 0.0]])
    x.grad = None
    x.max(axis=0, keepdims=True).backward(np.full((1, 4), 2.0))
    np.testing.assert_array_equal(x.grad, [[1.0, 2.0, 1.0, 2.0], [1.0, 0.0, 1.0, 0.0]])


def test_nan_maxima_match_torch_max():
    torch = pytest.importorskip("torch")
    values = np.array([[NAN, 2.0, NAN], [0.5, NAN, -1.0]])
    x = mg.Tensor(values, requires_grad=True)
    x.max().backward()
    expected = torch.tensor(values, requires_grad=True)
    expected.max().backward()
    np.testing.assert_array_equal(x.grad, expected.grad.numpy())
    assert np.isfinite(x.grad).all()


# (a, b, a^b, d(a^b)/da, d(a^b)/db), the values PyTorch gives where the formulas
# b a^(b-1) and a^b ln a meet 0 * inf, 0 * -inf or the log of a negative number
POWER_EDGES = [
    (0.0, 0.0, 1.0, 0.0, 0.0),  # a^0 = 1 is constant in a; 0 for d/db by convention
    (2.0, 0.0, 1.0, 0.0, np.log(2.0)),
    (-2.0, 0.0, 1.0, 0.0, NAN),  # ln of a negative base: undefined
    (0.0, 2.0, 0.0, 0.0, 0.0),
    (0.0, 1.0, 0.0, 1.0, 0.0),
    (0.0, 0.5, 0.0, np.inf, 0.0),
    (0.0, -1.0, np.inf, -np.inf, -np.inf),
    (0.0, -0.5, np.inf, -np.inf, -np.inf),
    (-0.0, -1.0, -np.inf, -np.inf, np.inf),
    (-2.0, 2.0, 4.0, -4.0, NAN),
    (-3.0, -1.0, -1.0 / 3.0, -1.0 / 9.0, NAN),
]


def test_power_gradients_at_zero_and_negative_bases():
    a_values, b_values, outs, da, db = (np.array(column) for column in zip(*POWER_EDGES))
    a = mg.Tensor(a_values, requires_grad=True)
    b = mg.Tensor(b_values, requires_grad=True)
    with np.errstate(divide="ignore"):  # the forward's 0^-1 = inf
        out = a**b
    out.backward(np.ones(out.shape))
    np.testing.assert_allclose(out.data, outs, rtol=1e-15)
    np.testing.assert_allclose(a.grad, da, rtol=1e-15)
    np.testing.assert_allclose(b.grad, db, rtol=1e-15)


def test_power_gradients_match_torch():
    torch = pytest.importorskip("torch")
    grid = np.array([-2.0, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 2.0, 3.0])
    a_values, b_values = (m.ravel() for m in np.meshgrid(grid, grid))
    a = mg.Tensor(a_values, requires_grad=True)
    b = mg.Tensor(b_values, requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        (a**b).sum().backward()
    ta = torch.tensor(a_values, requires_grad=True)
    tb = torch.tensor(b_values, requires_grad=True)
    (ta**tb).sum().backward()
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-13)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-13)


@pytest.mark.parametrize("exponent", [0, 0.0, np.zeros(3), mg.Tensor(np.zeros(3))])
def test_power_zero_has_a_zero_base_gradient_even_at_zero(exponent):
    x = mg.Tensor([0.0, -1.5, 2.0], requires_grad=True)
    (x**exponent).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])


def test_constant_base_power_gradient():
    e = mg.Tensor([0.0, 1.0, -1.0, 0.5], requires_grad=True)
    with np.errstate(divide="ignore"):
        (0.0**e).sum().backward()
    np.testing.assert_array_equal(e.grad, [0.0, 0.0, -np.inf, 0.0])
    e.grad = None
    with np.errstate(invalid="ignore"):  # the forward's (-2)^0.5 = NaN
        ((-2.0) ** e).sum().backward()
    assert np.isnan(e.grad).all()  # a^b with a < 0 is not differentiable in b


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


# ------------------------------------------------------------------- iteration
def test_iterating_gives_differentiable_rows():
    x = mg.Tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    rows = list(x)
    assert [r.data.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    assert all(r.requires_grad for r in rows)
    # J = Σ_i (i + 1) Σ_j x_ij², so dJ/dx_ij = 2 (i + 1) x_ij
    J = sum((i + 1) * (row * row).sum() for i, row in enumerate(x))
    J.backward()
    np.testing.assert_array_equal(x.grad, [[2.0, 4.0], [12.0, 16.0], [30.0, 36.0]])


def test_unpacking_and_for_loops_over_a_vector():
    v = mg.Tensor([1.0, 2.0], requires_grad=True)
    a, b = v
    assert a.shape == () and a.item() == 1.0 and b.item() == 2.0
    (a * b * b).backward()  # d(ab²)/da = b², d(ab²)/db = 2ab
    np.testing.assert_array_equal(v.grad, [4.0, 4.0])
    assert [float(e) for e in mg.Tensor([1.0, 2.0])] == [1.0, 2.0]
    assert list(mg.Tensor(np.zeros((0, 3)))) == []
    assert [e.item() for e in mg.Tensor([3, 4])] == [3, 4]  # integer tensors too


def test_iterating_over_a_0d_tensor_is_a_type_error():
    with pytest.raises(TypeError, match=r"iteration over a 0-d tensor.*item\(\)"):
        iter(mg.Tensor(2.0))
    with pytest.raises(TypeError, match="0-d tensor"):
        _first, _second = mg.Tensor(2.0)


@given(
    x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=3), elements=st.floats(-2, 2))
)
def test_rows_are_the_slices_along_axis_0_and_carry_the_gradient(x):
    t = mg.Tensor(x, requires_grad=True)
    rows = list(t)
    assert len(rows) == x.shape[0]
    for i, row in enumerate(rows):
        np.testing.assert_array_equal(row.data, x[i])
    weights = np.random.default_rng(0).standard_normal(x.shape)
    sum((row * w).sum() for row, w in zip(rows, weights, strict=True)).backward()
    np.testing.assert_allclose(t.grad, weights)


def test_in_compares_elements():
    t = mg.Tensor([[1.0, 2.0], [3.0, 4.0]])
    assert 2.0 in t and 5.0 not in t
    assert [3.0, 4.0] in t and mg.Tensor([1.0, 2.0]) in t
    with pytest.raises(mg.ShapeError, match=r"comparison in: shapes \(2, 2\) and \(3,\)"):
        [1.0, 2.0, 3.0] in t  # noqa: B015


# ------------------------------------------------------------- empty tensors
EMPTY_SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3).filter(lambda s: 0 in s)


@pytest.mark.parametrize("reduction", ["max", "min"])
@given(data=st.data(), shape=EMPTY_SHAPES, keepdims=st.booleans())
def test_max_and_min_of_empty_tensors_follow_numpy(reduction, data, shape, keepdims):
    x = np.zeros(shape)
    axis = data.draw(st.none() | hnp.valid_tuple_axes(len(shape), min_size=1), label="axis")
    axes = range(len(shape)) if axis is None else axis
    t = mg.Tensor(x, requires_grad=True)
    if any(shape[ax] == 0 for ax in axes):  # an empty slice has no extreme
        with pytest.raises(ValueError):
            getattr(np, reduction)(x, axis=axis, keepdims=keepdims)
        with pytest.raises(mg.ShapeError, match=rf"{reduction}: cannot reduce over axis \d of an empty"):
            getattr(t, reduction)(axis=axis, keepdims=keepdims)
        return
    out = getattr(t, reduction)(axis=axis, keepdims=keepdims)
    assert out.shape == getattr(np, reduction)(x, axis=axis, keepdims=keepdims).shape
    assert out.size == 0
    out.backward(np.ones(out.shape))
    assert t.grad.shape == shape and t.grad.dtype == np.float64


def test_max_over_a_non_empty_axis_of_an_empty_batch():
    x = mg.Tensor(np.zeros((0, 3)), requires_grad=True)
    out = x.max(axis=1)
    assert out.shape == (0,)
    out.sum().backward()
    assert x.grad.shape == (0, 3)
    with pytest.raises(mg.ShapeError, match=r"max: cannot reduce over axis 0 .*\(0, 3\)"):
        x.max(axis=0)


def test_softmax_built_from_ops_on_an_empty_batch_is_empty():
    z = mg.Tensor(np.zeros((0, 3)), requires_grad=True)
    e = (z - z.max(axis=1, keepdims=True)).exp()
    p = e / e.sum(axis=1, keepdims=True)
    assert p.shape == (0, 3)
    p.sum().backward()
    assert z.grad.shape == (0, 3)
    fused = mg.nn_functions.softmax(z)  # the fused op, over the non-empty class axis
    assert fused.shape == (0, 3)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("fn", [mg.nn_functions.softmax, mg.nn_functions.log_softmax])
@pytest.mark.parametrize("shape", [(3, 0), (0, 4), (2, 0, 3)])
def test_softmax_and_log_softmax_of_an_empty_axis_are_empty(fn, shape):
    z = mg.Tensor(np.zeros(shape), requires_grad=True)
    out = fn(z)
    assert out.shape == shape
    out.sum().backward()
    assert z.grad.shape == shape


@pytest.mark.parametrize("index", [[], [[]], ([], 0), (slice(None), [])])
def test_empty_list_indices_behave_like_numpy(index):
    x = np.arange(6.0).reshape(2, 3)
    t = mg.Tensor(x, requires_grad=True)
    out = t[index]
    expected = x[index]
    assert out.shape == expected.shape and out.dtype == expected.dtype
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, np.zeros((2, 3)))


@given(data=st.data())
def test_var_std_squeeze_unsqueeze_match_numpy_and_have_gradients(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4), label="shape")
    x = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-3, 3)), label="x")
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)), label="axis")
    ddof = data.draw(st.sampled_from([0, 1]), label="ddof")
    t = mg.Tensor(x)
    np.testing.assert_allclose(t.var(axis=axis, ddof=ddof).data, np.var(x, axis=axis, ddof=ddof), atol=1e-12)
    np.testing.assert_allclose(t.std(axis=axis, ddof=ddof).data, np.std(x, axis=axis, ddof=ddof), atol=1e-12)
    assert mg.gradcheck(lambda u: u.var(axis=axis, ddof=ddof).sum(), [x]).passed
    assert t.unsqueeze(0).squeeze(0).shape == x.shape and t.unsqueeze(-1).shape == (*x.shape, 1)
    assert mg.gradcheck(lambda u: (u.unsqueeze(1).squeeze() * u.unsqueeze(1).squeeze()).sum(), [x]).passed


def test_std_of_a_constant_slice_has_gradient_zero_as_in_pytorch():
    x = mg.Tensor([[1.0, 2.0], [1.0, 3.0]], requires_grad=True)
    x.std(axis=0).sum().backward()  # column 0 is constant: std 0, not differentiable
    np.testing.assert_array_equal(x.grad, [[0.0, -0.5], [0.0, 0.5]])
    y = mg.Tensor([[1.0, 2.0], [1.0, 3.0]], requires_grad=True)
    y.std(axis=0, ddof=1).sum().backward()
    assert np.isfinite(y.grad).all() and (y.grad[:, 0] == 0).all()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    ("shape", "axis", "ddof"), [((2,), None, 3), ((2,), None, 2), ((2, 0), 1, 1), ((3, 2), 0, 5)]
)
def test_var_and_std_with_ddof_at_least_n_follow_numpy(shape, axis, ddof):
    x = np.arange(float(np.prod(shape))).reshape(shape)
    t = mg.Tensor(x)
    np.testing.assert_array_equal(t.var(axis=axis, ddof=ddof).data, np.var(x, axis=axis, ddof=ddof))
    np.testing.assert_array_equal(t.std(axis=axis, ddof=ddof).data, np.std(x, axis=axis, ddof=ddof))


def test_numpy_reductions_of_a_tensor_run_as_minigrad_ops():
    x = np.array([[1.0, 2.0], [3.0, 5.0]])
    t = mg.Tensor(x, requires_grad=True)
    cases = {
        "sum": (np.sum(t, axis=0), np.sum(x, axis=0)),
        "mean": (np.mean(t), np.mean(x)),
        "max": (np.max(t, axis=1), np.max(x, axis=1)),
        "min": (np.min(t), np.min(x)),
        "var": (np.var(t, ddof=1), np.var(x, ddof=1)),
        "std": (np.std(t, axis=0), np.std(x, axis=0)),
    }
    for name, (got, expected) in cases.items():
        assert isinstance(got, mg.Tensor) and got.requires_grad, name
        np.testing.assert_allclose(got.data, expected, err_msg=name)
    as32 = np.mean(t, dtype=np.float32)
    assert as32.dtype == np.float32
    as32.backward()
    np.testing.assert_array_equal(t.grad, np.full((2, 2), 0.25))
    with pytest.raises(TypeError, match="sum: out= is not supported for a Tensor"):
        np.sum(t, out=np.zeros(()))


def test_abs_argmax_argmin_tolist_and_squeeze_errors():
    t = mg.Tensor([[-1.0, 4.0], [3.0, -2.0]], requires_grad=True)
    abs(t).sum().backward()
    np.testing.assert_array_equal(t.grad, [[-1.0, 1.0], [1.0, -1.0]])
    assert t.argmax().item() == 1 and t.argmax(axis=0).tolist() == [1, 0] and not t.argmax().requires_grad
    assert t.argmin(axis=1, keepdims=True).shape == (2, 1)
    assert t.tolist() == [[-1.0, 4.0], [3.0, -2.0]]
    with pytest.raises(mg.ShapeError, match=r"squeeze: cannot drop axis 0 of shape \(2, 2\)"):
        t.squeeze(0)
    with pytest.raises(mg.ShapeError, match="unsqueeze: cannot insert axis 5"):
        t.unsqueeze(5)
    with pytest.raises(mg.ShapeError, match=r"argmax: axis=3 of a tensor of shape \(2, 2\)"):
        t.argmax(axis=3)


@pytest.mark.parametrize("axis", [(0, 0), (0, -2), (1, -1)])
def test_an_axis_named_twice_is_an_error_as_in_numpy(axis):
    x = mg.Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="duplicate value"):
        np.sum(np.ones((2, 3)), axis=axis)
    for reduce in (x.sum, x.mean, x.max, x.min):
        with pytest.raises(mg.ShapeError, match="names an axis twice"):
            reduce(axis=axis)


def test_requires_grad_false_refuses_a_computed_tensor_and_names_detach():
    w = mg.Tensor([1.0], requires_grad=True)
    y = w * 2
    with pytest.raises(mg.BackwardError, match=r"use t\.detach\(\)"):
        y.requires_grad_(False)
    assert y.requires_grad
    assert not w.detach().requires_grad_(False).requires_grad  # a leaf may switch it off


@given(data=st.data())
def test_log_softmax_is_stable_and_matches_log_of_softmax(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), label="shape")
    z = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-3, 3)), label="z")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    out = mg.nn_functions.log_softmax(z, axis=axis)
    np.testing.assert_allclose(out.data, np.log(mg.nn_functions.softmax(z, axis=axis).data), atol=1e-12)
    assert mg.gradcheck(lambda t: mg.nn_functions.log_softmax(t, axis=axis), [z]).verdict == "great"
    big = mg.Tensor(z * 1e4, requires_grad=True)  # softmax(...).log() would give -inf here
    out = mg.nn_functions.log_softmax(big, axis=axis)
    out.sum().backward()
    assert np.isfinite(out.data).all() and np.isfinite(big.grad).all()


def test_log_softmax_matches_torch():
    torch = pytest.importorskip("torch")
    z = np.random.default_rng(0).standard_normal((4, 5)) * 30
    g = np.random.default_rng(1).standard_normal((4, 5))
    t = mg.Tensor(z, requires_grad=True)
    mg.nn_functions.log_softmax(t).backward(g)
    tz = torch.tensor(z, requires_grad=True)
    torch.log_softmax(tz, dim=-1).backward(torch.tensor(g))
    np.testing.assert_allclose(t.grad, tz.grad.numpy(), rtol=1e-12, atol=1e-12)
    with pytest.raises(mg.ShapeError, match="log_softmax: axis 2 is out of range"):
        mg.nn_functions.log_softmax(t, axis=2)


def test_numpy_ufuncs_on_tensors_run_as_ops_or_refuse_to_drop_the_graph():
    x = mg.Tensor([0.5, 2.0], requires_grad=True)
    a = np.array([3.0, 4.0])
    for got, expected in (
        (np.exp(x), np.exp(x.data)),
        (np.log(x), np.log(x.data)),
        (np.sqrt(x), np.sqrt(x.data)),
        (np.abs(-x), np.abs(x.data)),
        (np.tanh(x), np.tanh(x.data)),
        (np.maximum(x, 1.0), np.maximum(x.data, 1.0)),
        (a + x, a + x.data),
        (a - x, a - x.data),
        (a * x, a * x.data),
        (a / x, a / x.data),
        (a**x, a**x.data),
        (a @ x, a @ x.data),
    ):
        assert isinstance(got, mg.Tensor) and got.requires_grad
        np.testing.assert_allclose(got.data, expected)
    np.exp(x).sum().backward()
    np.testing.assert_allclose(x.grad, np.exp(x.data))
    assert (a < x).tolist() == [False, False] and (a > x).tolist() == [True, True]
    assert (a == x) is False and (a != x) is True  # == compares identity, from either side
    with pytest.raises(TypeError, match=r"np\.sin on a tensor that requires a gradient .* drop the graph"):
        np.sin(x)
    with pytest.raises(TypeError, match=r"np\.add\.reduce on a tensor"):
        np.add.reduce(x)
    constant = mg.Tensor([0.0, 1.0])
    np.testing.assert_allclose(np.sin(constant), np.sin([0.0, 1.0]))  # constants: arrays, as before
    # tests and steps carry no gradient: computed on the arrays, even for a tracked tensor
    assert np.isfinite(x).all() and np.sign(-x).tolist() == [-1.0, -1.0]
    assert np.floor(x).tolist() == [0.0, 2.0]
    with pytest.raises(TypeError, match=r"out=tensor\): write into an array"):
        np.add(a, 1.0, out=mg.Tensor(a.copy()))
    with mg.no_grad():
        assert isinstance(np.sin(x), np.ndarray)


def test_numpy_array_functions_run_as_ops_or_refuse_to_drop_the_graph():
    data = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
    x = mg.Tensor(data, requires_grad=True)
    a = np.array([[2.0], [1.0], [0.5]])
    cases = {
        "concatenate": (np.concatenate([x, x], axis=1), np.concatenate([data, data], axis=1)),
        "stack": (np.stack([x, 2 * x]), np.stack([data, 2 * data])),
        "where": (np.where(data > 0, x, 0.0), np.where(data > 0, data, 0.0)),
        "transpose": (np.transpose(x), data.T),
        "transpose axes": (np.transpose(x, (1, 0)), data.T),
        "reshape": (np.reshape(x, (3, 2)), data.reshape(3, 2)),
        "clip": (np.clip(x, -1.0, 2.0), np.clip(data, -1.0, 2.0)),
        "squeeze": (np.squeeze(x[:1]), data[0]),
        "expand_dims": (np.expand_dims(x, 0), data[None]),
        "ravel": (np.ravel(x), data.ravel()),
        "dot": (np.dot(x, a), data @ a),
        "dot array first": (np.dot(a.T, x.T), a.T @ data.T),
        "dot scalar": (np.dot(x, 2.0), 2.0 * data),
    }
    for name, (got, expected) in cases.items():
        assert isinstance(got, mg.Tensor) and got.requires_grad, name
        np.testing.assert_array_equal(got.data, expected, err_msg=name)
    np.concatenate([x, 3 * x]).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 4.0))
    # no minigrad op (or options it lacks): computed on the arrays would drop the graph
    for call, name in (
        (lambda: np.sort(x), r"np\.sort"),
        (lambda: np.copy(x), r"np\.copy"),
        (lambda: np.linalg.norm(x), r"np\.linalg\.norm"),
        (lambda: np.outer(x, x), r"np\.outer"),
        (lambda: np.concatenate([x, x], out=np.empty((4, 3))), r"np\.concatenate"),
    ):
        with pytest.raises(TypeError, match=name + " on a tensor that requires a gradient would return"):
            call()
    # a call that runs others on the tensor is named as the user wrote it
    with pytest.raises(TypeError, match=r"^np\.cumsum on a tensor"):
        np.cumsum(x)
    # constructors that read only the shape and dtype: arrays, as in NumPy
    for like, fill in ((np.zeros_like, 0.0), (np.ones_like, 1.0)):
        made = like(x)
        assert type(made) is np.ndarray and made.shape == (2, 3)
        np.testing.assert_array_equal(made, np.full((2, 3), fill))
    np.testing.assert_array_equal(np.full_like(x, 7.0), np.full((2, 3), 7.0))
    assert np.empty_like(x).shape == (2, 3)
    # results that are no values to differentiate pass, as do constants and no_grad()
    assert np.allclose(x, data) and np.array_equal(x, x) and np.shape(x) == (2, 3)
    np.testing.assert_array_equal(np.argsort(x), np.argsort(data))
    np.testing.assert_allclose(x, data)
    assert isinstance(np.sort(mg.Tensor(data)), np.ndarray)
    with mg.no_grad():
        np.testing.assert_array_equal(np.sort(x), np.sort(data))


@pytest.mark.parametrize(
    ("grad", "got"),
    [
        (np.ones(5), r"shape \(5,\), dtype float64"),
        (np.ones((2, 3)), r"shape \(2, 3\), dtype float64"),  # would broadcast the sum
        (np.ones(3, dtype=np.int64), r"shape \(3,\), dtype int64"),
        (np.ones(3, dtype=np.float32), r"shape \(3,\), dtype float32"),  # would round the sum
        ([1.0, 1.0, 1.0], "a list"),
    ],
)
def test_a_hand_set_grad_of_another_shape_or_dtype_is_named_at_backward(grad, got):
    for run in ((lambda x: (x * 2).sum().backward()), (lambda x: x.backward(np.ones(3)))):
        x = mg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
        x.grad = grad
        message = r"the tensor of shape \(3,\) and dtype float64 holds a \.grad of " + got
        with pytest.raises(mg.BackwardError, match=message + ".*set .grad = None"):
            run(x)
    x = mg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.grad = np.ones(3)
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0, 3.0])


def test_requires_grad_set_on_an_integer_tensor_is_named_at_backward():
    counts = mg.Tensor([1, 2])
    counts.requires_grad = True
    with pytest.raises(mg.DTypeError, match=r"input 0 of mul, a tensor of shape \(2,\) and dtype int64"):
        (counts * 2.0).sum().backward()


def test_int_and_index_of_one_element_tensors():
    assert int(mg.Tensor(2.7)) == 2 and int(mg.Tensor([[3.0]])) == 3
    scores = mg.Tensor([0.1, 0.7, 0.2])
    assert ["a", "b", "c"][scores.argmax()] == "b"
    assert float(mg.Tensor([[0.5]])) == 0.5
    with pytest.raises(TypeError, match=r"int\(t\): the tensor has shape \(2,\), not one element"):
        int(mg.Tensor([1.0, 2.0]))
    with pytest.raises(TypeError):
        ["a", "b"][mg.Tensor(1.0)]  # a float is no index, as in NumPy


def test_building_a_tensor_from_tracked_tensors_warns_that_the_graph_stops():
    t = mg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match=r"Tensor\(t\): t requires a gradient.*t\.detach\(\)"):
        shared = mg.Tensor(t)
    assert np.shares_memory(shared.data, t.data) and not shared.requires_grad
    for listed in ([t, t], [1.0, t[0]], (2.0, t[1])):  # wherever the tensor sits
        with pytest.warns(UserWarning, match=r"Tensor\(\[t, \.\.\.\]\).*mg\.stack"):
            mg.Tensor(listed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mg.Tensor(t.detach())  # said explicitly
        mg.Tensor(mg.Tensor([1.0]))  # nothing to lose
        mg.Parameter(t)  # a new parameter from values
        with mg.no_grad():
            mg.Tensor(t)
