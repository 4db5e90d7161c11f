"""Augmentations never modify the caller's data, and the conformance kit checks the
data families' contracts: an augmentation leaves its input unchanged, a dataset's Y
holds integer class labels of shape (m,)."""

from __future__ import annotations

import types

import numpy as np
import pytest

import minigrad as mg
from minigrad.testing import check_component


def _results(family: str, name: str, factory) -> dict:
    pm = mg.PluginManager(builtin=False, entry_points=False)

    @mg.hookimpl
    def hook(registry):
        registry.add(name, factory)

    pm.register(types.SimpleNamespace(**{f"minigrad_register_{family}": hook}), name="solo")
    return {r.check: r for r in check_component(family, name, plugin_manager=pm)}


def _in_place_flip(batch, rng):
    batch[...] = batch[..., ::-1].copy()  # works on the batch it was given
    return batch


@pytest.mark.parametrize("image_shape", [None, (2, 2)])
def test_an_in_place_augmentation_never_changes_the_users_X(image_shape):
    X = np.arange(16.0).reshape(4, 2, 2) if image_shape is None else np.arange(16.0).reshape(4, 4)
    before = X.copy()
    loader = mg.DataLoader(X, batch_size=2, shuffle=False, augment=_in_place_flip, image_shape=image_shape)
    batches = [xb for xb, _ in loader]
    np.testing.assert_array_equal(X, before)
    np.testing.assert_array_equal(
        batches[0], before[:2].reshape(2, 2, 2)[..., ::-1].reshape(batches[0].shape)
    )


def test_fit_never_hands_the_users_X_to_an_augmentation():
    X, Y = mg.dataset("digits", n=40, seed=0)
    before = X.copy()
    model = mg.Sequential(mg.layer("dense", 64, 10, rng=np.random.default_rng(0)))
    mg.fit(model, (X, Y), loss="softmax_cross_entropy", optimizer="sgd", epochs=1, batch_size=40,
           augment=_in_place_flip, image_shape=(8, 8))  # fmt: skip
    np.testing.assert_array_equal(X, before)


def test_the_kit_fails_an_augmentation_that_modifies_its_input():
    got = _results("augmentations", "in_place", lambda: _in_place_flip)
    assert got["shape_dtype"].passed
    failed = got["input_untouched"]
    assert failed.status == "failed"
    assert "changed the input array in place" in failed.message and "return a new array" in failed.message
    assert _results("augmentations", "copying", lambda: lambda b, rng: b[..., ::-1].copy())[
        "input_untouched"
    ].passed


def test_the_kit_fails_a_dataset_whose_labels_are_not_integer_class_labels():
    def dataset(labels):
        def factory(*, n=20, seed=0):
            X = np.random.default_rng(seed).standard_normal((n, 2))
            return X, labels(n)

        return factory

    got = _results("datasets", "float_labels", dataset(lambda n: np.arange(n) % 2 * 1.0))
    assert got["labels"].status == "failed" and "dtype float64" in got["labels"].message
    assert "Y.astype(np.int64)" in got["labels"].message
    got = _results("datasets", "real", dataset(lambda n: np.linspace(0, 1, n)))
    assert got["labels"].status == "failed" and "encode the classes as integers" in got["labels"].message
    got = _results("datasets", "one_hot", dataset(lambda n: np.eye(2, dtype=np.int64)[np.arange(n) % 2]))
    assert got["labels"].status == "failed" and "Y.argmax(axis=1)" in got["labels"].message
    got = _results("datasets", "signed", dataset(lambda n: np.arange(n) % 2 * 2 - 1))
    assert got["labels"].status == "failed" and "the label -1" in got["labels"].message
    assert _results("datasets", "good", dataset(lambda n: np.arange(n) % 3))["labels"].passed


def test_the_built_in_data_plugins_pass_the_new_checks():
    report = mg.testing.check_plugin("builtin", families=["datasets", "augmentations"])
    assert report.passed, str(report)
    assert {r.check for r in report} == {"shapes", "labels", "reproducible", "shape_dtype", "input_untouched"}
