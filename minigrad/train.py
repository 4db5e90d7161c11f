"""The training loop: :func:`fit`, :class:`History`, :class:`Trainer`, the callback
protocol, predictions and ensembles.

One epoch of :func:`fit` is the course's mini-batch gradient descent:

1. set the learning rate from the schedule, ``lr = schedule(epoch)`` (epochs count from 0);
2. shuffle the training set with the run's generator and cut it into mini-batches
   (:func:`minigrad.minibatches`);
3. for each mini-batch: forward in training mode (dropout on, batch norm on batch
   statistics), ``J = loss + penalty``, backward, record per-layer gradient norms,
   ``optimizer.step()``;
4. evaluate the whole training set and the dev set in evaluation mode and append
   cost (with and without the regularization term), accuracy, learning rate and
   gradient norms to the :class:`History`.

The regularization term of a mini-batch is ``penalty(named_parameters, m)`` with ``m``
the size of the **training set**, so each mini-batch gradient is an unbiased estimate
of the gradient of the full cost ``J = 1/m Σ L + λ/(2m) Σ‖W‖²`` and ``train_cost`` is
exactly that ``J``. ``dev_cost`` adds the same penalty to the dev set's mean loss,
so train and dev costs are comparable; ``train_loss`` / ``dev_loss`` leave it out.

Models output **logits**; the losses apply the sigmoid or softmax themselves. For
predictions, one output column means a sigmoid (binary), several mean a softmax
(``link="auto"``); pass ``link="identity"`` for regression and ``link="probabilities"``
for a model whose outputs already are probabilities (a sigmoid or softmax layer last).
A loss object says which link it implies through a ``link`` attribute (the built-in
losses do: ``binary_cross_entropy(from_logits=False)`` has ``"probabilities"``), which
:func:`fit` and :func:`evaluate` use when no link is given. With the identity link
accuracy means nothing, so it is not computed unless asked for, and asking is an error.
Accuracy needs class labels, whole numbers in ``[0, C)`` (C = 2 for one output) or one-hot
rows of width C: other targets raise a :class:`~minigrad.ConfigError` (before training,
in :func:`fit`) instead of giving a meaningless number.

Callbacks are objects with any of ``on_train_begin(trainer)``,
``on_epoch_begin(trainer, epoch)``, ``on_batch_end(trainer, step, logs)``,
``on_epoch_end(trainer, epoch, logs)``, ``on_train_end(trainer)``. Setting
``trainer.stop_training = True`` stops after the current batch. Optional extras: an
``order`` number (callbacks run in increasing order, default 0; checkpoint writers use
100 so they see every other callback's update), and ``state_dict()`` /
``load_state_dict(state)`` so a resumed run restores the callback exactly. One callback
object may serve several runs (two ``fit`` calls, the members of :func:`fit_ensemble`):
``on_train_begin`` with ``trainer.start_epoch == 0`` begins a new run, so the built-in
callbacks forget there what they learnt about the last one (best value and weights,
snapshots); a resumed run keeps the state its checkpoint restored.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import inspect
import io
import math
import numbers
import os
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from minigrad.checkpoint import CheckpointError, atomic_write, load_checkpoint, save_checkpoint
from minigrad.errors import ConfigError, ShapeError, StateDictError
from minigrad.module import Module
from minigrad.tensor import Tensor, enable_grad, no_grad

__all__ = [
    "EXPLODING_GRADIENT",
    "VANISHING_GRADIENT",
    "Ensemble",
    "GradientWarning",
    "History",
    "Trainer",
    "evaluate",
    "fit",
    "fit_ensemble",
    "predict",
    "predict_proba",
]

#: A layer whose mean gradient norm over an epoch falls below this has a vanishing gradient.
VANISHING_GRADIENT = 1e-7
#: A layer whose mean gradient norm over an epoch exceeds this (or is not finite) explodes.
EXPLODING_GRADIENT = 1e3

#: The callback hooks and the arguments fit passes each.
_HOOK_ARGUMENTS = {
    "on_train_begin": ("trainer",),
    "on_epoch_begin": ("trainer", "epoch"),
    "on_batch_end": ("trainer", "step", "logs"),
    "on_epoch_end": ("trainer", "epoch", "logs"),
    "on_train_end": ("trainer",),
}
_HOOKS = tuple(_HOOK_ARGUMENTS)


def _callback_signature_problem(callback: Any) -> str | None:
    """What is wrong with the hook methods' signatures of ``callback``, if anything:
    each must accept the arguments :func:`fit` passes it."""
    for hook, arguments in _HOOK_ARGUMENTS.items():
        method = getattr(callback, hook, None)
        if not callable(method):
            continue
        try:
            signature = inspect.signature(method)
        except (TypeError, ValueError):  # a builtin without a signature: trust it
            continue
        try:
            signature.bind(*arguments)
        except TypeError:
            return (
                f"{type(callback).__name__}.{hook}{signature} cannot be called as "
                f"{hook}({', '.join(arguments)}); define it as def {hook}(self, {', '.join(arguments)})"
            )
    return None


class GradientWarning(UserWarning):
    """A layer's gradients vanished or exploded during :func:`fit`.

    Issued once per layer and kind per run, when the layer's mean gradient norm over
    an epoch is below :data:`VANISHING_GRADIENT` (1e-7) or above
    :data:`EXPLODING_GRADIENT` (1e3) or not finite (thresholds: ``fit(gradient_limits=...)``).
    The message names the layer and the norm.

    Example:
        >>> import minigrad as mg
        >>> issubclass(mg.GradientWarning, UserWarning)
        True
    """


# ------------------------------------------------------------------ history
class History:
    """Per-epoch record of a training run.

    ``history["dev_cost"]`` is a float array with one entry per epoch (NaN where a
    value was not recorded). Keys: ``lr``, ``train_cost`` / ``train_loss`` (with /
    without the regularization term), ``dev_cost`` / ``dev_loss``, ``train_<metric>`` /
    ``dev_<metric>`` (e.g. ``train_accuracy``), ``batch_cost`` (mean mini-batch cost in
    training mode) and ``grad_norm/<layer>`` (mean per-batch gradient norm of each
    layer with parameters, keyed by its name in the model, e.g. ``grad_norm/0``).

    Attributes:
        epochs: the epoch indices recorded (0-based).
        snapshots: model state dicts collected for snapshot ensembles.
        best_epoch: the epoch early stopping restored, if it did.
        stop_reason: why training stopped early, if it did.

    Example:
        >>> import minigrad as mg
        >>> h = mg.History()
        >>> h.append(0, {"train_cost": 0.7, "lr": 0.1}); h.append(1, {"train_cost": 0.5, "lr": 0.1})
        >>> h["train_cost"], len(h)
        (array([0.7, 0.5]), 2)
    """

    def __init__(self) -> None:
        self.epochs: list[int] = []
        self.metrics: dict[str, list[float]] = {}
        self.snapshots: list[dict[str, np.ndarray]] = []
        self.best_epoch: int | None = None
        self.stop_reason: str | None = None

    def append(self, epoch: int, logs: dict[str, float]) -> None:
        """Record ``logs`` (name -> number) for ``epoch``; a name first seen later is
        NaN for the earlier epochs.

        Example:
            >>> import minigrad as mg
            >>> h = mg.History(); h.append(0, {"a": 1.0}); h.append(1, {"a": 2.0, "b": 3.0})
            >>> h["b"]
            array([nan,  3.])
        """
        n = len(self.epochs)
        self.epochs.append(int(epoch))
        for key, value in logs.items():
            column = self.metrics.setdefault(key, [math.nan] * n)
            column.append(float(value))
        for column in self.metrics.values():
            if len(column) < n + 1:
                column.append(math.nan)

    def __getitem__(self, key: str) -> np.ndarray:
        try:
            return np.array(self.metrics[key], dtype=np.float64)
        except KeyError:
            raise KeyError(f"History has no {key!r}; it records {sorted(self.metrics)}") from None

    def __getattr__(self, name: str) -> np.ndarray:
        # history.train_cost is history["train_cost"] (what the plotting functions read)
        metrics = self.__dict__.get("metrics")
        if metrics is not None and name in metrics:
            return self[name]
        raise AttributeError(f"History has no attribute or record {name!r}")

    def __contains__(self, key: object) -> bool:
        return key in self.metrics

    def __len__(self) -> int:
        return len(self.epochs)

    def keys(self) -> list[str]:
        """The recorded names, in first-seen order.

        Example:
            >>> import minigrad as mg
            >>> h = mg.History(); h.append(0, {"train_cost": 0.5, "lr": 0.1})
            >>> h.keys()
            ['train_cost', 'lr']
        """
        return list(self.metrics)

    def last(self, key: str, default: float = math.nan) -> float:
        """The latest value of ``key`` (``default`` when absent or empty).

        Example:
            >>> import minigrad as mg
            >>> h = mg.History(); h.append(0, {"dev_cost": 0.3})
            >>> h.last("dev_cost"), h.last("nothing", 0.0)
            (0.3, 0.0)
        """
        column = self.metrics.get(key)
        return column[-1] if column else default

    @property
    def grad_norms(self) -> dict[str, np.ndarray]:
        """Per-layer gradient norms by layer name: ``{"0": array([...]), ...}``.

        Example:
            >>> import minigrad as mg
            >>> h = mg.History(); h.append(0, {"grad_norm/0": 0.5})
            >>> h.grad_norms
            {'0': array([0.5])}
        """
        prefix = "grad_norm/"
        return {k[len(prefix) :]: self[k] for k in self.metrics if k.startswith(prefix)}

    def rows(self) -> list[dict[str, float]]:
        """One dict per epoch: ``{"epoch": e, name: value, ...}``.

        Example:
            >>> import minigrad as mg
            >>> h = mg.History(); h.append(0, {"lr": 0.1})
            >>> h.rows()
            [{'epoch': 0, 'lr': 0.1}]
        """
        return [
            {"epoch": epoch, **{key: column[i] for key, column in self.metrics.items()}}
            for i, epoch in enumerate(self.epochs)
        ]

    def to_csv(self, path: str | os.PathLike | None = None, *, fsync: bool = True) -> str:
        """The history as CSV text (a header, then one row per epoch); also written
        atomically to ``path`` when given (``fsync=False`` skips forcing it to disk).

        Example:
            >>> import minigrad as mg
            >>> h = mg.History(); h.append(0, {"train_cost": 0.25})
            >>> print(h.to_csv().strip())
            epoch,train_cost
            0,0.25
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["epoch", *self.metrics])
        for row in self.rows():
            writer.writerow([repr(v) if isinstance(v, float) else v for v in row.values()])
        text = buffer.getvalue()
        if path is not None:
            with atomic_write(path, "w", fsync=fsync) as handle:
                handle.write(text)
        return text

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue the record after a resume (plain lists and
        arrays, saved in checkpoints).

        Example:
            >>> import minigrad as mg
            >>> h = mg.History(); h.append(0, {"lr": 0.1})
            >>> again = mg.History(); again.load_state_dict(h.state_dict())
            >>> again["lr"], again.epochs
            (array([0.1]), [0])
        """
        return {
            "epochs": list(self.epochs),
            "metrics": {k: list(v) for k, v in self.metrics.items()},
            "snapshots": [dict(s) for s in self.snapshots],
            "best_epoch": self.best_epoch,
            "stop_reason": self.stop_reason,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (see its example)."""
        self.epochs = [int(e) for e in state["epochs"]]
        self.metrics = {k: [float(x) for x in v] for k, v in state["metrics"].items()}
        self.snapshots = [dict(s) for s in state.get("snapshots", [])]
        self.best_epoch = state.get("best_epoch")
        self.stop_reason = state.get("stop_reason")

    def __repr__(self) -> str:
        return f"History({len(self)} epochs, keys={self.keys()})"


