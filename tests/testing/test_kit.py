"""The conformance kit on sample plugins: it passes correct components and fails
broken ones with messages naming the plugin, the component, the input and the error."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.testing import (
    CHECKS,
    CheckResult,
    ConformanceError,
    ConformanceReport,
    check_component,
    check_plugin,
    run_check,
)

from .samples import BROKEN_SOURCE, SAMPLE_CHECK_COUNT, SAMPLE_SOURCE, load, plugin


def single(family: str, name: str, factory, **options) -> mg.PluginManager:
    """An isolated manager holding one component registered by plugin 'solo'."""
    pm = mg.PluginManager(builtin=False, entry_points=False)

    @mg.hookimpl
    def hook(registry):
        registry.add(name, factory, **options)

    pm.register(plugin(**{f"minigrad_register_{family}": hook}), name="solo")
    return pm


def results(family: str, name: str, factory, **options) -> dict[str, CheckResult]:
    report = check_component(family, name, plugin_manager=single(family, name, factory, **options))
    return {r.check: r for r in report}


# ----------------------------------------------------------------- whole plugins
def test_correct_sample_plugin_passes_every_check():
    report = check_plugin(load("sample_plugin", SAMPLE_SOURCE))
    assert report.passed, str(report)
    assert len(report) == SAMPLE_CHECK_COUNT
    assert report.counts() == {"passed": SAMPLE_CHECK_COUNT, "failed": 0, "skipped": 0}
    assert {r.family for r in report} == set(CHECKS)
    assert {r.plugin for r in report} == {"sample_plugin"}
    gradchecks = [r for r in report if r.check.startswith("gradcheck")]
    assert gradchecks and all(r.relative_error < 1e-7 for r in gradchecks)


def test_layer_missing_a_factor_two_fails_naming_plugin_component_and_input():
    report = check_plugin(load("broken_plugin", BROKEN_SOURCE))
    assert not report.passed
    failed = {r.check: r for r in report.failures}
    assert set(failed) == {"gradcheck_train", "gradcheck_eval"}
    for result in failed.values():
        assert result.relative_error == pytest.approx(1 / 3, rel=1e-6)  # |1 - 2| / (1 + 2)
        assert "plugin 'broken_plugin'" in result.message
        assert "layer 'doubler'" in result.message
        assert "input 0" in result.message
        assert "relative error 3.333e-01" in result.message
    text = str(report)
    assert "FAILED" in text and "3.33e-01" in text and "6 passed, 2 failed" in text
    with pytest.raises(ConformanceError, match="doubler"):
        report.assert_passed()


def test_wrong_parameter_gradient_names_the_parameter():
    class Scale(mg.Function):
        @staticmethod
        def forward(ctx, x, w):
            ctx.save_for_backward(x, w)
            return x * w

        @staticmethod
        def backward(ctx, grad):
            x, w = ctx.saved
            return grad * w, np.sum(grad * x, axis=0) * 0.5  # dw misses a factor 2 on purpose

    class Scaled(mg.Module):
        def __init__(self):
            super().__init__()
            self.w = mg.Parameter(np.array([1.5, -0.5]))

        def forward(self, x):
            return Scale.apply(x, self.w)

    got = results("layers", "scaled", Scaled, example=lambda rng: (Scaled(), [rng.standard_normal((4, 2))]))
    assert got["gradcheck_train"].status == "failed"
    assert "gradient of parameter 'w'" in got["gradcheck_train"].message
    assert got["gradcheck_eval"].status == "failed"


def test_max_error_is_configurable():
    class Slightly(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return 3.0 * x

        @staticmethod
        def backward(ctx, grad):
            return grad * 3.0 * (1 + 1e-4)  # relative error about 5e-5: the "inspect" band

    class Layer(mg.Module):
        def forward(self, x):
            return Slightly.apply(x)

    pm = single("layers", "slightly", Layer, example=lambda rng: (Layer(), [rng.standard_normal((3, 3))]))
    only = {"plugin_manager": pm, "checks": ["gradcheck_eval"]}
    strict = check_component("layers", "slightly", **only)
    loose = check_component("layers", "slightly", **only, max_error=1e-3)
    assert not strict.passed and loose.passed
    assert 1e-6 < loose.results[0].relative_error < 1e-4


def test_schedule_under_an_existing_name_raises_registration_error_naming_both(fresh_plugins):
    @mg.hookimpl
    def minigrad_register_schedules(registry):
        registry.add("constant", lambda lr0: lambda epoch: lr0)

    with pytest.raises(mg.RegistrationError, match=r"'builtin'.*'clashing'"):
        check_plugin(plugin(minigrad_register_schedules=minigrad_register_schedules), name="clashing")

    @mg.hookimpl
    def warm(registry):
        registry.add("warm", lambda lr0: lambda epoch: lr0)

    @mg.hookimpl
    def warm_again(registry):
        registry.add("warm", lambda lr0: lambda epoch: 2 * lr0)

    mg.register_plugin(plugin(minigrad_register_schedules=warm), name="first")
    with pytest.raises(mg.RegistrationError, match=r"'first'.*'second'"):
        mg.register_plugin(plugin(minigrad_register_schedules=warm_again), name="second")


def test_checking_a_plugin_object_changes_nothing_global(fresh_plugins):
    before = mg.get_plugin_manager().plugin_names()
    check_plugin(load("sample_plugin", SAMPLE_SOURCE), families=["schedules"])
    assert mg.get_plugin_manager().plugin_names() == before


def test_a_loaded_plugin_is_checked_by_name(fresh_plugins):
    mg.register_plugin(load("sample_plugin", SAMPLE_SOURCE), name="sample")
    report = check_plugin("sample", families=["schedules", "callbacks"])
    assert report.passed and {r.component for r in report} == {"halving", "noop"}
    assert {r.plugin for r in report} == {"sample"}


def test_unknown_plugin_name_is_a_config_error():
    with pytest.raises(mg.ConfigError, match="no plugin named 'no_such_plugin_here'"):
        check_plugin("no_such_plugin_here")


def test_options_are_validated():
    pm = single("schedules", "flat", lambda lr0: lambda epoch: lr0)
    with pytest.raises(mg.ConfigError, match="examples"):
        check_component("schedules", "flat", plugin_manager=pm, examples=0)
    with pytest.raises(mg.ConfigError, match="no check 'nope'"):
        run_check(pm.registry("schedules").get("flat"), "nope")


# ------------------------------------------------------------------------ layers
class Counter(mg.Module):
    """Eval-mode output changes with every call: a layer mutating state in eval mode."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return x * float(self.calls)


