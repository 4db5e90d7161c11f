"""mg.gradcheck: it must catch wrong backwards, name where, read the course's bands,
work in float64, replay randomness, and stay cheap in fast mode."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.gradcheck import relative_error, verdict_for

RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 4))
B = RNG.standard_normal(4)


def square_with(backward_factor, *, sign=1.0):
    """y = x^2 whose backward returns sign * factor * x * g (correct: factor 2, sign +)."""

    class Square(mg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved
            return sign * backward_factor * x * g

    return Square


def bias_add_with(reduce):
    """x (m, n) + b (n,) whose backward reduces the bias gradient with ``reduce``."""

    class BiasAdd(mg.Function):
        @staticmethod
        def forward(ctx, x, b):
            return x + b

        @staticmethod
        def backward(ctx, g):
            return g, reduce(g)

    return BiasAdd


# ------------------------------------------------------------ catching bugs
def test_a_correct_backward_is_great():
    report = mg.gradcheck(lambda x: square_with(2.0).apply(x).sum(), [X])
    assert report.passed and report.verdict == "great" and report.relative_error < 1e-7
    assert bool(report)


def test_wrong_sign_is_a_bug_naming_the_input():
    report = mg.gradcheck(lambda x: square_with(2.0, sign=-1.0).apply(x).sum(), [X])
    assert not report.passed and report.verdict == "bug"
    assert report.relative_error == pytest.approx(1.0)
    assert report.worst.name == "input 0" and "input 0" in str(report)


def test_missing_factor_of_two_is_a_bug():
    report = mg.gradcheck(lambda x: square_with(1.0).apply(x).sum(), [X])
    assert report.verdict == "bug"
    assert report.relative_error == pytest.approx(1 / 3)  # |2x - x| / (|2x| + |x|)


@pytest.mark.parametrize(
    "wrong",
    [lambda g: g.mean(axis=0), lambda g: g[0]],
    ids=["mean instead of sum", "first row only"],
)
def test_wrong_broadcast_reduction_is_a_bug_naming_the_bias(wrong):
    BiasAdd = bias_add_with(wrong)
    x = mg.Tensor(X, requires_grad=True, name="x")
    b = mg.Tensor(B, requires_grad=True, name="b")
    report = mg.gradcheck(lambda x, b: (BiasAdd.apply(x, b) ** 2).sum(), [x, b])
    assert report.verdict == "bug"
    checks = {c.name: c for c in report.checks}
    assert checks["x"].verdict == "great"
    assert checks["b"].verdict == "bug"
    assert report.worst is checks["b"]
    assert "worst: b[" in str(report)
    good = mg.gradcheck(lambda x, b: (bias_add_with(lambda g: g.sum(axis=0)).apply(x, b) ** 2).sum(), [x, b])
    assert good.verdict == "great"


def test_the_report_names_the_worst_element_and_both_values():
    class OneWrongElement(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return 3.0 * x

        @staticmethod
        def backward(ctx, g):
            grad = 3.0 * g
            grad[1, 2] = 0.0  # forgot one element
            return grad

    report = mg.gradcheck(lambda x: OneWrongElement.apply(x).sum(), [X])
    check = report.checks[0]
    assert check.worst_index == (1, 2)
    assert check.worst_analytic == 0.0
    assert check.worst_numeric == pytest.approx(3.0)
    text = str(report)
    assert "input 0[1, 2]" in text and "backprop 0" in text and "finite differences 3" in text


def test_non_scalar_outputs_are_checked_through_a_random_reduction():
    good = mg.gradcheck(lambda x: square_with(2.0).apply(x), [X])
    bad = mg.gradcheck(lambda x: square_with(2.0, sign=-1.0).apply(x), [X])
    assert good.verdict == "great" and bad.verdict == "bug"


# --------------------------------------------------------------------- bands
def test_verdict_bands():
    assert verdict_for(0.0) == "great"
    assert verdict_for(9.9e-8) == "great"
    assert verdict_for(1e-7) == "inspect"
    assert verdict_for(5e-4) == "inspect"
    assert verdict_for(1e-3) == "bug"
    assert verdict_for(float("nan")) == "bug"
    assert verdict_for(1e-5, great=1e-4) == "great"
    assert verdict_for(1e-5, bug=1e-6) == "bug"


def test_relative_error_formula():
    approx, grad = np.array([3.0, 4.0]), np.array([3.0, 0.0])
    assert relative_error(approx, grad) == pytest.approx(4.0 / (5.0 + 3.0))
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


@pytest.mark.parametrize(
    ("factor", "options", "verdict"),
    [
        (2.0, {}, "great"),
        (2.0 * (1 + 1e-5), {}, "inspect"),
        (2.0 * (1 + 1e-1), {}, "bug"),
        (2.0 * (1 + 1e-5), {"great": 1e-4}, "great"),
        (2.0 * (1 + 1e-5), {"bug": 1e-6}, "bug"),
        (2.0 * (1 + 1e-1), {"bug": 0.5}, "inspect"),
    ],
)
def test_bands_and_custom_thresholds(factor, options, verdict):
    report = mg.gradcheck(lambda x: square_with(factor).apply(x).sum(), [X], **options)
    assert report.verdict == verdict, str(report)
    assert report.passed == (verdict != "bug")
    for key, value in options.items():
        assert getattr(report, key) == value


def test_zero_gradients_within_rounding_noise_agree():
    # d/dx sum(x - mean(x)) = 0 exactly; finite differences only see rounding noise
    x = RNG.standard_normal(50) * 10

    def fn(t):
        return (t - t.mean()).sum() + 3.0

    report = mg.gradcheck(fn, [x])
    assert report.passed and report.relative_error == 0.0
    assert report.notes and "rounding noise" in report.notes[0]
    strict = mg.gradcheck(fn, [x], atol=0.0)
    assert strict.verdict == "bug"  # without the floor, noise / noise reads as 100 %


def test_a_bug_in_gradients_within_atol_reads_inspect_not_great():
    # the course's random init (weights ~ 0.01) gives gradients of ~1e-8: a factor-2 bug
    # then differs by less than atol, yet backprop's gradient is not zero
    x = np.full(6, 1e-8)

    def fn(t):
        return square_with(1.0).apply(t).sum() * 2.0

    report = mg.gradcheck(fn, [x])
    assert report.verdict == "inspect" and report.checks[0].verdict == "inspect", str(report)
    assert report.relative_error == pytest.approx(1 / 3, rel=1e-3)
    assert "may be a real bug" in report.notes[0] and "smaller atol" in report.notes[0]
    assert mg.gradcheck(fn, [x], atol=1e-12).verdict == "bug"
    correct = mg.gradcheck(lambda t: square_with(2.0).apply(t).sum() * 2.0, [x])
    assert correct.verdict == "great"
    # a correct gradient of 1e-8 under J ~ 1.4 scatters by rounding (~1e-9, a ratio of a
    # few %): that is noise, not a bug
    noisy = mg.gradcheck(lambda t: square_with(2.0).apply(t).sum() * 0.1 + np.log(4.0), [np.array([5.96e-8])])
    assert noisy.verdict == "great" and "within rounding noise" in noisy.notes[0], str(noisy)


def test_a_dropped_gradient_within_atol_reads_bug():
    """Gradients of ~1e-8 (the course's 0.01 initialization) that backward drops, or
    shrinks a thousandfold, differ from the finite differences by less than atol, but by
    far more than rounding: a bug, not 'within rounding noise'."""
    rng = np.random.default_rng(0)
    X, W = rng.standard_normal((16, 5)), rng.standard_normal((5, 5)) * 0.01

    def product(scale):
        class Product(mg.Function):
            @staticmethod
            def forward(ctx, x, w):
                ctx.save_for_backward(x)
                return x @ w

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved
                return None, scale * (x.T @ g)

        return lambda w: (Product.apply(X, w).tanh() ** 2).mean() * 1e-5  # gradients ~4e-8

    for scale in (0.0, 1e-3):
        report = mg.gradcheck(product(scale), [W])
        assert report.verdict == "bug" and not report.passed, str(report)
        assert "a gradient backward drops?" in report.notes[0]
    assert mg.gradcheck(product(1.0), [W]).verdict == "great"


def test_a_dropped_gradient_reads_bug_when_j_has_a_constant_offset():
    """J + 1e-3 rounds a million times more coarsely than J ~ 4e-9 (resolution ~1e-12):
    dropped gradients of ~4e-8 are then ~4e4 resolutions, still far beyond rounding."""
    rng = np.random.default_rng(0)
    X, W = rng.standard_normal((16, 5)), rng.standard_normal((5, 5)) * 0.01

    class Dropped(mg.Function):
        @staticmethod
        def forward(ctx, x, w):
            return x @ w

        @staticmethod
        def backward(ctx, g):
            return None, np.zeros((5, 5))

    report = mg.gradcheck(lambda w: (Dropped.apply(X, w).tanh() ** 2).mean() * 1e-5 + 1e-3, [W])
    assert report.verdict == "bug" and not report.passed, str(report)
    assert "a gradient backward drops?" in report.notes[0]
    assert "about 1e-12" in report.notes[0]


def test_rounding_in_a_large_intermediate_value_is_not_read_as_a_dropped_gradient():
    """((a + b) - b) * b with |a| << |b|: J is ~1e-15 but a + b ~ 2 rounds to steps of
    4e-16, so the differences for b scatter by ~2e-9, a million million times J's own
    rounding, while backprop's gradient (a) is 2e-15. Confirmed with a 100-times wider
    step, where that noise is 100 times smaller, it agrees: not a bug."""

    def fn(x, y):
        return ((x + y) - y) * y

    inputs = [np.array(1.99840144e-15), np.array(2.0)]
    for fast in (False, True):
        report = mg.gradcheck(fn, inputs, fast=fast)
        assert report.verdict == "great" and report.passed, str(report)
        assert "100 times the step gives differences that agree" in report.notes[0], str(report)
        assert "rounding noise from intermediate values larger than J" in report.notes[0]
    # the wider step is taken only to confirm such a reading: a correct check costs none
    assert mg.gradcheck(fn, [np.array(0.5), np.array(2.0)]).evaluations == 5


def test_a_dropped_gradient_stays_a_bug_after_the_wider_step():
    # the same cancellation, but backward drops y's gradient where it is ~1e-8: the
    # wider step confirms the finite differences, so the reading stands
    class DropY(mg.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(y)
            return x * y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved
            return g * y, np.zeros_like(y)

    for fast in (False, True):
        report = mg.gradcheck(lambda x, y: DropY.apply(x, y), [np.array(1e-8), np.array(2.0)], fast=fast)
        assert report.verdict == "bug", str(report)
        assert "a gradient backward drops?" in report.notes[0], str(report)


def test_a_bug_in_one_small_tensor_is_not_diluted_by_the_others():
    # the whole θ's relative error is ~2e-4 (inspect), but b's own is 100 %: a bug
    a, b = RNG.standard_normal(5), RNG.standard_normal(5)

    def fn(x, y):
        return (x * x).sum() * 1000.0 + square_with(2.0, sign=-1.0).apply(y).sum() * 0.1

    for fast in (False, True):
        report = mg.gradcheck(fn, [a, b], fast=fast)
        assert [c.verdict for c in report.checks] == ["great", "bug"], str(report)
        assert report.verdict == "bug" and not report.passed, str(report)
    whole = mg.gradcheck(fn, [a, b])
    assert verdict_for(whole.relative_error) == "inspect"  # the course's number, kept
    assert "-> BUG (from input 1)" in str(whole).splitlines()[0]
    with pytest.raises(mg.GradcheckError, match="input 1"):
        mg.assert_gradcheck(fn, [a, b])


def test_small_but_real_gradients_are_still_checked():
    x = np.full(4, 1e-3)
    report = mg.gradcheck(lambda t: square_with(2.0, sign=-1.0).apply(t).sum(), [x])
    assert report.verdict == "bug"  # gradient RMS 2e-3 is far above the noise floor


# --------------------------------------------------------- float64 promotion
def test_float32_inputs_and_params_are_checked_in_float64_and_restored():
    x32 = RNG.standard_normal((3, 4)).astype(np.float32)
    x_before = x32.copy()
    model = mg.Module()
    model.w = mg.Parameter(RNG.standard_normal((4, 2)).astype(np.float32))
    model.b = mg.Parameter(np.zeros(2, dtype=np.float32), regularize=False)
    w_data, w_values = model.w.data, model.w.data.copy()
    model.b.grad = np.full(2, 5.0, dtype=np.float32)
    seen = set()

    def fn(x):
        seen.add(model.w.data.dtype)
        return ((x @ model.w + model.b).tanh() ** 2).sum()

    report = mg.gradcheck(fn, [x32], params=model)
    # float32 differences with eps = 1e-7 would be meaningless; float64 is great
    assert report.verdict == "great", str(report)
    assert seen == {np.dtype(np.float64)}
    np.testing.assert_array_equal(x32, x_before)
    assert x32.dtype == np.float32
    assert model.w.data is w_data and model.w.dtype == np.float32
    np.testing.assert_array_equal(model.w.data, w_values)
    assert model.w.grad is None
    np.testing.assert_array_equal(model.b.grad, [5.0, 5.0])


def test_float32_tensor_inputs_are_copied_not_changed():
    x = mg.Tensor(RNG.standard_normal(5).astype(np.float32), requires_grad=True)
    data = x.data
    before = data.copy()
    mg.gradcheck(lambda t: (t.exp() * t).sum(), [x])
    assert x.data is data and x.dtype == np.float32 and x.grad is None
    np.testing.assert_array_equal(x.data, before)


def test_a_float32_model_with_float32_constants_is_checked_in_float64():
    # the data batch stays an unchecked float32 constant; a constant-only op (tanh of
    # the batch) comes out float32 and is made float64, so what follows is float64
    X = mg.Tensor(RNG.standard_normal((6, 4)).astype(np.float32))
    labels = np.array([0, 1, 2, 0, 1, 2])
    model = mg.Sequential(mg.layer("dense", 4, 3, dtype=np.float32))
    outputs = []

    def fn():
        features = X.tanh()
        outputs.append(features.dtype)
        return mg.loss("softmax_cross_entropy")(model(features), labels)

    report = mg.gradcheck(fn, [], params=model)
    assert report.verdict == "great", str(report)
    assert set(outputs) == {np.dtype(np.float64)}
    assert model[0].W.dtype == np.float32


def test_the_float64_scope_does_not_leak_into_ordinary_ops():
    from minigrad.gradcheck import _promoted

    x = mg.Tensor(np.ones(3, dtype=np.float32))
    with _promoted():
        assert x.tanh().dtype == np.float64
    assert x.tanh().dtype == np.float32
    with pytest.raises(mg.DTypeError):
        x + mg.Tensor(np.ones(3))


def test_buffers_are_restored_after_the_check():
    class RunningMean(mg.Module):
        def __init__(self):
            super().__init__()
            self.w = mg.Parameter(np.ones(3))
            self.register_buffer("running", np.zeros(3))
            self.register_buffer("calls", 0)

        def forward(self, x):
            self.running *= 0.9  # updated in place
            self.running += 0.1 * x.data.mean(axis=0)
            self.calls = self.calls + 1  # reassigned
            return (x * self.w).sum()

    model = RunningMean()
    buffer = model.running
    mg.gradcheck(model, [RNG.standard_normal((2, 3))], params=model)
    assert model.running is buffer
    np.testing.assert_array_equal(model.running, np.zeros(3))
    assert model.calls == 0


# ----------------------------------------------------------------- randomness
def dropout_like(keep=0.5, seed=0):
    rng = np.random.default_rng(seed)

    def fn(x):
        mask = mg.draw_random(rng, lambda g: g.random(x.shape)) < keep
        return ((x * mask / keep).tanh() * x).sum()

    return fn


def test_a_stochastic_function_using_draw_random_passes():
    report = mg.gradcheck(dropout_like(), [RNG.standard_normal((4, 5))])
    assert report.verdict == "great", str(report)


def test_a_draw_scaled_in_place_is_replayed_intact():
    rng = np.random.default_rng(3)

    def fn(x):
        noise = mg.draw_random(rng, lambda g: g.standard_normal(x.shape))
        noise *= 2.0  # in place, on every evaluation
        return (x * noise).sum()

    report = mg.gradcheck(fn, [RNG.standard_normal(6)])
    assert report.verdict == "great", str(report)


def test_randomness_drawn_directly_from_a_generator_is_not_replayed():
    rng = np.random.default_rng(0)

    def fn(x):  # the control: a fresh mask on every evaluation
        return (x * (rng.random(x.shape) < 0.5)).sum()

    assert mg.gradcheck(fn, [RNG.standard_normal(20)]).verdict == "bug"


def test_a_function_using_numpy_global_random_state_passes():
    def fn(x):
        mask = np.random.rand(*x.shape) < 0.5
        return ((x * mask).tanh() * x).sum()

    report = mg.gradcheck(fn, [RNG.standard_normal((4, 5))])
    assert report.verdict == "great", str(report)


def test_global_random_state_drawn_only_after_the_first_evaluation():
    calls = []

    def fn(x):
        calls.append(1)
        if len(calls) == 1:  # the first evaluation draws nothing
            return (x * 0.5).sum()
        return (x * np.random.rand(*x.shape)).sum()

    outside = np.random.get_state()  # the global state is process-wide: set back at the end
    try:
        np.random.seed(1)  # draws 0.42, 0.72 and 1.1e-4: a small one, where a relative tolerance is too tight
        state = np.random.get_state()
        expected = np.random.rand(3)  # what every later evaluation must see
        np.random.set_state(state)
        report = mg.gradcheck(fn, [np.ones(3)])
    finally:
        np.random.set_state(outside)
    check = report.checks[0]
    # finite differences see the same replayed draw in every evaluation, up to rounding in
    # J (|J| < 3): one rounding step of J over 2 eps, about 3e-9 (a draw not replayed is off
    # by ~(r - r') / 2e-7, and one replayed from the wrong state by ~r - r')
    resolution = np.finfo(np.float64).eps * 3 / (2 * report.eps)
    assert check.worst_numeric == pytest.approx(expected[check.worst_index], rel=1e-6, abs=2 * resolution)
    assert report.evaluations == 1 + 2 * 3 + 2 * 3  # measured again, resetting the state


def test_the_global_random_state_is_left_alone_when_fn_never_draws(monkeypatch):
    # it is process-wide: setting it back would rewind draws another thread made meanwhile
    resets = []
    real = np.random.set_state
    monkeypatch.setattr(np.random, "set_state", lambda state: resets.append(1) or real(state))
    for fast in (False, True):
        mg.gradcheck(lambda t: (t.tanh() * t).sum(), [RNG.standard_normal(5)], fast=fast)
    assert resets == []
    before = np.random.get_state()
    mg.gradcheck(lambda t: (t * np.random.rand(3)).sum(), [np.ones(3)])
    assert resets  # fn drew: set back, before every evaluation and at the end
    after = np.random.get_state()
    assert after[2:] == before[2:] and np.array_equal(after[1], before[1])


# ------------------------------------------------------------------ fast mode
def test_fast_mode_passes_correct_and_fails_wrong_gradients():
    x = RNG.standard_normal((40, 50))
    good = mg.gradcheck(lambda t: (t.tanh() * t).sum(), [x], fast=True)
    bad = mg.gradcheck(lambda t: square_with(1.0).apply(t).sum(), [x], fast=True)
    assert good.mode == "fast" and good.verdict in ("great", "inspect") and good.passed
    assert bad.verdict == "bug"


def test_fast_mode_needs_far_fewer_evaluations():
    x = RNG.standard_normal(2000)
    fast = mg.gradcheck(lambda t: (t * t).sum(), [x], fast=True, directions=3)
    assert fast.evaluations == 1 + 2 * 3
    small = RNG.standard_normal(30)
    full = mg.gradcheck(lambda t: (t * t).sum(), [small])
    assert full.evaluations == 1 + 2 * 30
    assert fast.evaluations < full.evaluations


# --------------------------------------------------------------------- params
class Inner(mg.Module):
    def __init__(self):
        super().__init__()
        self.w = mg.Parameter(RNG.standard_normal((3, 2)))
        self.b = mg.Parameter(np.zeros(2), regularize=False)

    def forward(self, x):
        return (x @ self.w + self.b).tanh()


def test_params_module_gives_dotted_names():
    model = mg.Sequential(Inner(), Inner())
    model[1].w = mg.Parameter(RNG.standard_normal((2, 2)))  # takes the first layer's 2 outputs
    x = RNG.standard_normal((4, 3))
    report = mg.gradcheck(lambda: (model(mg.Tensor(x)) ** 2).sum(), params=model)
    assert [c.name for c in report.checks] == ["0.w", "0.b", "1.w", "1.b"]
    assert report.verdict == "great"


def test_params_as_dict_and_list():
    w = mg.Parameter(RNG.standard_normal(3))
    v = mg.Parameter(RNG.standard_normal(3), name="v")
    as_dict = mg.gradcheck(lambda: (w * v).sum(), params={"weight": w, "other": v})
    assert [c.name for c in as_dict.checks] == ["weight", "other"]
    as_list = mg.gradcheck(lambda: (w * v).sum(), params=[w, v])
    assert [c.name for c in as_list.checks] == ["param 0", "v"]


def test_inputs_and_params_together():
    model = Inner()
    report = mg.gradcheck(lambda x: model(x).sum(), [RNG.standard_normal((2, 3))], params=model)
    assert [c.name for c in report.checks] == ["input 0", "w", "b"]


def test_constant_inputs_are_passed_through():
    labels = np.array([0, 2, 1])
    const = mg.Tensor(RNG.standard_normal(3))
    report = mg.gradcheck(lambda x, c, y, k: (x[y] * c * k).sum(), [RNG.standard_normal(3), const, labels, 2])
    assert [c.name for c in report.checks] == ["input 0"] and report.verdict == "great"


# ------------------------------------------------------------ errors & assert
def test_nothing_to_check_is_an_error():
    with pytest.raises(mg.MinigradError, match="nothing to check"):
        mg.gradcheck(lambda y: mg.Tensor([1.0]).sum(), [np.array([1, 2])])


def test_fn_must_return_a_tensor():
    with pytest.raises(mg.MinigradError, match="must return a Tensor"):
        mg.gradcheck(lambda x: 1.0, [np.ones(2)])


def test_output_must_depend_on_a_checked_tensor():
    with pytest.raises(mg.MinigradError, match="does not depend"):
        mg.gradcheck(lambda x: mg.Tensor([1.0]).sum(), [np.ones(2)])


def test_assert_gradcheck_raises_gradcheck_error_with_the_report():
    with pytest.raises(mg.GradcheckError) as info:
        mg.assert_gradcheck(lambda x: square_with(1.0).apply(x).sum(), [X])
    assert isinstance(info.value, AssertionError)
    assert isinstance(info.value, mg.MinigradError)
    assert info.value.report.verdict == "bug"
    assert str(info.value) == str(info.value.report)
    assert "BUG" in str(info.value) and "input 0" in str(info.value)


def test_assert_gradcheck_returns_the_report_and_honours_max_error():
    fn = lambda x: square_with(2.0 * (1 + 1e-5)).apply(x).sum()  # noqa: E731
    report = mg.assert_gradcheck(fn, [X])
    assert report.verdict == "inspect"
    with pytest.raises(mg.GradcheckError):
        mg.assert_gradcheck(fn, [X], max_error=1e-7)


def test_report_text_lists_every_tensor():
    report = mg.gradcheck(lambda a, b: (a * b).sum(), [X, X.copy()])
    text = str(report)
    assert text.startswith("gradcheck (full mode, eps=1e-07)")
    assert "input 0" in text and "input 1" in text and "GREAT" in text
    assert "evaluations" in text


@pytest.mark.parametrize("fast", [False, True])
def test_a_function_that_raises_midway_leaves_the_tensors_unperturbed(fast):
    w = mg.Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    calls = []

    def fn():
        calls.append(w.data.copy())
        if len(calls) == 4:  # fails during the numeric evaluations, with w perturbed
            raise RuntimeError("boom")
        return (w * w).sum()

    with pytest.raises(RuntimeError, match="boom"):
        mg.gradcheck(fn, params=[w], fast=fast)
    np.testing.assert_array_equal(w.data, [1.0, 2.0, 3.0])
    assert not np.array_equal(calls[-1], [1.0, 2.0, 3.0])  # it did fail while perturbed


@pytest.mark.parametrize("make", [np.asarray, lambda x: mg.Tensor(x, requires_grad=True)])
def test_inputs_must_be_a_list_of_arguments_not_one_array(make):
    with pytest.raises(mg.MinigradError, match=r"inputs is one .* of shape \(3, 4\).*pass \[x\]"):
        mg.gradcheck(lambda t: (t * t).sum(), make(X))


def test_a_nan_gradient_is_a_bug_not_within_atol():
    with np.errstate(invalid="ignore"):  # log(-1)
        report = mg.gradcheck(lambda t: t.log().sum(), [np.array([-1.0, 2.0])])
        assert report.verdict == "bug" and not report.passed, str(report)
        with pytest.raises(mg.GradcheckError):
            mg.assert_gradcheck(lambda t: t.log().sum(), [np.array([-1.0, 2.0])], fast=True)


def test_fast_mode_reads_a_small_gradient_bug_as_full_mode_does():
    x = np.full(6, 1e-8)

    def fn(t):
        return square_with(1.0).apply(t).sum() * 2.0  # a factor-2 bug on gradients of 1e-8

    full, fast = mg.gradcheck(fn, [x]), mg.gradcheck(fn, [x], fast=True)
    assert full.verdict == fast.verdict == "inspect", (str(full), str(fast))


class _ScaledWrong(mg.Function):
    """y = 4e-8 x whose backward claims 8e-8: a factor-2 bug on a tiny gradient."""

    @staticmethod
    def forward(ctx, x):
        return x * 4e-8

    @staticmethod
    def backward(ctx, g):
        return g * 8e-8


def test_the_report_prints_when_only_the_whole_vector_reads_worse():
    # b alone is within atol with a gradient counted as zero and a difference rounding in
    # J (~0.5) could explain; stacked with a, whose gradient is not zero, b's bug shows
    def fn(x, y):
        return (x * 1e-6).sum() + _ScaledWrong.apply(y).sum() + 0.5

    report = mg.gradcheck(fn, [np.ones(5), np.ones(1)], atol=1e-5)
    assert [c.verdict for c in report.checks] == ["great", "great"] and report.verdict == "inspect"
    assert "-> INSPECT (from all tensors as one θ)" in str(report).splitlines()[0]
    with pytest.raises(mg.GradcheckError):
        mg.assert_gradcheck(fn, [np.ones(5), np.ones(1)], atol=1e-5, max_error=1e-7)


def test_params_may_be_one_tensor():
    p = mg.Parameter(np.ones((3, 2)))
    report = mg.gradcheck(lambda: (p * p * p).sum(), params=p)
    assert [c.shape for c in report.checks] == [(3, 2)] and report.verdict == "great"


def test_checking_a_model_with_dropout_leaves_its_random_draws_as_they_were():
    model = mg.Sequential(mg.layer("dense", 3, 4, rng=0), mg.layer("dropout", 0.5, rng=1))
    x = np.random.default_rng(2).standard_normal((5, 3))
    before = model[1].generator.bit_generator.state
    global_before = np.random.get_state()[1].copy()

    def fn():
        np.random.standard_normal(2)  # a draw from NumPy's global state too
        return model(x).sum()

    assert mg.gradcheck(fn, params=model).verdict == "great"
    assert model[1].generator.bit_generator.state == before  # the next masks are unchanged
    np.testing.assert_array_equal(np.random.get_state()[1], global_before)
