"""One trial: the study's base configuration with the sampled values substituted at
their dotted keys, trained by the same code as ``minigrad train``
(:func:`minigrad.config.run_config`, without a run folder).

Seeds: trial ``n`` of a study with seed ``s`` owns the stream
``numpy.random.SeedSequence(s).spawn(...)[n]``, i.e. ``SeedSequence(s, spawn_key=(n,))``.
Its two children are the trial's *sampling* stream (the strategy draws the parameters
with it, in the driver) and its *training* stream, from which one 32-bit integer becomes
the config's ``training.seed`` (weights, shuffling, dropout). ``data.seed`` is left
alone, so every trial trains and is judged on the same split. A trial's parameters and
results therefore depend on the study seed and the trial number only, not on which
process or machine runs it, or in which order.

Example:
    >>> from minigrad.config import DEFAULT_CONFIG
    >>> from minigrad.tune.trial import trial_config, trial_seed
    >>> params = {"optimizer.lr": 0.003, "model.layers.0.units": 8}
    >>> config = trial_config(DEFAULT_CONFIG, params, seed=trial_seed(0, 5))
    >>> config["optimizer"]["lr"], config["model"]["layers"][0]["units"]
    (0.003, 8)
    >>> config["training"]["seed"] == trial_seed(0, 5)
    True
"""

from __future__ import annotations

import copy
import math
import os
import threading
import time
import traceback
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from minigrad.errors import ConfigError

__all__ = [
    "METRICS",
    "TrialTask",
    "objective_of",
    "run_trial",
    "sampling_rng",
    "set_key",
    "trial_config",
    "trial_seed",
]

#: The metrics a study can optimize: ``<train|dev>_<cost|loss|accuracy>`` of the final
#: model (after early stopping restored its best weights). ``cost`` includes the
#: regularization term, so when tuning the regularization strength prefer ``loss``
#: (which leaves it out) or ``accuracy``.
METRICS = tuple(f"{part}_{name}" for part in ("dev", "train") for name in ("loss", "accuracy", "cost"))

_COMPONENT_SECTIONS = ("optimizer", "schedule", "regularizer")


def trial_seed(study_seed: int, number: int) -> int:
    """The ``training.seed`` of trial ``number``: 32 bits of its training stream.

    Example:
        >>> from minigrad.tune.trial import trial_seed
        >>> trial_seed(0, 1) == trial_seed(0, 1) != trial_seed(0, 2)
        True
    """
    stream = np.random.SeedSequence(study_seed, spawn_key=(number, 1))
    return int(stream.generate_state(1, np.uint32)[0])


def sampling_rng(study_seed: int, number: int) -> np.random.Generator:
    """The generator the strategy draws trial ``number``'s parameters with.

    Example:
        >>> from minigrad.tune.trial import sampling_rng
        >>> float(sampling_rng(0, 3).random()) == float(sampling_rng(0, 3).random())
        True
    """
    return np.random.default_rng(np.random.SeedSequence(study_seed, spawn_key=(number, 0)))


def set_key(config: dict[str, Any], key: str, value: Any, *, where: str = "tune.space") -> None:
    """Set the dotted ``key`` (``"optimizer.lr"``, ``"model.layers.0.units"``) in ``config``
    in place; tables on the way are created, array indices must exist.

    Example:
        >>> from minigrad.tune.trial import set_key
        >>> config = {"model": {"layers": [{"type": "dense", "units": 4}]}}
        >>> set_key(config, "model.layers.0.units", 16); config
        {'model': {'layers': [{'type': 'dense', 'units': 16}]}}
    """
    parts = key.split(".")
    node: Any = config
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        here = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not part.lstrip("-").isdigit() or not -len(node) <= int(part) < len(node):
                raise ConfigError(
                    f"{where}: {key}: {'.'.join(parts[:depth])} is an array of {len(node)} items; "
                    f"index {part!r} is not in 0..{len(node) - 1}"
                )
            if last:
                node[int(part)] = value
            else:
                node = node[int(part)]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        else:
            kind = type(node).__name__
            raise ConfigError(f"{where}: {key}: {'.'.join(parts[:depth])} is a {kind}, not a table ({here})")