def test_missing_example_fails_once_and_says_what_to_add():
    got = results("layers", "counter", Counter)
    assert got["example"].status == "failed"
    assert "missing example" in got["example"].message
    assert "example=lambda rng: (module, [input arrays" in got["example"].message
    assert {got[c].status for c in got if c != "example"} == {"skipped"}


def test_eval_mode_must_be_deterministic():
    example = lambda rng: (Counter(), [rng.standard_normal((2, 2))])  # noqa: E731
    got = results("layers", "counter", Counter, example=example)
    assert got["determinism"].status == "failed"
    assert "eval-mode calls" in got["determinism"].message


class NoisyDropout(mg.Module):
    """Inverted dropout; ``replayable`` chooses mg.draw_random or a direct draw."""

    def __init__(self, *, replayable=True, seed=0):
        super().__init__()
        self.generator = np.random.default_rng(seed)
        self.replayable = replayable

    def forward(self, x):
        if not self.training:
            return x * 1.0
        if self.replayable:
            keep = mg.draw_random(self.generator, lambda g: g.random(x.shape)) < 0.7
        else:
            keep = self.generator.random(x.shape) < 0.7
        return x * mg.Tensor((keep / 0.7).astype(x.dtype))


def dropout_example(replayable):
    return lambda rng: (NoisyDropout(replayable=replayable, seed=1), [rng.standard_normal((6, 4))])


