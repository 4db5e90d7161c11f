"""An augmentation that returns the wrong shape is named, with both shapes."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def crop(batch, rng):
    return batch[:, :2]


@pytest.mark.parametrize("image_shape", [(4, 4), None])
def test_a_wrong_shape_names_the_augmentation_and_both_shapes(image_shape):
    X = np.zeros((4, 16)) if image_shape else np.zeros((4, 4, 4))
    loader = mg.DataLoader(X, batch_size=2, augment=crop, image_shape=image_shape)
    with pytest.raises(
        mg.ShapeError,
        match=r"augmentation 'crop' returned shape \(2, 2, 4\) for a batch of shape \(2, 4, 4\)",
    ):
        list(loader)


def test_fit_and_composed_augmentations_name_it_too():
    X, Y = mg.dataset("digits", n=20, seed=0)
    model = mg.Sequential(mg.layer("dense", 64, 10, rng=np.random.default_rng(0)))
    with pytest.raises(
        mg.ShapeError, match=r"compose\('horizontal_flip', 'crop'\) returned shape \(20, 2, 8\)"
    ):
        mg.fit(model, (X, Y), loss="softmax_cross_entropy", optimizer="sgd", epochs=1, batch_size=20,
               augment=["horizontal_flip", crop], image_shape=(8, 8))  # fmt: skip


def test_an_augmentation_returning_no_array_is_named():
    loader = mg.DataLoader(np.zeros((2, 3, 3)), augment=lambda b, rng: None)
    with pytest.raises(mg.ShapeError, match=r"returned a NoneType for a batch of shape \(2, 3, 3\)"):
        list(loader)