def trial_config(
    base: Mapping[str, Any], params: Mapping[str, Any], *, seed: int | None = None, source: str = "tune"
) -> dict[str, Any]:
    """The validated configuration of one trial: ``base`` with each ``params`` value set
    at its dotted key and ``training.seed = seed`` (unless the space samples it).

    Naming another component (``optimizer.name = "momentum"``) drops the old component's
    options that ``params`` does not set, as ``--set`` does.

    Raises:
        ConfigError: from :func:`minigrad.config.validate_config`, naming ``source``
            and the key.

    Example:
        >>> from minigrad.config import load_config
        >>> from minigrad.tune import trial_config
        >>> config = trial_config(load_config(), {"optimizer.lr": 0.01}, seed=3)
        >>> config["optimizer"]["lr"], config["training"]["seed"]
        (0.01, 3)
    """
    from minigrad.config import validate_config

    config = copy.deepcopy(dict(base))
    for key, value in params.items():
        section, _, rest = key.partition(".")
        table = config.get(section)
        if (
            rest == "name"
            and section in _COMPONENT_SECTIONS
            and isinstance(table, dict)
            and table.get("name") != value
        ):
            config[section] = {k: v for k, v in table.items() if f"{section}.{k}" in params}
        set_key(config, key, copy.deepcopy(value), where=source)
    if seed is not None and "training.seed" not in params:
        set_key(config, "training.seed", int(seed), where=source)
    return validate_config(config, source=source)


def objective_of(final: Mapping[str, Mapping[str, float]], metric: str) -> float:
    """The value of ``metric`` (``"dev_loss"``, ...) in a trial's final metrics.

    Example:
        >>> from minigrad.tune.trial import objective_of
        >>> objective_of({"dev": {"loss": 0.25, "accuracy": 0.9}}, "dev_accuracy")
        0.9
    """
    part, _, name = metric.partition("_")
    try:
        return float(final[part][name])
    except KeyError:
        recorded = sorted(f"{p}_{n}" for p, row in final.items() for n in row)
        raise ConfigError(
            f"tune.metric = {metric!r}: the trial did not record it (recorded: {', '.join(recorded)})"
        ) from None


@dataclass
class TrialTask:
    """What a worker needs to run one trial (picklable, except ``callbacks``, which only
    the in-process sequential executor passes).

    Attributes:
        number: the trial number.
        config: the validated trial configuration (from :func:`trial_config`).
        metric: the objective's name (one of :data:`METRICS`).
        source: names the trial in error messages.
        callbacks: extra training callbacks (the live display).
        plugins: ``(name, reference)`` of the plugins the driver registered at run time,
            which a worker process imports by their reference (see
            :func:`minigrad.manager.plugin_reference`; None: no reference) and registers
            before the trial runs.
    """

    number: int
    config: dict[str, Any]
    metric: str
    source: str = "tune"
    callbacks: Sequence[Any] = field(default_factory=tuple)
    plugins: Sequence[tuple[str, str | None]] = ()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["callbacks"] = ()  # display callbacks stay in the driver
        return state


class _Warnings:
    """Record warnings raised during a trial (only on a main thread: the warnings
    machinery is process-global, so threads must not swap it)."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self._context: Any = None

    def __enter__(self) -> _Warnings:
        if threading.current_thread() is threading.main_thread():
            self._context = warnings.catch_warnings(record=True)
            self._caught = self._context.__enter__()
            warnings.simplefilter("always")
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._context is not None:
            seen = set()
            for w in self._caught:
                text = f"{w.category.__name__}: {w.message}"
                if text not in seen:
                    seen.add(text)
                    self.messages.append(text)
            self._context.__exit__(*exc)


def _plain(value: Any) -> Any:
    """NumPy scalars to Python numbers, recursively (for JSON and exact comparison)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


_plugins_lock = threading.Lock()