# -------------------------------------------------------------- predictions
def _link_for(loss: Any) -> str:
    """The link a loss implies: its ``link`` attribute (the built-in losses have one), else
    ``"auto"``."""
    link = getattr(loss, "link", None)
    if isinstance(link, str):
        _check_link(link, f"loss {loss!r}: ")
        return link
    return "auto"


#: How outputs become probabilities: from the output width (``auto``), through a sigmoid
#: or a softmax, unchanged for regression (``identity``) or for outputs that already are
#: probabilities (``probabilities``, labelled like ``auto``'s).
_LINKS = ("auto", "sigmoid", "softmax", "identity", "probabilities")


def _check_link(link: str, where: str = "") -> None:
    if link not in _LINKS:
        raise ConfigError(f"{where}link={link!r} is not one of {', '.join(map(repr, _LINKS))}")


def _resolve_link(link: str, outputs: np.ndarray) -> str:
    if link == "auto":
        return "sigmoid" if outputs.ndim == 1 or outputs.shape[-1] == 1 else "softmax"
    _check_link(link)
    return link


def _probabilities(outputs: np.ndarray, link: str) -> np.ndarray:
    if link == "probabilities":
        return outputs
    link = _resolve_link(link, outputs)
    if link == "sigmoid":
        # σ(z) computed without overflow for large |z|
        e = np.exp(-np.abs(outputs))
        return np.where(outputs >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    if link == "softmax":
        shifted = outputs - outputs.max(axis=-1, keepdims=True)  # softmax(z) = softmax(z - max z)
        e = np.exp(shifted)
        return e / e.sum(axis=-1, keepdims=True)
    return outputs


def _labels(proba: np.ndarray, link: str) -> np.ndarray:
    link = _resolve_link("auto" if link == "probabilities" else link, proba)
    if link == "sigmoid":
        return (proba.reshape(len(proba), -1)[:, 0] > 0.5).astype(np.int64)
    if link == "softmax":
        return proba.argmax(axis=-1)
    return proba


def _as_labels(Y: np.ndarray) -> np.ndarray:
    Y = np.asarray(Y)
    if Y.ndim == 2 and Y.shape[1] > 1:  # one-hot
        return Y.argmax(axis=1)
    return Y.reshape(len(Y))


def _forward(model: Module, X: np.ndarray, batch_size: int | None) -> np.ndarray:
    if batch_size is not None and (
        not isinstance(batch_size, int | np.integer) or isinstance(batch_size, bool) or batch_size < 1
    ):
        raise ConfigError(f"batch_size={batch_size!r}; it must be an int >= 1, or None for one pass")
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    try:
        with no_grad():
            if batch_size is None or len(X) <= batch_size:
                return np.asarray(model(Tensor(X)).data)
            parts = [
                np.asarray(model(Tensor(X[i : i + batch_size])).data) for i in range(0, len(X), batch_size)
            ]
            return np.concatenate(parts)
    finally:
        if was_training:
            model.train()


def _model_dtype(model: Module) -> np.dtype:
    params = model.parameters() if hasattr(model, "parameters") else []
    if params:
        return params[0].data.dtype
    from minigrad.tensor import get_default_dtype

    return get_default_dtype()


def _features(X: Any, model: Module, what: str) -> np.ndarray:
    from minigrad.data import _check_features

    X = _check_features(X, where=what)  # numeric, at least one row, no NaN or inf
    if X.ndim == 1:  # one example, or m examples of one feature? Rows are examples.
        raise ShapeError(
            f"{what}: X has shape {X.shape}, but rows are examples: pass X[None] (or X.reshape(1, -1)) "
            "for one example, X.reshape(-1, 1) for examples of one feature"
        )
    return X.astype(_model_dtype(model), copy=False)


def predict_proba(model: Module, X: Any, *, link: str = "auto", batch_size: int | None = 4096) -> np.ndarray:
    """Class probabilities of ``model`` on ``X`` (evaluation mode, no gradients).

    ``link``: ``"auto"`` (one output column: sigmoid, several: softmax), ``"sigmoid"``,
    ``"softmax"``, ``"identity"`` (raw outputs, for regression) or ``"probabilities"``
    (the outputs already are probabilities: a model ending in a sigmoid or softmax).
    ``batch_size``: examples per forward pass (memory stays bounded on large ``X``;
    None: all at once); the result does not depend on it.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> class Logits(mg.Module):
        ...     def forward(self, x):
        ...         return x
        >>> mg.predict_proba(Logits(), np.array([[0.0, 0.0], [0.0, np.log(3.0)]]))
        array([[0.5 , 0.5 ],
               [0.25, 0.75]])
    """
    X = _features(X, model, "predict_proba")
    return _probabilities(_forward(model, X, batch_size), link)


def predict(model: Module, X: Any, *, link: str = "auto", batch_size: int | None = 4096) -> np.ndarray:
    """Predicted class labels (ints) of ``model`` on ``X``; raw outputs for ``link="identity"``.
    ``link`` and ``batch_size`` as in :func:`predict_proba`.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> class Logits(mg.Module):
        ...     def forward(self, x):
        ...         return x
        >>> mg.predict(Logits(), np.array([[2.0], [-1.0]]))  # one column: sigmoid, threshold 0.5
        array([1, 0])
    """
    return _labels(predict_proba(model, X, link=link, batch_size=batch_size), link)


def _class_count(outputs: np.ndarray, link: str) -> int:
    """How many classes the predictions of ``link`` choose among: 2 for a sigmoid (one
    output), the width for a softmax."""
    resolved = _resolve_link("auto" if link == "probabilities" else link, outputs)
    return 2 if resolved == "sigmoid" else int(outputs.shape[-1])


def _label_problem(Y: np.ndarray, classes: int | None) -> str | None:
    """What keeps ``Y`` from being class labels among ``classes``: whole numbers in
    [0, classes) (shape (m,) or (m, 1)) or one-hot (probability) rows of width ``classes``;
    None when they are. ``classes=None``: any number of classes."""
    from minigrad.nn_functions import describe_values

    if Y.ndim == 2 and Y.shape[1] > 1:  # one row per example
        if classes is not None and Y.shape[1] != classes:
            return f"rows of shape {Y.shape} for {classes} classes (one-hot rows need {classes} columns)"
        outside = ~((Y >= 0) & (Y <= 1))
        if outside.any():
            return f"row values outside [0, 1]: {describe_values(Y, outside)}, so not one-hot rows"
        off = ~np.isclose(Y.sum(axis=1), 1.0)
        if off.any():
            return f"rows that do not sum to 1 (rows {np.flatnonzero(off)[:5].tolist()}), so not one-hot rows"
        return None
    if Y.ndim > 2:
        return f"shape {Y.shape}"
    labels = Y.reshape(len(Y))
    if labels.dtype.kind == "f":
        fractional = ~(np.isfinite(labels) & (labels == np.round(labels)))
        if fractional.any():
            return f"values that are not whole numbers: {describe_values(labels, fractional)}"
    outside = (labels < 0) if classes is None else (labels < 0) | (labels >= classes)
    if outside.any():
        where = "negative labels" if classes is None else f"labels outside [0, {classes})"
        return f"{where}: {describe_values(labels, outside)}"
    return None


def _check_labels(Y: np.ndarray, classes: int | None, where: str) -> None:
    """Raise a :class:`~minigrad.ConfigError` naming ``where`` unless ``Y`` are class labels
    (see :func:`_label_problem`) that accuracy can be computed on."""
    problem = _label_problem(np.asarray(Y), classes)
    if problem is None:
        return
    expected = (
        "whole numbers 0, 1, ... (one per class), or one-hot rows"
        if classes is None
        else f"whole numbers in [0, {classes}) for {classes} classes, or one-hot rows of width {classes}"
    )
    raise ConfigError(
        f"{where}: accuracy needs class labels ({expected}), but "
        f"Y has {problem}. For a regression use loss='mean_squared_error' (or give your loss a "
        "link = 'identity' attribute; evaluate and predict also take link='identity'), which computes "
        "no accuracy; for other labels re-encode them as 0, 1, ..., or pass metrics=[] or your own "
        "metric functions"
    )


def _accuracy(proba: np.ndarray, Y: np.ndarray, link: str, where: str) -> float:
    _check_labels(Y, _class_count(proba, link), where)
    return float(np.mean(_labels(proba, link) == _as_labels(Y)))


def _listed(value: Any) -> list[Any]:
    """``value`` as a list: None is empty, one name or object is a list of one."""
    if value is None:
        return []
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        return [value]
    return list(value)


def _metrics_for(metrics: Iterable[Any] | None, link: str) -> list[Any]:
    """The metrics asked for; None means accuracy, except for regression (identity link)."""
    if metrics is None:
        return [] if link == "identity" else ["accuracy"]
    listed = _listed(metrics)
    if link == "identity" and "accuracy" in [m for m in listed if isinstance(m, str)]:
        raise ConfigError(
            "metrics: 'accuracy' needs class predictions, but the link is 'identity' (regression: "
            "mean_squared_error or link='identity'); drop it, or pass a function fn(outputs, Y) -> float"
        )
    return listed


def _metric_functions(metrics: Iterable[Any]) -> list[tuple[str, Callable | None]]:
    out: list[tuple[str, Callable | None]] = []
    for metric in _listed(metrics):
        if isinstance(metric, str) and metric == "accuracy":
            out.append(("accuracy", None))
        elif callable(metric):
            out.append((getattr(metric, "__name__", "metric"), metric))
        else:
            raise ConfigError(
                f"metrics: unknown metric {metric!r}; use 'accuracy' or a function "
                "fn(probabilities, Y) -> float"
            )
    return out


def evaluate(
    model: Module,
    X: Any,
    Y: Any,
    *,
    loss: Any = None,
    regularizer: Callable | None = None,
    m: int | None = None,
    metrics: Sequence[Any] | None = None,
    link: str | None = None,
    batch_size: int | None = 4096,
) -> dict[str, float]:
    """Cost, loss and metrics of ``model`` on ``(X, Y)`` in evaluation mode.

    Returns ``{"loss": mean loss, "cost": loss + penalty(m), <metric>: value}``;
    ``loss`` / ``cost`` only when a loss is given. ``m`` (default ``len(X)``) is the
    example count the regularizer divides by. ``loss`` may be a name (``"softmax_cross_entropy"``)
    or a loss function; for one output column (m, 1) it receives a (m,) ``Y`` as (m, 1),
    as in :func:`fit`. ``metrics`` defaults to accuracy, except for regression (the
    identity link); ``link`` defaults to the loss's (see the module docs). ``batch_size``
    as in :func:`predict_proba`.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> class Logits(mg.Module):
        ...     def forward(self, x):
        ...         return x
        >>> mg.evaluate(Logits(), np.array([[3.0, 0.0], [0.0, 2.0]]), np.array([0, 0]))
        {'accuracy': 0.5}

    Accuracy needs class labels: whole numbers in ``[0, C)`` (C = 2 for one output) or
    one-hot rows of width C; other targets (a regression's) are a
    :class:`~minigrad.ConfigError` pointing to ``loss=`` / ``link="identity"``.
    """
    return _evaluate(
        model,
        X,
        Y,
        where="evaluate",
        loss=loss,
        regularizer=regularizer,
        m=m,
        metrics=metrics,
        link=link,
        batch_size=batch_size,
    )


def _evaluate(
    model: Module,
    X: Any,
    Y: Any,
    *,
    where: str,
    loss: Any,
    regularizer: Callable | None,
    m: int | None,
    metrics: Sequence[Any] | None,
    link: str | None,
    batch_size: int | None,
) -> dict[str, float]:
    """:func:`evaluate`, its errors naming ``where`` (``"fit (dev)"`` in fit)."""
    loss_fn = _loss(loss) if loss is not None else None
    link = link or _link_for(loss_fn)
    metrics = _metrics_for(metrics, link)
    X = _features(X, model, where)
    Y = np.asarray(Y)
    if len(Y) != len(X):
        raise ShapeError(f"{where}: X has {len(X)} examples but Y has {len(Y)}; they must match")
    outputs = _forward(model, X, batch_size)
    results: dict[str, float] = {}
    if loss_fn is not None:
        with no_grad():
            data_loss = float(np.asarray(loss_fn(Tensor(outputs), _loss_target(outputs, Y)).data))
            penalty = 0.0
            if regularizer is not None:
                penalty = float(np.asarray(regularizer(model.named_parameters(), m or len(X)).data))
        results["cost"] = data_loss + penalty
        results["loss"] = data_loss
    if metrics:
        proba = _probabilities(outputs, link)
        for name, fn in _metric_functions(metrics):
            results[name] = _accuracy(proba, Y, link, where) if fn is None else float(fn(proba, Y))
    return results


def _loss_target(outputs: Any, Y: Any) -> Any:
    """``Y`` as every loss receives it from :func:`fit` and :func:`evaluate`: a (m,) target
    for (m, 1) outputs becomes (m, 1), the rule the built-in losses apply themselves, so a
    plain function ``((p - y) ** 2).mean()`` cannot broadcast it to (m, m). Anything else
    (integer labels (m,) for (m, C) outputs, C > 1) is passed unchanged."""
    shape = outputs.shape
    if len(shape) == 2 and shape[1] == 1 and getattr(Y, "shape", None) == (shape[0],):
        return Y.reshape(shape)
    return Y


def _check_square_broadcast(data_loss: Tensor, outputs: Any) -> None:
    """Refuse a loss whose graph combines a (b,) tensor with a (b, 1) one into (b, b):
    NumPy's broadcasting compares every prediction with every target, and the loss trains
    on garbage without an error. With one output the target reaches the loss as (b, 1)
    (see _loss_target), so a loss that flattens the prediction (``p.reshape(-1) - y``,
    ``p[:, 0] - y``) does exactly that. Pairwise terms ((b, 1) against (1, b)) pass."""
    shape = getattr(outputs, "shape", ())
    batch = shape[0] if len(shape) == 2 and shape[1] == 1 else 0
    if batch < 2:
        return
    stack, seen = [data_loss], set()
    while stack:
        tensor = stack.pop()
        ctx = tensor._ctx
        if ctx is None or id(ctx) in seen:
            continue
        seen.add(id(ctx))
        parents = [p for p in ctx.parents if p is not None]
        shapes = [p.shape for p in parents]
        if tensor.shape == (batch, batch) and (batch,) in shapes and (batch, batch) not in shapes:
            raise ShapeError(
                f"fit: the loss combines a ({batch},) tensor with a ({batch}, 1) one into "
                f"({batch}, {batch}) in {ctx.fn.op_name()} (NumPy broadcasting), comparing every "
                "prediction with every target. With one output the target reaches the loss as "
                f"({batch}, 1), the prediction's shape: compare them as they are (no p.reshape(-1) "
                "or p[:, 0]), or reshape both the same way"
            )
        stack.extend(parents)


def _loss(loss: Any) -> Callable:
    """A loss function from a registered name or a function."""
    if isinstance(loss, str):
        from minigrad.factories import loss as make_loss

        return make_loss(loss)
    if not callable(loss):
        raise ConfigError(
            f"loss={loss!r} is neither a loss name (e.g. 'softmax_cross_entropy') nor a function "
            "loss(prediction, target) -> Tensor"
        )
    return loss


# ------------------------------------------------------------------ trainer
def _module_generators(model: Module) -> dict[str, np.random.Generator]:
    """Every numpy Generator a layer holds (dropout masks, noise), by dotted name."""
    found: dict[str, np.random.Generator] = {}
    for prefix, module in model.named_modules():
        for attr, value in vars(module).items():
            if isinstance(value, np.random.Generator):
                found[f"{prefix}.{attr}" if prefix else attr] = value
    return found


def _seed_layers(model: Module, seed: np.random.SeedSequence) -> None:
    """Seed the generators layers were built without a seed for (``dropout`` without
    ``rng=``) from the run's seed, so the same ``fit(seed=...)`` gives the same run.

    A layer lists such generators by attribute name in ``seeded_by_fit``; one it was given
    a seed for (or that was replaced by one the user made) is not listed and keeps its own
    stream. The generator is reseeded in place, so it stays the layer's own.
    """
    owners = [
        getattr(module, attr)
        for _, module in model.named_modules()
        for attr in getattr(module, "seeded_by_fit", ())
    ]
    for generator, child in zip(owners, seed.spawn(len(owners))):
        generator.bit_generator.state = np.random.PCG64(child).state


def _copy_tree(value: Any) -> Any:
    """A deep copy of a state dict (arrays copied, containers rebuilt)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copy_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_copy_tree(v) for v in value)
    return copy.copy(value)


def _fingerprint(X: np.ndarray, Y: np.ndarray) -> str:
    """``m`` and a digest of the examples and labels (values, dtypes and shapes)."""
    digest = hashlib.blake2b(digest_size=8)
    for array in (X, Y):
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(np.ascontiguousarray(array).data)
    return f"{len(X)} examples, {digest.hexdigest()}"


def _check_optimizer_trains(optimizer: Any, model: Module) -> None:
    """An optimizer built on another model's parameters would leave this one untrained."""
    groups = getattr(optimizer, "param_groups", None)
    if not groups:
        return
    own = {id(p) for p in model.parameters()}
    params = [p for group in groups for p in group["params"]]
    if own and not any(id(p) in own for p in params):
        raise ConfigError(
            f"fit: the optimizer updates {len(params)} parameter(s), none of them the model's, so the "
            "model would not train; build it on this model: mg.optimizer(name, model.parameters(), ...)"
        )


class Trainer:
    """The state of one :func:`fit` run, handed to every callback.

    Attributes:
        model: the model being trained.
        optimizer: its optimizer (``lr`` is set from the schedule each epoch).
        loss: the loss function; ``regularizer`` the penalty function or None.
        history: the :class:`History` being filled.
        epoch: the current epoch (0-based); ``epochs`` the total to run.
        step: optimizer steps taken so far (over all epochs).
        stop_training: set it to True to stop after the current batch.
        train: the ``(X, Y)`` training arrays; ``dev`` the dev arrays or None.
        m: the number of training examples (the regularizer's ``m``).
        rng: the generator that shuffles mini-batches (seeded from ``seed``).
        callbacks: the callbacks, in calling order.
        link: how outputs become probabilities (``"sigmoid"``, ``"softmax"``, ...).

    :func:`fit` is ``Trainer(model, train, **options).run()`` (after :meth:`resume` when
    it resumes); the constructor takes :func:`fit`'s arguments.

    Example:
        >>> import minigrad as mg
        >>> X, Y = mg.dataset("moons", n=64, seed=0)
        >>> model = mg.Sequential(mg.layer("dense", 2, 2, rng=0))
        >>> class StopAfterTwo:
        ...     def on_epoch_end(self, trainer, epoch, logs):
        ...         trainer.stop_training = epoch >= 1
        >>> trainer = mg.Trainer(model, (X, Y), loss="softmax_cross_entropy",
        ...                      optimizer=mg.optimizer("sgd", model.parameters(), lr=0.1),
        ...                      epochs=10, callbacks=[StopAfterTwo()])
        >>> history = trainer.run()
        >>> trainer.epoch, trainer.step, len(history)  # one batch of 64 per epoch
        (1, 2, 2)
    """

    def __init__(
        self,
        model: Module,
        train: tuple[Any, Any],
        *,
        dev: tuple[Any, Any] | None = None,
        loss: Any,
        optimizer: Any,
        schedule: Callable[[int], float] | None = None,
        regularizer: Callable | None = None,
        epochs: int = 10,
        batch_size: int = 64,
        drop_last: bool = False,
        callbacks: Iterable[Any] = (),
        seed: int = 0,
        augment: Any = None,
        image_shape: Sequence[int] | None = None,
        metrics: Sequence[Any] | None = None,
        snapshot_every: int | None = None,
        gradient_limits: tuple[float, float] | None = (VANISHING_GRADIENT, EXPLODING_GRADIENT),
        clip_norm: float | None = None,
    ) -> None:
        if not isinstance(model, Module):
            raise ConfigError(f"fit: model must be a minigrad Module, got {type(model).__name__}")
        counts = [("epochs", epochs, 0, ""), ("batch_size", batch_size, 1, "")]
        if snapshot_every is not None:
            counts.append(("snapshot_every", snapshot_every, 1, " or None"))
        for name, value, low, other in counts:
            if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < low:
                raise ConfigError(f"fit: {name}={value!r}; it must be an int >= {low}{other}")
        if not isinstance(drop_last, bool):
            raise ConfigError(f"fit: drop_last={drop_last!r}; it must be True or False")
        if clip_norm is not None and (
            isinstance(clip_norm, bool) or not isinstance(clip_norm, numbers.Real) or not clip_norm > 0
        ):
            raise ConfigError(f"fit: clip_norm={clip_norm!r}; it must be a number > 0, or None (no clipping)")
        self.clip_norm = clip_norm
        if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
            raise ConfigError(f"fit: seed={seed!r}; it must be a non-negative int")
        self.model = model
        self.train = self._pair(train, "train")
        self.dev = None if dev is None else self._pair(dev, "dev")
        self.m = len(self.train[0])
        self._loss_shapes_checked = False  # see _check_square_broadcast
        self.loss = _loss(loss)
        self.link = _link_for(self.loss)
        if isinstance(optimizer, str):
            from minigrad import optimizer as make_optimizer

            trainable = [p for p in model.parameters() if p.requires_grad]  # frozen ones stay as they are
            if model.parameters() and not trainable:
                raise ConfigError(
                    "fit: every parameter of the model is frozen (requires_grad=False); nothing to train"
                )
            optimizer = make_optimizer(optimizer, trainable)
        missing = [name for name in ("step", "zero_grad", "lr") if not hasattr(optimizer, name)]
        if missing:
            raise ConfigError(
                f"fit: optimizer={optimizer!r} has no {', '.join(missing)}; pass an optimizer built on "
                "the model's parameters, e.g. mg.optimizer('adam', model.parameters(), lr=0.01)"
            )
        for name, value, shape in (
            ("schedule", schedule, "fn(epoch) -> learning rate"),
            ("regularizer", regularizer, "penalty(named_parameters, m) -> Tensor"),
        ):
            if value is not None and not callable(value):
                raise ConfigError(f"fit: {name}={value!r} is not callable; pass a function {shape} or None")
        if gradient_limits is not None:
            ok = isinstance(gradient_limits, tuple | list) and len(gradient_limits) == 2
            ok = ok and all(isinstance(v, int | float) and not isinstance(v, bool) for v in gradient_limits)
            if not ok or not 0 <= gradient_limits[0] < gradient_limits[1]:
                raise ConfigError(
                    f"fit: gradient_limits={gradient_limits!r}; pass (vanishing, exploding) thresholds with "
                    "0 <= vanishing < exploding, or None to turn the warnings off"
                )
        _check_optimizer_trains(optimizer, model)
        self.optimizer = optimizer
        self.schedule = schedule
        self.regularizer = regularizer
        self.epochs = int(epochs)
        self.batch_size = int(batch_size)
        self.drop_last = drop_last
        self.seed = int(seed)
        from minigrad.data import _checked_image_shape, _resolve_augment

        self.augment = _resolve_augment(augment, "fit")
        self.image_shape = _checked_image_shape(image_shape, self.train[0].shape[1:], where="fit")
        self._metric_names = _metrics_for(metrics, self.link)
        self.metrics = _metric_functions(self._metric_names)
        if any(fn is None for _, fn in self.metrics):
            self._check_accuracy_labels()
        self.snapshot_every = None if snapshot_every is None else int(snapshot_every)
        self.gradient_limits = gradient_limits
        self.callbacks = self._callbacks(callbacks)
        self.history = History()
        self.epoch = 0
        self.step = 0
        self.stop_training = False
        self.start_epoch = 0
        # One SeedSequence per run; independent streams for shuffling, augmentation and the
        # layers' generators built without a seed (see _seed_layers)
        shuffle_seq, augment_seq, layer_seq = np.random.SeedSequence(self.seed).spawn(3)
        self.rng = np.random.Generator(np.random.PCG64(shuffle_seq))
        self.augment_rng = np.random.Generator(np.random.PCG64(augment_seq))
        self._layers = [  # the layers with trainable parameters, for gradient norms (frozen ones have none)
            (prefix or type(module).__name__, type(module).__name__, trainable)
            for prefix, module in model.named_modules()
            if (trainable := [p for p in module._parameters.values() if p.requires_grad])
        ]
        self._warned: set[tuple[str, str]] = set()
        self._fingerprints: dict[str, str] | None = None  # of the data, for checkpoints
        _seed_layers(model, layer_seq)  # last: a fit refused above leaves the model's streams alone

    # ----------------------------------------------------------- plumbing
    def _check_accuracy_labels(self) -> None:
        """Before training: the labels accuracy will be computed on look like class labels
        (whole numbers >= 0, or one-hot rows), so a regression's targets fail now, not after
        an epoch. How many classes the outputs allow is checked when they are evaluated
        (the built-in losses check it on the first batch)."""
        for split, data in (("train", self.train), ("dev", self.dev)):
            if data is not None:
                _check_labels(data[1], None, f"fit ({split})")

    def _pair(self, data: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
        if not isinstance(data, tuple | list) or len(data) != 2:
            raise ConfigError(f"fit: {what} must be an (X, Y) pair of arrays, got {type(data).__name__}")
        from minigrad.data import _check_targets

        where = f"fit ({what})"
        X = _features(data[0], self.model, where)
        return X, _check_targets(data[1], len(X), where=where)

    @staticmethod
    def _callbacks(callbacks: Iterable[Any]) -> list[Any]:
        built = []
        for cb in _listed(callbacks):
            if isinstance(cb, str):
                from minigrad.factories import callback

                cb = callback(cb)
            if isinstance(cb, type):
                raise ConfigError(
                    f"fit: callbacks holds the class {cb.__name__}, not an instance; pass {cb.__name__}(...)"
                )
            if not any(hasattr(cb, hook) for hook in _HOOKS):
                raise ConfigError(
                    f"fit: callback {cb!r} has none of the hooks {', '.join(_HOOKS)}; "
                    "see minigrad.train for the callback protocol"
                )
            problem = _callback_signature_problem(cb)
            if problem:
                raise ConfigError(f"fit: callback {problem}")
            built.append(cb)
        return sorted(built, key=lambda cb: getattr(cb, "order", 0))

    def _stateful_callbacks(self) -> list[Any]:
        return [cb for cb in self.callbacks if hasattr(cb, "state_dict") and hasattr(cb, "load_state_dict")]

    def _call(self, hook: str, *args: Any) -> None:
        for cb in self.callbacks:
            method = getattr(cb, hook, None)
            if method is not None:
                method(self, *args)

    # ------------------------------------------------------------ public
    def cost(self, outputs: Tensor, Y: np.ndarray) -> tuple[Tensor, Tensor]:
        """``(J, loss)`` for a batch: the loss plus the regularization term (``m`` = the
        training-set size), and the loss alone. A (m,) ``Y`` for (m, 1) outputs reaches the
        loss as (m, 1) (see :func:`fit`).

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> model = mg.Sequential(mg.layer("dense", 2, 2, rng=0))
            >>> data = (np.ones((4, 2)), np.array([0, 1, 0, 1]))
            >>> trainer = mg.Trainer(model, data, loss="softmax_cross_entropy",
            ...                      optimizer=mg.optimizer("sgd", model.parameters(), lr=0.1),
            ...                      regularizer=mg.regularizer("l2", lam=0.5))
            >>> J, loss = trainer.cost(model(np.ones((4, 2))), np.array([0, 1, 0, 1]))
            >>> bool(J.data > loss.data)
            True
        """
        data_loss = self.loss(outputs, _loss_target(outputs, Y))
        if not isinstance(data_loss, Tensor):
            raise ConfigError(
                f"fit: the loss {self.loss!r} returned a {type(data_loss).__name__}, not a Tensor, so "
                "there is nothing to backpropagate; compute it with tensor operations on the prediction"
            )
        if not self._loss_shapes_checked and data_loss._ctx is not None:
            _check_square_broadcast(data_loss, outputs)
            self._loss_shapes_checked = True
        if self.regularizer is None:
            return data_loss, data_loss
        return data_loss + self.regularizer(self.model.named_parameters(), self.m), data_loss

    def evaluate(self, X: Any, Y: Any) -> dict[str, float]:
        """``{"cost", "loss", <metrics>}`` on ``(X, Y)`` in evaluation mode (the
        penalty uses the training-set ``m``).

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> model = mg.Sequential(mg.layer("dense", 2, 2, rng=0))
            >>> data = (np.ones((4, 2)), np.array([0, 1, 0, 1]))
            >>> trainer = mg.Trainer(model, data, loss="softmax_cross_entropy",
            ...                      optimizer=mg.optimizer("sgd", model.parameters(), lr=0.1),
            ...                      regularizer=mg.regularizer("l2", lam=0.5))
            >>> sorted(trainer.evaluate(np.ones((2, 2)), np.array([0, 1])))
            ['accuracy', 'cost', 'loss']
        """
        return self._scores(X, Y, "fit")

    def _scores(self, X: Any, Y: Any, where: str) -> dict[str, float]:
        return _evaluate(
            self.model,
            X,
            Y,
            where=where,
            loss=self.loss,
            regularizer=self.regularizer,
            m=self.m,
            metrics=self._metric_names,
            link=self.link,
            batch_size=4096,
        )

    def model_state(self) -> dict[str, Any]:
        """Copies of the model's and the optimizer's state (for :meth:`restore_state`).

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> model = mg.Sequential(mg.layer("dense", 2, 2, rng=0))
            >>> data = (np.ones((4, 2)), np.array([0, 1, 0, 1]))
            >>> trainer = mg.Trainer(model, data, loss="softmax_cross_entropy",
            ...                      optimizer=mg.optimizer("sgd", model.parameters(), lr=0.1),
            ...                      regularizer=mg.regularizer("l2", lam=0.5))
            >>> saved = trainer.model_state()
            >>> model[0].W.data[...] = 0
            >>> trainer.restore_state(saved)
            >>> bool((model[0].W.data != 0).any())
            True
        """
        optimizer_state = self.optimizer.state_dict() if hasattr(self.optimizer, "state_dict") else None
        return {"model": self.model.state_dict(), "optimizer": _copy_tree(optimizer_state)}

    def restore_state(self, state: dict[str, Any]) -> None:
        """Load what :meth:`model_state` returned (see its example)."""
        self.model.load_state_dict(state["model"])
        if state.get("optimizer") is not None:
            self.optimizer.load_state_dict(_copy_tree(state["optimizer"]))

    def rng_state(self) -> dict[str, Any]:
        """The state of every generator the run draws from, as JSON-able ints: the
        shuffling and augmentation streams and each layer's own generator (dropout).

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> model = mg.Sequential(mg.layer("dense", 2, 2, rng=0))
            >>> data = (np.ones((4, 2)), np.array([0, 1, 0, 1]))
            >>> trainer = mg.Trainer(model, data, loss="softmax_cross_entropy",
            ...                      optimizer=mg.optimizer("sgd", model.parameters(), lr=0.1),
            ...                      regularizer=mg.regularizer("l2", lam=0.5))
            >>> sorted(trainer.rng_state()), trainer.rng_state()["shuffle"]["bit_generator"]
            (['augment', 'layers', 'shuffle'], 'PCG64')
        """
        return {
            "shuffle": self.rng.bit_generator.state,
            "augment": self.augment_rng.bit_generator.state,
            "layers": {name: g.bit_generator.state for name, g in _module_generators(self.model).items()},
        }

    def _set_rng_state(self, state: dict[str, Any], path: str) -> None:
        self.rng.bit_generator.state = state["shuffle"]
        self.augment_rng.bit_generator.state = state["augment"]
        layers = _module_generators(self.model)
        for name, saved in state.get("layers", {}).items():
            if name not in layers:
                raise CheckpointError(
                    f"{path}: the checkpoint has a random generator for layer attribute {name!r} "
                    f"but the model has none there (it has {sorted(layers)}); resume with the same model"
                )
            layers[name].bit_generator.state = saved

    def save_checkpoint(self, path: str | os.PathLike, *, normalizer: Any = None, extra: Any = None) -> None:
        """Write everything needed to resume this run bit-identically to ``path``:
        model, optimizer, epoch, every generator's state, the history and each
        callback's ``state_dict()`` (plus ``normalizer`` and ``extra`` if given).

        Example:
            >>> import os, tempfile
            >>> import numpy as np
            >>> import minigrad as mg
            >>> model = mg.Sequential(mg.layer("dense", 2, 2, rng=0))
            >>> data = (np.ones((4, 2)), np.array([0, 1, 0, 1]))
            >>> trainer = mg.Trainer(model, data, loss="softmax_cross_entropy",
            ...                      optimizer=mg.optimizer("sgd", model.parameters(), lr=0.1),
            ...                      regularizer=mg.regularizer("l2", lam=0.5))
            >>> _ = trainer.run()
            >>> path = os.path.join(tempfile.mkdtemp(), "run.npz")
            >>> trainer.save_checkpoint(path)
            >>> mg.load_checkpoint(path).epoch
            9
        """
        trainer_state = {
            "step": self.step,
            "epochs": self.epochs,
            "seed": self.seed,
            "setup": self._setup(),
            "stop_training": bool(self.stop_training),
            "history": self.history.state_dict(),
            "callbacks": [
                {"class": type(cb).__name__, "state": cb.state_dict()} for cb in self._stateful_callbacks()
            ],
        }
        save_checkpoint(
            path,
            model=self.model,
            optimizer=self.optimizer if hasattr(self.optimizer, "state_dict") else None,
            normalizer=normalizer,
            epoch=self.epoch,
            rng_state=self.rng_state(),
            extra={"trainer": trainer_state, "user": extra},
        )

    def resume(self, path: str | os.PathLike) -> None:
        """Restore a run saved by :meth:`save_checkpoint`; :meth:`run` then continues
        at the epoch after the saved one (``fit(..., resume_from=path)`` does both).

        Example:
            >>> import os, tempfile
            >>> import numpy as np
            >>> import minigrad as mg
            >>> def trainer(epochs):
            ...     model = mg.Sequential(mg.layer("dense", 2, 2, rng=0))
            ...     return mg.Trainer(model, (np.ones((4, 2)), np.array([0, 1, 0, 1])), epochs=epochs,
            ...                       loss="softmax_cross_entropy",
            ...                       optimizer=mg.optimizer("adam", model.parameters(), lr=0.1))
            >>> first = trainer(3); _ = first.run()
            >>> path = os.path.join(tempfile.mkdtemp(), "run.npz"); first.save_checkpoint(path)
            >>> second = trainer(5); second.resume(path)
            >>> second.start_epoch, len(second.run())
            (3, 5)
        """
        path = os.fspath(path)
        ckpt = load_checkpoint(path)
        extra = ckpt.extra if isinstance(ckpt.extra, dict) else {}
        state = extra.get("trainer")
        if state is None or ckpt.epoch is None or ckpt.rng_state is None:
            raise CheckpointError(
                f"{path}: holds a model but no training state, so fit(resume_from=...) cannot "
                "continue from it; checkpoints written during fit (the 'checkpoint' callback or "
                "Trainer.save_checkpoint) can be resumed"
            )
        self._check_setup(state.get("setup"), int(ckpt.epoch), path)
        try:
            self.model.load_state_dict(ckpt.model)
        except StateDictError as err:
            raise CheckpointError(
                f"{path}: the saved run's model differs from this one ({' '.join(str(err).split())}); resume "
                "with the architecture it was saved with, or start a new run without resume_from"
            ) from err
        if ckpt.optimizer is not None:
            self.optimizer.load_state_dict(ckpt.optimizer)
        self._set_rng_state(ckpt.rng_state, path)
        self.history.load_state_dict(state["history"])
        self.step = int(state["step"])
        self.stop_training = bool(state["stop_training"])
        saved = state["callbacks"]
        stateful = self._stateful_callbacks()
        if [entry["class"] for entry in saved] != [type(cb).__name__ for cb in stateful]:
            raise CheckpointError(
                f"{path}: the run was saved with the stateful callbacks {[e['class'] for e in saved]} "
                f"but is resumed with {[type(cb).__name__ for cb in stateful]}; pass the same callbacks "
                "to continue exactly"
            )
        for cb, entry in zip(stateful, saved):
            cb.load_state_dict(entry["state"])
        self.epoch = int(ckpt.epoch)
        self.start_epoch = int(ckpt.epoch) + 1
        if self.stop_training:
            # an uninterrupted run would have stopped there too: continuing exactly is stopping
            warnings.warn(
                f"{path}: the saved run had stopped after epoch {ckpt.epoch} ({self.history.stop_reason}); "
                "resuming continues it exactly, so no further epoch runs. To train on from its weights, "
                "start a new run from them: model.load_state_dict(mg.load_checkpoint(path).model), then "
                "fit without resume_from",
                RuntimeWarning,
                stacklevel=2,
            )

    def _setup(self) -> dict[str, Any]:
        """What makes the rest of a run what it was: the data (a fingerprint of each
        split), the batching and the seed. Loss, regularizer, schedule and augmentation
        are the caller's to pass again (functions have no stable identity)."""
        if self._fingerprints is None:
            splits = (("train", self.train), ("dev", self.dev))
            self._fingerprints = {split: _fingerprint(*pair) for split, pair in splits if pair}
        return {
            **self._fingerprints,
            "batch_size": self.batch_size,
            "drop_last": self.drop_last,
            "seed": self.seed,
        }

    def _check_setup(self, saved: dict[str, Any] | None, last_epoch: int, path: str) -> None:
        if self.epochs <= last_epoch:
            raise CheckpointError(
                f"{path}: the run was saved after epoch {last_epoch} ({last_epoch + 1} epochs done), but "
                f"epochs={self.epochs} asks for fewer; epochs is the total: pass at least {last_epoch + 1}"
            )
        if saved is None:  # written before runs recorded their setup
            return
        now = self._setup()
        changed = [key for key in sorted(set(saved) | set(now)) if saved.get(key) != now.get(key)]
        if changed:
            described = "; ".join(f"{key}: saved {saved.get(key)!r}, now {now.get(key)!r}" for key in changed)
            raise CheckpointError(
                f"{path}: resuming with a different setup would not continue the saved run ({described}); "
                "pass the same data, batch_size, drop_last and seed, or start a new run without resume_from"
            )

    # -------------------------------------------------------------- loop
    def _grad_norms(self) -> list[float]:
        norms = []
        for _, _, params in self._layers:
            total = 0.0
            for p in params:
                if p.grad is not None:
                    g = p.grad.ravel()
                    total += float(g @ g)
            norms.append(math.sqrt(total))
        return norms

    def _check_gradients(self, epoch: int, norms: dict[str, float]) -> None:
        if self.gradient_limits is None:
            return
        low, high = self.gradient_limits
        kinds = {name: kind for name, kind, _ in self._layers}
        for name, norm in norms.items():
            if not math.isfinite(norm) or norm > high:
                kind, detail = "exploding", f"above {high:g}"
            elif norm < low:
                kind, detail = "vanishing", f"below {low:g}"
            else:
                continue
            if (name, kind) in self._warned:
                continue
            self._warned.add((name, kind))
            advice = (
                "lower the learning rate, normalize the inputs, use He/Xavier initialization or clip "
                "the gradients (fit(clip_norm=...))"
                if kind == "exploding"
                else "use He/Xavier initialization instead of zeros or tiny weights, ReLU "
                "activations, or batch norm"
            )
            warnings.warn(
                f"{kind} gradients in layer {name} ({kinds[name]}) at epoch {epoch}: mean gradient "
                f"norm {norm:.3g} is {detail}; {advice}",
                GradientWarning,
                stacklevel=5,  # the caller of fit()
            )

    def _run_epoch(self, epoch: int) -> dict[str, float]:
        from minigrad.data import _augment_batch, minibatches
        from minigrad.optim import clip_grad_norm

        X, Y = self.train
        self.model.train()
        cost_sum, batches = 0.0, 0
        norm_sums = [0.0] * len(self._layers)
        for index, (xb, yb) in enumerate(
            minibatches(
                X, Y, batch_size=self.batch_size, shuffle=True, rng=self.rng, drop_last=self.drop_last
            )
        ):
            if self.augment is not None:
                xb = np.asarray(
                    _augment_batch(self.augment, xb, self.augment_rng, self.image_shape), dtype=X.dtype
                )
            self.optimizer.zero_grad()
            cost, data_loss = self.cost(self.model(Tensor(xb)), yb)
            cost.backward()
            norms = self._grad_norms()  # recorded before clipping: what backprop produced
            if self.clip_norm is not None:
                clip_grad_norm(self.model.parameters(), self.clip_norm)
            self.optimizer.step()
            self.step += 1
            batches += 1
            value = float(np.asarray(cost.data))
            cost_sum += value
            norm_sums = [s + n for s, n in zip(norm_sums, norms)]
            logs = {
                "epoch": epoch,
                "batch": index,
                "size": len(xb),
                "cost": value,
                "loss": float(np.asarray(data_loss.data)),
            }
            self._call("on_batch_end", self.step, logs)
            if self.stop_training:
                break
        logs: dict[str, float] = {"lr": float(self.optimizer.lr)}
        for split, data in (("train", self.train), ("dev", self.dev)):
            if data is None:
                continue
            for key, value in self._scores(*data, f"fit ({split})").items():
                logs[f"{split}_{key}"] = value
        logs["batch_cost"] = cost_sum / max(batches, 1)
        norms = {name: s / max(batches, 1) for (name, _, _), s in zip(self._layers, norm_sums)}
        for name, norm in norms.items():
            logs[f"grad_norm/{name}"] = norm
        self._check_gradients(epoch, norms)
        return logs

    def _apply_schedule(self, epoch: int) -> None:
        """Set the optimizer's rate to ``schedule(epoch)``; a rate it refuses (or no
        number) is an error naming the schedule and the epoch."""
        rate = self.schedule(epoch)
        try:
            self.optimizer.lr = rate
        except ConfigError as err:
            raise ConfigError(f"{err} (returned by the schedule {self.schedule!r} at epoch {epoch})") from err

    def run(self) -> History:
        """Train from :attr:`start_epoch` to :attr:`epochs`; returns the history (see the
        class example). Gradients are recorded even when the caller is inside
        :func:`~minigrad.no_grad` (a request handler retraining a model, a thread started
        with ``asyncio.to_thread`` from such code), as evaluation turns them off on its own."""
        with enable_grad():
            self._call("on_train_begin")
            for epoch in range(self.start_epoch, self.epochs):
                if self.stop_training:
                    break
                self.epoch = epoch
                if hasattr(self.optimizer, "set_epoch"):
                    self.optimizer.set_epoch(epoch)  # applies a schedule attached to the optimizer
                if self.schedule is not None:
                    self._apply_schedule(epoch)
                self._call("on_epoch_begin", epoch)
                logs = self._run_epoch(epoch)
                self.history.append(epoch, logs)
                if self.snapshot_every and (epoch + 1) % self.snapshot_every == 0:
                    self.history.snapshots.append(self.model.state_dict())
                self._call("on_epoch_end", epoch, logs)
            self.model.eval()
            self._call("on_train_end")
        return self.history


def fit(
    model: Module,
    train: tuple[Any, Any],
    *,
    dev: tuple[Any, Any] | None = None,
    loss: Any,
    optimizer: Any,
    schedule: Callable[[int], float] | None = None,
    regularizer: Callable | None = None,
    epochs: int = 10,
    batch_size: int = 64,
    drop_last: bool = False,
    callbacks: Iterable[Any] = (),
    seed: int = 0,
    augment: Any = None,
    image_shape: Sequence[int] | None = None,
    resume_from: str | os.PathLike | None = None,
    metrics: Sequence[Any] | None = None,
    snapshot_every: int | None = None,
    gradient_limits: tuple[float, float] | None = (VANISHING_GRADIENT, EXPLODING_GRADIENT),
    detect_anomaly: bool = False,
    clip_norm: float | None = None,
) -> History:
    """Train ``model`` with mini-batch gradient descent; returns the :class:`History`.

    Args:
        model: a :class:`~minigrad.Module` that outputs logits.
        train: ``(X, Y)`` training arrays (rows are examples).
        dev: ``(X, Y)`` dev arrays, evaluated after every epoch.
        loss: a loss function ``loss(prediction, target) -> Tensor`` or a registered
            loss name (``"softmax_cross_entropy"``). For a model with one output (m, 1),
            a (m,) ``Y`` reaches every loss as (m, 1), as the built-in losses read it (so
            ``lambda p, y: ((p - y) ** 2).mean()`` does not broadcast to (m, m)); integer
            labels (m,) for (m, C) outputs are passed as they are.
        optimizer: an optimizer built on ``model.parameters()`` (``mg.optimizer("adam", ...)``).
        schedule: ``fn(epoch) -> learning rate``, applied at the start of each epoch.
        regularizer: ``penalty(named_parameters, m) -> Tensor`` added to the cost.
        epochs: how many epochs to run in total (a resumed run continues up to it).
        batch_size: mini-batch size; ``len(X)`` gives batch gradient descent, 1 SGD.
        drop_last: drop each epoch's last mini-batch when it is smaller than
            ``batch_size`` (the course keeps it; batch norm cannot train on a batch of one).
        callbacks: callback objects or registered callback names (see the module docs).
        seed: seeds the mini-batch shuffling (and augmentation) through a
            :class:`numpy.random.SeedSequence`; the same seed gives the same run.
        augment: applied to every training batch: an ``augment(X_batch, rng) -> X_batch``
            callable, a registered augmentation name, or a list of those (composed).
        image_shape: for flat features, the per-example image shape (``(8, 8)``) each
            batch is reshaped to while it is augmented.
        resume_from: a checkpoint written during an earlier run of the same setup;
            training continues after its epoch and ends bit-identical to an
            uninterrupted run.
        metrics: ``"accuracy"`` and/or functions ``fn(probabilities, Y) -> float``;
            None (the default) means accuracy, except for regression (the identity link).
            Accuracy needs class labels (whole numbers in ``[0, C)``, C = 2 for one
            output, or one-hot rows); a custom regression loss needs ``metrics=[]`` (or a
            ``link = "identity"`` attribute), else fit refuses its targets.
        snapshot_every: collect the model's weights into ``history.snapshots`` every
            this many epochs (snapshot ensembles, with a ``cosine_restarts`` schedule
            whose period matches).
        gradient_limits: ``(vanishing, exploding)`` thresholds of the mean per-layer
            gradient norm that trigger a :class:`GradientWarning`; None disables it.
        clip_norm: scale each mini-batch's gradients so that their joint norm is at most
            this before the update (:func:`minigrad.optim.clip_grad_norm`); None (the
            default) does not clip. The recorded gradient norms are those before clipping.
        detect_anomaly: run in anomaly mode (:func:`minigrad.detect_anomaly`): the first
            NaN or inf in a forward or backward pass raises :class:`~minigrad.AnomalyError`
            naming the op and the layer. Slower; for debugging.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> X, Y = mg.dataset("moons", n=200, noise=0.1, seed=0)
        >>> model = mg.Sequential(mg.layer("dense", 2, 16, init="he"), mg.layer("relu"),
        ...                       mg.layer("dense", 16, 2, init="he"))
        >>> opt = mg.optimizer("adam", model.parameters(), lr=0.01)
        >>> history = mg.fit(model, (X, Y), loss="softmax_cross_entropy", optimizer=opt,
        ...                  epochs=30, batch_size=32, seed=0)
        >>> len(history), bool(history["train_accuracy"][-1] > 0.85)
        (30, True)
    """
    trainer = Trainer(
        model,
        train,
        dev=dev,
        loss=loss,
        optimizer=optimizer,
        schedule=schedule,
        regularizer=regularizer,
        epochs=epochs,
        batch_size=batch_size,
        drop_last=drop_last,
        callbacks=callbacks,
        seed=seed,
        augment=augment,
        image_shape=image_shape,
        metrics=metrics,
        snapshot_every=snapshot_every,
        gradient_limits=gradient_limits,
        clip_norm=clip_norm,
    )
    if resume_from is not None:
        trainer.resume(resume_from)
    if detect_anomaly:
        from minigrad.anomaly import AnomalyDetector

        with AnomalyDetector(model):
            return trainer.run()
    return trainer.run()


# ---------------------------------------------------------------- ensembles
class Ensemble:
    """Averages the predicted probabilities of several models.

    The course's ensemble: train independent models (different seeds), average their
    outputs at test time. Snapshot ensembles take the models from one run instead
    (:meth:`from_snapshots`, with ``fit(..., snapshot_every=k)``).

    Args:
        models: the trained models (all with the same outputs).
        link: how each model's outputs become probabilities (see :func:`predict_proba`).
        weights: optional non-negative weight per model (normalized to sum to 1).

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> class Constant(mg.Module):
        ...     def __init__(self, logit):
        ...         super().__init__(); self.logit = logit
        ...     def forward(self, x):
        ...         return mg.Tensor(np.full((len(x), 1), self.logit))
        >>> ens = mg.Ensemble([Constant(0.0), Constant(np.log(3.0))])  # p = 0.5 and 0.75
        >>> ens.predict_proba(np.zeros((1, 2)))
        array([[0.625]])
        >>> ens.predict(np.zeros((1, 2)))
        array([1])
    """

    def __init__(
        self, models: Iterable[Module], *, link: str = "auto", weights: Sequence[float] | None = None
    ):
        self.models = list(models)
        if not self.models:
            raise ConfigError("Ensemble: needs at least one model")
        bad = [i for i, model in enumerate(self.models) if not isinstance(model, Module)]
        if bad:
            raise ConfigError(f"Ensemble: items {bad} are not minigrad Modules; pass trained models")
        _check_link(link, "Ensemble: ")
        self.link = link
        if weights is None:
            self.weights = np.full(len(self.models), 1.0 / len(self.models))
        else:
            try:
                w = np.asarray(weights, dtype=np.float64)
            except (TypeError, ValueError):
                w = np.full(0, np.nan)  # not numbers: refused below
            if w.shape != (len(self.models),) or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
                raise ConfigError(
                    f"Ensemble: weights={weights!r} must be {len(self.models)} finite non-negative "
                    "numbers, not all zero"
                )
            self.weights = w / w.sum()

    @classmethod
    def from_snapshots(
        cls, model: Module, snapshots: Iterable[dict[str, np.ndarray]], *, link: str = "auto"
    ) -> Ensemble:
        """One copy of ``model`` per saved state dict (``history.snapshots``).

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> base = mg.Sequential(mg.layer("dense", 2, 1))
            >>> states = [{k: np.full_like(v, s) for k, v in base.state_dict().items()} for s in (1.0, -1.0)]
            >>> ens = mg.Ensemble.from_snapshots(base, states)
            >>> len(ens), ens.predict_proba(np.ones((1, 2)))  # sigmoid(3) and sigmoid(-3) average to 0.5
            (2, array([[0.5]]))
        """
        models = []
        for state in snapshots:
            clone = copy.deepcopy(model)
            clone.load_state_dict(state)
            models.append(clone)
        return cls(models, link=link)

    def predict_proba(self, X: Any) -> np.ndarray:
        """The weighted mean of the models' probabilities (see the class example)."""
        total = None
        for index, (weight, model) in enumerate(zip(self.weights, self.models)):
            p = weight * predict_proba(model, X, link=self.link)
            if total is not None and p.shape != total.shape:
                raise ShapeError(
                    f"Ensemble: model {index} predicts shape {p.shape} but model 0 predicts "
                    f"{total.shape}; an ensemble averages models with the same outputs (classes)"
                )
            total = p if total is None else total + p
        return total

    def predict(self, X: Any) -> np.ndarray:
        """Labels from the averaged probabilities (see the class example)."""
        return _labels(self.predict_proba(X), self.link)

    def accuracy(self, X: Any, Y: Any) -> float:
        """Fraction of ``Y`` the averaged prediction gets right.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> class Logits(mg.Module):
            ...     def forward(self, x):
            ...         return x
            >>> mg.Ensemble([Logits()]).accuracy(np.array([[1.0], [-1.0]]), np.array([1, 1]))
            0.5
        """
        return _accuracy(self.predict_proba(X), np.asarray(Y), self.link, "Ensemble.accuracy")

    def __len__(self) -> int:
        return len(self.models)

    def __iter__(self):
        return iter(self.models)

    def __repr__(self) -> str:
        return f"Ensemble({len(self.models)} models, link={self.link!r})"


def fit_ensemble(
    build: Callable[[int], tuple[Module, Any]],
    train: tuple[Any, Any],
    *,
    seeds: Iterable[int] = (0, 1, 2),
    link: str = "auto",
    **fit_options: Any,
) -> tuple[Ensemble, list[History]]:
    """Train one model per seed and return their :class:`Ensemble` and histories.

    ``build(seed) -> (model, optimizer)`` makes a freshly initialized model (use the
    seed for its initialization) and its optimizer; ``fit_options`` go to :func:`fit`
    (``seed`` is set per model, so it is not one of them, nor ``optimizer``). ``link`` is
    the ensemble's (see :class:`Ensemble`). Callback objects in ``fit_options`` serve
    every model in turn, starting over for each.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> X, Y = mg.dataset("moons", n=100, noise=0.1, seed=0)
        >>> def build(seed):
        ...     rng = np.random.default_rng(seed)
        ...     model = mg.Sequential(mg.layer("dense", 2, 8, rng=rng), mg.layer("relu"),
        ...                           mg.layer("dense", 8, 2, rng=rng))
        ...     return model, mg.optimizer("adam", model.parameters(), lr=0.02)
        >>> ensemble, histories = mg.fit_ensemble(build, (X, Y), seeds=(0, 1), epochs=5,
        ...                                       loss="softmax_cross_entropy")
        >>> len(ensemble), len(histories[0])
        (2, 5)
    """
    given = sorted(set(fit_options) & {"seed", "optimizer"})
    if given:
        raise ConfigError(
            f"fit_ensemble: {', '.join(given)} cannot be given: each model's seed comes from seeds=, "
            "and its optimizer from build(seed) -> (model, optimizer)"
        )
    models, histories = [], []
    for seed in seeds:
        model, optimizer = build(seed)
        histories.append(fit(model, train, optimizer=optimizer, seed=seed, **fit_options))
        models.append(model)
    return Ensemble(models, link=link), histories
