"""Gradient ownership: a leaf's ``.grad`` is its own array.

A Function with ``owns_gradients = True`` hands its backward's arrays straight to leaves
(no copy); every other gradient is copied on first arrival. These tests check each
built-in claim under anomaly mode (which verifies the claim after every backward), that
leaves never share gradient memory, and that a false claim is caught.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad import nn_functions, ops

SHAPES = hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4)


def _leaves(rng, *shapes, positive=False):
    out = []
    for shape in shapes:
        values = rng.standard_normal(shape)
        if positive:
            values = np.abs(values) + 0.5
        out.append(mg.Tensor(values, requires_grad=True))
    return out


# one graph per Function that claims ownership: (Function, build(rng, shape) -> (loss, leaves))
def _binary(fn, positive=False):
    def build(rng, shape):
        a, b = _leaves(rng, shape, shape[-1:], positive=positive)  # b broadcasts over a's rows
        return fn(a, b).sum(), [a, b]

    return build


def _unary(fn, positive=False):
    def build(rng, shape):
        (a,) = _leaves(rng, shape, positive=positive)
        return fn(a).sum(), [a]

    return build


def _dense(rng, shape):
    x, w, b = _leaves(rng, shape, (shape[-1], 3), (3,))
    return nn_functions.dense(x, w, b).sum(), [x, w, b]


def _dense_stack(rng, shape):
    x, w1, b1, w2 = _leaves(rng, shape, (shape[-1], 3), (3,), (3, 2))
    out = nn_functions.DenseStack.apply(x, w1, b1, w2, None, relus=(True, False))
    return (out * x.sum()).sum(), [x, w1, b1, w2]


def _batch_norm(rng, shape):
    x, gamma, beta = _leaves(rng, (max(shape[0], 2), shape[-1]), (shape[-1],), (shape[-1],))
    return (nn_functions.batch_norm(x, gamma, beta) * x).sum(), [x, gamma, beta]


def _softmax_ce(rng, shape):
    (z,) = _leaves(rng, (shape[0], max(shape[-1], 2)))
    labels = rng.integers(0, z.shape[1], size=z.shape[0])
    return nn_functions.softmax_cross_entropy(z, labels), [z]


def _soft_targets_ce(rng, shape):
    z, t = _leaves(rng, (shape[0], 3), (shape[0], 3), positive=True)
    return nn_functions.SoftmaxCrossEntropy.apply(z, t), [z, t]


def _bce(rng, shape):
    z, y = _leaves(rng, shape, shape)
    return nn_functions.BinaryCrossEntropy.apply(z, y), [z, y]


def _where(rng, shape):
    a, b = _leaves(rng, shape, shape)
    return ops.where(a.data > 0, a, b).sum(), [a, b]


def _matmul(rng, shape):
    a, b = _leaves(rng, shape, (shape[-1], 2))
    return ops.matmul(a, b).sum(), [a, b]


GRAPHS = {
    ops.Mul: _binary(ops.mul),
    ops.Div: _binary(ops.div, positive=True),
    ops.Pow: _binary(ops.pow, positive=True),
    ops.Neg: _unary(ops.neg),
    ops.MatMul: _matmul,
    ops.Max: _unary(lambda a: ops.max(a, axis=-1)),
    ops.Min: _unary(lambda a: ops.min(a, axis=0)),
    ops.Exp: _unary(ops.exp),
    ops.Log: _unary(ops.log, positive=True),
    ops.Sqrt: _unary(ops.sqrt, positive=True),
    ops.StdRoot: _unary(ops.StdRoot.apply, positive=True),
    ops.Abs: _unary(ops.abs),
    ops.Tanh: _unary(ops.tanh),
    ops.Sigmoid: _unary(ops.sigmoid),
    ops.Relu: _unary(ops.relu),
    ops.Clip: _unary(lambda a: ops.clip(a, -0.5, 0.5)),
    ops.Maximum: _binary(ops.maximum),
    ops.Minimum: _binary(ops.minimum),
    ops.Where: _where,
    nn_functions.Dense: _dense,
    nn_functions.DenseStack: _dense_stack,
    nn_functions.Softmax: _unary(lambda a: nn_functions.softmax(a) * a),
    nn_functions.LogSoftmax: _unary(lambda a: nn_functions.log_softmax(a) * a),
    nn_functions.LeakyRelu: _unary(nn_functions.leaky_relu),
    nn_functions.BatchNorm: _batch_norm,
    nn_functions.SoftmaxCrossEntropy: _softmax_ce,
    nn_functions.BinaryCrossEntropy: _bce,
}


def _claimants():
    found = set()
    for module in (ops, nn_functions):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, mg.Function) and cls.owns_gradients and cls.__module__ == module.__name__:
                found.add(cls)
    return found


def test_every_function_claiming_ownership_has_a_graph_here():
    claimants = {cls for cls in _claimants() if cls not in (ops._Extreme,)}
    assert claimants == set(GRAPHS), "add a graph for each Function with owns_gradients = True"


def test_functions_that_pass_a_gradient_through_do_not_claim_ownership():
    for fn in (ops.Add, ops.Sub, ops.Sum, ops.Mean, ops.Reshape, ops.Transpose, ops.GetItem, ops.AsType):
        assert not fn.owns_gradients, fn


@pytest.mark.parametrize("fn", sorted(GRAPHS, key=lambda cls: cls.__name__), ids=lambda cls: cls.__name__)
@given(shape=SHAPES, seed=st.integers(0, 2**16))
def test_a_claimed_gradient_is_new_and_writable(fn, shape, seed):
    rng = np.random.default_rng(seed)
    loss, leaves = GRAPHS[fn](rng, shape)
    with mg.detect_anomaly():  # verifies the claim after each backward
        loss.backward()
    for i, a in enumerate(leaves):
        assert a.grad.flags.writeable
        for b in leaves[i + 1 :]:
            assert not np.may_share_memory(a.grad, b.grad)


def test_leaves_fed_by_one_pass_through_gradient_get_separate_arrays():
    a, b = mg.Tensor(np.ones(3), requires_grad=True), mg.Tensor(np.ones(3), requires_grad=True)
    (a + b).backward(np.ones(3))  # Add returns the same array for both inputs
    assert not np.may_share_memory(a.grad, b.grad)
    a.grad *= 2  # in place, as gradient clipping does
    np.testing.assert_array_equal(b.grad, 1.0)


def test_a_gradient_handed_over_then_accumulated_in_place():
    w = mg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (w * w).sum().backward()  # Mul owns: w.grad is Mul's first array, then the second is added
    np.testing.assert_array_equal(w.grad, [2.0, 4.0])
    first = w.grad
    (w * 3).sum().backward()
    assert w.grad is first  # accumulated into the leaf's own array
    np.testing.assert_array_equal(w.grad, [5.0, 7.0])


class _Claims(mg.Function):
    owns_gradients = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x * 2.0)
        return x * 2.0

    @staticmethod
    def backward(ctx, g):
        (twice,) = ctx.saved
        return ctx.mode(g, twice)


@pytest.mark.parametrize(
    ("mode", "problem"),
    [
        (lambda g, saved: g, "shares memory with the incoming gradient"),
        (lambda g, saved: g.reshape(-1)[: g.size].reshape(g.shape), "shares memory with the incoming"),
        (lambda g, saved: saved, "shares memory with array 0 saved for backward"),
        (lambda g, saved: np.broadcast_to(np.float64(2.0), g.shape), "is read-only"),
    ],
)
def test_anomaly_mode_catches_a_false_ownership_claim(mode, problem):
    x = mg.Tensor(np.ones((2, 2)), requires_grad=True)
    y = _Claims.apply(x)
    y._ctx.mode = mode
    with pytest.raises(mg.InvalidGradientError, match="owns_gradients") as caught, mg.detect_anomaly():
        (y * 1.0).sum().backward()
    assert problem in str(caught.value)
    assert "_Claims" in str(caught.value) and "input 0" in str(caught.value)


def test_an_honest_claim_passes_anomaly_mode():
    x = mg.Tensor(np.ones((2, 2)), requires_grad=True)
    y = _Claims.apply(x)
    y._ctx.mode = lambda g, saved: 2.0 * g
    with mg.detect_anomaly():
        (y * 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad, 2.0)
