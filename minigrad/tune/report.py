"""Reports of a study: the best trials as a table, and the metric against each
hyperparameter as a plot (log x axes where the space is logarithmic).

Example:
    >>> from minigrad.tune.report import format_table
    >>> from minigrad.tune.store import TrialRecord
    >>> trials = [
    ...     TrialRecord(0, 0, {"optimizer.lr": 0.0031}, 1, "done", objective=0.31, duration=1.0),
    ...     TrialRecord(1, 0, {"optimizer.lr": 0.25}, 2, "done", objective=0.12, duration=1.5),
    ...     TrialRecord(2, 0, {"optimizer.lr": 3e-4}, 3, "failed", error="ConfigError: bad"),
    ... ]
    >>> print(format_table(trials, metric="dev_loss", maximize=False))
    best 2 of 3 trials by dev_loss (lower is better); 1 failed
    rank  trial  dev_loss  optimizer.lr  epochs  time
       1      1      0.12          0.25       0  1.5s
       2      0      0.31        0.0031       0  1.0s
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from minigrad.tune.store import TrialRecord

__all__ = ["best_trials", "format_failures", "format_metric", "format_table", "format_value", "plot_study"]


def best_trials(records: Sequence[TrialRecord], *, maximize: bool, k: int | None = None) -> list[TrialRecord]:
    """The finished trials with a finite objective, best first (ties: lower number first).

    Example:
        >>> from minigrad.tune.report import best_trials
        >>> from minigrad.tune.store import TrialRecord
        >>> rows = [TrialRecord(n, 0, {}, 0, "done", objective=v) for n, v in enumerate([0.5, 0.9, 0.7])]
        >>> [t.number for t in best_trials(rows, maximize=True, k=2)]
        [1, 2]
    """
    done = [
        r for r in records if r.status == "done" and r.objective is not None and math.isfinite(r.objective)
    ]
    ranked = sorted(done, key=lambda r: (-r.objective if maximize else r.objective, r.number))
    return ranked if k is None else ranked[:k]


def format_value(value: Any) -> str:
    """A parameter value for a table cell: 4 significant digits, compact JSON otherwise.

    Example:
        >>> from minigrad.tune.report import format_value
        >>> format_value(0.000123456), format_value(64), format_value("adam"), format_value(0.99912)
        ('0.0001235', '64', 'adam', '0.9991')
    """
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    text = json.dumps(value, separators=(",", ":"))
    return text if len(text) <= 24 else text[:21] + "..."


def format_metric(value: float | None, metric: str) -> str:
    """A metric for display: accuracies with 4 decimals, others with 4 significant digits.

    Example:
        >>> from minigrad.tune.report import format_metric
        >>> format_metric(1.0, "dev_accuracy"), format_metric(0.0123456, "dev_loss")
        ('1.0000', '0.01235')
    """
    if value is None or not math.isfinite(value):
        return "nan"
    return f"{value:.4f}" if metric.endswith("accuracy") else f"{value:.4g}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.1f}s" if seconds < 600 else f"{seconds / 60:.0f}min"


def format_table(
    records: Sequence[TrialRecord],
    *,
    metric: str,
    maximize: bool,
    k: int = 5,
    keys: Sequence[str] | None = None,
) -> str:
    """The ``k`` best trials as a text table: rank, trial, metric, each hyperparameter,
    epochs trained and time.

    Example:
        >>> import pathlib, tempfile
        >>> from minigrad.config import load_config
        >>> from minigrad import tune
        >>> config = load_config(overrides=["training.epochs=2", "data.options.n=120"])
        >>> study = tune.run_study(config, {"optimizer.lr": tune.log_uniform(1e-3, 1e-1)},
        ...                        trials=2, executor="sequential",
        ...                        db=pathlib.Path(tempfile.mkdtemp()) / "lr.db")
        >>> print(tune.format_table(study.trials, metric="dev_loss", maximize=False, k=2))
        best 2 of 2 trials by dev_loss (lower is better)
        rank  trial  dev_loss  optimizer.lr  epochs  time
           1  ...
           2  ...
    """
    best = best_trials(records, maximize=maximize, k=k)
    if keys is None:
        keys = list(dict.fromkeys(key for r in records for key in r.params))
    failed = sum(r.status == "failed" for r in records)
    unfinished = sum(r.status in ("pending", "running") for r in records)
    done = sum(r.status == "done" for r in records)
    better = "higher" if maximize else "lower"
    head = f"best {len(best)} of {len(records)} trials by {metric} ({better} is better)"
    notes = [f"{n} {what}" for n, what in ((failed, "failed"), (unfinished, "unfinished")) if n]
    diverged = done - len(best_trials(records, maximize=maximize))
    if diverged:
        notes.append(f"{diverged} without a finite {metric}")
    if notes:
        head += "; " + ", ".join(notes)
    if not best:
        return head
    columns = ["rank", "trial", metric, *keys, "epochs", "time"]
    rows = [
        [
            str(i),
            str(r.number),
            format_metric(r.objective, metric),
            *(format_value(r.params[key]) if key in r.params else "-" for key in keys),
            str(r.epochs),
            _duration(r.duration),
        ]
        for i, r in enumerate(best, start=1)
    ]
    widths = [max(len(c), *(len(row[j]) for row in rows)) for j, c in enumerate(columns)]
    lines = [head, "  ".join(c.rjust(w) for c, w in zip(columns, widths)).rstrip()]
    lines += ["  ".join(cell.rjust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def format_failures(records: Sequence[TrialRecord], *, limit: int | None = 5) -> str:
    """One line per failed trial (its parameters and the first line of its error).

    Example:
        >>> from minigrad.tune.report import format_failures
        >>> from minigrad.tune.store import TrialRecord
        >>> trial = TrialRecord(4, 0, {"optimizer.lr": 2.0}, 0, "failed", error="ValueError: boom\\n...")
        >>> print(format_failures([trial]))
        failed trials:
          trial 4 (optimizer.lr=2): ValueError: boom
    """
    failed = [r for r in records if r.status == "failed"]
    if not failed:
        return ""
    lines = ["failed trials:"]
    for r in failed[:limit] if limit is not None else failed:
        params = ", ".join(f"{k}={format_value(v)}" for k, v in r.params.items())
        lines.append(f"  trial {r.number} ({params}): {r.error_summary}")
    if limit is not None and len(failed) > limit:
        lines.append(f"  ... and {len(failed) - limit} more (minigrad tune --show DB lists them all)")
    return "\n".join(lines)


def _logit_axis(ax: Any, low: float, high: float) -> None:
    """A logit x axis (``1 - beta`` on a log scale) labelled 0.9, 0.99, 0.999, ..."""
    from matplotlib.ticker import FixedLocator, NullFormatter

    ax.set_xscale("logit")
    ticks = [t for t in (0.5, *(1 - 10.0**-k for k in range(1, 8))) if low <= t <= high]
    ticks = sorted({low, high, *ticks})
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.set_xticks(ticks, [f"{t:.6g}" for t in ticks])
    ax.xaxis.set_minor_formatter(NullFormatter())


def plot_study(
    records: Sequence[TrialRecord],
    space: Mapping[str, Mapping[str, Any]],
    *,
    metric: str,
    maximize: bool,
    path: str | os.PathLike | None = None,
    title: str | None = None,
) -> Any:
    """The metric of every finished trial against each hyperparameter, one panel per key.

    The x axis follows the space: logarithmic for ``log_uniform``, logit for
    ``one_minus_log_uniform`` (0.9, 0.99, 0.999 evenly spaced), the options of a
    ``choice`` as categories, linear otherwise. The best trial is starred.

    Args:
        records: the trials (only finished ones with a finite metric are drawn).
        space: ``{key: {distribution: args}}`` (``Space.to_spec()``).
        metric, maximize: the objective's name and direction.
        path: also save the figure here, atomically, in the format the suffix names
            (:data:`minigrad.plots.FIGURE_FORMATS`; no suffix: PNG).
        title: the figure title.

    Returns:
        The matplotlib Figure, or None when no trial has finished yet.

    Example:
        >>> import pathlib, tempfile
        >>> from minigrad.config import load_config
        >>> from minigrad import tune
        >>> config = load_config(overrides=["training.epochs=2", "data.options.n=120"])
        >>> study = tune.run_study(config, {"optimizer.lr": tune.log_uniform(1e-3, 1e-1)},
        ...                        trials=2, executor="sequential",
        ...                        db=pathlib.Path(tempfile.mkdtemp()) / "lr.db")
        >>> fig = tune.plot_study(study.trials, study.space.to_spec(), metric="dev_loss",
        ...                       maximize=False)
        >>> [ax.get_xscale() for ax in fig.axes]  # one panel per hyperparameter
        ['log']
    """
    from minigrad.plots import _matplotlib, plot_hyperparameter_scatter, save_figure

    best = best_trials(records, maximize=maximize)
    if not best:
        return None
    keys = list(space)
    Figure, FigureCanvasAgg = _matplotlib()
    cols = min(3, len(keys))
    rows = math.ceil(len(keys) / cols)
    fig = Figure(figsize=(4.4 * cols, 3.6 * rows), layout="constrained")
    FigureCanvasAgg(fig)
    grid = fig.subplots(rows, cols, squeeze=False)
    y = np.array([r.objective for r in best], dtype=np.float64)
    for i, key in enumerate(keys):
        ax = grid[i // cols][i % cols]
        ((kind, args),) = dict(space[key]).items()
        values = [r.params.get(key) for r in best]
        if kind == "choice":
            options = list(args)
            position = {json.dumps(o, sort_keys=True): j for j, o in enumerate(options)}
            x = np.array([position.get(json.dumps(v, sort_keys=True), math.nan) for v in values])
            # a little deterministic jitter so trials with the same option stay visible
            x = x + 0.16 * (((np.array([r.number for r in best]) * 0.618034) % 1) - 0.5)
        else:
            x = np.array(values, dtype=np.float64)
        log = kind == "log_uniform"
        plot_hyperparameter_scatter(x, y, log=log, name=key, metric_name=metric, ax=ax, title=key, best=None)
        label = f"best: {format_value(values[0])}"
        ax.scatter([x[0]], [y[0]], s=90, marker="*", color="tab:red", zorder=3, label=label)
        ax.legend(fontsize="small", loc="best")
        if kind == "choice":
            ax.set_xticks(range(len(options)), [format_value(o) for o in options])
            ax.set_xlim(-0.5, len(options) - 0.5)
        elif kind == "one_minus_log_uniform":
            _logit_axis(ax, *args)
    for j in range(len(keys), rows * cols):
        grid[j // cols][j % cols].set_visible(False)
    fig.suptitle(title or f"{metric} of {len(best)} trials against each hyperparameter")
    if path is not None:
        save_figure(fig, path)
    return fig
