"""Property tests: every primitive op's gradient agrees with finite differences.

Each case draws shapes (including mutually broadcastable pairs) and float64 values
with hypothesis and checks backprop twice, with ``mg.gradcheck`` and with the
independent central differences of ``_gradients``. Values stay away from kinks
(|x| >= 0.2 for abs/relu, gaps >= 0.05 around clip bounds and between compared
elements) and from domain edges (positive inputs for log, sqrt, division, pow).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

from ._gradients import assert_all_match, assert_gradients_match

# ------------------------------------------------------------------ strategies
ANY = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)
WIDE = st.floats(-5.0, 5.0, allow_nan=False, allow_infinity=False)
POSITIVE = st.floats(0.3, 2.0, allow_nan=False, allow_infinity=False)
AWAY = st.one_of(st.floats(-2.0, -0.2), st.floats(0.2, 2.0))
GRID = st.integers(-20, 20).map(lambda k: k / 10)  # distinct values are >= 0.1 apart
OFF_GRID = st.integers(-20, 20).map(lambda k: k / 10 + 0.05)  # never equal to a GRID value

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
NONSCALAR = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=3)


def floats(shape, elements=ANY, **kwargs):
    return hnp.arrays(np.float64, shape, elements=elements, **kwargs)


@st.composite
def axis_options(draw, ndim):
    """None, an int (possibly negative) or a tuple of distinct axes."""
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none" or (kind == "int" and ndim == 0):
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    return draw(hnp.valid_tuple_axes(ndim))


# ------------------------------------------------------------- binary, tensors
@given(data=st.data(), shapes=PAIRS)
def test_add_sub_mul_with_broadcasting(data, shapes):
    shape_a, shape_b = shapes.input_shapes
    a = data.draw(floats(shape_a), label="a")
    b = data.draw(floats(shape_b), label="b")
    cases = {
        "a + b": lambda x, y: x + y,
        "a - b": lambda x, y: x - y,
        "a * b": lambda x, y: x * y,
        "ops.add/sub/mul": lambda x, y: mg.ops.mul(mg.ops.sub(mg.ops.add(x, y), y), y),
        "a used twice": lambda x, y: x * y + x,
    }
    assert_all_match(cases, a, b)


@given(data=st.data(), shapes=PAIRS)
def test_division_with_broadcasting(data, shapes):
    shape_a, shape_b = shapes.input_shapes
    a = data.draw(floats(shape_a), label="a")
    b = data.draw(floats(shape_b, AWAY), label="b")
    assert_all_match({"a / b": lambda x, y: x / y, "ops.div": mg.ops.div}, a, b)


@given(data=st.data(), shapes=PAIRS)
def test_power_with_a_tensor_exponent(data, shapes):
    shape_a, shape_b = shapes.input_shapes
    a = data.draw(floats(shape_a, POSITIVE), label="a")
    b = data.draw(floats(shape_b), label="b")
    assert_all_match({"a ** b": lambda x, y: x**y, "ops.pow": mg.ops.pow}, a, b)


@given(data=st.data(), shapes=PAIRS)
def test_maximum_and_minimum_with_broadcasting(data, shapes):
    shape_a, shape_b = shapes.input_shapes
    a = data.draw(floats(shape_a, GRID), label="a")
    b = data.draw(floats(shape_b, OFF_GRID), label="b")
    assert_all_match({"maximum": mg.maximum, "minimum": mg.minimum, "ops.maximum": mg.ops.maximum}, a, b)


# ------------------------------------------------- unary and tensor-with-scalar
@given(x=floats(SHAPES))
def test_smooth_ops_and_scalars_on_either_side(x):
    cases = {
        "x + 1.5": lambda t: t + 1.5,
        "1.5 + x": lambda t: 1.5 + t,
        "x - 2": lambda t: t - 2,
        "2 - x": lambda t: 2 - t,
        "x * -1.5": lambda t: t * -1.5,
        "-1.5 * x": lambda t: -1.5 * t,
        "x / 1.7": lambda t: t / 1.7,
        "x ** 3": lambda t: t**3,
        "x ** 2": lambda t: t**2,
        "2.0 ** x": lambda t: 2.0**t,
        "-x": lambda t: -t,
        "+x * 2": lambda t: +t * 2,
        "np.float64 * x": lambda t: np.float64(1.5) * t,
        "x / np.float64": lambda t: t / np.float64(0.7),
        "ndarray - x": lambda t: np.full(t.shape, 0.5) - t,
        "exp": lambda t: t.exp(),
        "ops.exp": mg.ops.exp,
        "ops.neg": mg.ops.neg,
    }
    assert_all_match(cases, x)


@given(x=floats(SHAPES, WIDE))
def test_tanh_and_sigmoid(x):
    cases = {
        "tanh": lambda t: t.tanh(),
        "sigmoid": lambda t: t.sigmoid(),
        "ops.tanh": mg.ops.tanh,
        "ops.sigmoid": mg.ops.sigmoid,
    }
    assert_all_match(cases, x)


@given(x=floats(SHAPES, POSITIVE))
def test_ops_on_positive_inputs(x):
    cases = {
        "log": lambda t: t.log(),
        "sqrt": lambda t: t.sqrt(),
        "x ** 2.5": lambda t: t**2.5,
        "x ** -1.5": lambda t: t**-1.5,
        "ops.log": mg.ops.log,
        "ops.sqrt": mg.ops.sqrt,
        "ops.StdRoot": mg.ops.StdRoot.apply,
    }
    assert_all_match(cases, x)


@given(x=floats(SHAPES, AWAY))
def test_ops_with_a_kink_at_zero(x):
    cases = {
        "abs": lambda t: t.abs(),
        "relu": lambda t: t.relu(),
        "1.3 / x": lambda t: 1.3 / t,
        "ops.abs": mg.ops.abs,
        "ops.relu": mg.ops.relu,
    }
    assert_all_match(cases, x)


@given(x=floats(SHAPES, OFF_GRID))
def test_clip_and_scalar_maximum(x):
    cases = {
        "clip both": lambda t: t.clip(-0.5, 0.5),
        "clip min": lambda t: mg.ops.clip(t, min=0.0),
        "clip max": lambda t: mg.ops.clip(t, max=-0.5),
        "clip array bounds": lambda t: t.clip(np.full(t.shape, -1.0), np.float64(1.0)),
        "maximum(x, 0.3)": lambda t: mg.maximum(t, 0.3),
        "minimum(0.3, x)": lambda t: mg.minimum(0.3, t),
    }
    assert_all_match(cases, x)


@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
def test_where_with_broadcasting(data, shapes):
    shape_c, shape_a, shape_b = shapes.input_shapes
    condition = data.draw(hnp.arrays(np.bool_, shape_c), label="condition")
    a = data.draw(floats(shape_a), label="a")
    b = data.draw(floats(shape_b), label="b")
    assert_gradients_match(lambda x, y: mg.where(condition, x, y), a, b)
    assert_gradients_match(lambda x: mg.where(condition, x, 0.5), a)
    assert_gradients_match(lambda y: mg.where(mg.Tensor(condition), -1.0, y), b)


# ------------------------------------------------------------------ reductions
@pytest.mark.parametrize("reduction", ["sum", "mean"])
@given(data=st.data(), shape=SHAPES, keepdims=st.booleans())
def test_sum_and_mean(reduction, data, shape, keepdims):
    x = data.draw(floats(shape), label="x")
    axis = data.draw(axis_options(len(shape)), label="axis")
    assert_gradients_match(lambda t: getattr(t, reduction)(axis=axis, keepdims=keepdims), x)
    assert_gradients_match(lambda t: getattr(mg.ops, reduction)(t, axis, keepdims), x)


@pytest.mark.parametrize("reduction", ["max", "min"])
@given(data=st.data(), shape=SHAPES, keepdims=st.booleans())
def test_max_and_min_without_ties(reduction, data, shape, keepdims):
    x = data.draw(floats(shape, GRID, unique=True), label="x")
    axis = data.draw(axis_options(len(shape)), label="axis")
    assert_gradients_match(lambda t: getattr(t, reduction)(axis=axis, keepdims=keepdims), x)


# ---------------------------------------------------------------------- matmul
@given(
    data=st.data(),
    batches=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3),
    dims=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)),
    left_vector=st.booleans(),
    right_vector=st.booleans(),
)
def test_matmul_1d_2d_and_batched(data, batches, dims, left_vector, right_vector):
    n, k, m = dims
    batch_a, batch_b = batches.input_shapes
    shape_a = (k,) if left_vector else (*batch_a, n, k)
    shape_b = (k,) if right_vector else (*batch_b, k, m)
    a = data.draw(floats(shape_a), label="a")
    b = data.draw(floats(shape_b), label="b")
    assert_gradients_match(lambda x, y: x @ y, a, b)


@given(data=st.data(), dims=st.tuples(st.integers(1, 3), st.integers(1, 3)))
def test_matmul_with_a_constant_array_on_either_side(data, dims):
    n, k = dims
    x = data.draw(floats((n, k)), label="x")
    w = data.draw(floats((k, n)), label="w")
    assert_gradients_match(lambda t: t @ w, x)
    assert_gradients_match(lambda t: w @ t, x)


# --------------------------------------------------------------------- shaping
@given(data=st.data(), shape=SHAPES)
def test_reshape_and_flatten(data, shape):
    x = data.draw(floats(shape), label="x")
    size = int(np.prod(shape))
    assert_gradients_match(lambda t: t.reshape(-1) * np.arange(size), x)
    assert_gradients_match(lambda t: t.reshape(tuple(reversed(shape))) ** 2, x)
    assert_gradients_match(lambda t: t.reshape(1, *shape, 1) ** 2, x)
    assert_gradients_match(lambda t: mg.ops.reshape(t, size) ** 2, x)
    assert_gradients_match(lambda t: t.flatten() * np.arange(size), x)


@given(data=st.data(), shape=NONSCALAR)
def test_transpose(data, shape):
    ndim = len(shape)
    x = data.draw(floats(shape), label="x")
    perm = data.draw(st.permutations(range(ndim)), label="perm")
    negative = data.draw(st.lists(st.booleans(), min_size=ndim, max_size=ndim), label="negative")
    axes = tuple(ax - ndim if neg else ax for ax, neg in zip(perm, negative))
    weights = np.random.default_rng(1).standard_normal(np.transpose(x, perm).shape)
    assert_gradients_match(lambda t: t.transpose(*axes) * weights, x)
    assert_gradients_match(lambda t: t.transpose(axes) * weights, x)
    assert_gradients_match(lambda t: mg.ops.transpose(t, axes) * weights, x)
    reverse = np.random.default_rng(2).standard_normal(tuple(reversed(shape)))
    assert_gradients_match(lambda t: t.T * reverse, x)
    assert_gradients_match(lambda t: t.transpose() * reverse, x)


@given(data=st.data(), shape=NONSCALAR)
def test_basic_indexing(data, shape):
    x = data.draw(floats(shape), label="x")
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True), label="index")
    assert_gradients_match(lambda t: t[index] ** 2, x)


@given(data=st.data(), shape=NONSCALAR)
def test_integer_array_indexing_accumulates_repeats(data, shape):
    x = data.draw(floats(shape), label="x")
    index = data.draw(hnp.integer_array_indices(shape), label="index")
    assert_gradients_match(lambda t: t[index] ** 2, x)
    rows = data.draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=6), label="rows")
    assert_gradients_match(lambda t: t[np.array(rows)] ** 2, x)
    assert_gradients_match(lambda t: t[rows] * 3.0, x)
    if len(shape) > 1:
        assert_gradients_match(lambda t: t[:, np.array(rows) % shape[1]] ** 2, x)


@given(data=st.data(), shape=NONSCALAR)
def test_boolean_mask_indexing(data, shape):
    x = data.draw(floats(shape), label="x")
    mask = data.draw(hnp.arrays(np.bool_, shape), label="mask")
    assert_gradients_match(lambda t: t[mask] ** 2, x)
    assert_gradients_match(lambda t: t[mg.Tensor(mask)] ** 2, x)


@given(data=st.data(), shape=NONSCALAR, count=st.integers(1, 3))
def test_concatenate(data, shape, count):
    ndim = len(shape)
    axis = data.draw(st.integers(-ndim, ndim - 1), label="axis")
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=count, max_size=count), label="sizes")
    arrays = []
    for size in sizes:
        part = list(shape)
        part[axis] = size
        arrays.append(data.draw(floats(tuple(part)), label="part"))
    weights = np.random.default_rng(3).standard_normal(np.concatenate(arrays, axis=axis).shape)
    assert_gradients_match(lambda *ts: mg.concatenate(ts, axis=axis) * weights, *arrays)


@given(data=st.data(), shape=SHAPES, count=st.integers(1, 3))
def test_stack(data, shape, count):
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)), label="axis")
    arrays = [data.draw(floats(shape), label="part") for _ in range(count)]
    weights = np.random.default_rng(4).standard_normal(np.stack(arrays, axis=axis).shape)
    assert_gradients_match(lambda *ts: mg.stack(list(ts), axis=axis) * weights, *arrays)


@given(data=st.data(), shape=SHAPES)
def test_astype(data, shape):
    x = data.draw(floats(shape), label="x")
    y = data.draw(floats(shape), label="y")
    assert_gradients_match(lambda t: t.astype(np.float64) * y, x)
    # a float32 round trip: gradcheck promotes it, so the check stays in float64
    report = mg.gradcheck(lambda t, u: (t.astype(np.float32) * u).sum(), [x, y])
    assert report.verdict == "great", str(report)


# ----------------------------------------------------------------- composites
@given(data=st.data(), dims=st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3)))
def test_two_layer_network(data, dims):
    m, n, h = dims
    x = data.draw(floats((m, n)), label="x")
    w1 = data.draw(floats((n, h)), label="w1")
    b1 = data.draw(floats((h,)), label="b1")
    w2 = data.draw(floats((h, 1)), label="w2")

    def loss(x, w1, b1, w2):
        hidden = (x @ w1 + b1).tanh()
        p = (hidden @ w2).sigmoid()
        return -(p.log() + (1 - p).log()).mean() + 0.1 * (w1 * w1).sum()

    assert_gradients_match(loss, x, w1, b1, w2)
