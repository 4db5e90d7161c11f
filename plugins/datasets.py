"""Built-in datasets, generated locally with NumPy from a seed (never downloaded).

Every factory follows the dataset contract ``factory(*, n=..., noise=..., seed=0) ->
(X, Y)`` with ``X`` float64 of shape ``(m, d)`` and ``Y`` int64 class labels of shape
``(m,)``; rows are shuffled, so any prefix mixes the classes. The same seed (a
non-negative integer; None draws fresh OS entropy) gives the same arrays.

- ``moons``: two interleaving half circles (2 classes, 2-D).
- ``circles``: a small circle inside a large one (2 classes, 2-D).
- ``flower``: the course's planar "flower" data (2 classes, 2-D), not linearly separable.
- ``spirals``: ``classes`` interleaved spiral arms (2-D).
- ``blobs``: Gaussian clusters around random centres (any dimension).
- ``digits``: scikit-learn's bundled 8x8 handwritten digits (10 classes, 64 features in
  [0, 1], or images with ``images=True``); needs the ``datasets`` extra.

Example:
    >>> import minigrad as mg
    >>> X, Y = mg.dataset("flower")
    >>> X.shape, Y.shape, sorted(set(Y.tolist()))
    ((400, 2), (400,), [0, 1])
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import Any

import numpy as np

from minigrad import ConfigError, MissingExtraError

__all__ = ["blobs", "circles", "digits", "flower", "moons", "register", "spirals"]


def _check_n(name: str, n: Any, *, minimum: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ConfigError(f"dataset '{name}': n must be an integer >= {minimum}, got {n!r}")
    return int(n)


def _is_real(value: Any) -> bool:
    """A finite int or float (bools excluded)."""
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, bool)
        and (math.isfinite(value))
    )


def _check_noise(name: str, noise: Any) -> float:
    if not _is_real(noise) or noise < 0:
        raise ConfigError(f"dataset '{name}': noise must be a non-negative number (a std), got {noise!r}")
    return float(noise)


def _rng(name: str, seed: Any) -> np.random.Generator:
    """The generator of ``seed``: a non-negative integer (or None for fresh OS entropy)."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ConfigError(
            f"dataset '{name}': seed must be a non-negative integer (the same seed gives the same "
            f"data), got {seed!r}"
        )
    return np.random.default_rng(seed)


