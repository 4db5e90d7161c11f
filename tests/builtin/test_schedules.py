"""Built-in learning-rate schedules: formulas, validation, cosine restarts, plotting."""

from __future__ import annotations

import itertools
import math
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from minigrad_plugins.schedules import cosine_restarts, piecewise

import minigrad as mg

NAMES = (
    "constant",
    "inverse_time",
    "exponential",
    "inverse_sqrt",
    "staircase",
    "piecewise",
    "cosine_restarts",
)
epochs = st.integers(0, 1000) | st.floats(0.0, 1000.0)
lr0s = st.floats(1e-6, 10.0)


def registry():
    return mg.get_plugin_manager().registry("schedules")


def test_factory_doctest_values():
    decay = mg.schedule("inverse_time", lr0=0.2, decay_rate=1.0)
    assert (decay(0), decay(1), decay(3)) == (0.2, 0.1, 0.05)


@pytest.mark.parametrize("name", NAMES)
def test_registered_with_formula_and_example(name, rng):
    component = registry().get(name)
    assert component.plugin == "builtin" and "lr" in component.doc
    fn, points = component.example(rng)
    assert len(points) >= 3
    for epoch, expected in points:
        assert fn(epoch) == pytest.approx(expected, rel=1e-12), (name, epoch)


@pytest.mark.parametrize("name", NAMES)
def test_examples_are_finite_positive_and_pure(name, rng):
    fn, _ = registry().get(name).example(rng)
    grid = [*range(200), 0.5, 3.25, 999.9, 10_000]
    forward = [fn(e) for e in grid]
    backward = [fn(e) for e in reversed(grid)][::-1]
    assert forward == backward
    assert all(isinstance(v, float) and math.isfinite(v) and v > 0 for v in forward)


# ---------------------------------------------------------------------------- formulas
@given(lr0=lr0s, epoch=epochs)
def test_constant(lr0, epoch):
    assert mg.schedule("constant", lr0)(epoch) == lr0


@given(lr0=lr0s, decay_rate=st.floats(0.0, 10.0), epoch=epochs)
def test_inverse_time(lr0, decay_rate, epoch):
    value = mg.schedule("inverse_time", lr0=lr0, decay_rate=decay_rate)(epoch)
    assert value == pytest.approx(lr0 / (1 + decay_rate * epoch), rel=1e-12)
    assert 0 < value <= lr0


@given(lr0=lr0s, base=st.floats(0.5, 1.0), epoch=st.integers(0, 200))
def test_exponential(lr0, base, epoch):
    value = mg.schedule("exponential", lr0=lr0, base=base)(epoch)
    assert value == pytest.approx(lr0 * base**epoch, rel=1e-12)
    assert 0 < value <= lr0


def test_exponential_default_base_is_the_courses():
    fn = mg.schedule("exponential", lr0=1.0)
    assert fn(1) == 0.95 and fn(2) == pytest.approx(0.9025, rel=1e-15)


@given(lr0=lr0s, k=st.floats(0.01, 10.0), epoch=epochs)
def test_inverse_sqrt(lr0, k, epoch):
    value = mg.schedule("inverse_sqrt", lr0=lr0, k=k)(epoch)
    expected = lr0 * k if epoch < 1 else lr0 * k / math.sqrt(epoch)  # epoch 0 uses epoch 1's rate
    assert value == pytest.approx(expected, rel=1e-12)


def test_inverse_sqrt_epoch_zero():
    fn = mg.schedule("inverse_sqrt", lr0=0.1, k=3.0)
    assert fn(0) == fn(1) == pytest.approx(0.3)
    assert fn(0.25) == fn(0)  # never above the epoch-1 rate
    assert fn(4) == pytest.approx(0.15)