def test_stochastic_layer_is_gradchecked_in_training_mode_with_replayed_draws():
    got = results("layers", "noisy", NoisyDropout, example=dropout_example(True), stochastic=True)
    assert all(r.passed for r in got.values()), [str(r) for r in got.values()]
    assert got["gradcheck_train"].status == "passed"


def test_stochastic_layer_drawing_directly_fails_with_a_hint():
    got = results("layers", "noisy", NoisyDropout, example=dropout_example(False), stochastic=True)
    assert got["gradcheck_train"].status == "failed"
    assert "mg.draw_random" in got["gradcheck_train"].message
    assert got["gradcheck_eval"].status == "passed"


def test_random_training_output_needs_the_stochastic_declaration():
    got = results("layers", "noisy", NoisyDropout, example=dropout_example(True))
    assert got["determinism"].status == "failed"
    assert "stochastic=True" in got["determinism"].message


class ScaleThenRelu(mg.Module):
    """y = a x, fusing a following built-in relu into max(a x, 0), exactly or ``off`` by a factor."""

    def __init__(self, off=1.0):
        super().__init__()
        self.a = mg.Parameter(np.array([1.5, -0.5, 2.0]))
        self.off = off

    def forward(self, x):
        return x * self.a

    def fuse_next(self, following):
        if type(following) is not type(mg.layer("relu")):
            return None
        return lambda x: mg.maximum(self(x), 0.0) * self.off


def scale_example(off):
    return lambda rng: (ScaleThenRelu(off), [rng.standard_normal((4, 3))])


def test_a_layer_fusing_exactly_passes_the_fusion_check():
    got = results("layers", "scale", ScaleThenRelu, example=scale_example(1.0))
    assert all(r.passed for r in got.values()), [str(r) for r in got.values()]
    assert "fused run(s) give exactly the numbers" in got["fusion"].message


def test_a_fusion_that_changes_the_numbers_fails_naming_the_follower_and_what_differs():
    got = results("layers", "scale", ScaleThenRelu, example=scale_example(1.0 + 1e-12))
    assert got["fusion"].status == "failed"
    message = got["fusion"].message
    assert "fused with 'relu' in training mode" in message
    assert "the output differs from the layers run one by one" in message


def test_a_fuse_next_that_raises_for_a_stranger_fails_saying_to_return_none():
    class Picky(ScaleThenRelu):
        def fuse_next(self, following):
            return following.alpha  # not every layer has one

    got = results("layers", "picky", Picky, example=lambda rng: (Picky(), [rng.standard_normal((4, 3))]))
    assert got["fusion"].status == "failed"
    assert "raised AttributeError" in got["fusion"].message and "return None" in got["fusion"].message


def test_float32_layers_are_fused_in_float32():
    report = check_component("layers", "dense", checks=["fusion"], seed=3)
    assert report.passed
    layer = mg.layer("dense", 3, 3, dtype=np.float32, rng=0)
    follower = mg.layer("relu")
    from minigrad.testing import _fusion_difference  # the comparison the check runs

    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    assert _fusion_difference(layer.fuse_next(follower), [layer, follower], x) is None
    assert _fusion_difference(layer.fuse_next(follower), [layer, follower], mg.Tensor(x)) is None
    broken = lambda t: layer(t) * 1.0001  # noqa: E731  (not relu: must be reported)
    assert "the output differs" in _fusion_difference(broken, [layer, follower], x)


def test_layers_without_fuse_next_pass_the_fusion_check_with_nothing_to_do():
    report = check_component("layers", "relu", checks=["fusion"])
    (outcome,) = report.results
    assert outcome.status == "passed" and "nothing to fuse" in outcome.message


