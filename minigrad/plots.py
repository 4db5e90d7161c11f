"""Training plots: learning curves, decision boundaries, gradient norms, tuning scatter.

Needs matplotlib: ``pip install -e ".[plot]"`` in the minigrad checkout (the ``plot``
extra), or ``pip install matplotlib``. matplotlib is
imported only when a plot is drawn. Plots use matplotlib's object API on the Agg
backend: each function builds (or draws into) a :class:`matplotlib.figure.Figure`,
never touching pyplot's global state, and returns the figure. With ``path=`` the
figure is also saved as a PNG, atomically (written to a temporary file in the same
folder, then renamed over ``path``).

Each function accepts ``ax=`` to draw into an existing Axes (its figure is returned).

The history arguments accept a mapping (``{"train_cost": [...], "dev_cost": [...]}``)
or any object with those attributes, such as :class:`minigrad.History`.

Example:
    >>> import minigrad as mg
    >>> fig = mg.plot_learning_curves({"train_cost": [0.9, 0.5, 0.3], "dev_cost": [1.0, 0.6, 0.5]})
    >>> fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()
    ('epoch', 'cost')
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from minigrad.errors import ConfigError, MissingExtraError, ShapeError

__all__ = [
    "FIGURE_FORMATS",
    "figure_format",
    "plot_decision_boundary",
    "plot_gradient_norms",
    "plot_hyperparameter_scatter",
    "plot_learning_curves",
    "plot_schedule",
    "save_figure",
]


def _matplotlib() -> tuple[Any, Any]:
    """(Figure, FigureCanvasAgg), imported lazily."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingExtraError(
            "plotting needs matplotlib, which is not installed; install the plot extra from the "
            'minigrad checkout: pip install -e ".[plot]" (or: pip install matplotlib)'
        ) from None
    return Figure, FigureCanvasAgg


def _figure_and_axes(ax: Any, *, figsize: tuple[float, float] = (6.4, 4.8)) -> tuple[Any, Any]:
    Figure, FigureCanvasAgg = _matplotlib()
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)  # attach the Agg canvas: rendering never goes through pyplot
    return fig, fig.add_subplot()


#: The image formats :func:`save_figure` writes, by the path's suffix (no suffix: PNG).
FIGURE_FORMATS = ("png", "svg", "pdf", "jpg", "jpeg", "webp", "tif", "tiff", "eps", "ps")