@given(lr0=lr0s, factor=st.floats(0.1, 1.0), step_size=st.integers(1, 50), epoch=st.integers(0, 1000))
def test_staircase(lr0, factor, step_size, epoch):
    value = mg.schedule("staircase", lr0=lr0, factor=factor, step_size=step_size)(epoch)
    assert value == pytest.approx(lr0 * factor ** (epoch // step_size), rel=1e-12)


def test_staircase_steps_down_exactly_at_multiples():
    fn = mg.schedule("staircase", lr0=1.0, factor=0.1, step_size=3)
    assert [fn(e) for e in range(7)] == [1.0, 1.0, 1.0, 0.1, 0.1, 0.1, pytest.approx(0.01)]
    assert fn(2.999) == 1.0


def test_staircase_defaults_halve_every_10_epochs():
    fn = mg.schedule("staircase", lr0=1.0)
    assert [fn(e) for e in (0, 5, 9, 9.999, 10, 19, 20, 30)] == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.125]
    assert repr(fn) == "staircase(lr0=1.0, factor=0.5, step_size=10)"


def test_inverse_time_default_decay_rate_is_1():
    fn = mg.schedule("inverse_time", lr0=0.2)
    assert [fn(e) for e in (0, 1, 3)] == [0.2, 0.1, pytest.approx(0.05, rel=1e-15)]
    assert repr(fn) == "inverse_time(lr0=0.2, decay_rate=1.0)"


def test_piecewise_boundaries():
    fn = piecewise(0.1, boundaries=[2, 5.5], values=[0.01, 0.001])
    assert [fn(e) for e in (0, 1.99, 2, 5, 5.5, 100)] == [0.1, 0.1, 0.01, 0.01, 0.001, 0.001]
    assert fn.options["boundaries"] == (2.0, 5.5)


@given(
    lr0=lr0s,
    period=st.integers(1, 20),
    lr_min_fraction=st.floats(0.0, 0.99),
    epoch=st.integers(0, 1000),
)
def test_cosine_restarts_constant_period(lr0, period, lr_min_fraction, epoch):
    lr_min = lr0 * lr_min_fraction
    fn = mg.schedule("cosine_restarts", lr0=lr0, period=period, lr_min=lr_min)
    t_cur = epoch % period
    expected = lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * t_cur / period)) / 2
    assert fn(epoch) == pytest.approx(expected, rel=1e-12)
    assert lr_min < fn(epoch) <= lr0


def test_cosine_restarts_with_growing_cycles():
    fn = cosine_restarts(1.0, period=2, multiplier=3)
    # cycles: [0, 2), [2, 8), [8, 26), [26, 80)
    assert fn.restarts(100) == [2.0, 8.0, 26.0, 80.0]
    assert [fn.cycle(e) for e in (0, 1.99, 2, 7.5, 8, 25, 26)] == [
        (0, 0.0, 2.0),
        (0, 0.0, 2.0),
        (1, 2.0, 6.0),
        (1, 2.0, 6.0),
        (2, 8.0, 18.0),
        (2, 8.0, 18.0),
        (3, 26.0, 54.0),
    ]
    for start, length in ((0, 2), (2, 6), (8, 18), (26, 54)):
        assert fn(start) == 1.0  # restart: back to lr0
        assert fn(start + length / 2) == pytest.approx(0.5)
        inside = [fn(start + length * f) for f in np.linspace(0, 0.999, 20)]
        assert all(a > b for a, b in itertools.pairwise(inside))  # falls within a cycle


@given(period=st.floats(0.5, 20), multiplier=st.floats(1.0, 4.0), epoch=st.floats(0, 5000))
def test_cosine_cycle_contains_the_epoch(period, multiplier, epoch):
    index, start, length = cosine_restarts(1.0, period=period, multiplier=multiplier).cycle(epoch)
    assert start <= epoch < start + length
    assert length == pytest.approx(period * multiplier**index, rel=1e-9)


def test_cosine_restarts_stays_above_lr_min_until_the_restart():
    fn = mg.schedule("cosine_restarts", lr0=1.0, period=10)
    for epoch in (9.999999999999998, 9.99999999, 19.999999999999996, 10 - 1e-12):
        assert 0 < fn(epoch) < 1e-15  # (1 + cos) / 2 would round to exactly 0 = lr_min here
    assert fn(10) == 1.0


def test_cosine_restarts_snapshot_points():
    fn = mg.schedule("cosine_restarts", lr0=0.1, period=5)
    assert fn.restarts(20) == [5.0, 10.0, 15.0]
    assert fn.restarts(5) == []


@given(name=st.sampled_from(NAMES), lr0=lr0s, epoch=epochs)
def test_every_schedule_is_finite_and_positive(name, lr0, epoch):
    options = {"piecewise": {"boundaries": [10, 100], "values": [lr0 / 10, lr0 / 100]}}.get(name, {})
    value = mg.schedule(name, lr0, **options)(epoch)
    assert math.isfinite(value) and value > 0


def test_repr_shows_options():
    assert repr(mg.schedule("staircase", lr0=0.1, factor=0.5, step_size=10)) == (
        "staircase(lr0=0.1, factor=0.5, step_size=10)"
    )


# ------------------------------------------------------------------------- huge epochs
class Runaway(Exception):
    """A call executed more Python lines than its budget: a loop that does not end."""


