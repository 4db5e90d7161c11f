"""Built-in optimizers against hand-written NumPy versions of the course's formulas."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from minigrad_plugins.optimizers import Adam, AdamW, Momentum, RMSprop

import minigrad as mg

NAMES = ("sgd", "momentum", "rmsprop", "adam", "adamw")


# ------------------------------------------------------------- reference implementations
# Written straight from the formulas, one step at a time, in float64.
def reference(name, w0, grads, **h):
    W = w0.copy()
    v = np.zeros_like(W)
    s = np.zeros_like(W)
    for t, g in enumerate(grads, start=1):
        if name == "sgd":
            W = W - h["lr"] * g
        elif name == "momentum":
            v = h["beta"] * v + (1 - h["beta"]) * g
            v_hat = v / (1 - h["beta"] ** t) if h.get("bias_correction") else v
            W = W - h["lr"] * v_hat
        elif name == "rmsprop":
            s = h["beta2"] * s + (1 - h["beta2"]) * g**2
            s_hat = s / (1 - h["beta2"] ** t) if h.get("bias_correction") else s
            W = W - h["lr"] * g / (np.sqrt(s_hat) + h["eps"])
        else:  # adam, adamw
            v = h["beta1"] * v + (1 - h["beta1"]) * g
            s = h["beta2"] * s + (1 - h["beta2"]) * g**2
            v_hat = v / (1 - h["beta1"] ** t)
            s_hat = s / (1 - h["beta2"] ** t)
            decay = h["weight_decay"] * W if name == "adamw" else 0.0
            W = W - h["lr"] * (v_hat / (np.sqrt(s_hat) + h["eps"]) + decay)
    return W


def run(name, w0, grads, **hyper):
    w = mg.Parameter(w0.copy())
    opt = mg.optimizer(name, [w], **hyper)
    for g in grads:
        w.grad = g.copy()
        opt.step()
    return w.data, opt


HYPER = {
    "sgd": {"lr": 0.1},
    "momentum": {"lr": 0.1, "beta": 0.9},
    "rmsprop": {"lr": 0.01, "beta2": 0.999, "eps": 1e-8},
    "adam": {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    "adamw": {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.1},
}


def sample(seed, shape=(3, 4), steps=12):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape), [rng.standard_normal(shape) for _ in range(steps)]


@pytest.mark.parametrize("name", NAMES)
def test_matches_the_formula_over_several_steps(name):
    w0, grads = sample(1)
    got, _ = run(name, w0, grads, **HYPER[name])
    np.testing.assert_allclose(got, reference(name, w0, grads, **HYPER[name]), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["sgd", "momentum"])
def test_sgd_and_momentum_are_bit_exact(name):
    w0, grads = sample(2)
    got, _ = run(name, w0, grads, **HYPER[name])
    assert np.array_equal(got, reference(name, w0, grads, **HYPER[name]))


@pytest.mark.parametrize(("name", "key"), [("momentum", "beta"), ("rmsprop", "beta2")])
def test_bias_correction_option_matches_the_formula(name, key):
    w0, grads = sample(3)
    hyper = dict(HYPER[name], bias_correction=True)
    got, _ = run(name, w0, grads, **hyper)
    np.testing.assert_allclose(got, reference(name, w0, grads, **hyper), rtol=1e-12, atol=1e-12)
    plain, _ = run(name, w0, grads, **HYPER[name])
    assert not np.allclose(got, plain)  # the option changes the result


@given(
    seed=st.integers(0, 2**16),
    lr=st.floats(1e-4, 1.0),
    beta1=st.floats(0.0, 0.999),
    beta2=st.floats(0.0, 0.9999),
    eps=st.floats(1e-10, 1e-2),
    weight_decay=st.floats(0.0, 0.5),
    bias_correction=st.booleans(),
)
def test_formulas_hold_across_hyperparameter_ranges(
    seed, lr, beta1, beta2, eps, weight_decay, bias_correction
):
    w0, grads = sample(seed, shape=(5,), steps=6)
    cases = {
        "sgd": {"lr": lr},
        "momentum": {"lr": lr, "beta": beta1, "bias_correction": bias_correction},
        "rmsprop": {"lr": lr, "beta2": beta2, "eps": eps, "bias_correction": bias_correction},
        "adam": {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps},
        "adamw": {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay},
    }
    for name, hyper in cases.items():
        got, _ = run(name, w0, grads, **hyper)
        np.testing.assert_allclose(
            got, reference(name, w0, grads, **hyper), rtol=1e-10, atol=1e-10, err_msg=name
        )


# ----------------------------------------------------------------------- properties
@given(seed=st.integers(0, 2**16), lr=st.floats(1e-4, 1.0))
def test_adam_first_step_is_about_lr_times_sign_of_g(seed, lr):
    rng = np.random.default_rng(seed)
    g = rng.choice([-1.0, 1.0], size=6) * rng.uniform(0.01, 100.0, size=6)
    rule = Adam(lr=lr)
    delta, _ = rule.update(g, rule.init(np.zeros(6)), rule.defaults, 1)
    # t = 1: v_hat = g, s_hat = g², so delta = -lr g / (|g| + eps)
    np.testing.assert_allclose(delta, -lr * np.sign(g), rtol=1e-6)


def test_momentum_ewma_matches_its_closed_form():
    beta, lr = 0.9, 0.5
    _, grads = sample(4, shape=(4,), steps=8)
    w = mg.Parameter(np.zeros(4))
    opt = mg.optimizer("momentum", [w], lr=lr, beta=beta, bias_correction=True)
    for t, g in enumerate(grads, start=1):
        before = w.data.copy()
        w.grad = g
        opt.step()
        # v_t = Σ_{i=1..t} (1 - beta) beta^(t-i) g_i ;  v_hat_t = v_t / (1 - beta^t)
        v_t = sum((1 - beta) * beta ** (t - i) * grads[i - 1] for i in range(1, t + 1))
        np.testing.assert_allclose(opt.state_of(w)["v"], v_t, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(w.data - before, -lr * v_t / (1 - beta**t), rtol=1e-10, atol=1e-15)


def test_momentum_bias_correction_removes_the_startup_bias():
    # constant gradient: the corrected average is exactly g from the first step
    g = np.array([2.0, -3.0])
    rule = Momentum(lr=1.0, beta=0.9, bias_correction=True)
    state = rule.init(np.zeros(2))
    for t in range(1, 6):
        delta, state = rule.update(g, state, rule.defaults, t)
        np.testing.assert_allclose(delta, -g, rtol=1e-12)


def test_rmsprop_default_betas_follow_the_course():
    assert RMSprop().defaults == {"lr": 0.001, "beta2": 0.999, "eps": 1e-8, "bias_correction": False}
    assert Adam().defaults == {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    assert Momentum().defaults["beta"] == 0.9
    assert AdamW().defaults["weight_decay"] == 0.01


def test_adamw_decay_is_decoupled_from_the_gradient():
    w = mg.Parameter(np.array([10.0, -4.0]))
    opt = mg.optimizer("adamw", [w], lr=0.1, weight_decay=0.5)
    w.grad = np.zeros(2)  # v = s = 0: only the decay acts, not scaled by 1/sqrt(s)
    opt.step()
    np.testing.assert_allclose(w.data, [10.0 * (1 - 0.05), -4.0 * (1 - 0.05)], rtol=1e-12)
    # weight_decay = 0 is Adam
    w0, grads = sample(5)
    a, _ = run("adamw", w0, grads, lr=0.01, weight_decay=0.0)
    b, _ = run("adam", w0, grads, lr=0.01)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    rule = AdamW()
    with pytest.raises(TypeError, match="needs the parameter"):
        rule.update(np.ones(1), rule.init(np.ones(1)), rule.defaults, 1)


def test_adamw_group_without_decay():
    w, b = mg.Parameter(np.ones(2)), mg.Parameter(np.ones(1))
    opt = mg.optimizer(
        "adamw", [{"params": [w]}, {"params": [b], "weight_decay": 0.0}], lr=0.1, weight_decay=0.5
    )
    w.grad, b.grad = np.zeros(2), np.zeros(1)
    opt.step()
    np.testing.assert_allclose(w.data, 0.95)
    np.testing.assert_array_equal(b.data, 1.0)


def test_rules_are_pure_one_rule_serves_many_optimizers():
    w0, grads = sample(6)
    rule = Adam(lr=0.01)
    a, b = mg.Parameter(w0.copy()), mg.Parameter(-w0)
    opt_a, opt_b = mg.Optimizer([a], rule), mg.Optimizer([b], rule)
    for g in grads:  # interleaved: hidden state in the rule would mix the two runs
        a.grad, b.grad = g.copy(), -g
        opt_a.step()
        opt_b.step()
    expected, _ = run("adam", w0, grads, lr=0.01)
    assert np.array_equal(a.data, expected)
    assert np.array_equal(b.data, -expected)


@pytest.mark.parametrize("name", NAMES)
def test_each_optimizer_decreases_a_convex_quadratic(name):
    rng = np.random.default_rng(7)
    q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    A = q @ np.diag(np.linspace(0.5, 3.0, 6)) @ q.T  # SPD
    w = mg.Parameter(rng.standard_normal(6))
    opt = mg.optimizer(name, [w], lr=0.05)

    def f():
        return 0.5 * w.data @ A @ w.data

    start = f()
    for _ in range(150):
        opt.zero_grad()
        (w * (mg.Tensor(A) @ w)).sum().__mul__(0.5).backward()  # J = ½ wᵀAw, dJ/dw = A w
        opt.step()
    assert f() < 0.05 * start, (name, start, f())


@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32_and_close_to_float64(name):
    w0, grads = sample(8, steps=5)
    got64, _ = run(name, w0, grads, **HYPER[name])
    w = mg.Parameter(w0.astype(np.float32))
    opt = mg.optimizer(name, [w], **HYPER[name])
    for g in grads:
        w.grad = g.astype(np.float32)
        opt.step()
    assert w.data.dtype == np.float32
    np.testing.assert_allclose(w.data, got64, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("name", "key", "value", "allowed"),
    [
        ("sgd", "lr", -0.01, "[0, inf)"),
        ("momentum", "beta", 1.0, "[0, 1)"),
        ("momentum", "beta", -0.1, "[0, 1)"),
        ("rmsprop", "beta2", 1.5, "[0, 1)"),
        ("rmsprop", "eps", 0.0, "(0, inf)"),
        ("adam", "beta1", 1.0, "[0, 1)"),
        ("adam", "eps", -1e-8, "(0, inf)"),
        ("adamw", "weight_decay", -0.01, "[0, inf)"),
    ],
)
def test_out_of_range_values_name_optimizer_key_and_value(name, key, value, allowed):
    message = f"optimizer '{name}': {key} = {value!r} is out of range {allowed}"
    with pytest.raises(mg.ConfigError) as err:
        mg.optimizer(name, [mg.Parameter(np.ones(2))], **{key: value})
    assert message in str(err.value)
    w = mg.Parameter(np.ones(2))  # the same check guards param groups
    with pytest.raises(mg.ConfigError) as err:
        mg.optimizer(name, [{"params": [w], key: value}])
    assert f"{key} = {value!r} is out of range {allowed} (param group 0)" in str(err.value)


@given(beta=st.floats(allow_nan=False, allow_infinity=False))
def test_beta_is_accepted_exactly_in_the_unit_interval(beta):
    if 0.0 <= beta < 1.0:
        assert Adam(beta1=beta).defaults["beta1"] == beta
    else:
        with pytest.raises(mg.ConfigError, match="beta1"):
            Adam(beta1=beta)


def test_bias_correction_must_be_a_bool():
    with pytest.raises(
        mg.ConfigError, match="optimizer 'momentum': bias_correction = 1 must be True or False"
    ):
        Momentum(bias_correction=1)


def test_registered_with_formula_and_defaults():
    registry = mg.get_plugin_manager().registry("optimizers")
    for name in NAMES:
        component = registry.get(name)
        assert component.plugin == "builtin"
        assert "lr" in component.doc and "W" in component.doc, name
        assert component.metadata["defaults"] == component.create().defaults


# -------------------------------------------------------------- in-place updates
class _WithoutInPlace:
    """Wraps a rule, hiding its ``update_in_place`` so the driver adds ``update``'s delta."""

    def __init__(self, rule):
        self.name = rule.name
        self.defaults = rule.defaults
        self.init = rule.init
        self.update = rule.update


