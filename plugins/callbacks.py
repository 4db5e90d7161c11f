"""Built-in training callbacks: early stopping, a progress bar, checkpoints, CSV logging,
stop-on-NaN and weight snapshots.

Each factory returns an object implementing some of the hooks of the callback
protocol (see :mod:`minigrad.train`): ``on_train_begin(trainer)``,
``on_epoch_begin(trainer, epoch)``, ``on_batch_end(trainer, step, logs)``,
``on_epoch_end(trainer, epoch, logs)``, ``on_train_end(trainer)``. Callbacks with state
implement ``state_dict()`` / ``load_state_dict()`` so a resumed run continues exactly.
"""

from __future__ import annotations

import math
import numbers
import os
import sys
import warnings
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np

from minigrad.anomaly import describe_divergence
from minigrad.errors import ConfigError

__all__ = [
    "CSVLogger",
    "Checkpoint",
    "EarlyStopping",
    "ProgressBar",
    "Snapshot",
    "StopOnNaN",
    "register",
]


def _check_int(who: str, name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ConfigError(f"{who}: {name}={value!r}; it must be an int >= {minimum}")
    return int(value)


def _check_flag(who: str, name: str, value: Any) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ConfigError(f"{who}: {name}={value!r}; it must be True or False")
    return bool(value)


def _check_number(who: str, name: str, value: Any, low: float, high: float, *, closed: bool = True) -> float:
    """A finite real number in [low, high] (or [low, high) unless ``closed``)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < low or value > high or (not closed and value == high):
        where = f">= {low:g}" if math.isinf(high) else f"in [{low:g}, {high:g}{']' if closed else ')'}"
        raise ConfigError(f"{who}: {name}={value!r}; it must be a finite number {where}")
    return float(value)


def _check_monitor(who: str, monitor: Any) -> str:
    if not isinstance(monitor, str):
        raise ConfigError(f"{who}: monitor={monitor!r}; it must be a history key such as 'dev_cost'")
    return monitor


def _mode(monitor: str, mode: str) -> str:
    if mode == "auto":
        return "max" if "accuracy" in monitor else "min"
    if mode not in ("min", "max"):
        raise ConfigError(f"mode={mode!r}: use 'min', 'max' or 'auto'")
    return mode


_NO_DEV = " (fit() got no dev set; pass dev=(X, Y) or monitor='train_cost')"


def _require_dev(trainer: Any, monitor: str, who: str) -> None:
    """Before the first epoch: a ``dev_*`` monitor needs a dev set."""
    if monitor.startswith("dev_") and getattr(trainer, "dev", True) is None:
        raise ConfigError(f"{who}: monitor={monitor!r} is not recorded{_NO_DEV}")


def _monitored(trainer: Any, monitor: str, logs: dict[str, float], who: str) -> float:
    if monitor not in logs:
        hint = _NO_DEV if monitor.startswith("dev_") else ""
        raise ConfigError(f"{who}: monitor={monitor!r} is not recorded{hint}; recorded: {sorted(logs)}")
    return float(logs[monitor])


def _new_run(trainer: Any) -> bool:
    """Whether ``on_train_begin`` starts a new run, not a resumed one (whose callback
    state ``load_state_dict`` restored). One callback object may serve several runs (the
    members of :func:`minigrad.fit_ensemble`, two ``fit`` calls): what it learnt about one
    run (best value, best weights, snapshots) must not carry over to the next.

    Example:
        >>> from types import SimpleNamespace
        >>> _new_run(SimpleNamespace(start_epoch=0)), _new_run(SimpleNamespace(start_epoch=4))
        (True, False)
    """
    return trainer.start_epoch == 0


def _copy_state(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.array(v, copy=True) for k, v in state.items()}


class EarlyStopping:
    """Stop when the monitored value stops improving and restore the best weights.

    Args:
        monitor: a history key, ``"dev_cost"`` by default.
        patience: epochs without improvement before stopping.
        min_delta: how much better a value must be to count as an improvement.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracies).
        restore_best_weights: at the end of training load the weights of the best
            epoch, whether training stopped early or ran out of epochs (also when the
            best epoch is the last one).
        start_from_epoch: ignore epochs before this one (warm-up).

    Example:
        >>> import minigrad as mg
        >>> stopper = mg.callback("early_stopping", patience=2)
        >>> stopper.monitor, stopper.patience
        ('dev_cost', 2)
    """

    def __init__(
        self,
        *,
        monitor: str = "dev_cost",
        patience: int = 10,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best_weights: bool = True,
        start_from_epoch: int = 0,
    ) -> None:
        who = "early_stopping"
        self.monitor = _check_monitor(who, monitor)
        self.patience = _check_int(who, "patience", patience, 0)
        self.min_delta = _check_number(who, "min_delta", min_delta, 0.0, math.inf)
        self.mode = _mode(monitor, mode)
        self.restore_best_weights = _check_flag(who, "restore_best_weights", restore_best_weights)
        self.start_from_epoch = _check_int(who, "start_from_epoch", start_from_epoch, 0)
        self._reset()

    def _reset(self) -> None:
        self.best: float = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.best_weights: dict[str, np.ndarray] | None = None
        self.wait = 0
        self.stopped_epoch: int | None = None

    def _improved(self, value: float) -> bool:
        if math.isnan(value):
            return False
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_train_begin(self, trainer: Any) -> None:
        """Start from scratch (unless resuming: see :func:`_new_run`) and check that the
        monitored value will be recorded (a dev set for ``dev_*``)."""
        if _new_run(trainer):
            self._reset()
        _require_dev(trainer, self.monitor, "early_stopping")

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        """Compare the monitored value with the best so far; stop after ``patience``
        epochs without improvement."""
        if epoch < self.start_from_epoch:
            return
        value = _monitored(trainer, self.monitor, logs, "early_stopping")
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = trainer.model.state_dict()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            trainer.stop_training = True
            trainer.history.stop_reason = (
                f"early_stopping: {self.monitor} did not improve for {self.patience} epochs after "
                f"epoch {self.best_epoch} ({self.monitor} = {self.best:.6g})"
            )

    def on_train_end(self, trainer: Any) -> None:
        """Load the best epoch's weights (also when no early stop happened)."""
        if self.restore_best_weights and self.best_weights is not None:
            trainer.model.load_state_dict(self.best_weights)
            trainer.history.best_epoch = self.best_epoch

    def state_dict(self) -> dict[str, Any]:
        """Best value and epoch, best weights and the wait counter (for an exact resume)."""
        return {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "best_weights": self.best_weights,
            "wait": self.wait,
            "stopped_epoch": self.stopped_epoch,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.best = float(state["best"])
        self.best_epoch = state["best_epoch"]
        self.best_weights = None if state["best_weights"] is None else _copy_state(state["best_weights"])
        self.wait = int(state["wait"])
        self.stopped_epoch = state["stopped_epoch"]


class ProgressBar:
    """A tqdm progress bar over epochs showing the bias-corrected exponentially
    weighted moving average of the mini-batch cost, the dev cost and accuracy.

    The average is the course's ``v_t = β v_{t-1} + (1 − β) J_t`` with the bias
    correction ``v_t / (1 − β^t)``, so the first batches are not pulled towards 0.

    Args:
        beta: the EWMA coefficient (averages over about ``1 / (1 - beta)`` batches).
        file: where to draw (standard error by default).
        leave: keep the finished bar on screen.

    Example:
        >>> import minigrad as mg
        >>> bar = mg.callback("progress_bar", beta=0.9)
        >>> bar.beta
        0.9
    """

    def __init__(self, *, beta: float = 0.9, file: Any = None, leave: bool = True) -> None:
        self.beta = _check_number("progress_bar", "beta", beta, 0.0, 1.0, closed=False)
        self.file = file
        self.leave = _check_flag("progress_bar", "leave", leave)
        self.bar = None
        self._v = 0.0
        self._t = 0

    @property
    def smoothed_cost(self) -> float:
        """The bias-corrected EWMA of the mini-batch costs seen so far.

        Example:
            >>> import minigrad as mg
            >>> bar = mg.callback("progress_bar", beta=0.5)
            >>> bar.on_batch_end(None, 1, {"cost": 2.0}); bar.smoothed_cost  # no pull towards 0
            2.0
            >>> bar.on_batch_end(None, 2, {"cost": 1.0}); round(bar.smoothed_cost, 4)  # (0.5 + 0.25) / 0.75
            1.3333
        """
        return self._v / (1 - self.beta**self._t) if self._t else math.nan

    def on_train_begin(self, trainer: Any) -> None:
        """Open the bar (continuing at the resumed epoch)."""
        from tqdm.auto import tqdm

        self._v, self._t = 0.0, 0
        self.bar = tqdm(
            total=trainer.epochs,
            initial=trainer.start_epoch,
            unit="epoch",
            file=self.file or sys.stderr,
            leave=self.leave,
            dynamic_ncols=True,
        )

    def on_batch_end(self, trainer: Any, step: int, logs: dict[str, float]) -> None:
        """Fold the mini-batch cost into the moving average."""
        cost = logs["cost"]
        if math.isfinite(cost):
            self._t += 1
            self._v = self.beta * self._v + (1 - self.beta) * cost  # v_t = β v_{t-1} + (1 − β) J_t

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        """Advance the bar and show the smoothed cost, dev cost and accuracy, learning rate."""
        if self.bar is None:
            return
        postfix = {"cost": f"{self.smoothed_cost:.4f}"}
        for key, label in (("dev_cost", "dev_cost"), ("dev_accuracy", "dev_acc"), ("train_accuracy", "acc")):
            if key in logs and (label != "acc" or "dev_accuracy" not in logs):
                postfix[label] = f"{logs[key]:.4f}"
        postfix["lr"] = f"{logs.get('lr', math.nan):.3g}"
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(1)

    def on_train_end(self, trainer: Any) -> None:
        """Close the bar (ending it where an early stop left it)."""
        if self.bar is not None:
            if self.bar.n < self.bar.total:  # stopped early: end the bar where training ended
                self.bar.total = self.bar.n
                self.bar.refresh()
            self.bar.close()
            self.bar = None


class Checkpoint:
    """Save a resumable checkpoint every ``every`` epochs (and after the last epoch)
    and/or whenever the monitored value improves (written atomically; see
    :func:`minigrad.save_checkpoint`).

    Runs after every other callback (``order = 100``), so the saved state includes
    their updates for the epoch.

    Args:
        path: file of the periodic checkpoint (overwritten each time).
        every: save every this many epochs (0 disables periodic saves).
        save_best: also save the best epoch so far to ``best_path``.
        best_path: defaults to ``<path stem>-best.npz`` next to ``path``.
        monitor: the history key judged by ``save_best``.
        mode: ``"min"``, ``"max"`` or ``"auto"``.
        normalizer: saved with the model (a :class:`minigrad.Normalizer`).
        extra: saved alongside (e.g. the run's configuration).

    Example:
        >>> import minigrad as mg
        >>> ckpt = mg.callback("checkpoint", path="run/last.npz", every=5, save_best=True)
        >>> ckpt.best_path.name
        'last-best.npz'
    """

    order = 100

    def __init__(
        self,
        *,
        path: str | os.PathLike = "checkpoint.npz",
        every: int = 1,
        save_best: bool = False,
        best_path: str | os.PathLike | None = None,
        monitor: str = "dev_cost",
        mode: str = "auto",
        normalizer: Any = None,
        extra: Any = None,
    ) -> None:
        every = _check_int("checkpoint", "every", every, 0)
        save_best = _check_flag("checkpoint", "save_best", save_best)
        if every == 0 and not save_best:
            raise ConfigError("checkpoint: every=0 and save_best=False would never save; enable one")
        self.path = Path(path)
        self.every = every
        self.save_best = save_best
        self.best_path = Path(best_path) if best_path else self.path.with_name(f"{self.path.stem}-best.npz")
        self.monitor = _check_monitor("checkpoint", monitor)
        self.mode = _mode(monitor, mode)
        self.normalizer = normalizer
        self.extra = extra
        self.best = math.inf if self.mode == "min" else -math.inf
        self.saved: list[str] = []

    def on_train_begin(self, trainer: Any) -> None:
        """Forget an earlier run's best (unless resuming: see :func:`_new_run`); with
        ``save_best``, check that the monitored value will be recorded."""
        if _new_run(trainer):
            self.best = math.inf if self.mode == "min" else -math.inf
            self.saved = []
        if self.save_best:
            _require_dev(trainer, self.monitor, "checkpoint")

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        """Save the periodic and/or best checkpoint."""
        if self.save_best:
            value = _monitored(trainer, self.monitor, logs, "checkpoint")
            better = value < self.best if self.mode == "min" else value > self.best
            if better:
                self.best = value
                trainer.save_checkpoint(self.best_path, normalizer=self.normalizer, extra=self.extra)
                self.saved.append(str(self.best_path))
        last = epoch == trainer.epochs - 1 or trainer.stop_training
        if self.every and ((epoch + 1) % self.every == 0 or last):
            trainer.save_checkpoint(self.path, normalizer=self.normalizer, extra=self.extra)
            self.saved.append(str(self.path))

    def state_dict(self) -> dict[str, Any]:
        """The best monitored value so far."""
        return {"best": self.best}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.best = float(state["best"])


class CSVLogger:
    """Log the history as CSV: one row per epoch, appended and flushed as it ends.

    The file is first written whole (atomically) at the start of training, so after a
    resume it holds exactly the restored history, then grows by one line per epoch.

    Example:
        >>> import minigrad as mg
        >>> str(mg.callback("csv_logger", path="history.csv").path)
        'history.csv'
    """

    order = 90

    def __init__(self, *, path: str | os.PathLike = "history.csv") -> None:
        self.path = Path(path)
        self._columns: list[str] | None = None

    def on_train_begin(self, trainer: Any) -> None:
        """Write the history so far (empty, or the resumed one) with its header."""
        trainer.history.to_csv(self.path, fsync=False)
        self._columns = trainer.history.keys()

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        """Append the epoch's row (or rewrite the file when new columns appear)."""
        history = trainer.history
        if history.keys() != self._columns or not self.path.exists():
            history.to_csv(self.path, fsync=False)  # new columns: rewrite the whole file
            self._columns = history.keys()
            return
        row = [str(history.epochs[-1]), *(repr(history.metrics[k][-1]) for k in self._columns)]
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(",".join(row) + "\n")


class StopOnNaN:
    """Stop when a mini-batch cost or a parameter becomes NaN or infinite, restoring
    the last good state: the model and optimizer state of the last step whose cost was
    finite, as it was before that step's update (the weights after it are the ones the
    next, non-finite, cost came from; and its update may have made the parameters
    non-finite). The report (epoch, step, batch) goes to ``history.stop_reason``,
    ``self.report`` and a ``RuntimeWarning``. When the last mini-batch costs were
    climbing it diagnoses the learning rate (see
    :func:`minigrad.anomaly.describe_divergence`): "the cost grew by a factor X over N
    steps: the learning rate LR is probably too high; try LR/10".

    Example:
        >>> import minigrad as mg
        >>> mg.callback("stop_on_nan").report is None
        True
    """

    def __init__(self) -> None:
        self.report: str | None = None
        self._good: dict[str, Any] | None = None  # the state the last finite cost came from
        self._good_step: int | None = None
        self._next: dict[str, Any] | None = None  # the state the next step's cost comes from
        self._costs: deque[float] = deque(maxlen=1000)  # the latest finite batch costs

    def on_train_begin(self, trainer: Any) -> None:
        """Take the starting state as the one the first cost comes from."""
        self.report = None
        self._next = trainer.model_state()
        self._good, self._good_step = self._next, None
        self._costs.clear()

    def on_batch_end(self, trainer: Any, step: int, logs: dict[str, float]) -> None:
        """A finite cost confirms the state it came from; keep the updated state if the
        parameters are finite; otherwise restore the last confirmed state and stop."""
        cost = logs["cost"]
        if math.isfinite(cost):
            self._good, self._good_step = self._next, step
            if all(np.isfinite(p.data).all() for p in trainer.model.parameters()):
                self._next = trainer.model_state()
                self._costs.append(cost)
                return
        lr = float(getattr(trainer.optimizer, "lr", math.nan))
        diagnosis = describe_divergence([*self._costs, cost], lr)
        if diagnosis is None:
            diagnosis = f"a diverging cost often means the learning rate {lr:g} is too high; try {lr / 10:g}"
        trainer.restore_state(self._good)
        trainer.stop_training = True
        restored = (
            "the starting state"
            if self._good_step is None
            else f"the state before step {self._good_step} (the last finite cost came from it)"
        )
        self.report = (
            f"stop_on_nan: the cost or a parameter became non-finite (cost = {cost}) at epoch "
            f"{logs['epoch']}, step {step} (batch {logs['batch']} of the epoch); restored {restored} "
            f"and stopped. Diagnosis: {diagnosis}."
        )
        trainer.history.stop_reason = self.report
        warnings.warn(self.report, RuntimeWarning, stacklevel=2)


class Snapshot:
    """Collect the model's weights every ``every`` epochs (a snapshot ensemble: pair it
    with a ``cosine_restarts`` schedule whose period is ``every``, so each snapshot is
    taken at the end of a cycle, at a low learning rate).

    The state dicts go to ``self.snapshots`` and ``history.snapshots``; build the
    ensemble with :meth:`minigrad.Ensemble.from_snapshots`.

    Example:
        >>> import minigrad as mg
        >>> mg.callback("snapshot", every=10).every
        10
    """

    def __init__(self, *, every: int) -> None:
        self.every = _check_int("snapshot", "every", every, 1)
        self.snapshots: list[dict[str, np.ndarray]] = []

    def on_train_begin(self, trainer: Any) -> None:
        """Drop an earlier run's snapshots (unless resuming: see :func:`_new_run`)."""
        if _new_run(trainer):
            self.snapshots = []

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        """Collect the weights at the end of every ``every``-th epoch."""
        if (epoch + 1) % self.every == 0:
            state = trainer.model.state_dict()
            self.snapshots.append(state)
            trainer.history.snapshots.append(state)

    def state_dict(self) -> dict[str, Any]:
        """The snapshots collected so far."""
        return {"snapshots": self.snapshots}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.snapshots = [_copy_state(s) for s in state["snapshots"]]


def register(registry):
    """Register the built-in callbacks on ``registry``.

    Example:
        >>> import minigrad as mg
        >>> sorted(c.name for c in mg.components("callbacks") if c.plugin == "builtin")
        ['checkpoint', 'csv_logger', 'early_stopping', 'progress_bar', 'snapshot', 'stop_on_nan']
    """
    registry.add(
        "early_stopping",
        EarlyStopping,
        doc="stop when dev cost stops improving (patience, min_delta); restore the best weights",
    )
    registry.add("progress_bar", ProgressBar, doc="tqdm bar with the bias-corrected EWMA of the cost")
    registry.add(
        "checkpoint",
        Checkpoint,
        doc="resumable checkpoint every k epochs and/or at the best",
        writes=("path", "best_path"),
    )
    registry.add(
        "csv_logger", CSVLogger, doc="the history as CSV, rewritten atomically each epoch", writes=("path",)
    )
    registry.add("stop_on_nan", StopOnNaN, doc="stop on a NaN/inf cost, restoring the last good state")
    registry.add(
        "snapshot",
        Snapshot,
        doc="collect weights every k epochs for a snapshot ensemble",
        example=lambda rng: Snapshot(every=int(rng.integers(1, 10))),
    )
