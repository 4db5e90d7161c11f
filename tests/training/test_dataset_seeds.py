"""A bad dataset seed is the user's mistake (a ConfigError), not a plugin bug."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.config import build, load_config

NAMES = ["moons", "circles", "flower", "spirals", "blobs", "digits"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", [-1, 1.5, True, "0"])
def test_a_bad_seed_is_a_config_error(name, seed):
    with pytest.raises(
        mg.ConfigError, match=rf"dataset '{name}': seed must be a non-negative integer.*{seed!r}"
    ):
        mg.dataset(name, n=20, seed=seed)


@pytest.mark.parametrize("name", NAMES)
def test_integer_seeds_still_work(name):
    a, _ = mg.dataset(name, n=20, seed=np.int64(3))
    b, _ = mg.dataset(name, n=20, seed=3)
    np.testing.assert_array_equal(a, b)


def test_a_bad_seed_in_a_config_names_the_key():
    with pytest.raises(
        mg.ConfigError, match=r"data\.options.*seed must be a non-negative integer.*got -1"
    ) as info:
        build(load_config(overrides=["data.options.seed=-1"]))
    assert "bug in plugin" not in str(info.value)
