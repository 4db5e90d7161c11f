"""Data for training: train/dev/test splits, input normalization, mini-batches,
augmentation on the fly, dataset files, and exponentially weighted averages.

The course's practical method, in the order you use it:

1. :func:`split` the data into train / dev / test (60/20/20 for small data, 98/1/1
   above a million examples), shuffled with a seed, optionally stratified by label.
2. Fit a :class:`Normalizer` on the **training set only** and apply the same
   transform to dev, test and every later prediction; save it with the model.
3. Iterate over :func:`minibatches` (or a reusable :class:`DataLoader`, which can
   also augment images on the fly): shuffle, then partition; the last, smaller
   batch is kept. ``batch_size = m`` is batch gradient descent, ``1`` is SGD.

Rows are examples everywhere: ``X`` has shape ``(m, ...)`` and ``Y`` has ``m`` rows.

Example:
    >>> import numpy as np
    >>> import minigrad as mg
    >>> X, Y = mg.dataset("moons", n=100, seed=0)
    >>> (X_train, Y_train), (X_dev, Y_dev), (X_test, Y_test) = mg.split(X, Y, seed=0)
    >>> len(X_train), len(X_dev), len(X_test)
    (60, 20, 20)
    >>> norm = mg.Normalizer().fit(X_train)
    >>> batches = list(mg.minibatches(norm.transform(X_train), Y_train, batch_size=16, rng=0))
    >>> [len(xb) for xb, yb in batches]
    [16, 16, 16, 12]
"""

from __future__ import annotations

import csv
import math
import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from minigrad.errors import ConfigError, DTypeError, ShapeError, StateDictError, did_you_mean

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "EWMA",
    "LARGE_DATA_RATIOS",
    "LARGE_DATA_THRESHOLD",
    "SMALL_DATA_RATIOS",
    "DataLoader",
    "Normalizer",
    "Split",
    "compose_augmentations",
    "ewma",
    "load_dataset",
    "minibatches",
    "split",
]

#: Above this many examples :func:`split` switches from small-data to big-data ratios.
LARGE_DATA_THRESHOLD = 1_000_000
#: train/dev/test ratios for up to :data:`LARGE_DATA_THRESHOLD` examples (the course: 60/20/20).
SMALL_DATA_RATIOS = (0.6, 0.2, 0.2)
#: train/dev/test ratios above :data:`LARGE_DATA_THRESHOLD` examples (the course: 98/1/1).
LARGE_DATA_RATIOS = (0.98, 0.01, 0.01)
#: Default mini-batch size: a power of two, as the course recommends.
DEFAULT_BATCH_SIZE = 64

Augment = Callable[[np.ndarray, np.random.Generator], np.ndarray]


# --------------------------------------------------------------------------- validation


def _array(value: Any, *, where: str, name: str) -> np.ndarray:
    """``np.asarray(value)``, with a minigrad error for ragged lists and other junk."""
    try:
        return np.asarray(value)
    except (TypeError, ValueError, OverflowError) as err:
        raise ShapeError(
            f"{where}: {name} cannot be read as an array ({err}); pass a NumPy array or nested "
            "lists of numbers with one row per example, all rows the same length"
        ) from err


def _check_features(X: Any, *, where: str, name: str = "X") -> np.ndarray:
    """``X`` as a numeric array with at least one row and finite values."""
    X = _array(X, where=where, name=name)
    if X.dtype.kind not in "biuf":
        raise DTypeError(
            f"{where}: {name} has dtype {X.dtype}; it must be numeric (bool, int or float). "
            "Convert text or object columns to numbers first"
        )
    if X.ndim == 0:
        raise ShapeError(f"{where}: {name} is a scalar; pass an array with one row per example")
    if X.shape[0] == 0:
        raise ShapeError(f"{where}: {name} is empty (shape {X.shape}); pass at least one example")
    _check_finite(X, where=where, name=name)
    return X


def _check_finite(X: np.ndarray, *, where: str, name: str) -> None:
    if X.dtype.kind != "f":
        return
    finite = np.isfinite(X)
    if not finite.all():
        bad = np.argwhere(~finite)
        first = tuple(int(i) for i in bad[0])
        value = X[first]
        position = f"row {first[0]}" + (f", column {first[1]}" if len(first) == 2 else "")
        if len(first) > 2:
            position = f"row {first[0]}, index {first[1:]}"
        raise ConfigError(
            f"{where}: {name} has {len(bad)} non-finite value(s) (NaN or inf); the first is {value} "
            f"at {position}. Remove or impute those examples before training"
        )


def _check_targets(Y: Any, m: int, *, where: str) -> np.ndarray:
    Y = _array(Y, where=where, name="Y")
    if Y.ndim == 0:
        raise ShapeError(f"{where}: Y is a scalar; pass one label (row) per example")
    if Y.shape[0] != m:
        raise ShapeError(
            f"{where}: X has {m} examples (rows) but Y has {Y.shape[0]} (shape {Y.shape}); "
            "X and Y need one row per example, in the same order"
        )
    if Y.dtype.kind not in "biuf":
        raise DTypeError(f"{where}: Y has dtype {Y.dtype}; labels must be numeric (encode class names)")
    _check_finite(Y, where=where, name="Y")
    return Y


def _generator(rng: np.random.Generator | int | None, *, where: str) -> np.random.Generator:
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    raise ConfigError(
        f"{where}: rng must be a numpy Generator, an int seed or None, not {type(rng).__name__}"
    )


# --------------------------------------------------------------------------- split


class Split(NamedTuple):
    """The result of :func:`split`: ``(X, Y)`` pairs for each part.

    Unpacks as ``train, dev, test = mg.split(X, Y)``. ``test`` is ``None`` when two
    ratios were given (train and dev only).

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> parts = mg.split(np.arange(20.0).reshape(10, 2), np.arange(10), ratios=(0.8, 0.2))
        >>> parts.train[0].shape, parts.dev[0].shape, parts.test
        ((8, 2), (2, 2), None)
    """

    train: tuple[np.ndarray, np.ndarray]
    dev: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray] | None