def test_the_builtin_dense_fusions_are_checked():
    report = check_component("layers", "dense", checks=["fusion"])
    (outcome,) = report.results
    assert outcome.status == "passed"
    compared = re.search(r"(\d+) fused run\(s\) give exactly the numbers", outcome.message)
    assert compared and int(compared.group(1)) > 0, outcome.message


class Hidden(mg.Module):
    """Keeps a Parameter in a list in a dict, where named_parameters() cannot see it (a
    list of parameters itself is refused when assigned; nested ones are the kit's)."""

    def __init__(self):
        super().__init__()
        self.weights = {"hidden": [mg.Parameter(np.ones((2, 2)))]}

    def forward(self, x):
        return x @ self.weights["hidden"][0]


class Unused(mg.Module):
    def __init__(self):
        super().__init__()
        self.w = mg.Parameter(np.ones(2))
        self.spare = mg.Parameter(np.ones(2))

    def forward(self, x):
        return x * self.w


class _ScaleForgetful(mg.Function):
    """y = x * gamma whose backward forgets gamma in dx: right only while gamma is 1."""

    @staticmethod
    def forward(ctx, x, gamma):
        ctx.save_for_backward(x)
        return x * gamma

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        return g, (g * x).sum(axis=0)


class Scale(mg.Module):
    def __init__(self, n=3):
        super().__init__()
        self.gamma = mg.Parameter(np.ones(n))  # the usual default: 1

    def forward(self, x):
        return _ScaleForgetful.apply(x, self.gamma)


def test_default_parameter_values_do_not_hide_a_backward_bug():
    got = results("layers", "scale", Scale, example=lambda rng: (Scale(), [rng.standard_normal((4, 3))]))
    assert got["gradcheck_train"].status == "failed", got["gradcheck_train"].message
    assert "input 0" in got["gradcheck_train"].message


class Shift(mg.Module):
    """Adds a float64 offset whatever the input's dtype: breaks float32 models."""

    def __init__(self, n=3):
        super().__init__()
        self.offset = mg.Parameter(np.ones(n))

    def forward(self, x):
        return x + self.offset * np.ones(self.offset.shape)  # a float64 constant: float32 mixes


class Upcast(mg.Module):
    def forward(self, x):
        return x.astype(np.float64) * 2.0


@pytest.mark.parametrize(
    ("layer", "message"), [(Shift, "the forward pass mixed dtypes"), (Upcast, "the output is float64")]
)
def test_a_layer_must_keep_float32(layer, message):
    got = results("layers", "f32", layer, example=lambda rng: (layer(), [rng.standard_normal((4, 3))]))
    assert got["gradcheck_train"].status == "passed"
    assert got["float32"].status == "failed", got["float32"].message
    assert "with float32 parameters and inputs (example 0, training mode)" in got["float32"].message
    assert message in got["float32"].message, got["float32"].message


def test_parameters_must_be_registered_and_used():
    got = results("layers", "hidden", Hidden, example=lambda rng: (Hidden(), [rng.standard_normal((3, 2))]))
    assert got["parameters"].status == "failed"
    assert "weights['hidden'][0]" in got["parameters"].message
    got = results("layers", "unused", Unused, example=lambda rng: (Unused(), [rng.standard_normal((3, 2))]))
    assert got["parameters"].status == "failed"
    assert "'spare'" in got["parameters"].message and "no gradient" in got["parameters"].message


def test_output_shape_is_checked_against_the_declaration_or_the_batch_axis():
    class Transpose(mg.Module):
        def forward(self, x):
            return x.T * 1.0

    example = lambda rng: (Transpose(), [rng.standard_normal((3, 2))])  # noqa: E731
    got = results("layers", "transpose", Transpose, example=example)
    assert got["output_shape"].status == "failed" and "batch axis" in got["output_shape"].message
    got = results("layers", "transpose", Transpose, example=example, output_shape=lambda s: s[::-1])
    assert got["output_shape"].status == "passed"
    got = results("layers", "transpose", Transpose, example=example, output_shape=lambda s: s)
    assert got["output_shape"].status == "failed" and "declares (3, 2)" in got["output_shape"].message


