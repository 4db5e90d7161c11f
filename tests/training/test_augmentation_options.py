"""Augmentation options take any real number, NumPy scalars included; nothing else."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("horizontal_flip", {"p": np.float32(0.5)}),
        ("horizontal_flip", {"p": np.float64(1.0)}),
        ("horizontal_flip", {"p": np.int64(1)}),
        ("small_rotation", {"max_degrees": np.float32(10)}),
        ("random_shift", {"max_shift": np.int64(2)}),
        ("additive_noise", {"std": np.float32(0.1), "clip": (np.float32(0.0), np.float64(1.0))}),
        ("additive_noise", {"clip": [0, 1]}),
    ],
)
def test_numpy_numbers_are_accepted(name, options):
    augment = mg.augmentation(name, **options)
    batch = np.random.default_rng(0).random((3, 6, 6)).astype(np.float32)
    out = augment(batch, np.random.default_rng(0))
    assert out.shape == batch.shape and out.dtype == batch.dtype


def test_a_numpy_probability_flips_as_the_float_does():
    batch = np.random.default_rng(0).random((50, 4, 4))
    a = mg.augmentation("horizontal_flip", p=np.float32(0.5))(batch, np.random.default_rng(1))
    b = mg.augmentation("horizontal_flip", p=0.5)(batch, np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("name", "options", "match"),
    [
        ("horizontal_flip", {"p": True}, "p must be a probability"),
        ("horizontal_flip", {"p": np.bool_(True)}, "p must be a probability"),
        ("horizontal_flip", {"p": "0.5"}, "p must be a probability"),
        ("horizontal_flip", {"p": np.float32(1.5)}, "p must be a probability"),
        ("horizontal_flip", {"p": np.nan}, "p must be a probability"),
        ("small_rotation", {"max_degrees": "10"}, "max_degrees must be a number"),
        ("additive_noise", {"std": np.float32(-1)}, "std must be a non-negative number"),
        ("additive_noise", {"clip": ("0", "1")}, "clip must be \\(low, high\\), two finite numbers"),
        ("additive_noise", {"clip": (0, 1, 2)}, "clip must be \\(low, high\\)"),
        ("additive_noise", {"clip": (True, 2)}, "clip must be \\(low, high\\)"),
    ],
)
def test_anything_else_is_refused(name, options, match):
    with pytest.raises(mg.ConfigError, match=match):
        mg.augmentation(name, **options)