@pytest.mark.parametrize(
    "name, hyper",
    [
        ("sgd", {}),
        ("momentum", {}),
        ("momentum", {"bias_correction": True, "beta": 0.8}),
        ("rmsprop", {}),
        ("rmsprop", {"bias_correction": True}),
        ("adam", {}),
        ("adamw", {"weight_decay": 0.1}),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_in_place_updates_are_bit_identical_to_adding_the_delta(name, hyper, dtype):
    # 600x500 is larger than the 1 MiB below which the adaptive rules update whole
    rng = np.random.default_rng(3)
    starts = [rng.standard_normal(shape).astype(dtype) for shape in ((600, 500), (250,), (4, 5))]
    runs = []
    for hide in (False, True):
        params = [mg.Parameter(s.copy()) for s in starts]
        rule = mg.get_plugin_manager().registry("optimizers").create(name, lr=0.05, **hyper)
        assert callable(getattr(rule, "update_in_place", None))
        opt = mg.Optimizer(params, _WithoutInPlace(rule) if hide else rule)
        grads = np.random.default_rng(4)
        for _ in range(3):
            for p in params:
                p.grad = grads.standard_normal(p.shape).astype(dtype)
            opt.step()
        runs.append((params, opt.state_dict()))
    (fast, fast_state), (plain, plain_state) = runs
    for a, b in zip(fast, plain):
        assert a.data.dtype == dtype and np.array_equal(a.data, b.data)
    assert fast_state.keys() == plain_state.keys()
    for key, value in fast_state.items():
        assert np.array_equal(value, plain_state[key]), key