def _check_ratios(ratios: Any) -> tuple[float, ...]:
    try:
        values = tuple(float(r) for r in ratios)
    except (TypeError, ValueError):
        raise ConfigError(
            f"split: ratios must be 2 or 3 numbers (train, dev[, test]) summing to 1, e.g. (0.6, 0.2, 0.2); "
            f"got {ratios!r}"
        ) from None
    if len(values) not in (2, 3):
        raise ConfigError(
            f"split: ratios needs 2 parts (train, dev) or 3 (train, dev, test); got {len(values)}: {ratios!r}"
        )
    if not all(math.isfinite(r) and r > 0 for r in values):
        raise ConfigError(f"split: every ratio must be a positive number; got {ratios!r}")
    if abs(sum(values) - 1.0) > 1e-6:
        raise ConfigError(f"split: ratios must sum to 1; {ratios!r} sums to {sum(values):g}")
    return values


def _part_sizes(m: int, ratios: Sequence[float]) -> list[int]:
    """Largest-remainder rounding of ``m * ratios`` (sizes sum to exactly ``m``); when
    ``m`` allows, every part gets at least one example (taken from the largest part)."""
    exact = [m * r for r in ratios]
    sizes = [math.floor(e) for e in exact]
    order = sorted(range(len(ratios)), key=lambda k: (sizes[k] - exact[k], k))
    for k in order[: m - sum(sizes)]:
        sizes[k] += 1
    for k, size in enumerate(sizes):
        largest = max(range(len(sizes)), key=lambda j: sizes[j])
        if size == 0 and sizes[largest] > 1:
            sizes[largest] -= 1
            sizes[k] = 1
    return sizes


def _share_out(counts: np.ndarray, n: int, rng: np.random.Generator | None) -> np.ndarray:
    """``n`` draws shared among classes of ``counts`` members in proportion, summing to
    ``n`` exactly: each class gets ``floor(n * count / total)``, and the draws left over
    go to the largest remainders (ties broken by ``rng``, or by class order without one),
    as scikit-learn's StratifiedShuffleSplit does."""
    total = int(counts.sum())
    shares, remainders = np.divmod(counts * n, total)  # exact integer arithmetic
    left = n - int(shares.sum())
    tie_order = rng.permutation(len(counts)) if rng is not None else np.arange(len(counts))
    # largest remainder first; among equal remainders, tie_order decides
    by_remainder = tie_order[np.argsort(-remainders[tie_order], kind="stable")]
    shares[by_remainder[:left]] += 1
    return shares


def _stratified_counts(
    counts: np.ndarray, sizes: Sequence[int], rng: np.random.Generator | None
) -> np.ndarray:
    """How many members of each class go to each part: a ``(classes, parts)`` table whose
    columns sum to the part ``sizes`` and rows to the class ``counts``. Dev (and test)
    are shared out first, each from the members still unassigned, so both follow the
    class distribution; train takes the rest."""
    table = np.zeros((len(counts), len(sizes)), dtype=np.int64)
    remaining = counts.astype(np.int64).copy()
    for k in range(1, len(sizes)):
        table[:, k] = _share_out(remaining, sizes[k], rng)
        remaining -= table[:, k]
    table[:, 0] = remaining
    return table


def _class_labels(Y: np.ndarray) -> np.ndarray:
    if Y.ndim == 1:
        return Y
    flat = Y.reshape(Y.shape[0], -1)
    if flat.shape[1] == 1:
        return flat[:, 0]
    return flat.argmax(axis=1)  # one-hot rows -> class index


def split(
    X: Any,
    Y: Any,
    *,
    ratios: Sequence[float] | None = None,
    seed: int | None = 0,
    stratify: bool = False,
    shuffle: bool = True,
    large_data_threshold: int = LARGE_DATA_THRESHOLD,
) -> Split:
    """Split examples into train / dev (/ test) sets.

    Without ``ratios`` the course's rule of thumb picks them: :data:`SMALL_DATA_RATIOS`
    (60/20/20) for up to ``large_data_threshold`` examples (default
    :data:`LARGE_DATA_THRESHOLD`, one million), :data:`LARGE_DATA_RATIOS` (98/1/1)
    above. Part sizes are rounded so they add up to ``m`` exactly (largest remainder;
    each part gets at least one example when ``m`` allows).

    With ``stratify=True`` the part sizes are the same as without; they are shared out
    across the classes in proportion to each class's size (as scikit-learn's
    ``StratifiedShuffleSplit``): dev, then test, gets ``floor(size * class_count /
    m)`` members of each class, the leftover examples going to the classes with the
    largest remainders (ties broken at random from ``seed``, or in class order with
    ``shuffle=False``), and train gets the rest. So dev and test follow the same class
    distribution, and a class too small for every part is missing from some.

    Args:
        X: features, shape ``(m, ...)``; must be numeric and finite.
        Y: labels or targets with ``m`` rows (class indices, one-hot rows or values).
        ratios: 2 (train, dev) or 3 (train, dev, test) positive numbers summing to 1.
        seed: seeds the shuffle (and the stratified tie-breaks); the same seed gives the
            same split.
        stratify: keep each class's share the same in every part (labels are ``Y``, or
            its arg-max for one-hot rows).
        shuffle: shuffle before splitting; ``False`` keeps the original order
            (e.g. time series).
        large_data_threshold: overrides the small/large boundary of the automatic ratios.

    Returns:
        :class:`Split` ``(train, dev, test)`` of ``(X, Y)`` pairs (``test`` is ``None``
        for two ratios).

    Raises:
        ShapeError: X and Y have different numbers of rows, or no rows.
        ConfigError: bad ratios, a part that would be empty, NaN or inf in X.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> X, Y = np.arange(200.0).reshape(100, 2), np.repeat([0, 1], 50)
        >>> train, dev, test = mg.split(X, Y, stratify=True)
        >>> len(train[0]), len(dev[0]), len(test[0]), int(dev[1].sum())
        (60, 20, 20, 10)
    """
    where = "split"
    X = _check_features(X, where=where)
    m = X.shape[0]
    Y = _check_targets(Y, m, where=where)
    if ratios is None:
        ratios = LARGE_DATA_RATIOS if m > large_data_threshold else SMALL_DATA_RATIOS
    ratios = _check_ratios(ratios)
    if seed is not None and (not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0):
        raise ConfigError(f"{where}: seed={seed!r}; use a non-negative int (or None for a random split)")
    rng = np.random.default_rng(seed)

    if stratify:
        labels = _class_labels(Y)
        if labels.dtype.kind == "f" and not np.array_equal(labels, np.round(labels)):
            raise ConfigError(
                f"{where}: stratify=True keeps each class's share, but Y holds real values (a "
                "regression target), not class labels; pass stratify=False"
            )
        classes, label_index, counts = np.unique(labels, return_inverse=True, return_counts=True)
        table = _stratified_counts(counts, _part_sizes(m, ratios), rng if shuffle else None)
        parts: list[list[np.ndarray]] = [[] for _ in ratios]
        for c in range(len(classes)):
            members = np.flatnonzero(label_index == c)
            if shuffle:
                members = rng.permutation(members)
            for k, chunk in enumerate(np.split(members, np.cumsum(table[c])[:-1])):
                parts[k].append(chunk)
        indices = [np.concatenate(p) for p in parts]
        # shuffled: mix the classes inside each part; unshuffled: keep the original order
        indices = [rng.permutation(i) if shuffle else np.sort(i) for i in indices]
    else:
        order = rng.permutation(m) if shuffle else np.arange(m)
        indices = np.split(order, np.cumsum(_part_sizes(m, ratios))[:-1])

    names = ("train", "dev", "test")
    for name, idx in zip(names, indices):
        if len(idx) == 0:
            raise ConfigError(
                f"split: the {name} set would be empty with ratios {ratios} and m={m} examples; "
                "use more data, a larger ratio for that part, or two ratios (train, dev)"
            )
    pairs = [(X[idx], Y[idx]) for idx in indices]
    return Split(pairs[0], pairs[1], pairs[2] if len(pairs) == 3 else None)


