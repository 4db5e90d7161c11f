"""Built-in image augmentations, applied on the fly to each mini-batch.

Each factory takes its options and returns ``augment(batch, rng) -> batch``: ``batch``
is a stack of images, ``(m, H, W)`` or ``(m, C, H, W)``, ``rng`` a
``numpy.random.Generator``; the result is a new array of the same shape and dtype
(the input is never modified). Every image gets its own random draw.

- ``horizontal_flip(p=0.5)``: mirror left-right with probability ``p``.
- ``random_shift(max_shift=2)``: translate by up to ``max_shift`` pixels each way, zero fill.
- ``small_rotation(max_degrees=10.0, interpolation="bilinear")``: rotate about the centre.
- ``additive_noise(std=0.05, clip=None)``: add Gaussian noise (float images).

Chain them with :func:`compose` (the same as :func:`minigrad.compose_augmentations`),
or hand a list to :class:`minigrad.DataLoader` ``augment=``.

Example:
    >>> import numpy as np
    >>> import minigrad as mg
    >>> augment = compose(mg.augmentation("random_shift", max_shift=1), mg.augmentation("horizontal_flip"))
    >>> batch = np.random.default_rng(0).random((4, 8, 8))
    >>> augment(batch, np.random.default_rng(1)).shape
    (4, 8, 8)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad import ConfigError, DTypeError, ShapeError
from minigrad.data import compose_augmentations as compose

__all__ = ["additive_noise", "compose", "horizontal_flip", "random_shift", "register", "small_rotation"]

Augment = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def _check_batch(name: str, batch: Any) -> np.ndarray:
    if not isinstance(batch, np.ndarray):
        batch = np.asarray(batch)
    if batch.ndim not in (3, 4):
        raise ShapeError(
            f"augmentation '{name}': expected a batch of images (m, H, W) or (m, C, H, W), got shape "
            f"{batch.shape}; reshape flat features first (fit(..., image_shape=(H, W)) and "
            "DataLoader(image_shape=(H, W)) do it)"
        )
    if batch.dtype.kind not in "biuf":
        raise DTypeError(f"augmentation '{name}': images must be numeric, got dtype {batch.dtype}")
    return batch


def _as_nchw(batch: np.ndarray) -> np.ndarray:
    return batch[:, None] if batch.ndim == 3 else batch


def _restore(result: np.ndarray, batch: np.ndarray) -> np.ndarray:
    """Back to the input's layout and dtype (integer images are rounded)."""
    if batch.ndim == 3:
        result = result[:, 0]
    if batch.dtype.kind in "biu" and result.dtype.kind == "f":
        info = np.iinfo(batch.dtype) if batch.dtype.kind != "b" else None
        result = np.rint(result)
        if info is not None:
            result = np.clip(result, info.min, info.max)
    return result.astype(batch.dtype, copy=False)


