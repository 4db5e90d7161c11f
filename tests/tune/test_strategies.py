"""Strategies: random draws depend on the trial number only, grids cover their points,
coarse to fine zooms in around the best trials in the sampled scale."""

from __future__ import annotations

import math

import numpy as np
import pytest

from minigrad.errors import ConfigError
from minigrad.tune import Space, choice, int_uniform, log_uniform, make_strategy, uniform
from minigrad.tune.trial import sampling_rng, trial_seed

LR = Space({"optimizer.lr": log_uniform(1e-4, 1)})


def plan(strategy, numbers, seed=0):
    return [strategy.suggest(strategy.space, n, sampling_rng(seed, n)) for n in numbers]


def test_random_trial_parameters_depend_on_the_seed_and_number_only():
    short = make_strategy("random", trials=4, space=LR)
    long = make_strategy("random", trials=40, space=LR)
    assert plan(short, range(4)) == plan(long, range(4))  # extending a study keeps its trials
    assert plan(long, [3]) == [plan(long, range(4))[3]]  # any order, any subset
    assert plan(long, range(4), seed=1) != plan(long, range(4))
    assert len({p["optimizer.lr"] for p in plan(long, range(40))}) == 40


def test_trial_seeds_are_spawned_from_one_seed_sequence_by_trial_number():
    children = np.random.SeedSequence(5).spawn(3)
    expected = [int(c.spawn(2)[1].generate_state(1, np.uint32)[0]) for c in children]
    assert [trial_seed(5, n) for n in range(3)] == expected
    assert len({trial_seed(0, n) for n in range(100)}) == 100


def test_grid_uses_the_largest_grid_that_fits_the_budget():
    space = Space({"optimizer.lr": log_uniform(1e-4, 1), "regularizer.lam": log_uniform(1e-3, 1)})
    grid = make_strategy("grid", trials=20, space=space)
    assert grid.describe() == {"name": "grid", "grid_points": 4}  # 4 x 4 = 16 <= 20 < 25
    points = plan(grid, grid.rounds()[0])
    assert len(points) == 16 and len({tuple(p.values()) for p in points}) == 16
    assert sorted({p["optimizer.lr"] for p in points}) == pytest.approx(
        [1e-4, 1e-4 ** (2 / 3), 1e-4 ** (1 / 3), 1]
    )


def test_grid_tries_fewer_distinct_values_of_each_hyperparameter_than_random_search():
    # the course's argument: with 25 trials over 2 hyperparameters a 5 x 5 grid tries
    # 5 learning rates; random search tries 25
    space = Space({"optimizer.lr": log_uniform(1e-4, 1), "optimizer.eps": log_uniform(1e-10, 1e-6)})
    grid = make_strategy("grid", trials=25, space=space)
    random = make_strategy("random", trials=25, space=space)
    distinct = lambda points: len({p["optimizer.lr"] for p in points})  # noqa: E731
    assert distinct(plan(grid, range(25))) == 5
    assert distinct(plan(random, range(25))) == 25


def test_grid_with_explicit_points_and_a_smaller_budget_runs_what_fits():
    space = Space({"training.batch_size": choice([16, 32, 64]), "model.layers.0.units": int_uniform(4, 8)})
    grid = make_strategy("grid", {"grid_points": 2}, trials=4, space=space)
    assert grid.rounds() == [range(4)]
    assert make_strategy("grid", {"grid_points": 2}, trials=100, space=space).rounds() == [range(6)]


def test_coarse_to_fine_rounds():
    c2f = make_strategy("coarse_to_fine", {"rounds": 3}, trials=10, space=LR)
    assert c2f.rounds() == [range(0, 4), range(4, 8), range(8, 10)]
    assert make_strategy("coarse_to_fine", {"round_size": 5}, trials=10, space=LR).rounds() == [
        range(0, 5),
        range(5, 10),
    ]


def test_coarse_to_fine_zooms_in_around_the_best_trials_in_log_scale():
    space = Space({"optimizer.lr": log_uniform(1e-4, 1), "training.batch_size": choice([16, 32, 64])})
    c2f = make_strategy("coarse_to_fine", {"rounds": 2, "keep": 0.25}, trials=16, space=space)
    first = plan(c2f, range(8))
    # a made-up objective, best at lr = 1e-2 with batch size 32
    loss = [abs(math.log10(p["optimizer.lr"]) + 2) + (p["training.batch_size"] != 32) for p in first]
    region = c2f.region(space, list(zip(first, loss)), maximize=False)
    lo, hi = region["optimizer.lr"].u_bounds()
    assert hi - lo <= 0.5 * 4 + 1e-9  # at most half the decades of the first round
    best = first[int(np.argmin(loss))]
    assert region["optimizer.lr"].contains(best["optimizer.lr"])
    assert best["training.batch_size"] in region["training.batch_size"].options
    # maximizing the negated objective picks the same region
    same = c2f.region(space, [(p, -v) for p, v in zip(first, loss)], maximize=True)
    assert same == region
    # the next round samples inside it
    second = [c2f.suggest(region, n, sampling_rng(0, n)) for n in range(8, 16)]
    assert all(region.contains(p) for p in second)


def test_coarse_to_fine_keeps_the_region_when_nothing_finished():
    c2f = make_strategy("coarse_to_fine", trials=6, space=LR)
    assert c2f.region(LR, [], maximize=False) is LR
    assert c2f.region(LR, [({"optimizer.lr": 0.1}, math.nan)], maximize=False) is LR


@pytest.mark.parametrize(
    ("name", "options", "words"),
    [
        ("grdi", {}, ["unknown strategy", "did you mean 'grid'", "allowed: random, grid, coarse_to_fine"]),
        ("grid", {"grid_points": 1}, ["tune.grid_points = 1", "integer >= 2"]),
        ("coarse_to_fine", {"shrink": 1.5}, ["tune.shrink = 1.5", "fraction in (0, 1)"]),
        ("coarse_to_fine", {"rounds": 0}, ["tune.rounds = 0"]),
        ("random", {"round": 3}, ["tune.round", "did you mean 'rounds'"]),
    ],
)
def test_bad_strategies_and_options_are_config_errors(name, options, words):
    with pytest.raises(ConfigError) as info:
        make_strategy(name, options, trials=8, space=Space({"optimizer.lr": uniform(0.1, 0.2)}))
    for word in words:
        assert word in str(info.value), str(info.value)