def test_hypothesis_strategy_examples_are_drawn():
    from hypothesis.extra import numpy as hnp

    drawn = []

    def build(x):
        drawn.append(x.shape)
        return mg.Sequential(), [x]

    arrays = hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=4),
        elements=st.floats(-3, 3),
    )

    class Square(mg.Module):
        def forward(self, x):
            return x * x

    strategy = arrays.map(lambda x: (Square(), [x]))
    report = check_component(
        "layers",
        "square",
        plugin_manager=single("layers", "square", Square, example=strategy),
        examples=4,
        checks=["gradcheck_eval", "output_shape"],
    )
    assert report.passed, str(report)
    assert len(report) == 2


def test_a_crash_inside_the_plugin_is_a_failed_result():
    def explode(rng):
        raise RuntimeError("boom")

    got = results("layers", "bomb", Counter, example=explode)
    assert got["example"].status == "failed"
    assert "RuntimeError: boom" in got["example"].message


# ------------------------------------------------------------ losses, regularizers
def test_a_summed_loss_fails_the_batch_mean_check():
    def summed():
        return lambda p, t: ((p - mg.Tensor(t)) ** 2).sum()

    example = lambda rng: (summed(), rng.standard_normal((3, 2)), rng.standard_normal((3, 2)))  # noqa: E731
    got = results("losses", "summed", summed, example=example)
    assert got["gradcheck"].status == "passed"
    assert got["batch_mean"].status == "failed" and "averaged over the batch" in got["batch_mean"].message


def test_a_loss_must_return_a_scalar_and_its_gradient_is_checked():
    def per_example():
        return lambda p, t: ((p - mg.Tensor(t)) ** 2).mean(axis=1)

    example = lambda rng: (per_example(), rng.standard_normal((3, 2)), rng.standard_normal((3, 2)))  # noqa: E731
    got = results("losses", "per_example", per_example, example=example)
    assert got["scalar"].status == "failed" and "shape (3,)" in got["scalar"].message

    class Bad(mg.Function):
        @staticmethod
        def forward(ctx, p):
            ctx.save_for_backward(p)
            return np.array(np.mean(p**2))

        @staticmethod
        def backward(ctx, grad):
            (p,) = ctx.saved
            return grad * p / p.size  # should be 2p / size

    example = lambda rng: ((lambda p, t: Bad.apply(p)), rng.standard_normal((3, 2)), None)  # noqa: E731
    got = results("losses", "bad", lambda: None, example=example)
    assert got["gradcheck"].status == "failed"
    assert "gradient of prediction" in got["gradcheck"].message


def test_a_regularizer_gradient_bug_names_the_parameter():
    class HalfGrad(mg.Function):
        @staticmethod
        def forward(ctx, w):
            ctx.save_for_backward(w)
            return np.array(np.sum(w * w))

        @staticmethod
        def backward(ctx, grad):
            (w,) = ctx.saved
            return grad * w  # should be 2w

    def penalty(named, m):
        return sum((HalfGrad.apply(p) for _, p in named if p.regularize), mg.Tensor(np.array(0.0))) / m

    def example(rng):
        return penalty, {"W": mg.Parameter(rng.standard_normal((2, 2)))}, 4

    got = results("regularizers", "half", lambda lam=0.1: penalty, example=example)
    assert got["gradcheck"].status == "failed"
    assert "parameter 'W'" in got["gradcheck"].message and "regularizer 'half'" in got["gradcheck"].message
    assert got["exemptions"].status == "passed"


