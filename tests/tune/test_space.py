"""Search spaces: each distribution samples on its scale, validates its bounds, builds
grids in the sampled scale and shrinks there."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minigrad.errors import ConfigError
from minigrad.tune import (
    Space,
    choice,
    int_uniform,
    log_uniform,
    normalize_key,
    one_minus_log_uniform,
    parse_dimension,
    uniform,
)

N = 8000  # samples per distribution test: binomial sd of a quarter share is ~39


def draws(dim, n=N, seed=2024):
    rng = np.random.default_rng(seed)
    return np.array([dim.sample(rng) for _ in range(n)])


# ------------------------------------------------------------------ sampling
def test_log_uniform_puts_a_quarter_of_the_samples_in_each_decade():
    values = draws(log_uniform(1e-4, 1))
    counts, _ = np.histogram(values, bins=[1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    assert counts.sum() == N
    # expected N/4 = 2000 each; ±200 is more than 5 standard deviations (fixed seed)
    assert np.all(np.abs(counts - N / 4) < 200), counts
    # a uniform draw over the same range would put ~90% in the last decade
    linear, _ = np.histogram(draws(uniform(1e-4, 1)), bins=[1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    assert linear[-1] > 0.85 * N


def test_one_minus_log_uniform_puts_half_of_the_betas_on_each_side_of_0_99():
    values = draws(one_minus_log_uniform(0.9, 0.999))
    assert values.min() >= 0.9 and values.max() <= 0.999
    low = np.count_nonzero(values < 0.99)
    assert abs(low - N / 2) < 250, low  # sd ~45
    # and within [0.99, 0.999], half again on each side of 0.9968 (1 - 10^-2.5)
    high = values[values >= 0.99]
    assert abs(np.count_nonzero(high < 1 - 10**-2.5) - len(high) / 2) < 200


def test_one_minus_log_uniform_is_uniform_in_log10_of_one_minus_beta():
    r = np.log10(1 - draws(one_minus_log_uniform(0.9, 0.999)))
    counts, _ = np.histogram(r, bins=np.linspace(-3, -1, 5))
    assert np.all(np.abs(counts - N / 4) < 200), counts


def test_uniform_int_uniform_and_choice_are_uniform():
    u = draws(uniform(2.0, 6.0))
    counts, _ = np.histogram(u, bins=[2, 3, 4, 5, 6])
    assert np.all(np.abs(counts - N / 4) < 200)
    ints = draws(int_uniform(3, 6))
    assert set(ints.tolist()) == {3, 4, 5, 6}  # both ends included
    assert np.all(np.abs(np.bincount(ints)[3:] - N / 4) < 200)
    picks = [choice(["adam", "sgd"]).sample(np.random.default_rng(s)) for s in range(400)]
    assert 150 < picks.count("adam") < 250


def test_samples_are_python_scalars_of_the_right_type():
    rng = np.random.default_rng(0)
    assert type(log_uniform(1e-3, 1).sample(rng)) is float
    assert type(one_minus_log_uniform(0.9, 0.99).sample(rng)) is float
    assert type(int_uniform(1, 9).sample(rng)) is int
    assert choice([[1, 2], {"a": 1}]).sample(rng) in ([1, 2], {"a": 1})


@given(
    low=st.floats(-1e3, 1e3),
    width=st.floats(1e-3, 1e3),
    seed=st.integers(0, 2**32 - 1),
)
def test_uniform_samples_stay_inside(low, width, seed):
    dim = uniform(low, low + width)
    value = dim.sample(np.random.default_rng(seed))
    assert dim.contains(value)


@given(
    exponent=st.floats(-8, 2),
    decades=st.floats(0.01, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_log_uniform_samples_stay_inside(exponent, decades, seed):
    dim = log_uniform(10.0**exponent, 10.0 ** (exponent + decades))
    value = dim.sample(np.random.default_rng(seed))
    assert dim.low * (1 - 1e-12) <= value <= dim.high * (1 + 1e-12)


# -------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"log_uniform": [0, 1]}, ["log_uniform", "0 < a < b", "a = 0"]),
        ({"log_uniform": [1, 1e-4]}, ["a < b", "a = 1", "b = 0.0001"]),
        ({"one_minus_log_uniform": [0.9, 1.0]}, ["0 <= a < b < 1", "b = 1"]),
        ({"uniform": [0, "x"]}, ["two finite numbers", 'b = "x"']),
        ({"uniform": [0, 1, 2]}, ["two bounds [a, b]"]),
        ({"int_uniform": [1.5, 4]}, ["two integers", "a = 1.5"]),
        ({"choice": []}, ["at least one option"]),
        ({"choice": [32, 32]}, ["lists 32 twice"]),
        ({"choice": 32}, ["a list of options"]),
        ({"log_unifrom": [1e-4, 1]}, ["unknown distribution", "did you mean 'log_uniform'"]),
        ({"log_uniform": [1e-4, 1], "uniform": [0, 1]}, ["one distribution"]),
        ([1e-4, 1], ["one distribution", "allowed: uniform, log_uniform"]),
    ],
)
def test_bad_distributions_raise_config_errors_naming_the_key(spec, words):
    with pytest.raises(ConfigError) as info:
        Space({"optimizer.lr": spec}, source="study.toml: tune.space")
    message = str(info.value)
    assert "study.toml: tune.space: optimizer.lr" in message
    for word in words:
        assert word in message, message


def test_boolean_bounds_are_not_numbers():
    with pytest.raises(ConfigError, match="two finite numbers"):
        uniform(True, 2)


@pytest.mark.parametrize("key", ["lr", "optimizer..lr", "optimizer.lr!", "", 3])
def test_keys_must_be_dotted_config_keys(key):
    with pytest.raises(ConfigError, match="dotted config key"):
        Space({key: {"uniform": [0, 1]}})


def test_bracket_and_dotted_indices_are_the_same_key():
    assert normalize_key("model.layers[2].units") == "model.layers.2.units"
    with pytest.raises(ConfigError, match=re.escape("repeats the key 'model.layers.2.units'")):
        Space(
            {
                "model.layers[2].units": {"int_uniform": [1, 4]},
                "model.layers.2.units": {"int_uniform": [1, 4]},
            }
        )


def test_parse_dimension_round_trips_through_to_spec():
    for dim in (
        uniform(0.1, 0.5),
        log_uniform(1e-4, 1),
        one_minus_log_uniform(0.9, 0.999),
        int_uniform(2, 9),
    ):
        assert parse_dimension(dim.to_spec()) == dim
    space = Space({"optimizer.lr": log_uniform(1e-4, 1), "training.batch_size": choice([32, 64])})
    assert Space(space.to_spec()) == space
    assert list(Space(space.to_spec())) == ["optimizer.lr", "training.batch_size"]


def test_the_same_seed_draws_the_same_parameters_in_declaration_order():
    space = Space({"optimizer.lr": log_uniform(1e-4, 1), "training.batch_size": choice([32, 64, 128])})
    a = space.sample(np.random.default_rng(7))
    b = space.sample(np.random.default_rng(7))
    assert a == b and list(a) == ["optimizer.lr", "training.batch_size"]
    swapped = Space({"training.batch_size": choice([32, 64, 128]), "optimizer.lr": log_uniform(1e-4, 1)})
    assert swapped.sample(np.random.default_rng(7)) != a  # the order fixes which draw goes where


# -------------------------------------------------------------------- grids
def test_grids_are_evenly_spaced_in_the_sampled_scale():
    assert np.allclose(log_uniform(1e-4, 1).grid(5), [1e-4, 1e-3, 1e-2, 1e-1, 1])
    assert np.allclose(one_minus_log_uniform(0.9, 0.999).grid(3), [0.9, 1 - 10**-2, 0.999])
    assert uniform(0, 1).grid(3) == [0.0, 0.5, 1.0]
    assert int_uniform(1, 3).grid(10) == [1, 2, 3]  # no duplicates
    space = Space({"optimizer.lr": log_uniform(1e-3, 1e-1), "training.batch_size": choice([32, 64])})
    assert space.grid_size(3) == 6 and len(space.grid(3)) == 6


# ---------------------------------------------------------------- shrinking
def test_log_uniform_shrinks_by_decades_around_the_best():
    dim = log_uniform(1e-4, 1)  # u = log10(lr) in [-4, 0]
    narrower = dim.shrink([1e-3, 2e-3], 1e-3, factor=0.5, margin=0.1)
    lo, hi = narrower.u_bounds()
    # box [-3, -2.7] padded by 0.4 on each side (10% of 4 decades)
    assert math.isclose(lo, -3.4) and math.isclose(hi, log10(2e-3) + 0.4)
    assert narrower.kind == "log_uniform"


def log10(x):
    return math.log10(x)


def test_spread_out_best_trials_zoom_on_the_best_one_and_stay_inside():
    dim = log_uniform(1e-4, 1)
    narrower = dim.shrink([2e-4, 0.5], 0.5, factor=0.5, margin=0.1)
    lo, hi = narrower.u_bounds()
    assert math.isclose(hi - lo, 2.0)  # at most half of the 4 decades
    assert math.isclose(hi, 0.0) and narrower.contains(0.5)  # slid back inside [1e-4, 1]


def test_one_minus_log_uniform_shrinks_in_log10_of_one_minus_beta():
    dim = one_minus_log_uniform(0.9, 0.999)  # u in [-3, -1]
    narrower = dim.shrink([0.99], 0.99, factor=0.5, margin=0.1)
    assert narrower.kind == "one_minus_log_uniform"
    lo, hi = narrower.u_bounds()
    assert math.isclose(lo, -2.2) and math.isclose(hi, -1.8)
    assert narrower.contains(0.99) and not narrower.contains(0.999)


def test_int_and_choice_shrink():
    assert int_uniform(8, 64).shrink([30, 34], 32, factor=0.5, margin=0.1).to_spec() == {
        "int_uniform": [24, 40]
    }
    assert choice(["adam", "momentum", "sgd"]).shrink(
        ["sgd", "adam"], "sgd", factor=0.5, margin=0.1
    ).options == [
        "adam",
        "sgd",
    ]


@given(
    values=st.lists(st.floats(-4, 0), min_size=1, max_size=6),
    factor=st.floats(0.05, 0.95),
    margin=st.floats(0, 0.5),
)
def test_shrinking_keeps_the_best_inside_and_never_widens(values, factor, margin):
    dim = log_uniform(1e-4, 1)
    top = [10.0**v for v in values]
    narrower = dim.shrink(top, top[0], factor=factor, margin=margin)
    lo, hi = narrower.u_bounds()
    assert -4 - 1e-9 <= lo < hi <= 0 + 1e-9
    assert 0.1 * factor * 4 - 1e-9 <= hi - lo <= factor * 4 + 1e-9  # narrower, never collapsed
    assert lo - 1e-9 <= values[0] <= hi + 1e-9