def register_driver_plugins(plugins: Sequence[tuple[str, str | None]]) -> None:
    """Register the driver's run-time plugins (``(name, reference)`` pairs) in this
    process, importing each by its reference; the ones registered already (in the
    driver's own process, or by an earlier trial of this worker) are left alone.

    Raises:
        PluginError: a plugin cannot be imported or registered here.

    Example:
        >>> from minigrad.tune.trial import register_driver_plugins
        >>> register_driver_plugins(())  # nothing registered at run time
    """
    from minigrad.errors import PluginError
    from minigrad.manager import get_plugin_manager, import_plugin_reference

    if not plugins:
        return
    with _plugins_lock:  # two trials of one worker process must not both register
        manager = get_plugin_manager()
        present = set(manager.plugin_names())
        for name, reference in plugins:
            if name in present:
                continue
            fix = (
                "install the plugin where the trials run (through the 'minigrad' entry-point "
                "group), or register a module the workers can import by name"
            )
            if reference is None:
                raise PluginError(
                    f"plugin '{name}' was registered at run time in the driver and cannot be imported "
                    f"by name in this worker process; {fix}"
                )
            try:
                plugin = import_plugin_reference(reference)
            except Exception as err:
                raise PluginError(
                    f"plugin '{name}' was registered at run time in the driver as {reference!r}, which "
                    f"this worker process cannot import ({type(err).__name__}: {err}); {fix}"
                ) from err
            manager.register(plugin, name=name)


def run_trial(task: TrialTask) -> dict[str, Any]:
    """Train one trial and return its outcome as a plain dict; never raises for a failing
    trial (the error becomes data, so the study goes on).

    Returns:
        ``status`` ("done" or "failed"), ``objective`` (float or None), ``metrics``
        (per-epoch history: ``{"epoch": [...], "dev_loss": [...], ...}``), ``final``
        (``{"train": {...}, "dev": {...}}`` of the final model), ``best_epoch``,
        ``stop_reason``, ``warnings``, ``error`` (text or None), ``duration`` (seconds)
        and ``worker`` (host:pid).

    Example:
        >>> from minigrad.config import load_config
        >>> from minigrad.tune import run_trial, trial_config
        >>> from minigrad.tune.trial import TrialTask
        >>> base = load_config(overrides=["training.epochs=2", "data.options.n=120"])
        >>> config = trial_config(base, {"optimizer.lr": 0.01}, seed=0)
        >>> outcome = run_trial(TrialTask(0, config, "dev_loss"))
        >>> outcome["status"], outcome["objective"] == outcome["final"]["dev"]["loss"]
        ('done', True)
        >>> bad = trial_config(base, {"optimizer.lr": 0.01}, seed=0)
        >>> bad["data"]["dataset"] = "no_such_dataset"  # fails inside the trial
        >>> failed = run_trial(TrialTask(1, bad, "dev_loss"))
        >>> failed["status"], failed["objective"]
        ('failed', None)
    """
    import socket

    start = time.perf_counter()
    outcome: dict[str, Any] = {
        "number": task.number,
        "status": "failed",
        "objective": None,
        "metrics": None,
        "final": None,
        "best_epoch": None,
        "stop_reason": None,
        "warnings": [],
        "error": None,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }
    recorder = _Warnings()
    try:
        from minigrad.config import run_config

        register_driver_plugins(task.plugins)
        with recorder:
            result = run_config(task.config, callbacks=list(task.callbacks), source=task.source)
        history = result.history
        # test metrics stay out of the study: choosing on them would leak the test set
        final = {part: _plain(result.metrics[part]) for part in ("train", "dev") if part in result.metrics}
        outcome.update(
            metrics=_plain({"epoch": history.epochs, **history.metrics}),
            final=final,
            best_epoch=history.best_epoch,
            stop_reason=history.stop_reason,
        )
        objective = objective_of(final, task.metric)
        outcome["objective"] = objective if math.isfinite(objective) else None
        outcome["status"] = "done"
    except Exception as err:  # a failing trial is recorded, the study goes on
        summary = "".join(traceback.format_exception_only(type(err), err)).strip()
        outcome["error"] = f"{summary}\n\n{traceback.format_exc()}"
    outcome["warnings"] = recorder.messages
    outcome["duration"] = time.perf_counter() - start
    return outcome