def test_a_regularizer_that_penalizes_exempt_parameters_fails():
    def everything(*, lam=0.1):
        return lambda named, m: sum(((p * p).sum() for _, p in named), mg.Tensor(0.0)) * (lam / m)

    def example(rng):
        return everything(), {"W": mg.Parameter(rng.standard_normal((2, 2)))}, 4

    got = results("regularizers", "everything", everything, example=example)
    assert got["gradcheck"].status == "passed" and got["exemptions"].status == "failed"
    message = got["exemptions"].message
    assert "marked regularize=False" in message and "p.regularize" in message


# -------------------------------------------------------------------- optimizers
class Ascent:
    def __init__(self, *, lr=0.1):
        self.defaults = {"lr": lr}

    def init(self, param):
        return {}

    def update(self, grad, state, hyper, step):
        return hyper["lr"] * grad, state  # wrong sign on purpose


class HiddenMomentum:
    """Keeps its velocity on the rule object instead of in the state dict."""

    def __init__(self, *, lr=0.1, beta=0.9):
        self.defaults = {"lr": lr, "beta": beta}
        self.velocity = {}
        self.params = 0

    def init(self, param):
        self.params += 1
        return {"key": np.array(self.params)}

    def update(self, grad, state, hyper, step):
        key = int(state["key"])
        v = hyper["beta"] * self.velocity.get(key, 0.0) + (1 - hyper["beta"]) * grad
        self.velocity[key] = v
        return -hyper["lr"] * v, state


def test_an_optimizer_must_decrease_a_convex_quadratic():
    got = results("optimizers", "ascent", Ascent)
    assert got["interface"].status == "passed"
    assert got["quadratic"].status == "failed" and "sign of delta" in got["quadratic"].message


def test_optimizer_state_must_round_trip_bit_identically():
    got = results("optimizers", "hidden", HiddenMomentum)
    assert got["quadratic"].status == "passed"
    assert got["state_round_trip"].status == "failed"
    assert "uninterrupted run" in got["state_round_trip"].message


class ClippedSGD:
    """Clips the gradient it is given in place (``out=grad``): the parameter's .grad changes."""

    def __init__(self, *, lr=0.1):
        self.defaults = {"lr": lr}

    def init(self, param):
        return {}

    def update(self, grad, state, hyper, step):
        np.clip(grad, -0.5, 0.5, out=grad)
        return -hyper["lr"] * grad, state


def test_an_update_that_changes_the_parameters_grad_fails_the_interface_check():
    got = results("optimizers", "clipped", ClippedSGD)
    assert got["interface"].status == "failed" and "changed the grad it was given" in got["interface"].message


def test_an_update_returning_grad_itself_as_the_delta_fails_the_interface_check():
    class Identity:
        def __init__(self, *, lr=0.1):
            self.defaults = {"lr": lr}

        def init(self, param):
            return {}

        def update(self, grad, state, hyper, step):
            return grad, state

    got = results("optimizers", "identity", Identity)
    assert got["interface"].status == "failed" and "shares memory with grad" in got["interface"].message


def test_an_optimizer_rule_needs_defaults_with_lr():
    class NoLr:
        def __init__(self):
            self.defaults = {"beta": 0.9}

        def init(self, param):
            return {}

        def update(self, grad, state, hyper, step):
            return -grad, state

    got = results("optimizers", "nolr", NoLr)
    assert got["interface"].status == "failed" and "'lr'" in got["interface"].message


class DriftingInPlace(Ascent):
    """``update_in_place`` forgets the learning rate that ``update`` applies."""

    def update(self, grad, state, hyper, step):
        return -hyper["lr"] * grad, state  # the right sign here

    def update_in_place(self, param, grad, state, hyper, step):
        param -= grad  # wrong on purpose: lr missing
        return state


def test_update_in_place_must_agree_with_update():
    got = results("optimizers", "drifting", DriftingInPlace)
    assert got["interface"].status == "failed"
    assert "update_in_place left the parameter" in got["interface"].message
    assert "step 1" in got["interface"].message


