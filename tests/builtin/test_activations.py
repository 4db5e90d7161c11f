"""Built-in activations: relu, leaky_relu, tanh, sigmoid, softmax, identity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

ACTIVATIONS = ["relu", "leaky_relu", "tanh", "sigmoid", "softmax", "identity"]
REFERENCE = {
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "softmax": lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True),
    "identity": lambda z: z,
}


def away_from_zero(rng, shape):
    """|z| in [0.1, 2]: finite differences never straddle the kink of (leaky) ReLU."""
    return rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_registered_parameter_free_module(name):
    comp = mg.component("layers", name)
    assert comp.plugin == "builtin" and comp.doc and comp.example is not None
    layer = comp.create()
    assert isinstance(layer, mg.Module)
    assert list(layer.named_parameters()) == []


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_matches_reference(name, rng):
    z = rng.standard_normal((5, 4)) * 2
    np.testing.assert_allclose(mg.layer(name)(z).data, REFERENCE[name](z), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_gradcheck(name, rng):
    layer = mg.layer(name)
    mg.assert_gradcheck(lambda t: layer(t), [away_from_zero(rng, (4, 5))], max_error=1e-7)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_registered_example_passes_gradcheck(name):
    module, inputs = mg.component("layers", name).example(np.random.default_rng(3))
    mg.assert_gradcheck(lambda *xs: module(*xs), inputs, params=module, max_error=1e-7)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_keeps_float32(name):
    assert mg.layer(name)(np.ones((2, 3), dtype=np.float32)).dtype == np.float32


@given(
    z=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
        elements=st.floats(-5, 5, allow_nan=False).filter(lambda v: abs(v) > 1e-3),
    ),
    alpha=st.floats(0.0, 0.5),
)
def test_leaky_relu_gradcheck_any_shape(z, alpha):
    layer = mg.layer("leaky_relu", alpha=alpha)
    mg.assert_gradcheck(lambda t: layer(t), [z], max_error=1e-7)


def test_leaky_relu_slope():
    z = mg.Tensor([[-2.0, 3.0]], requires_grad=True)
    out = mg.layer("leaky_relu", alpha=0.2)(z)
    np.testing.assert_allclose(out.data, [[-0.4, 3.0]])
    out.sum().backward()
    np.testing.assert_allclose(z.grad, [[0.2, 1.0]])
    assert repr(mg.layer("leaky_relu")) == "LeakyReLU(alpha=0.01)"


def test_leaky_relu_gradient_at_zero_is_alpha_as_in_torch():
    z = mg.Tensor([0.0, -0.0, 1.0, -1.0], requires_grad=True)
    out = mg.layer("leaky_relu", alpha=0.2)(z)
    np.testing.assert_array_equal(out.data, [0.0, 0.0, 1.0, -0.2])
    out.sum().backward()
    np.testing.assert_allclose(z.grad, [0.2, 0.2, 1.0, 0.2])  # z > 0 only: slope alpha at exactly 0
    torch = pytest.importorskip("torch")
    zt = torch.tensor([0.0, -0.0, 1.0, -1.0], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.leaky_relu(zt, 0.2).sum().backward()
    np.testing.assert_allclose(z.grad, zt.grad.numpy())


@pytest.mark.parametrize("alpha", [-0.1, "0.1", None])
def test_leaky_relu_bad_alpha(alpha):
    with pytest.raises(mg.ConfigError, match="alpha"):
        mg.layer("leaky_relu", alpha=alpha)


class TestSoftmax:
    @given(
        z=hnp.arrays(
            np.float64,
            st.tuples(st.integers(1, 5), st.integers(1, 6)),
            elements=st.floats(-1e300, 1e300, allow_nan=False),
        )
    )
    def test_rows_sum_to_one_and_finite_for_any_logits(self, z):
        p = mg.layer("softmax")(z).data
        assert np.all(np.isfinite(p)) and np.all(p >= 0)
        np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)

    def test_huge_logits_are_stable(self):
        z = np.array([[1000.0, 1000.0, -1000.0], [1e5, 0.0, 0.0], [-1e5, -1e5, -1e5]])
        p = mg.layer("softmax")(z).data
        np.testing.assert_allclose(p, [[0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]])

    def test_shift_invariant(self, rng):
        z = rng.standard_normal((3, 4))
        layer = mg.layer("softmax")
        np.testing.assert_allclose(layer(z).data, layer(z + 500.0).data, rtol=1e-12)

    def test_gradient_stable_for_large_logits(self, rng):
        # finite differences lose digits at |z| ~ 800, so compare backprop with itself:
        # softmax is shift invariant, so its Jacobian at z + 800 equals the one at z
        z, upstream = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
        grads = []
        for shift in (0.0, 800.0):
            t = mg.Tensor(z + shift, requires_grad=True)
            mg.layer("softmax")(t).backward(upstream)
            grads.append(t.grad)
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-9, atol=1e-12)

    def test_default_axis_is_the_last(self, rng):
        z = rng.standard_normal((2, 3, 4))
        layer = mg.layer("softmax")
        assert layer.axis == -1
        p = layer(z).data
        np.testing.assert_allclose(p.sum(axis=-1), np.ones((2, 3)), rtol=1e-12)
        np.testing.assert_allclose(p, np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True), rtol=1e-12)

    def test_axis_option(self, rng):
        z = rng.standard_normal((3, 4, 2))
        layer = mg.layer("softmax", axis=1)
        np.testing.assert_allclose(layer(z).data.sum(axis=1), 1.0)
        mg.assert_gradcheck(lambda t: layer(t), [z], max_error=1e-7)
        assert repr(layer) == "Softmax(axis=1)"

    def test_axis_out_of_range(self):
        with pytest.raises(mg.ShapeError, match=r"softmax\(axis=2\)"):
            mg.layer("softmax", axis=2)(np.zeros((2, 2)))


def test_sigmoid_stable_for_large_inputs():
    out = mg.layer("sigmoid")(np.array([-1000.0, 1000.0])).data
    np.testing.assert_array_equal(out, [0.0, 1.0])


def test_integer_input_becomes_float():
    assert mg.layer("relu")(np.array([[-1, 2]])).dtype == mg.get_default_dtype()


def test_in_a_sequential(rng):
    model = mg.Sequential(
        mg.layer("dense", 3, 4, rng=rng), mg.layer("tanh"), mg.layer("dense", 4, 2, rng=rng)
    )
    model[0].b.data[...] = rng.standard_normal(4)
    mg.assert_gradcheck(lambda t: model(t), [rng.standard_normal((5, 3))], params=model, max_error=1e-7)