def figure_format(path: str | os.PathLike) -> str:
    """The image format a figure saved at ``path`` is written in: its suffix (PNG
    without one).

    Raises:
        ConfigError: a suffix that names no image format this writes.

    Example:
        >>> from minigrad.plots import figure_format
        >>> figure_format("curves.svg"), figure_format("curves")
        ('svg', 'png')
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    if not suffix:
        return "png"
    if suffix not in FIGURE_FORMATS:
        raise ConfigError(
            f"{os.fspath(path)}: .{suffix} is not an image format; end the name with one of "
            + ", ".join(f".{f}" for f in FIGURE_FORMATS)
        )
    return suffix


def save_figure(fig: Any, path: str | os.PathLike) -> Path:
    """Save ``fig`` at ``path`` atomically, in the format its suffix names (``.png``,
    ``.svg``, ``.pdf``, ...: :func:`figure_format`); returns the path.

    The image is written by :func:`minigrad.checkpoint.atomic_write`: to a temporary file
    in the same folder (created if missing), synced, and renamed over ``path`` only once
    complete, so a reader never sees half a file.

    Example:
        >>> import pathlib, tempfile
        >>> import minigrad as mg
        >>> from minigrad.plots import save_figure
        >>> fig = mg.plot_learning_curves({"train_cost": [1.0, 0.5]})
        >>> target = save_figure(fig, pathlib.Path(tempfile.mkdtemp()) / "curve.png")
        >>> target.read_bytes()[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
        True
    """
    image_format = figure_format(path)
    _matplotlib()
    from minigrad.checkpoint import atomic_write

    path = Path(path)
    with atomic_write(path, "wb") as stream:
        fig.savefig(stream, format=image_format)
    return path


def _integer_epochs(axes: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))


def _finish(fig: Any, path: str | os.PathLike | None) -> Any:
    if path is not None:
        save_figure(fig, path)
    return fig


def _field(history: Any, name: str) -> Any:
    """``history[name]`` for mappings, ``history.name`` otherwise; None when absent."""
    if isinstance(history, Mapping):
        return history.get(name)
    return getattr(history, name, None)


def _series(history: Any, name: str) -> np.ndarray | None:
    values = _field(history, name)
    if values is None:
        return None
    array = np.asarray(values, dtype=np.float64).ravel()
    return array if array.size else None


def plot_learning_curves(
    history: Any,
    *,
    path: str | os.PathLike | None = None,
    ax: Any = None,
    keys: Sequence[str] = ("train_cost", "dev_cost"),
    title: str = "Learning curves",
    log: bool = False,
) -> Any:
    """Train and dev cost per epoch: the course's picture for bias, variance and early stopping.

    Args:
        history: a mapping or object with per-epoch lists under ``keys`` (missing or
            empty series, e.g. no dev set, are skipped).
        path: also save the figure as a PNG here.
        ax: draw into this Axes instead of a new figure.
        keys: the series to plot (e.g. ``("train_accuracy", "dev_accuracy")``).
        title: the axes title.
        log: logarithmic cost axis.

    Returns:
        The matplotlib Figure.

    Raises:
        ConfigError: none of ``keys`` holds any value.

    Example:
        >>> import minigrad as mg
        >>> fig = mg.plot_learning_curves({"train_cost": [0.7, 0.4], "dev_cost": [0.8, 0.6]})
        >>> [line.get_label() for line in fig.axes[0].get_lines()]
        ['train cost', 'dev cost']
    """
    fig, axes = _figure_and_axes(ax)
    plotted = 0
    for key in keys:
        values = _series(history, key)
        if values is None:
            continue
        epochs = np.arange(1, len(values) + 1)
        axes.plot(epochs, values, marker="o" if len(values) < 30 else None, label=key.replace("_", " "))
        plotted += 1
    if not plotted:
        raise ConfigError(
            f"plot_learning_curves: the history has no values under {list(keys)}; pass a mapping or an "
            "object (such as History) with per-epoch lists, e.g. {'train_cost': [...], 'dev_cost': [...]}"
        )
    # "train_cost", "dev_cost" -> "cost"; mixed series list each distinct quantity once
    ylabel = ", ".join(dict.fromkeys(k.split("_", 1)[-1].replace("_", " ") for k in keys))
    axes.set_xlabel("epoch")
    _integer_epochs(axes)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    if log:
        axes.set_yscale("log")
    axes.grid(True, alpha=0.3)
    axes.legend()
    return _finish(fig, path)


def plot_decision_boundary(
    predict_fn: Callable[[np.ndarray], Any],
    X: Any,
    Y: Any,
    *,
    path: str | os.PathLike | None = None,
    ax: Any = None,
    resolution: int = 200,
    padding: float = 0.5,
    title: str = "Decision boundary",
) -> Any:
    """Colour the plane by ``predict_fn``'s class and scatter the 2-D examples on top.

    ``predict_fn`` receives a grid of points, shape ``(k, 2)``, and returns for each
    either a class index, a probability of class 1 (shape ``(k,)`` or ``(k, 1)``,
    thresholded at 0.5), or class scores ``(k, c)`` (arg-max). A Tensor result works
    too (its ``.data`` is used).

    Args:
        predict_fn: the model's prediction function (apply your Normalizer inside it).
        X: examples, shape ``(m, 2)``.
        Y: labels, ``m`` values (class indices or one-hot rows).
        path: also save the figure as a PNG here.
        ax: draw into this Axes instead of a new figure.
        resolution: grid points per axis.
        padding: margin around the data, in data units.
        title: the axes title.

    Returns:
        The matplotlib Figure.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> X, Y = mg.dataset("blobs", n=40, centers=2)
        >>> fig = mg.plot_decision_boundary(lambda P: (P[:, 0] > 0).astype(int), X, Y, resolution=20)
        >>> fig.axes[0].get_xlabel(), fig.axes[0].get_title()
        ('$x_1$', 'Decision boundary')
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ShapeError(
            f"plot_decision_boundary: X must have shape (m, 2) (two features), got {X.shape}; "
            "plot two chosen features, or reduce the data to 2-D first"
        )
    if Y.shape[0] != X.shape[0]:
        raise ShapeError(f"plot_decision_boundary: X has {X.shape[0]} rows but Y has {Y.shape[0]}")
    labels = Y.reshape(len(Y), -1)
    labels = labels[:, 0] if labels.shape[1] == 1 else labels.argmax(axis=1)
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ConfigError(f"plot_decision_boundary: resolution must be an integer >= 2, got {resolution!r}")

    fig, axes = _figure_and_axes(ax)
    (x_lo, y_lo), (x_hi, y_hi) = X.min(axis=0) - padding, X.max(axis=0) + padding
    gx, gy = np.meshgrid(np.linspace(x_lo, x_hi, resolution), np.linspace(y_lo, y_hi, resolution))
    grid = np.c_[gx.ravel(), gy.ravel()]
    classes = _predicted_classes(predict_fn(grid), len(grid)).reshape(gx.shape)
    n_classes = int(max(classes.max(), labels.max())) + 1
    levels = np.arange(n_classes + 1) - 0.5
    axes.contourf(gx, gy, classes, levels=levels, cmap="coolwarm" if n_classes == 2 else "tab10", alpha=0.35)
    scatter = axes.scatter(
        X[:, 0],
        X[:, 1],
        c=labels,
        cmap="coolwarm" if n_classes == 2 else "tab10",
        edgecolors="k",
        linewidths=0.4,
        s=18,
        vmin=-0.5,
        vmax=n_classes - 0.5,
    )
    axes.legend(*scatter.legend_elements(), title="class", loc="best")
    axes.set_xlim(x_lo, x_hi)
    axes.set_ylim(y_lo, y_hi)
    axes.set_xlabel("$x_1$")
    axes.set_ylabel("$x_2$")
    axes.set_title(title)
    return _finish(fig, path)


def _predicted_classes(raw: Any, k: int) -> np.ndarray:
    out = np.asarray(getattr(raw, "data", raw))
    if out.shape[0] != k:
        raise ShapeError(
            f"plot_decision_boundary: predict_fn returned shape {out.shape} for {k} grid points; it must "
            "return one prediction (class, probability or score row) per point"
        )
    out = out.reshape(k, -1)
    if out.shape[1] > 1:
        return out.argmax(axis=1)
    out = out[:, 0]
    if out.dtype.kind == "f" and not np.all(np.floor(out) == out):
        return (out >= 0.5).astype(np.int64)  # probability of class 1
    return out.astype(np.int64)


def plot_gradient_norms(
    history: Any,
    *,
    path: str | os.PathLike | None = None,
    ax: Any = None,
    title: str = "Gradient norms per layer",
) -> Any:
    """Per-layer gradient norms per epoch on a log axis: vanishing or exploding gradients
    show as lines falling toward 0 or shooting up, layer by layer.

    Args:
        history: a mapping or object whose ``grad_norms`` is a dict layer -> per-epoch list
            (or that dict itself).
        path: also save the figure as a PNG here.
        ax: draw into this Axes instead of a new figure.
        title: the axes title.

    Returns:
        The matplotlib Figure.

    Example:
        >>> import minigrad as mg
        >>> norms = {"0.weight": [1.0, 0.5, 0.2], "2.weight": [0.1, 0.01, 0.001]}
        >>> fig = mg.plot_gradient_norms({"grad_norms": norms})
        >>> fig.axes[0].get_yscale(), len(fig.axes[0].get_lines())
        ('log', 2)
    """
    norms = _field(history, "grad_norms")
    if norms is None and isinstance(history, Mapping) and history:
        norms = history  # the dict layer -> list itself
    if not isinstance(norms, Mapping) or not norms:
        raise ConfigError(
            "plot_gradient_norms: no per-layer gradient norms found; pass a History (or a mapping) whose "
            "grad_norms is a dict layer -> per-epoch list"
        )
    fig, axes = _figure_and_axes(ax)
    for layer, values in norms.items():
        values = np.asarray(values, dtype=np.float64).ravel()
        if values.size:
            axes.plot(np.arange(1, len(values) + 1), values, label=str(layer))
    axes.set_yscale("log")
    axes.set_xlabel("epoch")
    _integer_epochs(axes)
    axes.set_ylabel("gradient norm ‖dW‖")
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small")
    return _finish(fig, path)


def plot_hyperparameter_scatter(
    values: Any,
    metrics: Any,
    *,
    log: bool | None = None,
    name: str = "hyperparameter",
    metric_name: str = "dev error",
    path: str | os.PathLike | None = None,
    ax: Any = None,
    title: str | None = None,
    best: str | None = "min",
) -> Any:
    """One point per trial: a hyperparameter's value against the metric it reached.

    The course samples learning rates and similar on a log scale; ``log=None`` (the
    default) picks a log x axis when every value is positive and they span at least two
    decades (a factor of 100).

    Args:
        values: the hyperparameter of each trial.
        metrics: the metric of each trial (same length).
        log: log x axis (``None``: decide from the values).
        name: the hyperparameter's name (x label).
        metric_name: the metric's name (y label).
        path: also save the figure as a PNG here.
        ax: draw into this Axes instead of a new figure.
        title: the axes title (default "<metric_name> vs <name>").
        best: mark the trial with the ``"min"`` (errors, costs) or ``"max"`` (accuracy)
            metric with a star; ``None`` marks nothing.

    Returns:
        The matplotlib Figure.

    Example:
        >>> import minigrad as mg
        >>> fig = mg.plot_hyperparameter_scatter([1e-4, 1e-3, 1e-2, 1e-1], [0.4, 0.2, 0.1, 0.3], name="lr")
        >>> fig.axes[0].get_xscale(), fig.axes[0].get_xlabel()
        ('log', 'lr')
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    y = np.asarray(metrics, dtype=np.float64).ravel()
    if x.shape != y.shape or x.size == 0:
        raise ShapeError(
            f"plot_hyperparameter_scatter: values ({x.size}) and metrics ({y.size}) need the same, "
            "non-zero number of trials"
        )
    if log is None:
        positive = x[np.isfinite(x)]
        log = bool(positive.size and (positive > 0).all() and positive.max() / positive.min() >= 100)
    elif log and not (x > 0).all():
        raise ConfigError(f"plot_hyperparameter_scatter: log=True needs positive values, got min {x.min():g}")
    if best not in ("min", "max", None):
        raise ConfigError(f"plot_hyperparameter_scatter: best must be 'min', 'max' or None, got {best!r}")
    fig, axes = _figure_and_axes(ax)
    axes.scatter(x, y, s=24, alpha=0.8, edgecolors="k", linewidths=0.4)
    finite = np.isfinite(y)
    if best is not None and finite.any():
        pick = np.argmin if best == "min" else np.argmax
        top = int(np.flatnonzero(finite)[pick(y[finite])])
        axes.scatter(
            [x[top]], [y[top]], s=80, marker="*", color="tab:red", label=f"best: {name} = {x[top]:.3g}"
        )
        axes.legend()
    if log:
        axes.set_xscale("log")
    axes.set_xlabel(name)
    axes.set_ylabel(metric_name)
    axes.set_title(title if title is not None else f"{metric_name} vs {name}")
    axes.grid(True, alpha=0.3)
    return _finish(fig, path)


def plot_schedule(
    schedule: Callable[[Any], float],
    epochs: int | Sequence[float],
    *,
    path: str | os.PathLike | None = None,
    ax: Any = None,
    title: str = "Learning-rate schedule",
    log: bool = False,
) -> Any:
    """A learning-rate schedule, lr against epoch, in one call.

    Args:
        schedule: ``fn(epoch) -> lr``, e.g. ``mg.schedule("cosine_restarts", lr0=0.1)``.
        epochs: a count ``n`` (plots epochs ``0 .. n-1``) or the epochs to evaluate
            (fractional epochs show a per-step schedule's shape).
        path: also save the figure as a PNG here.
        ax: draw into this Axes instead of a new figure.
        title: the axes title.
        log: logarithmic learning-rate axis.

    Returns:
        The matplotlib Figure.

    Example:
        >>> import minigrad as mg
        >>> fig = mg.plot_schedule(mg.schedule("staircase", lr0=0.1, factor=0.5, step_size=5), 20)
        >>> fig.axes[0].get_xlabel(), len(fig.axes[0].get_lines()[0].get_xdata())
        ('epoch', 20)
    """
    if isinstance(epochs, bool):
        raise ConfigError(f"plot_schedule: epochs must be a count or a list of epochs, got {epochs!r}")
    if isinstance(epochs, (int, np.integer)):
        if epochs < 1:
            raise ConfigError(f"plot_schedule: epochs = {epochs} must be at least 1")
        xs = np.arange(int(epochs))
    else:
        xs = np.asarray(list(epochs), dtype=np.float64).ravel()
        if xs.size == 0:
            raise ConfigError("plot_schedule: epochs must be a count or a non-empty list of epochs")
    rates = np.array([float(schedule(x.item())) for x in xs])
    fig, axes = _figure_and_axes(ax, figsize=(6.4, 3.6))
    axes.plot(xs, rates, marker="." if len(xs) <= 60 else None, label=repr(schedule))
    if log:
        axes.set_yscale("log")
    axes.set_xlabel("epoch")
    axes.set_ylabel("learning rate")
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize="small")
    return _finish(fig, path)
