"""Tests for the built-in datasets (plugins/datasets.py), reached through the registry."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

import minigrad as mg

GENERATED = ["moons", "circles", "flower", "spirals", "blobs"]


def test_builtin_datasets_are_registered_by_the_builtin_plugin():
    names = {c.name: c for c in mg.components("datasets")}
    for name in [*GENERATED, "digits"]:
        assert name in names
        assert names[name].plugin == "builtin"
        assert names[name].doc
    assert names["digits"].metadata["extra"] == "datasets"
    assert names["digits"].metadata["image_shape"] == (8, 8)


@pytest.mark.parametrize("name", GENERATED)
def test_contract_shapes_dtypes_and_seeds(name):
    X, Y = mg.dataset(name, n=120, seed=3)
    assert X.dtype == np.float64 and X.ndim == 2 and X.shape[0] == 120
    assert Y.dtype == np.int64 and Y.shape == (120,)
    assert Y.min() == 0 and np.isfinite(X).all()
    again = mg.dataset(name, n=120, seed=3)
    np.testing.assert_array_equal(X, again[0])
    np.testing.assert_array_equal(Y, again[1])
    other = mg.dataset(name, n=120, seed=4)
    assert not np.array_equal(X, other[0])
    # rows are shuffled: the first quarter holds more than one class
    assert len(set(Y[:30].tolist())) > 1


@pytest.mark.parametrize("name", GENERATED)
def test_default_options_work(name):
    X, Y = mg.dataset(name)
    assert len(X) == len(Y) > 0


@pytest.mark.parametrize("name", ["moons", "circles", "flower"])
def test_two_balanced_classes(name):
    _, Y = mg.dataset(name, n=101)
    assert sorted(np.bincount(Y).tolist()) == [50, 51]


def test_moons_geometry_without_noise():
    X, Y = mg.dataset("moons", n=200, noise=0.0)
    np.testing.assert_allclose(np.hypot(X[Y == 0, 0], X[Y == 0, 1]), 1.0)  # upper half circle
    assert (X[Y == 0, 1] >= -1e-12).all()
    np.testing.assert_allclose(np.hypot(X[Y == 1, 0] - 1, X[Y == 1, 1] - 0.5), 1.0)  # lower, shifted
    assert (X[Y == 1, 1] <= 0.5 + 1e-12).all()


def test_circles_geometry_without_noise():
    X, Y = mg.dataset("circles", n=100, noise=0.0, factor=0.3)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[Y == 0], 1.0)
    np.testing.assert_allclose(radius[Y == 1], 0.3)


def test_flower_is_the_course_petal_curve():
    # the course: m = 400, a = 4 (maximum ray), points (r sin θ, r cos θ) with r = a sin(4θ)
    X, Y = mg.dataset("flower", noise=0.0)
    assert X.shape == (400, 2) and Y.sum() == 200
    theta = np.arctan2(X[:, 0], X[:, 1])  # r < 0 flips the angle by π; sin(4θ) is unchanged
    np.testing.assert_allclose(np.hypot(X[:, 0], X[:, 1]), np.abs(4 * np.sin(4 * theta)), atol=1e-9)
    assert np.hypot(X[:, 0], X[:, 1]).max() <= 4.0 + 1e-9
    X2, _ = mg.dataset("flower", noise=0.0, radius=2.0)
    assert np.hypot(X2[:, 0], X2[:, 1]).max() <= 2.0 + 1e-9


def test_flower_is_not_linearly_separable():
    X, Y = mg.dataset("flower", seed=0)
    design = np.c_[X, np.ones(len(X))]
    w, *_ = np.linalg.lstsq(design, 2.0 * Y - 1, rcond=None)
    accuracy = ((design @ w > 0) == Y).mean()
    assert accuracy < 0.75  # the course: logistic regression only reaches about 47%


def test_spirals_and_blobs_options():
    X, Y = mg.dataset("spirals", n=100, classes=4)
    assert sorted(set(Y.tolist())) == [0, 1, 2, 3] and np.bincount(Y).tolist() == [25, 25, 25, 25]
    assert np.hypot(X[:, 0], X[:, 1]).max() < 1.5
    X, Y = mg.dataset("blobs", n=50, centers=5, features=7, noise=0.0)
    assert X.shape == (50, 7) and len(set(Y.tolist())) == 5
    for k in range(5):  # without noise every point sits on its centre
        assert np.ptp(X[k == Y], axis=0).max() == 0


@pytest.mark.parametrize(
    "name, options, match",
    [
        ("moons", {"n": 0}, "n must be an integer >= 2"),
        ("moons", {"n": 10.5}, "n must be"),
        ("circles", {"noise": -0.1}, "noise must be a non-negative"),
        ("circles", {"factor": 1.5}, "factor"),
        ("flower", {"radius": 0}, "radius"),
        ("spirals", {"classes": 1}, "classes"),
        ("spirals", {"n": 2, "classes": 3}, "n must be an integer >= 3"),
        ("blobs", {"centers": 0}, "centers"),
        ("blobs", {"features": 0}, "features"),
        ("blobs", {"noise": float("inf")}, "noise"),
        ("blobs", {"box": -1.0}, "box"),
        ("circles", {"factor": True}, "factor"),
    ],
)
def test_bad_options_raise_config_errors_naming_the_dataset(name, options, match):
    with pytest.raises(mg.ConfigError, match=match) as info:
        mg.dataset(name, **options)
    assert name in str(info.value)


def test_unknown_option_lists_the_signature():
    with pytest.raises(mg.ConfigError, match="moons"):
        mg.dataset("moons", n_samples=10)


def test_digits_from_scikit_learn():
    if importlib.util.find_spec("sklearn") is None:
        pytest.skip("needs the datasets extra (scikit-learn)")
    X, Y = mg.dataset("digits")
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert X.min() >= 0.0 and X.max() == 1.0
    assert Y.dtype == np.int64 and sorted(set(Y.tolist())) == list(range(10))
    images, labels = mg.dataset("digits", n=20, images=True, seed=1)
    assert images.shape == (20, 8, 8)
    flat, same = mg.dataset("digits", n=20, seed=1)
    np.testing.assert_array_equal(images.reshape(20, 64), flat)
    np.testing.assert_array_equal(labels, same)
    with pytest.raises(mg.ConfigError, match="only 1797"):
        mg.dataset("digits", n=5000)


def test_digits_reads_the_same_data_as_load_digits():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    bunch = sklearn_datasets.load_digits()
    X, Y = mg.dataset("digits", seed=0)
    order = np.random.default_rng(0).permutation(len(bunch.target))
    np.testing.assert_array_equal(X, bunch.data[order] / 16.0)
    np.testing.assert_array_equal(Y, bunch.target[order])


def test_digits_without_scikit_learn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # as if it were not installed
    hint = r'pip install -e "\.\[datasets\]" \(or: pip install scikit-learn\)'
    with pytest.raises(mg.MissingExtraError, match=hint):
        mg.dataset("digits")
