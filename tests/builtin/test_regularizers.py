"""Built-in regularizers: l2, l1, elastic_net."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

REGULARIZERS = {"l2": {"lam": 0.3}, "l1": {"lam": 0.3}, "elastic_net": {"l1": 0.2, "l2": 0.5}}


def model(rng):
    net = mg.Sequential(
        mg.layer("dense", 3, 4, rng=rng),
        mg.layer("batch_norm", 4),
        mg.layer("relu"),
        mg.layer("dense", 4, 2, rng=rng),
    )
    for _, p in net.named_parameters():
        p.data[...] = rng.uniform(0.1, 1.0, p.shape) * rng.choice([-1.0, 1.0], p.shape)
    return net


def weights(net):
    return [net[0].W.data, net[3].W.data]


def check(fn, inputs, **options):
    return mg.assert_gradcheck(fn, inputs, max_error=1e-7, **options)


@pytest.mark.parametrize("name", sorted(REGULARIZERS))
def test_registered_example_passes_gradcheck(name):
    comp = mg.component("regularizers", name)
    assert comp.plugin == "builtin" and comp.doc
    penalty, params, m = comp.example(np.random.default_rng(0))
    value = penalty(params, m)
    assert value.shape == () and value.data > 0
    check(lambda: penalty(params, m), [], params=params)


def test_l2_value_matches_formula(rng):
    net = model(rng)
    lam, m = 0.7, 8
    expected = lam / (2 * m) * sum(np.sum(W**2) for W in weights(net))
    assert mg.regularizer("l2", lam=lam)(net, m).data == pytest.approx(expected, rel=1e-12)


def test_l2_gradient_is_weight_decay(rng):
    net = model(rng)
    mg.regularizer("l2", 0.5)(net, 4).backward()
    np.testing.assert_allclose(net[0].W.grad, 0.5 / 4 * net[0].W.data)
    np.testing.assert_allclose(net[3].W.grad, 0.5 / 4 * net[3].W.data)
    # biases and batch-norm parameters are not penalized
    for name in ("0.b", "1.gamma", "1.beta", "3.b"):
        assert dict(net.named_parameters())[name].grad is None


def test_l1_value_and_gradient(rng):
    net = model(rng)
    lam, m = 0.4, 5
    J = mg.regularizer("l1", lam)(net, m)
    assert J.data == pytest.approx(lam / (2 * m) * sum(np.abs(W).sum() for W in weights(net)), rel=1e-12)
    J.backward()
    np.testing.assert_allclose(net[0].W.grad, lam / (2 * m) * np.sign(net[0].W.data))


def test_elastic_net_is_sum_of_parts(rng):
    net = model(rng)
    both = mg.regularizer("elastic_net", l1=0.2, l2=0.9)(net, 3).data
    parts = mg.regularizer("l1", 0.2)(net, 3).data + mg.regularizer("l2", 0.9)(net, 3).data
    assert both == pytest.approx(parts, rel=1e-12)


@pytest.mark.parametrize("name", sorted(REGULARIZERS))
def test_biases_excluded_by_default(name, rng):
    reg = mg.regularizer(name, **REGULARIZERS[name])
    assert [n for n, _ in reg.select(model(rng))] == ["0.W", "3.W"]


@pytest.mark.parametrize("name", sorted(REGULARIZERS))
def test_include_predicate(name, rng):
    net = model(rng)
    everything = mg.regularizer(name, include=lambda n, p: True, **REGULARIZERS[name])
    assert len(everything.select(net)) == len(net.parameters())
    first_only = mg.regularizer(name, include=lambda n, p: n == "0.W", **REGULARIZERS[name])
    assert [n for n, _ in first_only.select(net)] == ["0.W"]
    check(lambda: first_only(net, 4), [], params=net)


@pytest.mark.parametrize("name", sorted(REGULARIZERS))
def test_gradcheck_with_all_parameters(name, rng):
    net = model(rng)
    reg = mg.regularizer(name, include=lambda n, p: True, **REGULARIZERS[name])
    check(lambda: reg(net, 6), [], params=net)


@given(
    w=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=2, max_side=5),
        elements=st.floats(-3, 3).filter(lambda v: abs(v) > 1e-3),
    ),
    lam=st.floats(0, 10),
    m=st.integers(1, 100),
    name=st.sampled_from(["l2", "l1"]),
)
def test_value_and_gradcheck_any_weights(w, lam, m, name):
    p = mg.Parameter(w)
    reg = mg.regularizer(name, lam)
    expected = lam / (2 * m) * (np.sum(w * w) if name == "l2" else np.sum(np.abs(w)))
    assert reg({"W": p}, m).data == pytest.approx(expected, rel=1e-12, abs=1e-300)
    if lam > 0:
        check(lambda: reg({"W": p}, m), [], params={"W": p})


def test_term_adds_to_the_cost_and_gradcheck_sees_it(rng):
    net = model(rng)
    X, labels = rng.standard_normal((6, 3)), rng.integers(0, 2, 6)
    loss, l2 = mg.loss("softmax_cross_entropy"), mg.regularizer("l2", lam=2.0)

    def cost():
        return loss(net(X), labels) + l2(net, X.shape[0])

    check(cost, [], params=net)


def test_parameter_collections_accepted(rng):
    net = model(rng)
    reg = mg.regularizer("l2", 1.0)
    expected = reg(net, 2).data
    assert reg(dict(net.named_parameters()), 2).data == pytest.approx(expected)
    assert reg(list(net.named_parameters()), 2).data == pytest.approx(expected)
    assert reg(net.named_parameters(), m=2).data == pytest.approx(expected)


def test_nothing_selected_gives_zero():
    bias = mg.Parameter(np.ones(3), regularize=False)
    assert float(mg.regularizer("l2", 1.0)({"b": bias}, 4).data) == 0.0


@pytest.mark.parametrize(
    "name, options",
    [
        ("l2", {"lam": -0.1}),
        ("l1", {"lam": -1}),
        ("elastic_net", {"l1": 0.1, "l2": -0.1}),
        ("l2", {"lam": "x"}),
    ],
)
def test_negative_or_bad_strength_is_config_error(name, options):
    with pytest.raises(mg.ConfigError, match=r"must be a finite number >= 0"):
        mg.regularizer(name, **options)


@pytest.mark.parametrize("m", [0, -2, 2.5, True])
def test_bad_batch_size(m):
    with pytest.raises(mg.ConfigError, match="number of examples"):
        mg.regularizer("l2", 0.1)({"W": mg.Parameter(np.ones(2))}, m)


def test_bad_include():
    with pytest.raises(mg.ConfigError, match="include must be a callable"):
        mg.regularizer("l2", 0.1, include="weights")


def test_reprs():
    assert repr(mg.regularizer("l2", 0.01)) == "L2(lam=0.01)"
    assert repr(mg.regularizer("elastic_net", l1=0.1, l2=0.2)) == "ElasticNet(l1=0.1, l2=0.2)"
