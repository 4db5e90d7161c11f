"""The core Optimizer driver: param groups, validation, state dicts, schedules."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
import minigrad.optim as optim_module
from minigrad.optim import (
    NONNEGATIVE,
    UNIT_INTERVAL,
    Bound,
    UpdateRule,
    add_scaled,
    check_hyperparameters,
    chunks,
)


class Scaled(UpdateRule):
    """A test rule: delta = -lr * scale * g, counting its calls in a state number."""

    name = "scaled"
    bounds = {"lr": NONNEGATIVE, "decay": UNIT_INTERVAL}  # noqa: RUF012

    def __init__(self, *, lr=0.1, scale=1.0, decay=0.5):
        super().__init__(lr=lr, scale=scale, decay=decay)

    def init(self, param):
        return {"calls": 0, "last": np.zeros_like(param)}

    def update(self, grad, state, hyper, step):
        state["calls"] += 1
        state["last"][...] = grad
        return -hyper["lr"] * hyper["scale"] * grad, state


class Recorder:
    """A duck-typed rule (no base class) recording the step t it is given."""

    defaults = {"lr": 1.0}  # noqa: RUF012

    def __init__(self):
        self.steps = []

    def init(self, param):
        return {}

    def update(self, grad, state, hyper, step):
        self.steps.append(step)
        return np.zeros_like(grad), state


def quadratic_grad(params):
    """Set grad = 2 W for J = Σ ||W||² through the autograd engine."""
    for p in params:
        p.grad = None
    total = None
    for p in params:
        term = (p * p).sum()
        total = term if total is None else total + term
    total.backward()


# --------------------------------------------------------------------------- basics
def test_step_applies_delta_in_place():
    w = mg.Parameter(np.array([1.0, -2.0]))
    buffer = w.data
    opt = mg.Optimizer([w], Scaled(lr=0.5, scale=2.0))
    quadratic_grad([w])
    opt.step()
    assert w.data is buffer
    np.testing.assert_array_equal(w.data, [1.0 - 0.5 * 2.0 * 2.0, -2.0 + 0.5 * 2.0 * 4.0])
    assert opt.iterations == 1


def test_params_without_grad_are_skipped_and_keep_their_step_count():
    a, b = mg.Parameter(np.ones(2)), mg.Parameter(np.ones(3))
    rule = Recorder()
    opt = mg.Optimizer([a, b], rule)
    a.grad = np.ones(2)
    opt.step()
    opt.step()
    b.grad = np.ones(3)
    opt.step()
    assert opt.state_of(a)["step"] == 3
    assert opt.state_of(b)["step"] == 1
    assert rule.steps == [1, 2, 1, 3]  # updates run from the last parameter to the first


def test_zero_grad_sets_none_by_default_or_keeps_the_buffers():
    w = mg.Parameter(np.ones(3))
    opt = mg.Optimizer([w], Scaled())
    quadratic_grad([w])
    grad = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad
    np.testing.assert_array_equal(w.grad, 0.0)
    opt.zero_grad()
    assert w.grad is None
    opt.zero_grad(set_to_none=False)  # no gradient: nothing to do
    assert w.grad is None


def test_state_of_returns_copies():
    w = mg.Parameter(np.ones(2))
    opt = mg.Optimizer([w], Scaled())
    quadratic_grad([w])
    opt.step()
    snapshot = opt.state_of(w)
    assert snapshot == {"step": 1, "calls": 1, "last": snapshot["last"]}
    snapshot["last"][...] = 99.0
    np.testing.assert_array_equal(opt.state_of(w)["last"], 2.0)
    with pytest.raises(mg.ConfigError, match="not optimized here"):
        opt.state_of(mg.Parameter(np.ones(1)))


def test_float32_parameters_and_state_stay_float32():
    for name in ("sgd", "momentum", "rmsprop", "adam", "adamw"):
        w = mg.Parameter(np.array([[0.5, -1.5], [2.0, 0.25]], dtype=np.float32))
        opt = mg.optimizer(name, [w], lr=0.1)
        for _ in range(3):
            quadratic_grad([w])
            assert w.grad.dtype == np.float32
            opt.step()
        assert w.data.dtype == np.float32, name
        for key, value in opt.state_of(w).items():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32, (name, key)


def test_numpy_scalar_hyperparameters_do_not_upcast_float32():
    w = mg.Parameter(np.ones(4, dtype=np.float32))
    opt = mg.optimizer("adam", [w], lr=np.float64(0.01), beta1=np.float64(0.9))
    assert type(opt.lr) is float and type(opt.param_groups[0]["beta1"]) is float
    hyper = {k: v for k, v in opt.param_groups[0].items() if k != "params"}
    quadratic_grad([w])
    delta, _ = opt.rule.update(w.grad, opt.rule.init(w.data), hyper, 1)
    assert delta.dtype == np.float32
    expected = w.data + delta
    opt.step()  # through the rule's update_in_place: the same float32 numbers
    assert w.data.dtype == np.float32 and np.array_equal(w.data, expected)


def test_param_keyword_is_passed_to_rules_that_ask_for_it():
    seen = []

    class NeedsParam(Recorder):
        def update(self, grad, state, hyper, step, *, param):
            seen.append(param.copy())
            return np.zeros_like(grad), state

    w = mg.Parameter(np.array([3.0, 4.0]))
    opt = mg.Optimizer([w], NeedsParam())
    w.grad = np.ones(2)
    opt.step()
    np.testing.assert_array_equal(seen[0], [3.0, 4.0])


def test_wrong_delta_shape_is_a_plugin_error():
    class Bad(Recorder):
        def update(self, grad, state, hyper, step):
            return np.zeros((5,)), state

    w = mg.Parameter(np.ones(3))
    opt = mg.Optimizer([w], Bad())
    w.grad = np.ones(3)
    with pytest.raises(mg.PluginError, match=r"delta of shape \(5,\).*shape \(3,\)"):
        opt.step()


def test_repr_lists_hyperparameters():
    w, b = mg.Parameter(np.ones(2)), mg.Parameter(np.ones(1))
    opt = mg.Optimizer([{"params": [w]}, {"params": [b], "lr": 0.2}], Scaled(lr=0.1))
    assert repr(opt) == "Optimizer(scaled, 2 groups, 2 params, lr=[0.1, 0.2], scale=1.0, decay=0.5)"


# ----------------------------------------------------------------------- param groups
def test_param_groups_override_optimizer_wide_values():
    w, b = mg.Parameter(np.ones(2)), mg.Parameter(np.ones(1))
    opt = mg.Optimizer([{"params": [w], "scale": 3.0}, {"params": [b]}], Scaled(lr=0.1), decay=0.25)
    assert [g["scale"] for g in opt.param_groups] == [3.0, 1.0]
    assert [g["decay"] for g in opt.param_groups] == [0.25, 0.25]
    assert opt.param_groups[0]["params"] == [w]
    w.grad, b.grad = np.ones(2), np.ones(1)
    opt.step()
    np.testing.assert_allclose(w.data, 1.0 - 0.3)
    np.testing.assert_allclose(b.data, 1.0 - 0.1)


def test_lr_property_reads_first_group_and_sets_all():
    w, b = mg.Parameter(np.ones(2)), mg.Parameter(np.ones(1))
    opt = mg.Optimizer([{"params": [w]}, {"params": [b], "lr": 0.5}], Scaled(), lr=0.1)
    assert opt.lr == 0.1
    assert opt.lrs == [0.1, 0.5]
    opt.lr = 0.3
    assert opt.lrs == [0.3, 0.3]
    with pytest.raises(mg.ConfigError, match=r"optimizer 'scaled': lr = -1.0 is out of range \[0, inf\)"):
        opt.lr = -1.0
    assert opt.lrs == [0.3, 0.3]


def test_editing_param_groups_takes_effect():
    w = mg.Parameter(np.ones(1))
    opt = mg.Optimizer([w], Scaled(lr=0.1))
    opt.param_groups[0]["lr"] = 1.0
    w.grad = np.ones(1)
    opt.step()
    np.testing.assert_array_equal(w.data, [0.0])


def test_add_param_group():
    w, b = mg.Parameter(np.ones(2)), mg.Parameter(np.ones(1))
    opt = mg.Optimizer([w], Scaled(lr=0.1))
    opt.add_param_group({"params": [b], "lr": 0.01})
    assert opt.lrs == [0.1, 0.01]
    with pytest.raises(mg.ConfigError, match=r"param groups 0 and 2"):
        opt.add_param_group({"params": [w]})
    assert len(opt.param_groups) == 2


def test_generators_and_module_parameters_are_accepted():
    model = mg.Sequential(mg.layer("dense", 3, 2))
    opt = mg.Optimizer((p for p in model.parameters()), Scaled())
    assert len(opt.param_groups[0]["params"]) == len(model.parameters())


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lr": -0.1}, r"optimizer 'scaled': lr = -0.1 is out of range \[0, inf\)"),
        ({"decay": 1.0}, r"optimizer 'scaled': decay = 1.0 is out of range \[0, 1\)"),
        ({"decay": -0.5}, r"optimizer 'scaled': decay = -0.5 is out of range \[0, 1\)"),
        ({"lr": float("nan")}, r"optimizer 'scaled': lr = nan must be finite"),
        ({"lr": 10**400}, r"optimizer 'scaled': lr = an integer of 401 digits is beyond the float range"),
        ({"lr": "fast"}, r"optimizer 'scaled': lr = 'fast' must be a real number"),
        ({"momentum": 0.9}, r"optimizer 'scaled': unknown hyperparameter 'momentum'; scaled takes 'lr'"),
    ],
)
def test_bad_hyperparameters_name_optimizer_key_and_value(kwargs, match):
    with pytest.raises(mg.ConfigError, match=match):
        mg.Optimizer([mg.Parameter(np.ones(1))], Scaled(), **kwargs)


def test_bad_group_hyperparameter_names_the_group():
    w, b = mg.Parameter(np.ones(1)), mg.Parameter(np.ones(1))
    with pytest.raises(mg.ConfigError, match=r"decay = 2.0 is out of range \[0, 1\) \(param group 1\)"):
        mg.Optimizer([{"params": [w]}, {"params": [b], "decay": 2.0}], Scaled())
    with pytest.raises(
        mg.ConfigError, match=r"'scaled': lr = -1.0 is out of range \[0, inf\) \(param group 0\)"
    ):
        mg.Optimizer([{"params": [w], "lr": -1.0}], Scaled())


def test_empty_parameter_lists_are_errors():
    with pytest.raises(mg.ConfigError, match="empty parameter list"):
        mg.Optimizer([], Scaled())
    with pytest.raises(mg.ConfigError, match=r"param group 0\): the group's 'params' list is empty"):
        mg.Optimizer([{"params": []}], Scaled())
    with pytest.raises(mg.ConfigError, match="empty parameter list"):
        mg.optimizer("sgd", mg.Sequential().parameters())


def test_a_parameter_in_two_groups_is_an_error():
    w = mg.Parameter(np.ones(2), name="w")
    with pytest.raises(mg.ConfigError, match=r"'w' of shape \(2,\) appears in param groups 0 and 1"):
        mg.Optimizer([{"params": [w]}, {"params": [w]}], Scaled())
    with pytest.raises(mg.ConfigError, match="appears twice in this group"):
        mg.Optimizer([w, w], Scaled())


@pytest.mark.parametrize(
    ("params", "match"),
    [
        (mg.Parameter(np.ones(2)), "single Parameter; pass an iterable"),
        (mg.Sequential(), "Sequential module; pass model.parameters()"),
        (42, "must be an iterable of Parameters"),
        ([mg.Tensor([1.0])], "item 0 of params is a Tensor that does not require a gradient"),
        ([("w", mg.Parameter(np.ones(1)))], r"tuple \(pass model.parameters\(\), not named_parameters\(\)\)"),
        ([mg.Parameter(np.ones(1)), {"params": []}], "mixes parameters and param-group dicts"),
        ([{"lr": 0.1}], "a param group is a dict with a 'params' list"),
    ],
)
def test_bad_params_are_explained(params, match):
    with pytest.raises(mg.ConfigError, match=match):
        mg.Optimizer(params, Scaled())


def test_not_a_rule():
    with pytest.raises(mg.ConfigError, match=r"to build one by name use mg.optimizer\('adam', params"):
        mg.Optimizer([mg.Parameter(np.ones(1))], "adam")


def test_rule_without_lr_is_a_plugin_error():
    class NoLr(Recorder):
        defaults = {"beta": 0.9}  # noqa: RUF012

    with pytest.raises(mg.PluginError, match="have no 'lr'"):
        mg.Optimizer([mg.Parameter(np.ones(1))], NoLr())


def test_check_hyperparameters_types():
    defaults = {"lr": 0.1, "k": 5, "nesterov": False}
    checked = check_hyperparameters("x", {"k": np.int64(3), "nesterov": np.bool_(True)}, defaults)
    assert checked == {"lr": 0.1, "k": 3, "nesterov": True}
    assert type(checked["k"]) is int and type(checked["nesterov"]) is bool
    with pytest.raises(mg.ConfigError, match="nesterov = 1 must be True or False"):
        check_hyperparameters("x", {"nesterov": 1}, defaults)
    with pytest.raises(mg.ConfigError, match="lr = True must be a real number"):
        check_hyperparameters("x", {"lr": True}, defaults)
    assert str(Bound(0.0, 1.0, low_open=True)) == "(0, 1]"
    assert str(Bound()) == "(-inf, inf)"


# ---------------------------------------------------------------------------- schedules
def test_attached_schedule_replaces_lr():
    w = mg.Parameter(np.ones(1))
    opt = mg.optimizer("sgd", [w], lr=5.0, schedule=mg.schedule("inverse_time", lr0=0.2, decay_rate=1.0))
    assert opt.lr == 0.2 and opt.epoch == 0
    opt.set_epoch(1)
    assert opt.lr == 0.1
    opt.set_epoch(3)
    assert opt.lr == 0.05
    opt.attach_schedule(None)
    opt.set_epoch(10)
    assert opt.lr == 0.05 and opt.epoch == 10


def test_schedule_applies_to_every_group():
    w, b = mg.Parameter(np.ones(1)), mg.Parameter(np.ones(1))
    opt = mg.optimizer("sgd", [{"params": [w]}, {"params": [b], "lr": 9.0}])
    opt.attach_schedule(mg.schedule("exponential", lr0=1.0, base=0.5))
    opt.set_epoch(2)
    assert opt.lrs == [0.25, 0.25]


def test_schedule_errors():
    opt = mg.optimizer("sgd", [mg.Parameter(np.ones(1))])
    with pytest.raises(mg.ConfigError, match="schedule must be a function"):
        opt.attach_schedule(0.1)
    with pytest.raises(mg.ConfigError, match=r"set_epoch\(-1\) needs a number >= 0"):
        opt.set_epoch(-1)
    with pytest.raises(mg.ConfigError, match=r"lr = -1.0 is out of range.*returned by the schedule"):
        opt.attach_schedule(lambda epoch: -1.0)


# ---------------------------------------------------------------------------- state dict
def make_model(seed):
    rng = np.random.default_rng(seed)
    model = mg.Sequential(mg.layer("dense", 3, 4), mg.layer("tanh"), mg.layer("dense", 4, 2))
    for p in model.parameters():
        p.data[...] = rng.standard_normal(p.shape)
    return model


def train_steps(model, opt, n, data):
    X, Y = data
    for _ in range(n):
        opt.zero_grad()
        out = model(mg.Tensor(X))
        ((out - mg.Tensor(Y)) * (out - mg.Tensor(Y))).mean().backward()
        opt.step()


def savez_roundtrip(state):
    buffer = io.BytesIO()
    np.savez(buffer, **state)
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as loaded:
        return {key: loaded[key] for key in loaded.files}


@pytest.mark.parametrize("name", ["sgd", "momentum", "rmsprop", "adam", "adamw"])
def test_resume_from_saved_state_is_bit_identical(name):
    rng = np.random.default_rng(0)
    data = (rng.standard_normal((8, 3)), rng.standard_normal((8, 2)))

    def build():
        model = make_model(1)
        params = model.parameters()
        groups = [{"params": params[:2]}, {"params": params[2:], "lr": 0.02}]
        return model, mg.optimizer(name, groups, lr=0.05)

    straight, opt = build()
    train_steps(straight, opt, 10, data)

    first, opt = build()
    train_steps(first, opt, 5, data)
    opt.set_epoch(3)
    model_state = savez_roundtrip(first.state_dict())
    optimizer_state = savez_roundtrip(opt.state_dict())

    resumed, opt2 = build()
    resumed.load_state_dict(model_state)
    opt2.load_state_dict(optimizer_state)
    assert opt2.iterations == 5 and opt2.epoch == 3 and opt2.lrs == [0.05, 0.02]
    train_steps(resumed, opt2, 5, data)

    for (key, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert np.array_equal(a, b), key
    first_state = opt.state_dict()  # the saved dict did not alias live state
    train_steps(first, opt, 1, data)
    live = opt.state_dict()
    arrays = [k for k, v in first_state.items() if k.startswith("param.") and isinstance(v, np.ndarray)]
    assert all(not np.array_equal(first_state[k], live[k]) for k in arrays)
    assert arrays or name == "sgd"


def test_state_dict_layout():
    w = mg.Parameter(np.ones((2, 3)))
    b = mg.Parameter(np.zeros(3))
    opt = mg.optimizer("adam", [{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
    quadratic_grad([w, b])
    opt.step()
    state = opt.state_dict()
    assert state["rule"] == "adam"
    assert state["num_groups"] == 2 and state["num_params"] == 2
    assert state["iterations"] == 1 and state["epoch"] == -1
    np.testing.assert_array_equal(state["group.1.params"], [1])
    assert state["group.1.lr"] == 0.5 and state["group.0.beta2"] == 0.999
    assert state["param.0.step"] == 1 and state["param.1.step"] == 1
    assert state["param.0.v"].shape == (2, 3) and state["param.1.s"].shape == (3,)
    for value in state.values():  # plain arrays, numbers and one string: no pickling
        assert isinstance(value, np.ndarray | int | float | bool | str)
    savez_roundtrip(state)


def test_state_number_entries_round_trip():
    w = mg.Parameter(np.ones(2))
    opt = mg.Optimizer([w], Scaled())
    for _ in range(3):
        quadratic_grad([w])
        opt.step()
    fresh = mg.Optimizer([w], Scaled())
    fresh.load_state_dict(savez_roundtrip(opt.state_dict()))
    state = fresh.state_of(w)
    assert state["calls"] == 3 and type(state["calls"]) is int


def test_load_state_dict_reports_every_problem():
    w = mg.Parameter(np.ones(2))
    opt = mg.optimizer("momentum", [w])
    state = opt.state_dict()
    state["param.0.v"] = np.zeros(3)
    state["extra"] = 1
    del state["iterations"]
    with pytest.raises(mg.StateDictError) as err:
        mg.optimizer("momentum", [w]).load_state_dict(state)
    message = str(err.value)
    assert "missing keys ['iterations']" in message
    assert "unexpected keys ['extra']" in message
    assert "param.0.v: shape (3,) in the state dict but (2,) here" in message


def test_load_state_dict_checks_rule_structure_and_values():
    w, b = mg.Parameter(np.ones(2)), mg.Parameter(np.ones(1))
    state = mg.optimizer("adam", [w]).state_dict()
    with pytest.raises(mg.StateDictError, match="saved by optimizer 'adam'; build a 'adam' optimizer"):
        mg.optimizer("sgd", [w]).load_state_dict(state)
    with pytest.raises(mg.StateDictError, match="num_params: 1 in the state dict but 2 here"):
        mg.optimizer("adam", [w, b]).load_state_dict(state)
    w32 = mg.Parameter(np.ones(2, dtype=np.float32))
    with pytest.raises(mg.StateDictError, match=r"param\.0\.v: dtype float64 in the state dict but float32"):
        mg.optimizer("adam", [w32]).load_state_dict(state)
    bad = dict(state, **{"group.0.beta1": 1.5})
    with pytest.raises(mg.StateDictError, match=r"beta1 = 1.5 is out of range \[0, 1\)"):
        mg.optimizer("adam", [w]).load_state_dict(bad)
    with pytest.raises(mg.StateDictError, match="expected a dict"):
        mg.optimizer("adam", [w]).load_state_dict([1, 2])


def test_load_keeps_attached_schedule_but_restores_lr():
    w = mg.Parameter(np.ones(1))
    opt = mg.optimizer("sgd", [w], schedule=mg.schedule("inverse_time", lr0=1.0))
    opt.set_epoch(3)
    state = opt.state_dict()
    fresh = mg.optimizer("sgd", [w], schedule=mg.schedule("inverse_time", lr0=1.0))
    assert fresh.lr == 1.0
    fresh.load_state_dict(state)
    assert fresh.lr == 0.25 and fresh.epoch == 3
    fresh.set_epoch(4)
    assert fresh.lr == 0.2


def test_optimizer_factory_unknown_name_and_option():
    w = mg.Parameter(np.ones(1))
    with pytest.raises(mg.UnknownComponentError, match="'adam'"):
        mg.optimizer("adma", [w])
    with pytest.raises(mg.ConfigError, match=r"optimizers 'sgd'.*momentum"):
        mg.optimizer("sgd", [w], momentum=0.9)


def test_a_built_in_rule_refuses_an_integer_beyond_floats_as_a_config_error():
    # not a PluginError blaming the built-in plugin for the user's value
    with pytest.raises(mg.ConfigError, match=r"optimizer 'sgd': lr = an integer of 401 digits"):
        mg.optimizer("sgd", [mg.Parameter(np.ones(1))], lr=10**400)


# ------------------------------------------------------------------ add_scaled
CHUNK = optim_module._CHUNK
SIZES = (1, 7, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 7)


@given(
    size=st.sampled_from(SIZES),
    dtype=st.sampled_from([np.float32, np.float64]),
    scale=st.floats(-1e3, 1e3, allow_nan=False),
    seed=st.integers(0, 2**16),
)
def test_add_scaled_gives_the_numbers_of_the_one_line_update(size, dtype, scale, seed):
    rng = np.random.default_rng(seed)
    target = rng.standard_normal(size).astype(dtype)
    x = rng.standard_normal(size).astype(dtype)
    expected = target + np.multiply(x, scale)
    assert add_scaled(target, x, scale) is None  # in place: the result is in target
    assert target.dtype == dtype and np.array_equal(target, expected)


@pytest.mark.parametrize("size", [1, CHUNK, CHUNK + 1, 3 * CHUNK + 7])
def test_chunks_cover_every_element_once_and_write_through(size):
    a = np.arange(size, dtype=np.float64).reshape(-1, 1) if size % 2 else np.arange(size, dtype=np.float64)
    b = np.ones_like(a)
    seen = []
    for part_a, part_b, scratch in chunks(a, b):
        assert part_a.shape == part_b.shape == scratch.shape and len(part_a) <= CHUNK
        seen.append(part_a.copy())
        np.add(part_a, part_b, out=scratch)
        part_a *= 0
        part_a += scratch
    assert np.array_equal(np.concatenate(seen), np.arange(size, dtype=np.float64))
    assert np.array_equal(a.reshape(-1), np.arange(size) + 1.0)


def test_chunks_declines_small_mismatched_or_strided_arrays():
    big = np.zeros((400, 300))
    assert chunks(big, np.zeros((400, 300)), min_bytes=big.nbytes) is None  # not larger than min_bytes
    assert chunks(big, np.zeros((400, 300)), min_bytes=big.nbytes - 1) is not None
    assert chunks(big, np.zeros((400, 300), dtype=np.float32)) is None  # dtypes differ
    assert chunks(big, np.zeros((300, 400))) is None  # shapes differ
    assert chunks(big, np.zeros((300, 400)).T) is None  # not C-contiguous


def test_add_scaled_on_views_broadcasts_and_mixed_dtypes_behaves_as_plus_equals():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((400, 300))
    transposed = base.T  # not C-contiguous: the update must land in base
    x = rng.standard_normal((300, 400))
    expected = base.T + np.multiply(x, 0.5)
    add_scaled(transposed, x, 0.5)
    assert np.array_equal(base.T, expected)

    rows = rng.standard_normal((200, 300))
    bias = rng.standard_normal(300)  # broadcast along the rows, as += does
    expected = rows + np.multiply(bias, -2.0)
    add_scaled(rows, bias, -2.0)
    assert np.array_equal(rows, expected)

    w32 = rng.standard_normal((300, 250)).astype(np.float32)
    g64 = rng.standard_normal((300, 250))
    expected = w32.copy()
    expected += np.multiply(g64, 0.1)
    add_scaled(w32, g64, 0.1)
    assert w32.dtype == np.float32 and np.array_equal(w32, expected)


def test_add_scaled_uses_the_scale_as_a_python_float():
    w = np.ones(3 * CHUNK, dtype=np.float32)
    add_scaled(w, np.ones_like(w), np.float64(1 / 3))  # a NumPy float64 scale
    expected = np.ones(3 * CHUNK, dtype=np.float32) + np.multiply(np.ones(3 * CHUNK, np.float32), 1 / 3)
    assert w.dtype == np.float32 and np.array_equal(w, expected)


class InPlaceOnly(UpdateRule):
    """A rule whose ``update`` must not be called when ``update_in_place`` exists."""

    name = "in_place_only"
    bounds = {"lr": NONNEGATIVE}  # noqa: RUF012

    def __init__(self, *, lr=0.5):
        super().__init__(lr=lr)

    def init(self, param):
        return {"calls": 0}

    def update(self, grad, state, hyper, step):
        raise AssertionError("the driver should have called update_in_place")

    def update_in_place(self, param, grad, state, hyper, step):
        param -= hyper["lr"] * grad
        return {"calls": state["calls"] + 1, "t": step}


def test_the_driver_prefers_update_in_place_and_keeps_its_state():
    w = mg.Parameter(np.array([1.0, 2.0]))
    opt = mg.Optimizer([w], InPlaceOnly(lr=0.5))
    for _ in range(2):
        opt.zero_grad()
        (w * w).sum().backward()  # g = 2w
        opt.step()
    assert np.allclose(w.data, [0.0, 0.0])  # w - 0.5 * 2w = 0 after the first step
    state = opt.state_dict()
    assert state["param.0.calls"] == 2 and state["param.0.t"] == 2


def test_a_subclass_redefining_only_update_is_not_bypassed_by_the_inherited_in_place_path():
    from minigrad_plugins.optimizers import SGD

    class DoubleSGD(SGD):
        def update(self, grad, state, hyper, step):
            return np.multiply(grad, -2 * hyper["lr"]), state

    w = mg.Parameter(np.ones(3))
    opt = mg.Optimizer([w], DoubleSGD(lr=0.25))
    w.grad = np.ones(3)
    opt.step()
    assert np.allclose(w.data, 0.5)  # 1 - 2 * 0.25: the subclass's update ran

    class DoubleBoth(DoubleSGD):
        def update_in_place(self, param, grad, state, hyper, step):
            param -= 2 * hyper["lr"] * grad
            return state

    w = mg.Parameter(np.ones(3))
    opt = mg.Optimizer([w], DoubleBoth(lr=0.25))
    assert opt._update_in_place is not None
    w.grad = np.ones(3)
    opt.step()
    assert np.allclose(w.data, 0.5)


def test_an_update_replaced_on_the_instance_is_used():
    rule = mg.get_plugin_manager().registry("optimizers").create("sgd", lr=0.5)
    calls = []
    original = rule.update

    def spy(grad, state, hyper, step):
        calls.append(step)
        return original(grad, state, hyper, step)

    rule.update = spy
    w = mg.Parameter(np.ones(2))
    opt = mg.Optimizer([w], rule)
    w.grad = np.ones(2)
    opt.step()
    assert calls == [1] and np.allclose(w.data, 0.5)


def test_clip_grad_norm_caps_the_joint_norm_and_keeps_the_direction():
    from minigrad.optim import clip_grad_norm

    a, b = mg.Parameter(np.zeros(2)), mg.Parameter(np.zeros((2, 2), np.float32))
    frozen = mg.Parameter(np.zeros(1))  # no gradient: skipped
    a.grad, b.grad = np.array([3.0, 0.0]), np.full((2, 2), 2.0, np.float32)  # joint norm 5
    assert clip_grad_norm([a, b, frozen], max_norm=2.5) == pytest.approx(5.0)
    np.testing.assert_allclose(a.grad, [1.5, 0.0])
    np.testing.assert_allclose(b.grad, np.full((2, 2), 1.0))
    assert b.grad.dtype == np.float32
    assert clip_grad_norm([a, b], max_norm=10.0) == pytest.approx(2.5)  # below: untouched
    np.testing.assert_allclose(a.grad, [1.5, 0.0])
    a.grad = np.array([np.inf, 1.0])
    assert clip_grad_norm([a], 1.0) == np.inf and a.grad[1] == 1.0  # not finite: left alone
    with pytest.raises(mg.ConfigError, match="max_norm=0; it must be a number > 0"):
        clip_grad_norm([a], 0)
