"""Built-in initializers: declared variances, reproducibility, symmetry breaking."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg

RANDOM = [
    "random_normal",
    "random_uniform",
    "xavier",
    "glorot",
    "he",
    "xavier_uniform",
    "glorot_uniform",
    "he_uniform",
]
EXPECTED_VARIANCE = {
    "random_normal": lambda fi, fo: 1e-4,
    "random_uniform": lambda fi, fo: 1e-4,
    "xavier": lambda fi, fo: 1 / fi,
    "glorot": lambda fi, fo: 2 / (fi + fo),
    "he": lambda fi, fo: 2 / fi,
    "xavier_uniform": lambda fi, fo: 1 / fi,
    "glorot_uniform": lambda fi, fo: 2 / (fi + fo),
    "he_uniform": lambda fi, fo: 2 / fi,
}


def draw(name, shape=(200, 300), **options):
    init = mg.initializer(name, **options)
    return init(shape, fan_in=shape[0], fan_out=shape[1], rng=np.random.default_rng(0), dtype=np.float64)


@pytest.mark.parametrize("name", RANDOM)
def test_declared_variance_is_the_formula(name):
    comp = mg.component("initializers", name)
    assert comp.plugin == "builtin" and comp.doc
    for fan_in, fan_out in [(1, 1), (3, 7), (784, 128)]:
        declared = comp.metadata["variance"](fan_in, fan_out)
        assert declared == pytest.approx(EXPECTED_VARIANCE[name](fan_in, fan_out))
        assert comp.create().variance(fan_in, fan_out) == pytest.approx(declared)


@pytest.mark.parametrize("name", RANDOM)
def test_empirical_variance_matches_declared(name):
    w = draw(name)  # 60,000 draws: the sample variance is within ~1.5% (3 sigma) of the truth
    declared = mg.component("initializers", name).metadata["variance"](200, 300)
    assert abs(w.mean()) < 4 * np.sqrt(declared / w.size)
    assert w.var() == pytest.approx(declared, rel=0.03)


@pytest.mark.parametrize("name", ["xavier_uniform", "glorot_uniform", "he_uniform", "random_uniform"])
def test_uniform_variants_are_bounded_by_sqrt_3_var(name):
    w = draw(name)
    bound = np.sqrt(3 * mg.component("initializers", name).metadata["variance"](200, 300))
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.99 * bound  # and really uniform up to the bound


@pytest.mark.parametrize("scale", [0.001, 0.5, 2.0])
@pytest.mark.parametrize("name", ["random_normal", "random_uniform"])
def test_scale_option(name, scale):
    w = draw(name, scale=scale)
    assert w.std() == pytest.approx(scale, rel=0.02)
    assert mg.initializer(name, scale=scale).variance(3, 3) == pytest.approx(scale**2)


@pytest.mark.parametrize("scale", [-1.0, "big", float("nan")])
def test_bad_scale(scale):
    with pytest.raises(mg.ConfigError, match="scale"):
        mg.initializer("random_normal", scale=scale)


def test_zeros_is_constant():
    comp = mg.component("initializers", "zeros")
    assert comp.metadata["variance"] is None
    w = draw("zeros", shape=(3, 4))
    assert w.shape == (3, 4) and np.all(w == 0)


@pytest.mark.parametrize("name", [*RANDOM, "zeros"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shape_dtype_and_seed(name, dtype):
    init = mg.initializer(name)
    a = init((4, 3), fan_in=4, fan_out=3, rng=np.random.default_rng(5), dtype=dtype)
    b = init((4, 3), fan_in=4, fan_out=3, rng=np.random.default_rng(5), dtype=dtype)
    assert a.shape == (4, 3) and a.dtype == dtype
    np.testing.assert_array_equal(a, b)


def test_same_seed_same_weights_across_dtypes():
    init = mg.initializer("he")
    a = init((5, 2), fan_in=5, fan_out=2, rng=np.random.default_rng(1), dtype=np.float64)
    b = init((5, 2), fan_in=5, fan_out=2, rng=np.random.default_rng(1), dtype=np.float32)
    np.testing.assert_array_equal(a.astype(np.float32), b)


def test_fans_default_from_shape_and_dtype_from_default():
    init = mg.initializer("he")
    w = init((50, 40), rng=0)
    assert w.dtype == mg.get_default_dtype()
    assert init((4,), rng=0).shape == (4,)


@pytest.mark.parametrize("name", RANDOM)
def test_fans_read_from_shape_are_n_in_and_n_out(name):
    init = mg.initializer(name)
    # (n_in, n_out) = (784, 128): fan_in is the first axis, fan_out the last
    w = init((784, 128), rng=0, dtype=np.float64)
    explicit = init((784, 128), fan_in=784, fan_out=128, rng=0, dtype=np.float64)
    np.testing.assert_array_equal(w, explicit)
    assert w.std() == pytest.approx(np.sqrt(EXPECTED_VARIANCE[name](784, 128)), rel=0.02)
    # more axes: fan_in is the product of all but the last
    conv = init((3, 3, 16, 32), rng=0, dtype=np.float64)
    np.testing.assert_array_equal(conv, init((3, 3, 16, 32), fan_in=144, fan_out=32, rng=0, dtype=np.float64))


def test_he_and_xavier_std_from_the_shape_alone():
    assert mg.initializer("he")((784, 128), rng=0).std() == pytest.approx(np.sqrt(2 / 784), rel=0.02)
    assert mg.initializer("he_uniform")((784, 128), rng=0).std() == pytest.approx(np.sqrt(2 / 784), rel=0.02)
    assert mg.initializer("xavier")((784, 128), rng=0).std() == pytest.approx(np.sqrt(1 / 784), rel=0.02)
    assert mg.initializer("xavier_uniform")((784, 128), rng=0).std() == pytest.approx(
        np.sqrt(1 / 784), rel=0.02
    )
    assert mg.initializer("glorot")((784, 128), rng=0).std() == pytest.approx(np.sqrt(2 / 912), rel=0.02)


def test_bad_fan_and_dtype():
    init = mg.initializer("he")
    with pytest.raises(mg.ConfigError, match="fan_in must be a positive integer"):
        init((3, 2), fan_in=0, fan_out=2, rng=0, dtype=np.float64)
    with pytest.raises(mg.DTypeError):
        init((3, 2), fan_in=3, fan_out=2, rng=0, dtype=np.int32)


@given(fan_in=st.integers(1, 50), fan_out=st.integers(1, 50), name=st.sampled_from(RANDOM))
def test_weights_finite_and_scaled_for_any_fans(fan_in, fan_out, name):
    init = mg.initializer(name)
    w = init(
        (fan_in, fan_out), fan_in=fan_in, fan_out=fan_out, rng=np.random.default_rng(0), dtype=np.float64
    )
    assert np.all(np.isfinite(w))
    # no draw is further than 8 standard deviations from 0
    assert np.abs(w).max() <= 8 * np.sqrt(init.variance(fan_in, fan_out))


def _train_two_layer(init, steps=5):
    gen = np.random.default_rng(0)
    X = gen.standard_normal((16, 3))
    Y = (X[:, :1] * X[:, 1:2] > 0).astype(float)
    model = mg.Sequential(
        mg.layer("dense", 3, 4, init=init, rng=gen),
        mg.layer("sigmoid"),
        mg.layer("dense", 4, 1, init=init, rng=gen),
    )
    loss = mg.loss("binary_cross_entropy")
    for _ in range(steps):
        model.zero_grad()
        loss(model(X), Y).backward()
        for p in model.parameters():
            p.data -= 0.5 * p.grad
    return model


def test_zeros_init_leaves_all_hidden_units_identical():
    model = _train_two_layer("zeros")
    W1, b1, W2 = model[0].W.data, model[0].b.data, model[2].W.data
    assert np.abs(W1).max() > 0  # training did move the weights...
    for unit in range(1, 4):  # ...but every hidden unit is still a copy of unit 0
        np.testing.assert_array_equal(W1[:, unit], W1[:, 0])
        assert b1[unit] == b1[0]
        assert W2[unit, 0] == W2[0, 0]


def test_random_init_breaks_symmetry():
    W1 = _train_two_layer("he")[0].W.data
    assert not np.allclose(W1[:, 1], W1[:, 0])
