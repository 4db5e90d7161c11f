"""Built-in learning-rate schedules: formulas, validation, cosine restarts, plotting."""

from __future__ import annotations

import itertools
import math
import sys

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
        ("constant", {"lr0": "0.1"}, "lr0 = '0.1' must be a real number"),
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


@pytest.mark.parametrize("epoch", [-1, -0.5, float("nan"), True])
def test_bad_epochs(epoch):
    with pytest.raises(mg.ConfigError, match="must be a number >= 0"):
        mg.schedule("constant", 0.1)(epoch)


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
    with pytest.raises(mg.MissingExtraError, match=r"pip install 'minigrad\[plot\]'"):
        mg.plot_schedule(mg.schedule("constant", 0.1), 10)