def bounded(fn, *args, budget=20_000):
    """``fn(*args)``, raising Runaway once it has executed ``budget`` Python lines.

    Counts work instead of time, so a cycle search that never ends fails the test
    (deterministically) instead of hanging the suite.
    """
    executed = 0

    def trace(frame, event, arg):
        nonlocal executed
        if event == "line":
            executed += 1
            if executed > budget:
                raise Runaway(f"{fn!r}{args} ran more than {budget} lines")
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        return fn(*args)
    finally:
        sys.settrace(previous)


def exact_cosine(epoch, *, lr0=1.0, lr_min=0.0, period, multiplier=1):
    """The documented SGDR formula with the cycle found in exact rational arithmetic.

    Cycle i starts at S(i) = period (m^i - 1) / (m - 1) (i * period for m = 1) and lasts
    T_i = period * m^i; t_cur = epoch - S(i). Returns (index, t_cur / T_i, lr), the
    fraction exact.
    """
    e, p, m = Fraction(epoch), Fraction(period), Fraction(multiplier)
    if m == 1:
        index = math.floor(e / p)
        t_cur, length = e - index * p, p
    else:

        def start(i):
            return p * (m**i - 1) / (m - 1)

        # a float estimate of the index (math.log takes big integers), then exact steps
        u = 1 + e * (m - 1) / p
        log_u = math.log(u.numerator) - math.log(u.denominator)
        index = max(0, math.floor(log_u / math.log(m.numerator / m.denominator)) - 2)
        while start(index + 1) <= e:
            index += 1
        while start(index) > e:
            index -= 1
        t_cur, length = e - start(index), p * m**index
    fraction = t_cur / length
    return index, fraction, lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * float(fraction))) / 2


def assert_formula(value, epoch, *, lr0=1.0, lr_min=0.0, period, multiplier=1, near=1e-9, atol=1e-9):
    """``value`` is the exact formula's rate at ``epoch``, except that an epoch within
    ``near`` (a fraction of a cycle) of a restart may be placed on either side of it:
    cycle starts are floats, rounded."""
    _, fraction, expected = exact_cosine(epoch, lr0=lr0, lr_min=lr_min, period=period, multiplier=multiplier)
    allowed = [expected]
    if fraction < near:
        allowed.append(lr_min)  # the end of the previous cycle
    if 1 - fraction < near:
        allowed.append(lr0)  # the start of the next one
    assert any(value == pytest.approx(rate, abs=atol) for rate in allowed), (value, allowed, float(fraction))


HUGE_EPOCHS = [10**9, 10**15, 10**15 + 0.5, 1e20, 2.0**70 + 2.0**18, 1e300, sys.float_info.max]


@pytest.mark.parametrize("epoch", HUGE_EPOCHS)
@pytest.mark.parametrize("period", [1, 3, 0.1, 7.25, 1e-300])
def test_cosine_restarts_huge_epochs_constant_period(period, epoch):
    fn = cosine_restarts(1.0, period=period, lr_min=0.25)
    value = bounded(fn, epoch)
    index, _, expected = exact_cosine(epoch, lr_min=0.25, period=period)
    assert value == pytest.approx(expected, rel=1e-12, abs=1e-12)  # t_cur = epoch mod period exactly
    assert bounded(fn.cycle, epoch)[0] == index


@pytest.mark.parametrize("epoch", HUGE_EPOCHS)
@pytest.mark.parametrize(("period", "multiplier"), [(1, 2), (10, 3), (0.5, 1.5), (3.0, 1.1), (1e-300, 2)])
def test_cosine_restarts_huge_epochs_growing_cycles(period, multiplier, epoch):
    fn = cosine_restarts(1.0, period=period, lr_min=0.25, multiplier=multiplier)
    index, _, expected = exact_cosine(epoch, lr_min=0.25, period=period, multiplier=multiplier)
    assert bounded(fn, epoch) == pytest.approx(expected, abs=1e-9)
    assert bounded(fn.cycle, epoch)[0] == index


NEAR_ONE = 1.0000000002200882  # a multiplier whose cycles, computed by pow, leave gaps


def test_cosine_restarts_epoch_in_a_rounding_gap_between_cycles():
    # With m^i computed by pow, cycle 12491 ends (S + T) a hair before cycle 12492
    # starts (S'): m^i - 1 cancels most digits of m^i when m is this close to 1. A search
    # that steps up at S + T and back down below S' never ends there.
    m = NEAR_ONE
    start, length, following = (m**12491 - 1) / (m - 1), m**12491, (m**12492 - 1) / (m - 1)
    epoch = (start + length + following) / 2
    assert start + length <= epoch < following
    value = bounded(cosine_restarts(1.0, period=1.0, multiplier=m), epoch)
    assert_formula(value, epoch, period=1.0, multiplier=m)


