"""Stratified split: the part sizes are those of the unstratified split, shared out
across the classes so that dev and test follow the class distribution."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg


def _sizes(parts):
    return [len(part[0]) for part in parts if part is not None]


@pytest.mark.parametrize(
    ("classes", "per_class", "expected"),
    [(20, 12, [144, 48, 48]), (3, 7, [13, 4, 4]), (10, 3, [18, 6, 6]), (10, 5, [30, 10, 10])],
)
def test_stratified_part_sizes_are_those_of_the_plain_split(classes, per_class, expected):
    Y = np.repeat(np.arange(classes), per_class)
    X = np.arange(len(Y), dtype=float)[:, None]
    assert _sizes(mg.split(X, Y, seed=0)) == expected
    assert _sizes(mg.split(X, Y, seed=0, stratify=True)) == expected


def test_small_classes_reach_dev_and_test_alike():
    Y = np.repeat(np.arange(10), 3)  # 18/6/6: six classes in dev, six in test
    _, dev, test = mg.split(np.zeros((30, 1)), Y, seed=0, stratify=True)
    dev_counts, test_counts = np.bincount(dev[1], minlength=10), np.bincount(test[1], minlength=10)
    assert dev_counts.max() == 1 and test_counts.max() == 1 and (dev_counts + test_counts >= 1).sum() >= 10
    # each part holds every class in proportion, to within one example
    Y = np.repeat(np.arange(20), 12)
    for part, share in zip(mg.split(np.zeros((240, 1)), Y, seed=1, stratify=True), (0.6, 0.2, 0.2)):
        assert np.abs(np.bincount(part[1], minlength=20) - 12 * share).max() < 1


def test_an_imbalanced_class_is_split_in_proportion():
    Y = np.r_[np.zeros(990, int), np.ones(10, int)]
    parts = mg.split(np.zeros((1000, 1)), Y, stratify=True, seed=0)
    assert _sizes(parts) == [600, 200, 200]
    assert [int(part[1].sum()) for part in parts] == [6, 2, 2]


@given(
    counts=st.lists(st.integers(1, 40), min_size=1, max_size=8),
    seed=st.integers(0, 2**16),
    shuffle=st.booleans(),
)
def test_stratified_sizes_match_and_every_class_is_shared_out_fairly(counts, seed, shuffle):
    Y = np.repeat(np.arange(len(counts)), counts)
    m = len(Y)
    if m < 3:
        return
    X = np.arange(m, dtype=float)[:, None]
    plain = mg.split(X, Y, seed=seed, shuffle=shuffle)
    parts = mg.split(X, Y, seed=seed, stratify=True, shuffle=shuffle)
    assert _sizes(parts) == _sizes(plain)
    assert sorted(np.concatenate([p[0][:, 0] for p in parts]).tolist()) == list(range(m))
    for part, size in zip(parts, _sizes(plain)):
        # each class's share of a part differs from the exact proportion by less than 2
        exact = np.asarray(counts) * size / m
        assert np.abs(np.bincount(part[1], minlength=len(counts)) - exact).max() < 2


def test_stratified_split_is_reproducible_from_the_seed():
    Y = np.repeat(np.arange(7), 5)
    X = np.arange(35, dtype=float)[:, None]
    a, b = mg.split(X, Y, stratify=True, seed=5), mg.split(X, Y, stratify=True, seed=5)
    for part_a, part_b in zip(a, b):
        np.testing.assert_array_equal(part_a[0], part_b[0])
    c = mg.split(X, Y, stratify=True, seed=6)
    assert not np.array_equal(a.dev[0], c.dev[0])