def _per_class(n: int, classes: int) -> list[int]:
    """n examples as evenly as possible over the classes (the first classes get the extras)."""
    return [n // classes + (1 if k < n % classes else 0) for k in range(classes)]


def _finish(X: np.ndarray, Y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(len(X))
    return np.ascontiguousarray(X[order], dtype=np.float64), Y[order].astype(np.int64)


def moons(*, n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles with Gaussian noise of std ``noise``.

    Class 0: (cos t, sin t); class 1: (1 - cos t, 0.5 - sin t), t in [0, π].

    Example:
        >>> import minigrad as mg
        >>> X, Y = mg.dataset("moons", n=10, noise=0.0)
        >>> X.shape, int(Y.sum())
        ((10, 2), 5)
    """
    n, noise = _check_n("moons", n, minimum=2), _check_noise("moons", noise)
    rng = _rng("moons", seed)
    n0, n1 = _per_class(n, 2)
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    X = np.concatenate(
        [np.c_[np.cos(t0), np.sin(t0)], np.c_[1 - np.cos(t1), 0.5 - np.sin(t1)]]
    ) + noise * rng.standard_normal((n, 2))
    Y = np.repeat([0, 1], [n0, n1])
    return _finish(X, Y, rng)


def circles(
    *, n: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A circle of radius ``factor`` (class 1) inside the unit circle (class 0), plus noise.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> X, Y = mg.dataset("circles", n=8, noise=0.0, factor=0.5)
        >>> np.round(np.hypot(X[:, 0], X[:, 1])[Y == 1], 6).tolist()
        [0.5, 0.5, 0.5, 0.5]
    """
    n, noise = _check_n("circles", n, minimum=2), _check_noise("circles", noise)
    if not _is_real(factor) or not 0 < factor < 1:
        raise ConfigError(f"dataset 'circles': factor (inner radius) must be in (0, 1), got {factor!r}")
    rng = _rng("circles", seed)
    n0, n1 = _per_class(n, 2)
    t0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    X = np.concatenate([np.c_[np.cos(t0), np.sin(t0)], factor * np.c_[np.cos(t1), np.sin(t1)]])
    X = X + noise * rng.standard_normal((n, 2))
    Y = np.repeat([0, 1], [n0, n1])
    return _finish(X, Y, rng)


def flower(
    *, n: int = 400, noise: float = 0.2, radius: float = 4.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The course's planar "flower": two classes of petals, r = a sin(4θ).

    As in the planar data classification exercise (m = 400, maximum ray a = 4,
    noise 0.2): class j takes θ evenly in [3.12 j, 3.12 (j + 1)] plus noise, the radius
    ``r = a sin(4θ)`` plus noise, and the point ``(r sin θ, r cos θ)``. A linear model
    reaches only about 50% accuracy; a small hidden layer about 90%.

    Args:
        n: number of examples (the course: 400).
        noise: std of the Gaussian noise on θ and on r (the course: 0.2).
        radius: a, the maximum ray of the flower (the course: 4).
        seed: seeds the noise and the row shuffle.

    Example:
        >>> import minigrad as mg
        >>> X, Y = mg.dataset("flower", n=400, seed=1)
        >>> X.shape, int(Y.sum())
        ((400, 2), 200)
    """
    n, noise = _check_n("flower", n, minimum=2), _check_noise("flower", noise)
    if not _is_real(radius) or not radius > 0:
        raise ConfigError(f"dataset 'flower': radius (the maximum ray a) must be positive, got {radius!r}")
    rng = _rng("flower", seed)
    parts, labels = [], []
    for j, count in enumerate(_per_class(n, 2)):
        theta = np.linspace(j * 3.12, (j + 1) * 3.12, count) + noise * rng.standard_normal(count)
        r = radius * np.sin(4 * theta) + noise * rng.standard_normal(count)
        parts.append(np.c_[r * np.sin(theta), r * np.cos(theta)])
        labels.append(np.full(count, j))
    return _finish(np.concatenate(parts), np.concatenate(labels), rng)


def spirals(
    *, n: int = 300, classes: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` spiral arms winding out from the origin (radius 0 to 1).

    Arm k has radius r evenly in [0, 1] and angle θ = 4 (k + r) + noise · N(0, 1);
    its points are (r sin θ, r cos θ).

    Example:
        >>> import minigrad as mg
        >>> X, Y = mg.dataset("spirals", n=90, classes=3)
        >>> X.shape, [int((Y == k).sum()) for k in range(3)]
        ((90, 2), [30, 30, 30])
    """
    if isinstance(classes, bool) or not isinstance(classes, (int, np.integer)) or classes < 2:
        raise ConfigError(f"dataset 'spirals': classes must be an integer >= 2, got {classes!r}")
    n, noise = _check_n("spirals", n, minimum=classes), _check_noise("spirals", noise)
    rng = _rng("spirals", seed)
    parts, labels = [], []
    for k, count in enumerate(_per_class(n, int(classes))):
        r = np.linspace(0.0, 1.0, count)
        theta = 4.0 * (k + r) + noise * rng.standard_normal(count)
        parts.append(np.c_[r * np.sin(theta), r * np.cos(theta)])
        labels.append(np.full(count, k))
    return _finish(np.concatenate(parts), np.concatenate(labels), rng)


def blobs(
    *, n: int = 300, centers: int = 3, features: int = 2, noise: float = 1.0, box: float = 10.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian clusters: ``centers`` centres drawn uniformly in [-box, box]^features,
    points around them with std ``noise``.

    Example:
        >>> import minigrad as mg
        >>> X, Y = mg.dataset("blobs", n=60, centers=4, features=3)
        >>> X.shape, sorted(set(Y.tolist()))
        ((60, 3), [0, 1, 2, 3])
    """
    if isinstance(centers, bool) or not isinstance(centers, (int, np.integer)) or centers < 1:
        raise ConfigError(f"dataset 'blobs': centers must be a positive integer, got {centers!r}")
    if isinstance(features, bool) or not isinstance(features, (int, np.integer)) or features < 1:
        raise ConfigError(f"dataset 'blobs': features must be a positive integer, got {features!r}")
    n, noise = _check_n("blobs", n, minimum=centers), _check_noise("blobs", noise)
    if not _is_real(box) or not box > 0:
        raise ConfigError(
            f"dataset 'blobs': box (half-width of the centres' cube) must be positive, got {box!r}"
        )
    rng = _rng("blobs", seed)
    means = rng.uniform(-box, box, size=(centers, features))
    counts = _per_class(n, int(centers))
    Y = np.repeat(np.arange(centers), counts)
    X = means[Y] + noise * rng.standard_normal((n, features))
    return _finish(X, Y, rng)


def digits(*, n: int | None = None, images: bool = False, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 handwritten digits (1797 images, 10 classes).

    Read from the file shipped inside scikit-learn (no network); requires the
    ``datasets`` extra: ``pip install -e ".[datasets]"`` in the minigrad checkout (or
    ``pip install scikit-learn``). Pixel values 0..16 are
    scaled to [0, 1]; rows are shuffled with ``seed``.

    Args:
        n: keep only the first ``n`` shuffled examples (default all 1797).
        images: return ``X`` of shape ``(m, 8, 8)`` instead of ``(m, 64)``.
        seed: seeds the shuffle.

    Example:
        >>> import minigrad as mg
        >>> X, Y = mg.dataset("digits", n=50, images=True)
        >>> X.shape, float(X.max()) <= 1.0
        ((50, 8, 8), True)
    """
    pixels, labels = _read_digits()
    total = len(labels)
    n = total if n is None else _check_n("digits", n, minimum=1)
    if n > total:
        raise ConfigError(f"dataset 'digits': n={n} but the dataset has only {total} examples")
    order = _rng("digits", seed).permutation(total)[:n]
    X = pixels[order] / 16.0
    if images:
        X = X.reshape(n, 8, 8)
    return np.ascontiguousarray(X), labels[order]


def _read_digits() -> tuple[np.ndarray, np.ndarray]:
    """(pixels float64 (1797, 64) in 0..16, labels int64) from scikit-learn's bundled file.

    The file ``sklearn/datasets/data/digits.csv.gz`` (64 pixel columns, then the label)
    is read directly, which skips importing scikit-learn (seconds); if a scikit-learn
    version lays its files out differently, ``load_digits()`` is used instead.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise MissingExtraError(
            "dataset 'digits' reads scikit-learn's bundled digits, but scikit-learn is not "
            'installed; install the datasets extra in the minigrad checkout: pip install -e ".[datasets]" '
            "(or: pip install scikit-learn)"
        )
    bundled = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
    if bundled.is_file():
        table = np.loadtxt(bundled, delimiter=",", dtype=np.float64)
        return table[:, :-1], table[:, -1].astype(np.int64)
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return bunch.data.astype(np.float64), bunch.target.astype(np.int64)


def register(registry):
    """Register the built-in datasets on ``registry``.

    Example:
        >>> import minigrad as mg
        >>> reg = mg.Registry("datasets")
        >>> register(reg)
        >>> reg.names()
        ['blobs', 'circles', 'digits', 'flower', 'moons', 'spirals']
    """
    registry.add("moons", moons, doc="two interleaving half circles", classes=2, features=2)
    registry.add("circles", circles, doc="a small circle inside a large one", classes=2, features=2)
    registry.add("flower", flower, doc="the course's planar petal data, r = a sin(4θ)", classes=2, features=2)
    registry.add("spirals", spirals, doc="k interleaved spiral arms", classes=None, features=2)
    registry.add("blobs", blobs, doc="Gaussian clusters", classes=None, features=None)
    registry.add(
        "digits",
        digits,
        doc="scikit-learn's bundled 8x8 digits (extra: datasets)",
        classes=10,
        features=64,
        image_shape=(8, 8),
        extra="datasets",
    )