# --------------------------------------------------------------------------- normalization


class Normalizer:
    """Standardize inputs with the training set's mean and variance: (x - μ) / σ.

    The course's input normalization, per feature (per position of ``X.shape[1:]``)::

        μ  = 1/m Σ x(i)
        σ² = 1/m Σ (x(i) - μ)²
        x̂ = (x - μ) / sqrt(σ² + eps)

    Fit on the training set only, then apply the same ``transform`` to dev, test and
    every input at prediction time. ``eps`` (default ``1e-8``) keeps the division
    finite for tiny variances. A feature that is constant on the training set
    (zero variance) is only centred (its scale is 1): dividing by ``sqrt(eps)`` would
    blow any different value at prediction time up by 10⁴.

    ``state_dict()`` holds plain arrays (``mean``, ``variance``, ``scale``, ``eps``) so the
    normalizer can be saved next to the model's weights.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> X_train = np.array([[1.0, 10.0], [3.0, 10.0]])
        >>> norm = mg.Normalizer().fit(X_train)
        >>> norm.transform(X_train)
        array([[-1.,  0.],
               [ 1.,  0.]])
        >>> norm.transform(np.array([[2.0, 12.0]]))
        array([[0., 2.]])
        >>> norm.inverse_transform(norm.transform(X_train))
        array([[ 1., 10.],
               [ 3., 10.]])
    """

    def __init__(self, *, eps: float = 1e-8) -> None:
        if not (isinstance(eps, (int, float)) and math.isfinite(eps) and eps >= 0):
            raise ConfigError(f"Normalizer: eps must be a non-negative number, got {eps!r}")
        self.eps = float(eps)
        self.mean: np.ndarray | None = None
        self.variance: np.ndarray | None = None
        self.scale: np.ndarray | None = None

    @property
    def fitted(self) -> bool:
        """Whether :meth:`fit` (or :meth:`load_state_dict`) has run."""
        return self.mean is not None

    def fit(self, X: Any) -> Normalizer:
        """Learn μ and σ² from the training set ``X`` (shape ``(m, ...)``); returns ``self``.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> mg.Normalizer().fit(np.array([[0.0], [2.0]])).variance
            array([1.])
        """
        X = _check_features(X, where="Normalizer.fit")
        X = X.astype(np.float64, copy=False)
        self.mean = X.mean(axis=0)
        self.variance = X.var(axis=0)  # 1/m Σ (x - μ)², the course's (biased) variance
        constant = (X[:1] == X).all(axis=0)  # identical values in every row
        self.scale = np.where(constant, 1.0, np.sqrt(self.variance + self.eps))
        return self

    def _check_fitted(self, method: str) -> None:
        if not self.fitted:
            raise ConfigError(
                f"Normalizer.{method}: the normalizer is not fitted; call fit(X_train) on the "
                "training set first (or load_state_dict a saved one)"
            )

    def _checked_input(self, X: Any, method: str, name: str = "X") -> tuple[np.ndarray, np.dtype]:
        """``X`` validated for ``method`` (fitted, finite features of the fitted shape) and
        the dtype of the result (float inputs keep theirs; integers become float64)."""
        self._check_fitted(method)
        X = _check_features(X, where=f"Normalizer.{method}", name=name)
        assert self.mean is not None
        if X.ndim < 1 or X.shape[1:] != self.mean.shape:
            hint = ""
            if X.shape == self.mean.shape:  # one example without its batch axis
                hint = f"; for one example pass X[None] (shape (1, {', '.join(map(str, X.shape))}))"
            raise ShapeError(
                f"Normalizer.{method}: input has shape {X.shape}, so {X.shape[1:]} per example, but "
                f"the normalizer was fitted on examples of shape {self.mean.shape}{hint}"
            )
        return X, X.dtype if X.dtype.kind == "f" else np.dtype(np.float64)

    def transform(self, X: Any) -> np.ndarray:
        """Apply (x - μ) / σ with the fitted statistics. Returns a new array
        (float inputs keep their dtype; integers become float64).

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> norm = mg.Normalizer().fit(np.array([[0.0], [4.0]]))
            >>> norm.transform([[6.0]])
            array([[2.]])
        """
        X, dtype = self._checked_input(X, "transform")
        return ((X - self.mean) / self.scale).astype(dtype, copy=False)

    def fit_transform(self, X: Any) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``; use it on the training set only.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> mg.Normalizer().fit_transform(np.array([[1.0], [3.0]]))
            array([[-1.],
                   [ 1.]])
        """
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Undo :meth:`transform`: x = z σ + μ.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> norm = mg.Normalizer().fit(np.array([[1.0], [3.0]]))
            >>> norm.inverse_transform([[0.0]])
            array([[2.]])
        """
        Z, dtype = self._checked_input(Z, "inverse_transform", name="Z")
        return (Z * self.scale + self.mean).astype(dtype, copy=False)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of the statistics as plain arrays: ``mean``, ``variance``, ``scale``, ``eps``.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> sorted(mg.Normalizer().fit(np.ones((2, 3))).state_dict())
            ['eps', 'mean', 'scale', 'variance']
        """
        self._check_fitted("state_dict")
        assert self.mean is not None and self.variance is not None and self.scale is not None
        return {
            "mean": self.mean.copy(),
            "variance": self.variance.copy(),
            "scale": self.scale.copy(),
            "eps": np.asarray(self.eps, dtype=np.float64),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore statistics saved by :meth:`state_dict`.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> saved = mg.Normalizer().fit(np.array([[1.0], [3.0]])).state_dict()
            >>> norm = mg.Normalizer(); norm.load_state_dict(saved)
            >>> norm.transform([[3.0]])
            array([[1.]])
        """
        required = ("mean", "variance", "scale", "eps")
        missing = [k for k in required if k not in state]
        unexpected = sorted(k for k in state if k not in required)
        if missing or unexpected:
            raise StateDictError(
                f"Normalizer.load_state_dict: missing keys {missing}, unexpected keys {unexpected}; "
                f"expected exactly {list(required)} (from Normalizer.state_dict())"
            )
        mean, variance, scale = (np.array(state[k], dtype=np.float64) for k in ("mean", "variance", "scale"))
        if not (mean.shape == variance.shape == scale.shape):
            raise StateDictError(
                f"Normalizer.load_state_dict: mean {mean.shape}, variance {variance.shape} and scale "
                f"{scale.shape} must have the same shape"
            )
        self.mean, self.variance, self.scale = mean, variance, scale
        self.eps = float(np.asarray(state["eps"]))

    def __repr__(self) -> str:
        shape = None if self.mean is None else self.mean.shape
        return f"Normalizer(eps={self.eps:g}, fitted_shape={shape})"