def test_update_in_place_must_return_the_state():
    class NoState(DriftingInPlace):
        def update_in_place(self, param, grad, state, hyper, step):
            param -= hyper["lr"] * grad  # right change, but the state is not returned

    got = results("optimizers", "nostate", NoState)
    assert got["interface"].status == "failed" and "returned a NoneType" in got["interface"].message


def test_update_in_place_must_keep_the_state_update_keeps():
    class ForgetsState(DriftingInPlace):
        def init(self, param):
            return {"count": 0}

        def update(self, grad, state, hyper, step):
            return -hyper["lr"] * grad, {"count": state["count"] + 1}

        def update_in_place(self, param, grad, state, hyper, step):
            param -= hyper["lr"] * grad
            return {}  # the count is lost

    got = results("optimizers", "forgets", ForgetsState)
    assert got["interface"].status == "failed" and "state['count']" in got["interface"].message


def test_the_kit_checks_the_in_place_method_the_driver_would_call():
    from minigrad_plugins.optimizers import SGD

    class DoubleSGD(SGD):  # changes update only: the driver uses update, and so does the kit
        def update(self, grad, state, hyper, step):
            return np.multiply(grad, -2 * hyper["lr"]), state

    got = results("optimizers", "double", DoubleSGD)
    assert got["interface"].status == "passed"
    assert "update_in_place" not in got["interface"].message


@pytest.mark.parametrize("name", ["sgd", "momentum", "rmsprop", "adam", "adamw"])
def test_builtin_in_place_rules_pass_the_interface_check(name):
    report = check_component("optimizers", name, checks=["interface"])
    (outcome,) = report.results
    assert outcome.status == "passed" and "update_in_place agrees" in outcome.message


# --------------------------------------------------------------------- schedules
def test_schedule_checks():
    def halving(lr0):
        return lambda epoch: lr0 * 0.5**epoch

    wrong = lambda rng: (halving(1.0), [(0, 1.0), (2, 0.3)])  # noqa: E731
    got = results("schedules", "halving", halving, example=wrong)
    assert got["formula"].status == "failed"
    assert "epoch 2" in got["formula"].message and got["formula"].relative_error == pytest.approx(0.05 / 0.3)

    def stateful(lr0):
        calls = []
        return lambda epoch: calls.append(epoch) or lr0 / len(calls)

    got = results("schedules", "stateful", stateful)
    assert got["pure"].status == "failed" and "pure function" in got["pure"].message
    assert got["example"].status == "failed" and got["formula"].status == "failed"

    got = results("schedules", "linear", lambda lr0: lambda epoch: lr0 * (1 - epoch / 50))
    assert got["finite_positive"].status == "failed" and "epoch 50" in got["finite_positive"].message


# ------------------------------------------------------------------ initializers
def normal(scale):
    def factory():
        def init(shape, *, fan_in, fan_out, rng, dtype):
            return (scale(fan_in, fan_out) * rng.standard_normal(shape)).astype(dtype)

        return init

    return factory


def test_initializer_variance_must_match_the_declaration():
    he = normal(lambda fi, fo: np.sqrt(2.0 / fi))
    assert results("initializers", "he", he, variance=lambda fi, fo: 2.0 / fi)["variance"].passed
    got = results("initializers", "he", he, variance=lambda fi, fo: 1.0 / fi)["variance"]
    assert got.status == "failed" and "empirical variance" in got.message and got.relative_error > 0.5
    got = results("initializers", "he", he)["variance"]
    assert got.status == "failed" and "variance=lambda fan_in, fan_out" in got.message


