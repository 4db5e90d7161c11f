"""Built-in losses: binary and softmax cross-entropy, mean squared error."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

LOSSES = ["binary_cross_entropy", "softmax_cross_entropy", "mean_squared_error"]


def check(fn, inputs, **options):
    return mg.assert_gradcheck(fn, inputs, max_error=1e-7, **options)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.mark.parametrize("name", LOSSES)
def test_registered_example_passes_gradcheck(name):
    comp = mg.component("losses", name)
    assert comp.plugin == "builtin" and comp.doc
    loss, prediction, target = comp.example(np.random.default_rng(0))
    out = loss(mg.Tensor(prediction), target)
    assert out.shape == () and np.isfinite(out.data)
    check(lambda z: loss(z, target), [prediction])


@pytest.mark.parametrize("name", LOSSES)
def test_prediction_as_array_and_float32(name, rng):
    loss, prediction, target = mg.component("losses", name).example(rng)
    assert loss(prediction, target).data == pytest.approx(loss(mg.Tensor(prediction), target).data)
    out32 = loss(mg.Tensor(prediction.astype(np.float32)), target)
    assert out32.dtype == np.float32


# ----------------------------------------------------- binary cross-entropy
class TestBinaryCrossEntropy:
    def test_matches_the_course_formula(self, rng):
        z = rng.standard_normal((8, 1))
        y = rng.integers(0, 2, (8, 1)).astype(float)
        a = sigmoid(z)
        expected = -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))
        assert mg.loss("binary_cross_entropy")(mg.Tensor(z), y).data == pytest.approx(expected, rel=1e-12)

    def test_gradient_is_sigmoid_minus_y_over_m(self, rng):
        z = mg.Tensor(rng.standard_normal((5, 1)), requires_grad=True)
        y = rng.integers(0, 2, (5, 1)).astype(float)
        mg.loss("binary_cross_entropy")(z, y).backward()
        np.testing.assert_allclose(z.grad, (sigmoid(z.data) - y) / 5)

    @given(
        z=hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 3)), elements=st.floats(-8, 8)),
        data=st.data(),
    )
    def test_gradcheck_any_shape_and_soft_targets(self, z, data):
        y = data.draw(hnp.arrays(np.float64, z.shape, elements=st.floats(0, 1)))
        check(lambda t: mg.loss("binary_cross_entropy")(t, y), [z])

    def test_stable_for_huge_logits(self):
        z = mg.Tensor([[1000.0], [-1000.0], [1000.0], [-1000.0]], requires_grad=True)
        y = np.array([[1.0], [0.0], [0.0], [1.0]])
        J = mg.loss("binary_cross_entropy")(z, y)
        # right answers cost 0, the two confidently wrong ones 1000 each: (0 + 0 + 1000 + 1000) / 4
        assert J.data == pytest.approx(500.0)
        J.backward()
        np.testing.assert_allclose(z.grad, [[0.0], [0.0], [0.25], [-0.25]])

    def test_target_gradient_flows(self, rng):
        z = rng.standard_normal((4, 1))
        y = rng.uniform(0, 1, (4, 1))
        check(lambda zz, yy: mg.loss("binary_cross_entropy")(zz, yy), [z, y])

    def test_vector_target_for_column_prediction(self, rng):
        z = rng.standard_normal((6, 1))
        y = rng.integers(0, 2, 6)
        bce = mg.loss("binary_cross_entropy")
        assert bce(z, y).data == pytest.approx(bce(z, y.reshape(6, 1).astype(float)).data)

    def test_from_probabilities(self, rng):
        z = rng.standard_normal((6, 1))
        y = rng.integers(0, 2, (6, 1)).astype(float)
        from_logits = mg.loss("binary_cross_entropy")(z, y).data
        probs = mg.loss("binary_cross_entropy", from_logits=False)
        assert probs(sigmoid(z), y).data == pytest.approx(from_logits, rel=1e-9)
        check(lambda p: probs(p, y), [rng.uniform(0.05, 0.95, (6, 1))])

    def test_from_probabilities_clips_zero_and_one(self):
        probs = mg.loss("binary_cross_entropy", from_logits=False, clip=1e-7)
        J = probs(mg.Tensor([[0.0], [1.0]]), np.array([[1.0], [0.0]]))
        assert np.isfinite(J.data) and J.data == pytest.approx(-np.log(1e-7), rel=1e-6)
        assert repr(probs) == "BinaryCrossEntropy(from_logits=False, clip=1e-07)"

    def test_from_probabilities_default_clip_is_1e_7(self):
        probs = mg.loss("binary_cross_entropy", from_logits=False)
        assert probs.clip == 1e-7
        J = probs(mg.Tensor([[0.0]]), np.array([[1.0]]))  # p = 0 for y = 1 costs −log(clip)
        assert J.data == pytest.approx(-np.log(1e-7), rel=1e-9)

    def test_shape_mismatch(self):
        with pytest.raises(mg.ShapeError, match=r"binary_cross_entropy: target has shape \(3,\).*\(4, 1\)"):
            mg.loss("binary_cross_entropy")(mg.Tensor(np.zeros((4, 1))), np.zeros(3))

    def test_bad_clip(self):
        with pytest.raises(mg.ConfigError, match="clip"):
            mg.loss("binary_cross_entropy", clip=0.7)


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("bad", [2.0, -0.5, float("nan")])
def test_bce_targets_outside_0_1_name_the_value(from_logits, bad):
    bce = mg.loss("binary_cross_entropy", from_logits=from_logits)
    with pytest.raises(mg.ShapeError) as err:
        bce(mg.Tensor([[0.2], [0.7], [0.4]]), np.array([1.0, 0.0, bad]))
    message = str(err.value)
    assert "binary_cross_entropy: targets must be probabilities in [0, 1]" in message
    assert f"[{bad}]" in message and "softmax_cross_entropy" in message
    if not from_logits:
        assert "(the first at index (2, 0))" in message


def test_bce_from_probabilities_refuses_logits_naming_them_and_the_fix():
    bce = mg.loss("binary_cross_entropy", from_logits=False)
    with pytest.raises(mg.ShapeError) as err:
        bce(mg.Tensor([[0.2], [3.5], [0.4], [-1.25]]), np.array([1.0, 0.0, 1.0, 0.0]))
    message = str(err.value)
    assert "binary_cross_entropy(from_logits=False): predictions must be probabilities in [0, 1]" in message
    assert "got [3.5, -1.25] (the first at index (1, 0))" in message
    assert "use from_logits=True" in message
    many = mg.Tensor(np.full((7, 1), 2.0))
    with pytest.raises(
        mg.ShapeError, match=r"got \[2.0, 2.0, 2.0, 2.0, 2.0\] \.\.\. \(the first at index \(0, 0\)\)"
    ):
        bce(many, np.ones(7))


def test_bce_from_probabilities_accepts_the_closed_interval_soft_and_tensor_targets():
    bce = mg.loss("binary_cross_entropy", from_logits=False, clip=1e-7)
    p = np.array([[0.0], [1.0], [0.5], [0.25]])
    y = np.array([[0.0], [1.0], [0.3], [1.0]])
    q = np.clip(p, 1e-7, 1 - 1e-7)
    expected = -np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))
    assert float(bce(mg.Tensor(p), y).data) == pytest.approx(expected, rel=1e-12)
    soft = mg.Tensor(y, requires_grad=True)  # a target that wants a gradient stays a Tensor
    bce(mg.Tensor(p[2:]), soft[2:]).backward()
    assert soft.grad is not None


def test_bce_from_probabilities_lets_a_nan_prediction_through_to_the_training_guards():
    bce = mg.loss("binary_cross_entropy", from_logits=False)
    J = bce(mg.Tensor([[np.nan], [0.5]]), np.array([1.0, 0.0]))
    assert np.isnan(J.data)  # stop_on_nan and anomaly mode report it, as with logits


# ---------------------------------------------------- softmax cross-entropy
class TestSoftmaxCrossEntropy:
    def test_matches_the_course_formula(self, rng):
        z = rng.standard_normal((6, 4))
        labels = rng.integers(0, 4, 6)
        Y = np.eye(4)[labels]
        Y_hat = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        expected = -np.sum(Y * np.log(Y_hat)) / 6
        ce = mg.loss("softmax_cross_entropy")
        assert ce(mg.Tensor(z), labels).data == pytest.approx(expected, rel=1e-12)
        assert ce(mg.Tensor(z), Y).data == pytest.approx(expected, rel=1e-12)

    @pytest.mark.parametrize("one_hot", [False, True])
    def test_gradient_is_y_hat_minus_y_over_m(self, rng, one_hot):
        z = mg.Tensor(rng.standard_normal((5, 3)), requires_grad=True)
        labels = rng.integers(0, 3, 5)
        Y = np.eye(3)[labels]
        mg.loss("softmax_cross_entropy")(z, Y if one_hot else labels).backward()
        Y_hat = np.exp(z.data) / np.exp(z.data).sum(axis=1, keepdims=True)
        np.testing.assert_allclose(z.grad, (Y_hat - Y) / 5, atol=1e-15)

    @given(
        shape=st.tuples(st.integers(1, 5), st.integers(2, 5)),
        seed=st.integers(0, 2**32 - 1),
        one_hot=st.booleans(),
    )
    def test_gradcheck_any_shape(self, shape, seed, one_hot):
        gen = np.random.default_rng(seed)
        z = gen.standard_normal(shape) * 3
        labels = gen.integers(0, shape[1], shape[0])
        target = np.eye(shape[1])[labels] if one_hot else labels
        check(lambda t: mg.loss("softmax_cross_entropy")(t, target), [z])

    def test_soft_targets_and_their_gradient(self, rng):
        z = rng.standard_normal((4, 3))
        Y = rng.dirichlet(np.ones(3), 4)
        check(lambda zz, yy: mg.loss("softmax_cross_entropy")(zz, yy), [z, Y])

    def test_gradient_for_soft_targets_whose_rows_do_not_sum_to_one(self, rng):
        torch = pytest.importorskip("torch")
        z = rng.standard_normal((5, 4))
        Y = rng.uniform(0, 1, (5, 4))  # row sums anywhere in (0, 4): the docstring's (Ŷ ΣY − Y) / m
        assert np.all(np.abs(Y.sum(axis=1) - 1) > 1e-3)
        zt = torch.tensor(z, requires_grad=True)
        expected = torch.nn.functional.cross_entropy(zt, torch.tensor(Y))
        expected.backward()
        t = mg.Tensor(z, requires_grad=True)
        J = mg.loss("softmax_cross_entropy")(t, Y)
        assert J.data == pytest.approx(expected.item(), rel=1e-12)
        J.backward()
        np.testing.assert_allclose(t.grad, zt.grad.numpy(), rtol=1e-10, atol=1e-15)
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        np.testing.assert_allclose(t.grad, (p * Y.sum(axis=1, keepdims=True) - Y) / 5, rtol=1e-10)

    def test_stable_for_huge_logits(self):
        z = mg.Tensor([[1000.0, 0.0, -1000.0], [1e4, 1e4, 0.0]], requires_grad=True)
        J = mg.loss("softmax_cross_entropy")(z, np.array([0, 2]))
        # first row is right with certainty (0); second puts e^-1e4 on class 2 (cost 1e4 + log 2)
        assert J.data == pytest.approx((1e4 + np.log(2)) / 2)
        J.backward()
        assert np.all(np.isfinite(z.grad))
        np.testing.assert_allclose(z.grad[1], [0.25, 0.25, -0.5])

    def test_labels_column_and_dtypes(self, rng):
        z = rng.standard_normal((4, 3))
        labels = np.array([0, 2, 1, 2])
        ce = mg.loss("softmax_cross_entropy")
        expected = ce(z, labels).data
        assert ce(z, labels.reshape(4, 1)).data == pytest.approx(expected)
        assert ce(z, labels.astype(np.uint8)).data == pytest.approx(expected)
        assert ce(z, mg.Tensor(labels)).data == pytest.approx(expected)

    @pytest.mark.parametrize("bad", [[0, 3, 1], [-1, 0, 1]])
    def test_labels_out_of_range_name_the_range(self, bad):
        with pytest.raises(mg.ShapeError, match=r"labels must lie in \[0, 2\] for 3 classes"):
            mg.loss("softmax_cross_entropy")(mg.Tensor(np.zeros((3, 3))), np.array(bad))

    def test_shape_errors(self):
        ce = mg.loss("softmax_cross_entropy")
        z = mg.Tensor(np.zeros((4, 3)))
        with pytest.raises(mg.ShapeError, match=r"integer labels must have shape \(4,\)"):
            ce(z, np.array([0, 1]))
        with pytest.raises(mg.ShapeError, match=r"one-hot targets must have the logits' shape \(4, 3\)"):
            ce(z, np.zeros((4, 2)))
        with pytest.raises(mg.ShapeError, match="integer dtype"):
            ce(z, np.array([0.0, 1.0, 2.0, 1.0]))
        with pytest.raises(mg.ShapeError, match=r"logits must have shape \(m, C\)"):
            ce(mg.Tensor(np.zeros(3)), np.array([0, 1, 2]))


# ------------------------------------------------------- mean squared error
class TestMeanSquaredError:
    def test_scaling_no_half_summed_over_outputs(self):
        mse = mg.loss("mean_squared_error")
        y_hat = mg.Tensor([[1.0, 2.0], [3.0, 4.0], [0.0, 0.0]])
        y = np.zeros((3, 2))
        assert mse(y_hat, y).data == pytest.approx((1 + 4 + 9 + 16) / 3)

    def test_gradient_is_two_residual_over_m(self, rng):
        y_hat = mg.Tensor(rng.standard_normal((4, 2)), requires_grad=True)
        y = rng.standard_normal((4, 2))
        mg.loss("mean_squared_error")(y_hat, y).backward()
        np.testing.assert_allclose(y_hat.grad, 2 * (y_hat.data - y) / 4)

    @given(
        y_hat=hnp.arrays(
            np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), elements=st.floats(-5, 5)
        ),
        data=st.data(),
    )
    def test_gradcheck_any_shape(self, y_hat, data):
        y = data.draw(hnp.arrays(np.float64, y_hat.shape, elements=st.floats(-5, 5)))
        check(lambda a, b: mg.loss("mean_squared_error")(a, b), [y_hat, y])

    def test_shape_mismatch(self):
        with pytest.raises(mg.ShapeError, match=r"mean_squared_error: target has shape \(2, 3\)"):
            mg.loss("mean_squared_error")(mg.Tensor(np.zeros((2, 2))), np.zeros((2, 3)))

    def test_integer_prediction_refused(self):
        with pytest.raises(mg.DTypeError, match="mean_squared_error: predictions must be floats"):
            mg.loss("mean_squared_error")(np.array([[1, 2]]), np.array([[1.0, 2.0]]))

    def test_empty_batch_refused(self):
        with pytest.raises(mg.ShapeError, match="at least one example"):
            mg.loss("mean_squared_error")(np.zeros((0, 1)), np.zeros((0, 1)))


def test_full_model_with_loss_passes_gradcheck(rng):
    model = mg.Sequential(
        mg.layer("dense", 4, 5, rng=rng),
        mg.layer("relu"),
        mg.layer("dense", 5, 3, rng=rng),
    )
    for layer in (model[0], model[2]):
        layer.b.data[...] = rng.uniform(0.1, 0.5, layer.b.shape)
    X = rng.standard_normal((6, 4))
    labels = rng.integers(0, 3, 6)
    check(lambda: mg.loss("softmax_cross_entropy")(model(X), labels), [], params=model)