# --------------------------------------------------------------------------- mini-batches


def _check_batch_size(batch_size: Any, *, where: str) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ConfigError(
            f"{where}: batch_size must be a positive integer (m for batch gradient descent, 1 for "
            f"SGD, a power of two such as {DEFAULT_BATCH_SIZE} in between); got {batch_size!r}"
        )


def _batch_bounds(m: int, batch_size: int, drop_last: bool) -> list[tuple[int, int]]:
    stop = m - m % batch_size if drop_last else m
    return [(start, min(start + batch_size, m)) for start in range(0, stop, batch_size)]


def minibatches(
    X: Any,
    Y: Any = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    shuffle: bool = True,
    rng: np.random.Generator | int | None = None,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """One epoch of mini-batches: shuffle (X, Y) together, then partition.

    The course's recipe: every batch has ``batch_size`` examples except the last,
    which holds the remaining ``m mod batch_size`` (dropped with ``drop_last=True``).
    ``batch_size = m`` (or more) gives one batch: batch gradient descent;
    ``batch_size = 1`` is stochastic gradient descent.

    Arguments are validated when you call this function, before iterating.

    Args:
        X: features, shape ``(m, ...)``.
        Y: labels with ``m`` rows, or ``None`` (then every batch's second item is ``None``).
        batch_size: examples per batch, a positive integer.
        shuffle: shuffle first (without it the batches are views in the original order).
        rng: a numpy Generator, an int seed, or ``None`` for fresh OS entropy.
        drop_last: drop the last batch when it is smaller than ``batch_size``.

    Yields:
        ``(X_batch, Y_batch)`` pairs.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> X, Y = np.arange(10.0).reshape(5, 2), np.arange(5)
        >>> [yb.tolist() for _, yb in mg.minibatches(X, Y, batch_size=2, shuffle=False)]
        [[0, 1], [2, 3], [4]]
        >>> len(list(mg.minibatches(X, Y, batch_size=5, rng=0)))  # batch gradient descent
        1
    """
    where = "minibatches"
    X = _check_features(X, where=where)
    m = X.shape[0]
    if Y is not None:
        Y = _check_targets(Y, m, where=where)
    _check_batch_size(batch_size, where=where)
    bounds = _batch_bounds(m, int(batch_size), drop_last)
    if not bounds:
        raise ConfigError(
            f"{where}: drop_last=True with batch_size={batch_size} and only m={m} examples leaves no "
            "batch; lower batch_size or set drop_last=False"
        )
    order = _generator(rng, where=where).permutation(m) if shuffle else None
    return _iterate(X, Y, bounds, order)


def _iterate(
    X: np.ndarray, Y: np.ndarray | None, bounds: list[tuple[int, int]], order: np.ndarray | None
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    for start, stop in bounds:
        if order is None:
            yield X[start:stop], (None if Y is None else Y[start:stop])
        else:
            idx = order[start:stop]
            yield X[idx], (None if Y is None else Y[idx])


def compose_augmentations(*augments: Augment) -> Augment:
    """Chain augmentations: ``compose_augmentations(a, b)(batch, rng)`` is ``b(a(batch, rng), rng)``.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> flip = mg.augmentation("horizontal_flip", p=1.0)
        >>> twice = mg.compose_augmentations(flip, flip)
        >>> batch = np.arange(8.0).reshape(2, 2, 2)
        >>> bool((twice(batch, np.random.default_rng(0)) == batch).all())
        True
    """
    for k, aug in enumerate(augments):
        if not callable(aug):
            raise ConfigError(
                f"compose_augmentations: item {k} is a {type(aug).__name__}, not an augment(batch, rng) "
                "callable; build one with mg.augmentation(name, **options)"
            )

    def composed(batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        for aug in augments:
            batch = aug(batch, rng)
        return batch

    composed.steps = augments  # type: ignore[attr-defined]
    return composed


def _checked_image_shape(
    image_shape: Sequence[int] | None, example_shape: tuple[int, ...], *, where: str
) -> tuple[int, ...] | None:
    """``image_shape`` as a tuple, holding exactly the values of one example."""
    if image_shape is None:
        return None
    shape = tuple(int(s) for s in image_shape)
    if math.prod(shape) != math.prod(example_shape):
        raise ShapeError(
            f"{where}: image_shape {shape} holds {math.prod(shape)} values but each example of X has "
            f"shape {example_shape}"
        )
    return shape


def _augment_batch(
    augment: Augment, xb: np.ndarray, rng: np.random.Generator, image_shape: tuple[int, ...] | None = None
) -> np.ndarray:
    """``augment(xb, rng)``, with flat examples reshaped to ``image_shape`` while it runs
    (what :class:`DataLoader` and :func:`minigrad.fit` apply to each training batch).

    The augmentation never gets the caller's data: a batch that is a view (of the user's
    ``X``, with ``shuffle=False``) is copied first, since an augmentation that works in
    place would change it; a shuffled batch is already a fresh array.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> from minigrad.data import _augment_batch
        >>> flip = mg.augmentation("horizontal_flip", p=1.0)
        >>> _augment_batch(flip, np.array([[1.0, 2.0, 3.0, 4.0]]), np.random.default_rng(0), (2, 2))
        array([[2., 1., 4., 3.]])
    """
    if not xb.flags.owndata:
        xb = xb.copy()  # a view of someone's data: augment a copy
    images = xb if image_shape is None else xb.reshape(xb.shape[0], *image_shape)
    out = augment(images, rng)
    if not isinstance(out, np.ndarray) or out.shape != images.shape:
        got = f"shape {out.shape}" if isinstance(out, np.ndarray) else f"a {type(out).__name__}"
        raise ShapeError(
            f"augmentation {_augment_name(augment)} returned {got} for a batch of shape {images.shape}; "
            "an augmentation must return an array of the batch's shape (check its image_shape "
            "and what it crops or stacks)"
        )
    return out.reshape(xb.shape)


def _augment_name(augment: Augment) -> str:
    """How an error names an augmentation: its factory for the registered ones
    (``horizontal_flip``), else the function's qualified name."""
    steps = getattr(augment, "steps", None)
    if steps is not None:  # compose_augmentations
        return "compose(" + ", ".join(_augment_name(step) for step in steps) + ")"
    name = getattr(augment, "__qualname__", None) or type(augment).__name__
    return repr(name.removesuffix(".<locals>.augment"))


def _resolve_augment(augment: Any, where: str = "DataLoader") -> Augment | None:
    if augment is None:
        return None
    if isinstance(augment, str):
        from minigrad.factories import augmentation

        return augmentation(augment)
    if callable(augment):
        return augment
    if isinstance(augment, Sequence):
        return compose_augmentations(*(_resolve_augment(a, where) for a in augment))
    raise ConfigError(
        f"{where}: augment must be an augment(batch, rng) callable, a registered augmentation "
        f"name, or a list of those; got {type(augment).__name__}"
    )


class DataLoader:
    """Reusable mini-batch iterator: each ``iter()`` is one freshly shuffled epoch.

    Holds its own random generators, so a training run is reproducible from
    ``rng`` alone: one stream shuffles, an independent one drives the augmentations
    (changing the augmentation never changes the batch order).

    Args:
        X: features, shape ``(m, ...)``.
        Y: labels with ``m`` rows, or ``None``.
        batch_size: examples per batch (positive int); ``len(X)`` is batch gradient descent.
        shuffle: reshuffle every epoch.
        rng: a numpy Generator, an int seed, or ``None`` for fresh OS entropy.
        drop_last: drop each epoch's last, smaller batch.
        augment: applied to every X batch on the fly: an ``augment(batch, rng) -> batch``
            callable, a registered augmentation name, or a list of those (composed).
            Augmentations work on image batches ``(b, H, W)`` or ``(b, C, H, W)``.
        image_shape: for flat features (``X`` of shape ``(m, H*W)``), the per-example image
            shape (e.g. ``(8, 8)``) batches are reshaped to while they are augmented.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> X, Y = np.random.default_rng(0).random((100, 64)), np.arange(100) % 10  # flat 8x8 images
        >>> loader = mg.DataLoader(X, Y, batch_size=32, rng=0, augment="horizontal_flip",
        ...                        image_shape=(8, 8))
        >>> len(loader), [xb.shape for xb, yb in loader]
        (4, [(32, 64), (32, 64), (32, 64), (4, 64)])
    """

    def __init__(
        self,
        X: Any,
        Y: Any = None,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        shuffle: bool = True,
        rng: np.random.Generator | int | None = None,
        drop_last: bool = False,
        augment: Any = None,
        image_shape: Sequence[int] | None = None,
    ) -> None:
        where = "DataLoader"
        self.X = _check_features(X, where=where)
        self.Y = None if Y is None else _check_targets(Y, self.X.shape[0], where=where)
        _check_batch_size(batch_size, where=where)
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.augment = _resolve_augment(augment)
        self.image_shape = _checked_image_shape(image_shape, self.X.shape[1:], where=where)
        example_ndim = 1 + len(self.image_shape or self.X.shape[1:])
        if self.augment is not None and example_ndim not in (3, 4):
            raise ShapeError(
                f"{where}: augmentations need image batches (m, H, W) or (m, C, H, W), but X has shape "
                f"{self.X.shape}; pass image_shape=(H, W) for flat features"
            )
        self._bounds = _batch_bounds(self.num_examples, self.batch_size, self.drop_last)
        if not self._bounds:
            raise ConfigError(
                f"{where}: drop_last=True with batch_size={batch_size} and only m={self.num_examples} "
                "examples leaves no batch; lower batch_size or set drop_last=False"
            )
        base = _generator(rng, where=where)
        self.shuffle_rng, self.augment_rng = base.spawn(2)

    @property
    def num_examples(self) -> int:
        """m, the number of examples."""
        return int(self.X.shape[0])

    def __len__(self) -> int:
        """Batches per epoch."""
        return len(self._bounds)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
        order = self.shuffle_rng.permutation(self.num_examples) if self.shuffle else None
        for xb, yb in _iterate(self.X, self.Y, self._bounds, order):
            if self.augment is not None:
                xb = self._augment(xb)
            yield xb, yb

    def _augment(self, xb: np.ndarray) -> np.ndarray:
        return _augment_batch(self.augment, xb, self.augment_rng, self.image_shape)

    def state_dict(self) -> dict[str, dict]:
        """The random generators' states (JSON-serializable dicts), for exact resumption.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> loader = mg.DataLoader(np.arange(6.0).reshape(6, 1), batch_size=2, rng=0)
            >>> saved = loader.state_dict()
            >>> first = [xb.ravel().tolist() for xb, _ in loader]
            >>> loader.load_state_dict(saved)
            >>> [xb.ravel().tolist() for xb, _ in loader] == first
            True
        """
        return {
            "shuffle_rng": self.shuffle_rng.bit_generator.state,
            "augment_rng": self.augment_rng.bit_generator.state,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore generator states saved by :meth:`state_dict`."""
        missing = [k for k in ("shuffle_rng", "augment_rng") if k not in state]
        if missing:
            raise StateDictError(
                f"DataLoader.load_state_dict: missing keys {missing}; expected the dict from "
                "DataLoader.state_dict()"
            )
        self.shuffle_rng.bit_generator.state = dict(state["shuffle_rng"])
        self.augment_rng.bit_generator.state = dict(state["augment_rng"])

    def __repr__(self) -> str:
        return (
            f"DataLoader(m={self.num_examples}, batch_size={self.batch_size}, batches={len(self)}, "
            f"shuffle={self.shuffle}, augment={self.augment is not None})"
        )


# --------------------------------------------------------------------------- EWMA


class EWMA:
    """Streaming exponentially weighted moving average, v_t = β v_{t-1} + (1-β) θ_t.

    ``value`` is bias-corrected, v_t / (1 - β^t), unless ``bias_correction=False``; it
    averages roughly the last 1 / (1 - β) values. Use it to smooth a noisy mini-batch
    loss (the progress bar does).

    Example:
        >>> import minigrad as mg
        >>> avg = mg.EWMA(beta=0.9)
        >>> [round(avg.update(t), 4) for t in (40, 49, 45)]
        [40.0, 44.7368, 44.8339]
        >>> round(avg.raw, 2)  # the course's V3 before bias correction
        12.15
    """

    def __init__(self, beta: float = 0.9, *, bias_correction: bool = True) -> None:
        _check_beta(beta, where="EWMA")
        self.beta = float(beta)
        self.bias_correction = bool(bias_correction)
        self.raw = 0.0
        self.steps = 0

    def update(self, value: float) -> float:
        """Fold in one value; returns the current :attr:`value`."""
        self.steps += 1
        self.raw = self.beta * self.raw + (1.0 - self.beta) * value
        return self.value

    @property
    def value(self) -> float:
        """The (bias-corrected) average so far; ``nan`` before the first update."""
        if self.steps == 0:
            return math.nan
        if not self.bias_correction:
            return self.raw
        return self.raw / (1.0 - self.beta**self.steps)


def _check_beta(beta: Any, *, where: str) -> None:
    if isinstance(beta, bool) or not isinstance(beta, (int, float, np.floating)) or not 0.0 <= beta < 1.0:
        raise ConfigError(
            f"{where}: beta must be a number in [0, 1) (0.9 averages about the last 10 values); got {beta!r}"
        )


def ewma(values: Any, beta: float = 0.9, *, bias_correction: bool = True) -> np.ndarray:
    """Exponentially weighted moving average of a sequence, along axis 0.

    ``v_0 = 0``, ``v_t = β v_{t-1} + (1-β) θ_t``; with bias correction the result is
    ``v_t / (1 - β^t)``, which fixes the start-up bias toward 0. Closed form:
    ``v_t = (1-β) Σ_{i≤t} β^(t-i) θ_i``.

    Args:
        values: θ_1, θ_2, ... (shape ``(T,)`` or ``(T, ...)``).
        beta: in [0, 1); averages roughly the last ``1 / (1 - beta)`` values.
        bias_correction: divide by ``1 - beta**t``.

    Returns:
        float64 array of the same shape as ``values``.

    Example:
        >>> import minigrad as mg
        >>> mg.ewma([40, 49, 45], beta=0.9, bias_correction=False)  # the course's V1, V2, V3
        array([ 4.  ,  8.5 , 12.15])
        >>> mg.ewma([40, 49, 45], beta=0.9).round(4)
        array([40.    , 44.7368, 44.8339])
    """
    _check_beta(beta, where="ewma")
    theta = np.asarray(values, dtype=np.float64)
    if theta.ndim == 0:
        raise ShapeError("ewma: values is a scalar; pass a sequence of values (e.g. per-step losses)")
    out = np.empty_like(theta)
    v = np.zeros(theta.shape[1:])
    for t in range(theta.shape[0]):
        v = beta * v + (1.0 - beta) * theta[t]
        out[t] = v
    if bias_correction and len(theta):
        steps = np.arange(1, theta.shape[0] + 1, dtype=np.float64)
        out /= (1.0 - beta**steps).reshape((-1,) + (1,) * (theta.ndim - 1))
    return out


# --------------------------------------------------------------------------- files


def _whole(Y: np.ndarray) -> bool:
    """Whether every value of ``Y`` is a whole number that int64 holds exactly."""
    if Y.dtype.kind in "biu":
        return True
    return bool(Y.size) and bool(np.all(np.floor(Y) == Y)) and float(np.abs(Y).max()) < 2**53


def _as_labels(Y: np.ndarray, labels: bool | None, *, where: str) -> np.ndarray:
    """``Y`` as class labels (int64) or as a regression target (float64).

    ``labels=None`` guesses: int64 when every value is a whole number. ``False`` keeps
    a regression target float64 even when its values are whole (prices, counts);
    ``True`` requires whole numbers."""
    if labels is False:
        return Y.astype(np.float64)
    if _whole(Y):
        return Y.astype(np.int64)
    if labels:
        bad = Y[np.floor(Y) != Y].ravel()[0]
        raise ConfigError(
            f"{where}: labels=True but the target holds values that are not whole numbers (e.g. "
            f"{float(bad)!r}); class labels are integers 0..C-1. For a regression target pass labels=False"
        )
    return Y.astype(np.float64)


def load_dataset(
    path: str | Path,
    *,
    target: str | int | None = None,
    features: str | Sequence[str | int] | None = None,
    delimiter: str = ",",
    header: bool | None = None,
    labels: bool | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Load your own data from a ``.npz`` or ``.csv`` file as ``(X float64, Y)``.

    ``Y`` is int64 when all its values are whole numbers (class labels), float64
    otherwise; ``labels=False`` keeps a regression target float64.
    Pickled arrays are never loaded (``allow_pickle=False``).

    Args:
        path: a ``.npz`` (arrays by key) or ``.csv`` (one example per row) file.
        target: ``.npz``: the key of the labels (default ``"Y"``). ``.csv``: the label
            column, by header name or index (negative counts from the end; default the
            last column). Text holding an integer (``"2"``, ``"-1"``, as a command line
            gives it) is a header name when the header has it, an index otherwise.
        features: ``.npz``: the key of the features (default ``"X"``). ``.csv``: the
            feature columns (names or indices; default every column but the target).
        delimiter: the CSV field separator.
        header: whether the CSV's first row holds column names; ``None`` detects it
            (a first row without numbers is a header, and so is one that is exactly
            ``0,1,...,k-1``, the column names pandas writes for unnamed columns; a row
            mixing numbers and text is an error rather than an example silently
            dropped). Pass ``header=False`` when such a row is an example.
        labels: whether the target holds class labels. ``None`` (the default) guesses
            from the values: int64 when every one is a whole number, float64 otherwise.
            ``False``: a regression target, float64 even when its values are whole
            (prices, counts), so nothing stratifies or counts classes on it. ``True``:
            class labels, int64; values that are not whole numbers are an error.

    Raises:
        ConfigError: missing file, key or column (with the available ones), unsupported
            suffix, non-numeric or missing values, NaN or inf.
        ShapeError: X and Y with different numbers of rows.

    Example:
        >>> import pathlib, tempfile
        >>> import minigrad as mg
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "data.csv").write_text("x1,x2,label\\n0.5,1.5,0\\n2.0,3.0,1\\n")
        >>> X, Y = mg.load_dataset(folder / "data.csv", target="label")
        >>> X, Y
        (array([[0.5, 1.5],
               [2. , 3. ]]), array([0, 1]))
        >>> mg.load_dataset(folder / "data.csv", target="label", labels=False)[1]  # a regression target
        array([0., 1.])
    """
    if labels is not None and not isinstance(labels, bool):
        raise ConfigError(
            f"load_dataset: labels must be True (class labels), False (a regression target) or None "
            f"(guess from the values), got {labels!r}"
        )
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"load_dataset: no such file '{path}'")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        X, Y = _load_npz(path, target=target, features=features)
    elif suffix == ".csv":
        X, Y = _load_csv(path, target=target, features=features, delimiter=delimiter, header=header)
    else:
        raise ConfigError(
            f"load_dataset: '{path}' has suffix {path.suffix!r}; supported files are .npz and .csv"
        )
    where = f"load_dataset('{path}')"
    X = _check_features(X, where=where).astype(np.float64)
    if X.ndim == 1:  # a single feature column
        X = X[:, None]
    Y = _check_targets(Y, X.shape[0], where=where)
    return X, _as_labels(Y, labels, where=where)


def _load_npz(path: Path, *, target: Any, features: Any) -> tuple[np.ndarray, np.ndarray]:
    x_key = "X" if features is None else features
    y_key = "Y" if target is None else target
    try:
        archive = np.load(path, allow_pickle=False)
    except ValueError as err:
        raise ConfigError(
            f"load_dataset: '{path}' could not be read as a .npz archive without unpickling ({err}); "
            "save plain numeric arrays with np.savez"
        ) from None
    except Exception as err:  # truncated, corrupted or not a zip archive at all
        raise ConfigError(
            f"load_dataset: '{path}' is not a readable .npz archive ({type(err).__name__}: {err}); "
            "the file may be truncated or corrupted"
        ) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ConfigError(
            f"load_dataset: '{path}' holds a single .npy array, not a .npz archive; save X and Y "
            "with np.savez(path, X=X, Y=Y)"
        )
    with archive:
        keys = list(archive.files)
        arrays = {}
        for role, key in (("features", x_key), ("target", y_key)):
            if key not in keys:
                hint = did_you_mean(key, keys)
                raise ConfigError(
                    f"load_dataset: '{path}' has no array {key!r} for the {role}{hint} "
                    f"(keys in the file: {keys}); pass {'features' if role == 'features' else 'target'}="
                    "'<key>'"
                )
            try:
                arrays[role] = archive[key]
            except ValueError as err:
                raise ConfigError(
                    f"load_dataset: array {key!r} in '{path}' holds Python objects ({err}); only plain "
                    "numeric arrays are loaded (never unpickled)"
                ) from None
            except Exception as err:  # a damaged member of the archive
                raise ConfigError(
                    f"load_dataset: array {key!r} in '{path}' cannot be read ({type(err).__name__}: "
                    f"{err}); the file may be truncated or corrupted"
                ) from None
    return arrays["features"], arrays["target"]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_default_names(row: list[str]) -> bool:
    """Whether ``row`` is exactly ``0,1,...,k-1``: the column names pandas writes for a
    DataFrame without named columns (``DataFrame(X).to_csv(index=False)``)."""
    return len(row) >= 2 and [field.strip() for field in row] == [str(i) for i in range(len(row))]


def _is_header(row: list[str], *, where: str, fix: str) -> bool:
    """Whether a CSV's first row holds column names: no field is a number, or the row is
    exactly the integers ``0,1,...,k-1`` (pandas' default column names). A row with
    both numbers and text is neither a clean header nor data (a typo, a missing value),
    and dropping it as a header would lose an example, so it is an error."""
    if _is_default_names(row):
        return True
    numeric = [_is_number(field) for field in row]
    if all(numeric):
        return False
    if not any(numeric):
        return True
    column = numeric.index(False)
    raise ConfigError(
        f"{where}: the first row mixes numbers and text (field {column + 1} is {row[column]!r}), so it is "
        f"neither a header (names only) nor an example (numbers only); {fix}"
    )


def _integer_text(spec: str) -> int | None:
    """``int(spec)`` for text such as ``"2"`` or ``"-1"`` (a column index typed on a
    command line), else None."""
    text = spec.strip()
    return int(text) if re.fullmatch(r"[+-]?[0-9]+", text) else None


def _column_index(spec: Any, names: list[str] | None, width: int, path: Path, role: str) -> int:
    if isinstance(spec, str) and (names is None or spec not in names):
        index = _integer_text(spec)  # "2" from the command line: an index, unless it is a name
        spec = spec if index is None else index
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        if not -width <= spec < width:
            raise ConfigError(
                f"load_dataset: {role} column index {spec} is out of range for '{path}', which has "
                f"{width} columns (indices 0..{width - 1} or -{width}..-1)"
            )
        return int(spec) % width
    if isinstance(spec, str):
        if names is None:
            raise ConfigError(
                f"load_dataset: {role} column {spec!r} is a name but '{path}' has no header row; "
                "give the column index instead, or header=True"
            )
        if spec not in names:
            hint = did_you_mean(spec, names)
            raise ConfigError(f"load_dataset: '{path}' has no column {spec!r}{hint} (columns: {names})")
        return names.index(spec)
    raise ConfigError(f"load_dataset: {role} column must be a name or an index, got {spec!r}")


def _csv_rows(path: Path, delimiter: str = ",") -> tuple[list[list[str]], list[int]]:
    """The non-blank rows of a UTF-8 CSV file (a byte-order mark, as Excel writes, is
    skipped) and the line of the file each starts on, for error messages.

    Raises ``UnicodeDecodeError`` or ``csv.Error`` for the caller to name the file."""
    rows, lines = [], []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        start = 1
        for row in reader:
            if any(field.strip() for field in row):
                rows.append(row)
                lines.append(start)
            start = reader.line_num + 1
    return rows, lines


def _csv_numbers(
    rows: list[list[str]], lines: list[int], width: int, *, where: str, names: list[str] | None = None
) -> np.ndarray:
    """``rows`` as a float64 matrix of ``width`` columns; a ragged row or a field that is
    not a number is an error naming its line (``where`` names the file)."""
    values = np.empty((len(rows), width), dtype=np.float64)
    for r, (row, line) in enumerate(zip(rows, lines)):
        if len(row) != width:
            raise ConfigError(
                f"{where} line {line} has {len(row)} fields but the file has {width} columns; every row "
                "needs a value in every column"
            )
        for c, field in enumerate(row):
            try:
                values[r, c] = float(field)
            except ValueError:
                column = names[c] if names else c
                what = "a missing value" if not field.strip() else f"the non-numeric value {field!r}"
                raise ConfigError(
                    f"{where} line {line}, column {column!r} holds {what}; every field must be a number "
                    "(encode categories as integers, remove or impute missing values)"
                ) from None
    return values


def _check_csv_finite(
    values: np.ndarray, lines: list[int], columns: Sequence[int], *, where: str, names: list[str] | None
) -> None:
    """A NaN or inf in one of ``columns`` of :func:`_csv_numbers`' matrix is an error
    naming its line and column."""
    nonfinite = ~np.isfinite(values[:, list(columns)])
    if nonfinite.any():
        r, c = (int(i) for i in np.argwhere(nonfinite)[0])
        col = columns[c]
        raise ConfigError(
            f"{where} line {lines[r]}, column {names[col] if names else col!r} is {values[r, col]}; "
            "remove or impute NaN/inf values"
        )


def _load_csv(
    path: Path, *, target: Any, features: Any, delimiter: str, header: bool | None
) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ConfigError(f"load_dataset: delimiter must be one character (',' or ';'), got {delimiter!r}")
    try:
        rows, lines = _csv_rows(path, delimiter)
    except (UnicodeDecodeError, csv.Error) as err:
        raise ConfigError(
            f"load_dataset: '{path}' is not a UTF-8 text CSV file ({err}); save it as plain CSV"
        ) from None
    if not rows:
        raise ConfigError(f"load_dataset: '{path}' is empty")
    if header is None:
        fix = "correct that field, or pass header=True (it is a header) or header=False"
        header = _is_header(rows[0], where=f"load_dataset: '{path}'", fix=fix)
        if header and _is_default_names(rows[0]):
            # "0,1" may as well be an example (feature 0, label 1) as pandas' default names
            warnings.warn(
                f"load_dataset: '{path}': the first row {','.join(rows[0])} is read as column names "
                "(pandas' default ones); if it is an example, pass header=False",
                UserWarning,
                stacklevel=2,
            )
    names = [f.strip() for f in rows[0]] if header else None
    body, lines = (rows[1:], lines[1:]) if header else (rows, lines)
    if not body:
        raise ConfigError(f"load_dataset: '{path}' has a header but no data rows")
    width = len(names) if names is not None else len(body[0])
    if width < 2:
        raise ConfigError(
            f"load_dataset: '{path}' has {width} column; it needs feature columns and a target column "
            f"(is the delimiter {delimiter!r} right?)"
        )
    values = _csv_numbers(body, lines, width, where=f"load_dataset: '{path}'", names=names)
    y_col = _column_index(-1 if target is None else target, names, width, path, "target")
    if features is None:
        x_cols = [c for c in range(width) if c != y_col]
    else:
        specs = [features] if isinstance(features, (str, int)) else list(features)
        x_cols = [_column_index(s, names, width, path, "feature") for s in specs]
        if y_col in x_cols:
            raise ConfigError(f"load_dataset: column {y_col} of '{path}' is both a feature and the target")
    _check_csv_finite(values, lines, [*x_cols, y_col], where=f"load_dataset: '{path}'", names=names)
    return values[:, x_cols], values[:, y_col]