def test_initializer_must_honour_dtype_and_rng():
    def global_state():
        return lambda shape, *, fan_in, fan_out, rng, dtype: np.random.standard_normal(shape).astype(dtype)

    got = results("initializers", "global_state", global_state, variance=lambda fi, fo: 1.0)
    assert got["reproducible"].status == "failed" and "rng argument" in got["reproducible"].message

    def float64_only():
        return lambda shape, *, fan_in, fan_out, rng, dtype: rng.standard_normal(shape)

    got = results("initializers", "float64_only", float64_only, variance=lambda fi, fo: 1.0)
    assert got["shape_dtype"].status == "failed" and "float32" in got["shape_dtype"].message


# ------------------------------------------------- callbacks, datasets, augmentations
def test_smoke_checks_of_the_other_families():
    got = results("callbacks", "empty", object)
    assert got["construct"].status == "failed" and "none of the callback methods" in got["construct"].message

    got = results("callbacks", "needs_option", lambda *, every: object())
    assert got["construct"].status == "failed" and "give every option a default" in got["construct"].message

    class NoTrainer:  # forgot the trainer argument
        def on_epoch_end(self, epoch, logs):
            pass

    class Flexible:
        def on_epoch_end(self, *args, **kwargs):
            pass

    got = results("callbacks", "no_trainer", NoTrainer)
    assert got["construct"].status == "failed"
    assert "def on_epoch_end(self, trainer, epoch, logs)" in got["construct"].message
    assert results("callbacks", "flexible", Flexible)["construct"].status == "passed"

    def ragged(*, n=10, seed=0):
        return np.zeros((n, 2)), np.zeros(n + 1, dtype=np.int64)

    got = results("datasets", "ragged", ragged)
    assert got["shapes"].status == "failed" and "first axes differ" in got["shapes"].message

    got = results("augmentations", "to_float64", lambda: lambda batch, rng: batch.astype(np.float64))
    assert got["shape_dtype"].status == "failed" and "float32" in got["shape_dtype"].message


# ------------------------------------------------------------------------ report
def test_report_table_and_result_text():
    report = ConformanceReport(
        [
            CheckResult("p", "layers", "swish", "gradcheck_eval", "passed", 1.5e-10, "fine"),
            CheckResult("p", "layers", "swish", "gradcheck_train", "failed", 0.25, "plugin 'p' ...: bad"),
            CheckResult("p", "layers", "swish", "output_shape", "skipped", None, "no example"),
        ]
    )
    lines = str(report).splitlines()
    assert lines[0].split() == ["plugin", "family", "component", "check", "result", "worst", "rel.", "error"]
    assert lines[1].split()[-2:] == ["passed", "1.50e-10"]
    assert lines[2].split()[-2:] == ["FAILED", "2.50e-01"]
    assert lines[3].split()[-2:] == ["skipped", "-"]
    assert "3 checks: 1 passed, 1 failed, 1 skipped" in lines
    assert lines[-1] == "- plugin 'p' ...: bad"
    assert not report and report.passed is False
    assert "no example" in str(report.results[2])


@given(
    factor=st.one_of(st.floats(0.2, 0.999), st.floats(1.001, 5.0)),
    scale=st.floats(0.5, 4.0),
)
def test_the_reported_error_of_a_scaled_backward_is_the_theoretical_one(factor, scale):
    """A backward off by a factor c has relative error |1 - c| / (1 + c), whatever the layer's scale."""

    class Scale(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return scale * x

        @staticmethod
        def backward(ctx, grad):
            return grad * scale * factor

    class Layer(mg.Module):
        def forward(self, x):
            return Scale.apply(x)

    pm = single("layers", "scaled", Layer, example=lambda rng: (Layer(), [rng.standard_normal((3, 2))]))
    (result,) = check_component("layers", "scaled", plugin_manager=pm, checks=["gradcheck_eval"], examples=1)
    assert result.status == "failed"
    assert result.relative_error == pytest.approx(abs(1 - factor) / (1 + factor), rel=1e-5)
    assert "input 0" in result.message and f"{result.relative_error:.3e}" in result.message
