"""Tests for the built-in image augmentations (plugins/augmentations.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from minigrad_plugins import augmentations

import minigrad as mg

ALL = {
    "horizontal_flip": {"p": 0.5},
    "random_shift": {"max_shift": 2},
    "small_rotation": {"max_degrees": 10.0},
    "additive_noise": {"std": 0.1},
}


class FixedAngle:
    """A stand-in generator whose uniform draws are all ``degrees``."""

    def __init__(self, degrees: float) -> None:
        self.radians = np.radians(degrees)

    def uniform(self, low, high, size):
        return np.full(size, self.radians)


def _shifted(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Reference translation with zero fill, for one (..., H, W) image."""
    out = np.zeros_like(image)
    H, W = image.shape[-2:]
    out[..., max(dy, 0) : H + min(dy, 0), max(dx, 0) : W + min(dx, 0)] = image[
        ..., max(-dy, 0) : H - max(dy, 0), max(-dx, 0) : W - max(dx, 0)
    ]
    return out


def test_registered():
    assert set(ALL) <= {c.name for c in mg.components("augmentations")}


@pytest.mark.parametrize("name", sorted(ALL))
@pytest.mark.parametrize("shape", [(5, 6, 7), (5, 3, 6, 7)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_contract_new_array_same_shape_and_dtype(name, shape, dtype):
    batch = np.random.default_rng(0).random(shape).astype(dtype)
    before = batch.copy()
    out = mg.augmentation(name, **ALL[name])(batch, np.random.default_rng(1))
    assert out.shape == shape and out.dtype == dtype
    assert out is not batch and not np.shares_memory(out, batch)
    np.testing.assert_array_equal(batch, before)  # input untouched
    again = mg.augmentation(name, **ALL[name])(batch, np.random.default_rng(1))
    np.testing.assert_array_equal(out, again)  # same generator state, same result


@pytest.mark.parametrize("name", ["horizontal_flip", "random_shift", "small_rotation"])
def test_integer_images_keep_their_dtype(name):
    batch = np.random.default_rng(0).integers(0, 256, size=(4, 8, 8)).astype(np.uint8)
    out = mg.augmentation(name)(batch, np.random.default_rng(0))
    assert out.dtype == np.uint8 and out.shape == batch.shape


@pytest.mark.parametrize("name", sorted(ALL))
@pytest.mark.parametrize("shape", [(4, 4), (2, 1, 3, 4, 4)])
def test_rejects_non_image_batches(name, shape):
    with pytest.raises(mg.ShapeError, match=r"\(m, H, W\) or \(m, C, H, W\)"):
        mg.augmentation(name)(np.zeros(shape), np.random.default_rng(0))


def test_horizontal_flip():
    batch = np.arange(2 * 2 * 3, dtype=np.float64).reshape(2, 2, 3)
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(mg.augmentation("horizontal_flip", p=1.0)(batch, rng), batch[..., ::-1])
    np.testing.assert_array_equal(mg.augmentation("horizontal_flip", p=0.0)(batch, rng), batch)
    images = np.random.default_rng(1).random((400, 3, 5))
    out = mg.augmentation("horizontal_flip")(images, rng)
    flipped = np.array([np.array_equal(o, i[:, ::-1]) for o, i in zip(out, images)])
    kept = np.array([np.array_equal(o, i) for o, i in zip(out, images)])
    assert (flipped ^ kept).all()  # each image is either flipped or unchanged
    assert 150 < flipped.sum() < 250  # p = 0.5
    chw = np.random.default_rng(2).random((3, 2, 4, 4))  # channels flip together
    np.testing.assert_array_equal(mg.augmentation("horizontal_flip", p=1.0)(chw, rng), chw[..., ::-1])


@given(seed=st.integers(0, 10_000), max_shift=st.integers(0, 3))
def test_random_shift_is_a_zero_filled_translation(seed, max_shift):
    rng = np.random.default_rng(seed)
    batch = rng.random((6, 2, 7, 5)) + 1.0  # no zeros in the image itself
    out = mg.augmentation("random_shift", max_shift=max_shift)(batch, rng)
    shifts = range(-max_shift, max_shift + 1)
    for image, result in zip(batch, out):
        matches = [
            (dy, dx) for dy in shifts for dx in shifts if np.array_equal(_shifted(image, dy, dx), result)
        ]
        assert len(matches) == 1  # exactly one translation within range explains it, for every channel


def test_random_shift_zero_is_identity():
    batch = np.random.default_rng(0).random((3, 4, 4))
    np.testing.assert_array_equal(
        mg.augmentation("random_shift", max_shift=0)(batch, np.random.default_rng(0)), batch
    )


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_small_rotation_by_90_degrees_matches_rot90(interpolation):
    batch = np.random.default_rng(0).random((2, 3, 5, 5))
    rotate = augmentations.small_rotation(max_degrees=90, interpolation=interpolation)
    out = rotate(batch, FixedAngle(90.0))
    np.testing.assert_allclose(out, np.rot90(batch, k=-1, axes=(2, 3)), atol=1e-12)
    np.testing.assert_allclose(
        rotate(batch, FixedAngle(-90.0)), np.rot90(batch, k=1, axes=(2, 3)), atol=1e-12
    )


def test_small_rotation_properties():
    ones = np.ones((1, 9, 9))
    rotated = augmentations.small_rotation(max_degrees=45)(ones, FixedAngle(45.0))
    assert rotated[0, 4, 4] == pytest.approx(1.0)  # the centre stays
    assert rotated[0, 0, 0] == 0.0  # corners come from outside the image: zero fill
    # bilinear interpolation of a linear ramp stays exact inside the image
    ramp = np.tile(np.arange(9.0), (9, 1))[None]
    small = augmentations.small_rotation(max_degrees=10)(ramp, FixedAngle(10.0))
    yy, xx = np.mgrid[0:9, 0:9] - 4.0
    a = np.radians(10.0)
    expected = np.sin(a) * yy + np.cos(a) * xx + 4.0  # x-coordinate of the source point
    np.testing.assert_allclose(small[0, 2:7, 2:7], expected[2:7, 2:7], atol=1e-12)
    # drawn angles stay within ±max_degrees: a 5-degree bound never moves the centre column's ends far
    batch = np.random.default_rng(0).random((20, 8, 8))
    out = mg.augmentation("small_rotation", max_degrees=0.0)(batch, np.random.default_rng(0))
    np.testing.assert_allclose(out, batch)


def test_additive_noise():
    batch = np.zeros((200, 10, 10))
    out = mg.augmentation("additive_noise", std=0.5)(batch, np.random.default_rng(0))
    assert abs(out.mean()) < 0.02 and out.std() == pytest.approx(0.5, rel=0.03)
    clipped = mg.augmentation("additive_noise", std=1.0, clip=(0.0, 0.5))(batch, np.random.default_rng(0))
    assert clipped.min() == 0.0 and clipped.max() == 0.5
    np.testing.assert_array_equal(
        mg.augmentation("additive_noise", std=0.0)(batch, np.random.default_rng(0)), batch
    )
    with pytest.raises(mg.DTypeError, match="floating point"):
        mg.augmentation("additive_noise")(np.zeros((2, 3, 3), dtype=np.uint8), np.random.default_rng(0))


@pytest.mark.parametrize(
    "name, options, match",
    [
        ("horizontal_flip", {"p": 1.5}, "probability"),
        ("random_shift", {"max_shift": -1}, "max_shift"),
        ("random_shift", {"max_shift": 1.5}, "max_shift"),
        ("small_rotation", {"max_degrees": 200}, "max_degrees"),
        ("small_rotation", {"interpolation": "cubic"}, "bilinear"),
        ("additive_noise", {"std": -1}, "std"),
        ("additive_noise", {"clip": (1.0, 0.0)}, "low < high"),
        ("additive_noise", {"clip": "x"}, "clip"),
    ],
)
def test_bad_options(name, options, match):
    with pytest.raises(mg.ConfigError, match=match):
        mg.augmentation(name, **options)


def test_compose_chains_registered_augmentations():
    assert augmentations.compose is mg.compose_augmentations
    flip = mg.augmentation("horizontal_flip", p=1.0)
    shift = augmentations.random_shift(max_shift=0)
    chain = augmentations.compose(flip, shift, flip)
    batch = np.random.default_rng(0).random((3, 4, 4))
    np.testing.assert_array_equal(chain(batch, np.random.default_rng(0)), batch)
    assert chain.steps == (flip, shift, flip)