@given(
    period=st.floats(0.5, 20),
    multiplier=st.sampled_from([1, 2, 3, 1.5, 1 + 2**-52, 1 + 1e-12, NEAR_ONE]) | st.floats(1.0, 4.0),
    epoch=st.floats(0, 5000) | st.integers(0, 5000),
)
def test_cosine_restarts_matches_the_exact_formula(period, multiplier, epoch):
    fn = cosine_restarts(1.0, period=period, lr_min=0.25, multiplier=multiplier)
    assert_formula(bounded(fn, epoch), epoch, lr_min=0.25, period=period, multiplier=multiplier)
    index = exact_cosine(epoch, period=period, multiplier=multiplier)[0]
    assert bounded(fn.cycle, epoch)[0] in (index - 1, index, index + 1)  # a restart's float may round


@given(
    name=st.sampled_from(NAMES),
    lr0=lr0s,
    epoch=st.sampled_from(HUGE_EPOCHS) | st.floats(1e6, sys.float_info.max) | st.integers(10**6, 10**308),
    tiny=st.booleans(),
)
def test_every_schedule_answers_huge_epochs(name, lr0, epoch, tiny):
    # tiny step sizes and periods make epoch / step overflow to inf
    options = {
        "staircase": {"step_size": 1e-300 if tiny else 7},
        "cosine_restarts": {"period": 1e-300 if tiny else 7, "multiplier": 1.5 if tiny else 1},
        "piecewise": {"boundaries": [10, 100], "values": [lr0 / 10, lr0 / 100]},
    }.get(name, {})
    value = bounded(mg.schedule(name, lr0, **options), epoch)
    assert isinstance(value, float) and math.isfinite(value) and 0 <= value <= lr0


def test_staircase_beyond_the_float_range_of_stairs():
    assert mg.schedule("staircase", 1.0, factor=0.5, step_size=1e-300)(1e300) == 0.0
    assert mg.schedule("staircase", 1.0, factor=1.0, step_size=1e-300)(1e300) == 1.0


def test_restarts_are_listed_promptly_or_refused():
    fn = cosine_restarts(1.0, period=1, multiplier=2)
    assert bounded(fn.restarts, 1e300) == [float(2**i - 1) for i in range(1, 997)]
    assert bounded(fn.restarts, sys.float_info.max) == [float(2**i - 1) for i in range(1, 1024)]
    flat = cosine_restarts(1.0, period=1)
    refused = r"restarts\(until=1000000000000000\.0\) would list 1000000000000000 restarts.*shorter span"
    with pytest.raises(mg.ConfigError, match=refused):
        bounded(flat.restarts, 1e15)
    for until in (-1, float("inf"), float("nan"), "10"):
        with pytest.raises(mg.ConfigError, match=r"until = .* must be a finite number >= 0"):
            flat.restarts(until)


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("constant", {"lr0": 0.0}, "schedule 'constant': lr0 = 0.0 is out of range (0, inf)"),
        ("inverse_time", {"lr0": -0.1}, "schedule 'inverse_time': lr0 = -0.1 is out of range (0, inf)"),
        ("inverse_time", {"lr0": 0.1, "decay_rate": -1}, "decay_rate = -1 is out of range [0, inf)"),
        (
            "exponential",
            {"lr0": 0.1, "base": 1.5},
            "schedule 'exponential': base = 1.5 is out of range (0, 1]",
        ),
        ("exponential", {"lr0": 0.1, "base": 0}, "base = 0 is out of range (0, 1]"),
        ("inverse_sqrt", {"lr0": 0.1, "k": 0.0}, "k = 0.0 is out of range (0, inf)"),
        ("staircase", {"lr0": 0.1, "step_size": 0}, "step_size = 0 is out of range (0, inf)"),
        ("staircase", {"lr0": 0.1, "factor": 2.0}, "factor = 2.0 is out of range (0, 1]"),
        ("cosine_restarts", {"lr0": 0.1, "lr_min": 0.1}, "lr_min = 0.1 must be below lr0 = 0.1"),
        ("cosine_restarts", {"lr0": 0.1, "multiplier": 0.5}, "multiplier = 0.5 is out of range [1, inf)"),
        ("cosine_restarts", {"lr0": 0.1, "period": -2}, "period = -2 is out of range (0, inf)"),
        ("piecewise", {"lr0": 0.1, "boundaries": [5], "values": []}, "needs one value per boundary"),
        ("piecewise", {"lr0": 0.1, "boundaries": [], "values": []}, "needs one value per boundary"),
        ("piecewise", {"lr0": 0.1, "boundaries": [5, 3], "values": [1, 2]}, "must be strictly increasing"),
        ("piecewise", {"lr0": 0.1, "boundaries": [5], "values": [-1]}, "values[0] = -1 is out of range"),
        ("piecewise", {"lr0": 0.1, "boundaries": [0], "values": [1]}, "boundaries[0] = 0 is out of range"),
        ("piecewise", {"lr0": 0.1, "boundaries": 5, "values": 1}, "must be lists of numbers"),
        ("constant", {"lr0": float("inf")}, "lr0 = inf must be finite"),
        ("constant", {"lr0": 10**400}, "lr0 = 100000000000000000...0000000000000000000 is beyond the float"),
        (
            "cosine_restarts",
            {"lr0": 0.1, "multiplier": 10**400},
            "is beyond the float range; give multiplier a value in [1, inf) below 1.8e308",
        ),
        ("constant", {"lr0": "0.1"}, "lr0 = '0.1' must be a real number"),
        # a bool is no number, even where the defaults checked against are the given values
        ("staircase", {"lr0": 1.0, "step_size": False}, "step_size = False must be a real number"),
        ("constant", {"lr0": True}, "lr0 = True must be a real number"),
    ],
)
def test_bad_options_name_schedule_option_and_value(name, options, message):
    with pytest.raises(mg.ConfigError) as err:
        mg.schedule(name, **options)
    assert message in str(err.value)