def _is_real(value: Any) -> bool:
    """A finite real number: int, float or a NumPy scalar such as ``np.float32(0.5)``
    (bools excluded, and text is not a number)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_) and math.isfinite(value)


def _check_probability(name: str, p: Any) -> float:
    if not _is_real(p) or not 0.0 <= p <= 1.0:
        raise ConfigError(f"augmentation '{name}': p must be a probability in [0, 1], got {p!r}")
    return float(p)


def horizontal_flip(*, p: float = 0.5) -> Augment:
    """Mirror each image left-right (along its last axis) with probability ``p``.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> flip = mg.augmentation("horizontal_flip", p=1.0)
        >>> flip(np.array([[[1, 2, 3]]]), np.random.default_rng(0))
        array([[[3, 2, 1]]])
    """
    p = _check_probability("horizontal_flip", p)

    def augment(batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        batch = _check_batch("horizontal_flip", batch)
        flip = rng.random(batch.shape[0]) < p
        out = batch.copy()
        out[flip] = batch[flip][..., ::-1]
        return out

    return augment


def _check_pixels(name: str, value: Any, option: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ConfigError(f"augmentation '{name}': {option} must be a non-negative integer, got {value!r}")
    return int(value)


def random_shift(*, max_shift: int = 2) -> Augment:
    """Translate each image by (dy, dx), each uniform in [-max_shift, max_shift] pixels;
    pixels shifted in from outside are 0.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> shift = mg.augmentation("random_shift", max_shift=1)
        >>> image = np.zeros((1, 3, 3)); image[0, 1, 1] = 1.0
        >>> out = shift(image, np.random.default_rng(0))
        >>> float(out.sum())  # the single bright pixel moved at most one step, never lost
        1.0
    """
    max_shift = _check_pixels("random_shift", max_shift, "max_shift")

    def augment(batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        batch = _check_batch("random_shift", batch)
        x = _as_nchw(batch)
        m, _, H, W = x.shape
        dy = rng.integers(-max_shift, max_shift + 1, size=m)
        dx = rng.integers(-max_shift, max_shift + 1, size=m)
        # out[y, x] = in[y - dy, x - dx] where that source pixel exists, else 0
        rows = np.arange(H)[None, :] - dy[:, None]  # (m, H)
        cols = np.arange(W)[None, :] - dx[:, None]  # (m, W)
        valid = ((rows >= 0) & (rows < H))[:, :, None] & ((cols >= 0) & (cols < W))[:, None, :]
        gathered = x[
            np.arange(m)[:, None, None, None],
            np.arange(x.shape[1])[None, :, None, None],
            np.clip(rows, 0, H - 1)[:, None, :, None],
            np.clip(cols, 0, W - 1)[:, None, None, :],
        ]
        return _restore(np.where(valid[:, None], gathered, 0), batch)

    return augment


def small_rotation(*, max_degrees: float = 10.0, interpolation: str = "bilinear") -> Augment:
    """Rotate each image about its centre by an angle uniform in [-max_degrees, max_degrees].

    Pure NumPy: each output pixel samples the input at the inversely rotated position,
    with ``"bilinear"`` or ``"nearest"`` interpolation; positions outside the image
    read 0.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> rotate = mg.augmentation("small_rotation", max_degrees=0.0)
        >>> batch = np.random.default_rng(0).random((2, 5, 5))
        >>> bool(np.allclose(rotate(batch, np.random.default_rng(1)), batch))
        True
    """
    if not _is_real(max_degrees) or not 0 <= max_degrees <= 180:
        raise ConfigError(
            f"augmentation 'small_rotation': max_degrees must be a number in [0, 180], got {max_degrees!r}"
        )
    if interpolation not in ("bilinear", "nearest"):
        raise ConfigError(
            "augmentation 'small_rotation': interpolation must be 'bilinear' or 'nearest', "
            f"got {interpolation!r}"
        )
    max_radians = math.radians(max_degrees)

    def augment(batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        batch = _check_batch("small_rotation", batch)
        x = _as_nchw(batch).astype(np.float64, copy=False)
        m, C, H, W = x.shape
        angle = rng.uniform(-max_radians, max_radians, size=m)[:, None, None]
        cy, cx = (H - 1) / 2.0, (W - 1) / 2.0
        yy, xx = np.meshgrid(np.arange(H) - cy, np.arange(W) - cx, indexing="ij")
        # inverse rotation: the output pixel p reads the input at R(-angle) p (about the centre)
        cos, sin = np.cos(angle), np.sin(angle)
        src_y = cos * yy - sin * xx + cy  # (m, H, W)
        src_x = sin * yy + cos * xx + cx
        batch_index = np.arange(m)[:, None, None, None]
        channel = np.arange(C)[None, :, None, None]

        def read(iy: np.ndarray, ix: np.ndarray) -> np.ndarray:
            """x[i, c, iy, ix], 0 where (iy, ix) is outside the image."""
            inside = (iy >= 0) & (iy < H) & (ix >= 0) & (ix < W)
            values = x[batch_index, channel, np.clip(iy, 0, H - 1)[:, None], np.clip(ix, 0, W - 1)[:, None]]
            return np.where(inside[:, None], values, 0.0)

        if interpolation == "nearest":
            out = read(np.rint(src_y).astype(np.intp), np.rint(src_x).astype(np.intp))
        else:
            y0, x0 = np.floor(src_y).astype(np.intp), np.floor(src_x).astype(np.intp)
            wy, wx = (src_y - y0)[:, None], (src_x - x0)[:, None]
            # bilinear: the four neighbours weighted by the opposite rectangle's area
            out = (
                (1 - wy) * (1 - wx) * read(y0, x0)
                + (1 - wy) * wx * read(y0, x0 + 1)
                + wy * (1 - wx) * read(y0 + 1, x0)
                + wy * wx * read(y0 + 1, x0 + 1)
            )
        return _restore(out, batch)

    return augment


def additive_noise(*, std: float = 0.05, clip: tuple[float, float] | None = None) -> Augment:
    """Add Gaussian noise N(0, std²) to every pixel; optionally clip to ``clip = (low, high)``.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> noisy = mg.augmentation("additive_noise", std=0.1, clip=(0.0, 1.0))
        >>> out = noisy(np.full((2, 4, 4), 0.5, dtype=np.float32), np.random.default_rng(0))
        >>> out.dtype, bool(((out >= 0) & (out <= 1)).all())
        (dtype('float32'), True)
    """
    if not _is_real(std) or std < 0:
        raise ConfigError(f"augmentation 'additive_noise': std must be a non-negative number, got {std!r}")
    std = float(std)
    if clip is not None:
        if not isinstance(clip, tuple | list | np.ndarray) or len(clip) != 2 or not all(map(_is_real, clip)):
            raise ConfigError(
                f"augmentation 'additive_noise': clip must be (low, high), two finite numbers, or None, "
                f"got {clip!r}"
            )
        low, high = float(clip[0]), float(clip[1])
        if not low < high:
            raise ConfigError(f"augmentation 'additive_noise': clip needs low < high, got {clip!r}")

    def augment(batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        batch = _check_batch("additive_noise", batch)
        if batch.dtype.kind != "f":
            raise DTypeError(
                f"augmentation 'additive_noise': images must be floating point, got dtype {batch.dtype}; "
                "convert them (e.g. batch / 255.0) first"
            )
        out = batch + std * rng.standard_normal(batch.shape)
        if clip is not None:
            out = np.clip(out, low, high)
        return out.astype(batch.dtype, copy=False)

    return augment


def register(registry):
    """Register the built-in augmentations on ``registry``.

    Example:
        >>> import minigrad as mg
        >>> reg = mg.Registry("augmentations")
        >>> register(reg)
        >>> reg.names()
        ['additive_noise', 'horizontal_flip', 'random_shift', 'small_rotation']
    """
    registry.add("horizontal_flip", horizontal_flip, doc="mirror left-right with probability p")
    registry.add("random_shift", random_shift, doc="translate by up to max_shift pixels, zero fill")
    registry.add("small_rotation", small_rotation, doc="rotate by up to max_degrees about the centre")
    registry.add("additive_noise", additive_noise, doc="add N(0, std²) noise to every pixel")