def test_missing_lr0_and_unknown_options():
    with pytest.raises(mg.ConfigError, match="lr0"):
        mg.schedule("inverse_time")
    with pytest.raises(mg.ConfigError, match="decay"):
        mg.schedule("exponential", lr0=0.1, decay=0.5)


@pytest.mark.parametrize(
    "epoch",
    [-1, -0.5, float("nan"), True, float("inf"), 10**400, "3"],
    ids=["-1", "-0.5", "nan", "True", "inf", "10**400", "str"],
)
@pytest.mark.parametrize("name", ["constant", "staircase", "cosine_restarts"])
def test_bad_epochs(name, epoch):
    with pytest.raises(mg.ConfigError, match=f"schedule '{name}': epoch = .* must be a finite number >= 0"):
        mg.schedule(name, 0.1)(epoch)


def test_cycle_checks_its_epoch():
    with pytest.raises(mg.ConfigError, match=r"schedule 'cosine_restarts': cycle\(\): epoch = inf must be"):
        cosine_restarts(0.1).cycle(float("inf"))


def test_bad_epoch_message_stays_short():
    with pytest.raises(mg.ConfigError) as err:
        mg.schedule("constant", 0.1)(10**400)
    assert len(str(err.value)) < 120


# ----------------------------------------------------------------------------- plotting
def test_plot_schedule_in_one_call(tmp_path):
    pytest.importorskip("matplotlib")
    fn = mg.schedule("cosine_restarts", lr0=0.1, period=10, multiplier=2)
    target = tmp_path / "schedule.png"
    fig = mg.plot_schedule(fn, 70, path=target)
    line = fig.axes[0].get_lines()[0]
    assert list(line.get_xdata()) == list(range(70))
    np.testing.assert_allclose(line.get_ydata(), [fn(e) for e in range(70)])
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["schedule.png"]  # no temporary left behind


def test_plot_schedule_into_axes_and_fractional_epochs():
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    fig = mg.plot_schedule(mg.schedule("exponential", lr0=1.0), [0, 0.5, 1.0, 1.5], ax=ax, log=True)
    assert fig is ax.figure and ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [1.0, 0.95**0.5, 0.95, 0.95**1.5])
    with pytest.raises(mg.ConfigError, match="at least 1"):
        mg.plot_schedule(mg.schedule("constant", 0.1), 0)
    with pytest.raises(mg.ConfigError, match="non-empty"):
        mg.plot_schedule(mg.schedule("constant", 0.1), [])


def test_plot_schedule_without_matplotlib_says_how_to_install(monkeypatch):
    for module in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    with pytest.raises(mg.MissingExtraError, match=r'pip install -e "\.\[plot\]"'):
        mg.plot_schedule(mg.schedule("constant", 0.1), 10)
