"""The study driver: plan trials with a strategy, run them through an executor, store
each outcome as it arrives, and report.

A *study* is a base configuration (the same TOML as ``minigrad train``), a search
space, a strategy, a seed and a metric. Its identity is the hash of those; the number
of trials, the executor and the number of workers are not part of it, so a study can be
extended (``--trials 32`` after 16) or resumed on another executor, with the same
trials. Running the same study against the same database resumes it: finished trials
(done or failed) are not rerun, trials that were running when the driver died are.
A trial planned before runs with its stored parameters and a round keeps its stored
space, even when rerunning failed trials (``--retry-failed``) changed the results an
adaptive strategy planned them from.

Example:
    >>> import pathlib, tempfile
    >>> from minigrad.config import load_config
    >>> from minigrad.tune import log_uniform, run_study
    >>> config = load_config(overrides=["training.epochs=3", "data.options.n=120", "callbacks=[]"])
    >>> study = run_study(config, {"optimizer.lr": log_uniform(1e-3, 1e-1)}, trials=2,
    ...                   executor="sequential", db=pathlib.Path(tempfile.mkdtemp()) / "lr.db")
    >>> [t.status for t in study.trials], study.best()[0].params["optimizer.lr"] < 0.1
    (['done', 'done'], True)
"""

from __future__ import annotations

import copy
import difflib
import json
import math
import os
import time
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from minigrad.errors import ConfigError, MinigradError
from minigrad.tune.executors import ExecutorHandle, open_executor
from minigrad.tune.report import best_trials, format_metric, format_table, format_value, plot_study
from minigrad.tune.space import DISTRIBUTIONS, Space, normalize_key, parse_dimension
from minigrad.tune.store import StudyStore, TrialRecord
from minigrad.tune.strategies import STRATEGIES, make_strategy, strategy_options
from minigrad.tune.trial import METRICS, TrialTask, run_trial, sampling_rng, trial_config, trial_seed

__all__ = ["TUNE_DEFAULTS", "TUNE_KEYS", "Study", "StudyConfig", "load_study_config", "run_study"]

#: The keys of a config's ``[tune]`` table (besides ``space``) and their defaults.
TUNE_DEFAULTS: dict[str, Any] = {
    "trials": 16,
    "strategy": "random",
    "seed": 0,
    "metric": "dev_loss",
    "direction": "auto",
    "executor": "process",
    "workers": None,
    "scheduler": None,
    "db": None,
    "name": None,
}
#: Every key a ``[tune]`` table may hold: those of :data:`TUNE_DEFAULTS`, the strategy
#: options (``keep``, ``sampler``, ...) and the ``space`` table.
TUNE_KEYS = (*TUNE_DEFAULTS, *strategy_options(), "space")
_COMPONENT_SECTIONS = ("optimizer", "schedule", "regularizer")


# ------------------------------------------------------------------- config
@dataclass
class StudyConfig:
    """A study read from a TOML file (:func:`load_study_config`).

    Attributes:
        config: the validated base configuration (the ``minigrad train`` sections).
        space: the search space from ``[tune.space]`` (and ``--space``).
        tune: the other ``[tune]`` settings, as written (defaults not filled in).
        source: the file name (for messages) and ``name`` its stem.

    Example:
        >>> from minigrad.tune import load_study_config
        >>> study = load_study_config(space=["optimizer.lr={log_uniform = [1e-4, 1]}"],
        ...                           overrides=["tune.strategy=grid"])
        >>> study.space, study.tune, study.config["training"]["epochs"] > 0
        (Space({'optimizer.lr': log_uniform(0.0001, 1.0)}), {'strategy': 'grid'}, True)
    """

    config: dict[str, Any]
    space: Space
    tune: dict[str, Any]
    source: str
    name: str


def _flatten_space(table: Any, where: str, prefix: str = "") -> dict[str, Any]:
    """``[tune.space]`` entries; unquoted dotted keys (``optimizer.lr = {...}``) make
    nested tables in TOML, which are flattened back to dotted keys."""
    if not isinstance(table, Mapping):
        raise ConfigError(
            f"{where}: tune.space must be a table of dotted keys, e.g. "
            '"optimizer.lr" = { log_uniform = [1e-4, 1] }'
        )
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        is_nested = isinstance(value, Mapping) and not (
            len(value) == 1 and next(iter(value)) in DISTRIBUTIONS
        )
        if is_nested and value and all(isinstance(v, Mapping) for v in value.values()):
            flat.update(_flatten_space(value, where, name))
        else:
            flat[name] = value
    return flat


def _apply_overrides(
    config: dict[str, Any], tune: dict[str, Any], overrides: Iterable[str]
) -> dict[str, str]:
    """Apply ``--set`` overrides (``tune.*`` keys go to the tune table); returns
    {dotted key: override text} for error messages."""
    from minigrad.config import parse_override
    from minigrad.tune.trial import set_key

    overridden: dict[str, str] = {}
    for text in overrides:
        keys, value = parse_override(text)
        dotted = ".".join(keys)
        if keys[0] == "tune":
            if len(keys) < 2:
                raise ConfigError(f"--set {text}: name a [tune] key, e.g. --set tune.trials=8")
            set_key(tune, ".".join(keys[1:]), value, where=f"--set {text}")
            continue
        section = keys[0]
        table = config.get(section)
        switched = isinstance(table, dict) and table.get("name") != value
        if keys[1:] == ["name"] and section in _COMPONENT_SECTIONS and switched:
            # another component: the old one's options go, unless set by --set
            keep = {k for k in table if f"{section}.{k}" in overridden}
            config[section] = {k: v for k, v in table.items() if k in keep}
        set_key(config, dotted, value, where=f"--set {text}")
        overridden[dotted] = text
    return overridden


def load_study_config(
    path: str | os.PathLike | None = None,
    *,
    overrides: Iterable[str] = (),
    space: Iterable[str] = (),
) -> StudyConfig:
    """Read a study: a ``minigrad train`` TOML config plus a ``[tune]`` table.

    ``[tune]`` holds the settings (``trials``, ``strategy``, ``seed``, ``metric``,
    ``direction``, ``executor``, ``workers``, ``scheduler``, ``db``, ``name`` and the
    strategy options) and the ``[tune.space]`` table. ``overrides`` are ``--set``
    strings (``"optimizer.epsilon=1e-7"``, ``"tune.trials=8"``); ``space`` adds or
    replaces dimensions with ``"key={log_uniform = [1e-4, 1]}"`` strings.

    Raises:
        ConfigError: unreadable or malformed TOML, unknown keys, bad values or
            distributions, naming the file and the key.

    Example:
        >>> from minigrad.tune import load_study_config
        >>> space = ["optimizer.lr={log_uniform = [1e-4, 1]}"]
        >>> study = load_study_config(space=space, overrides=["tune.trials=4"])
        >>> list(study.space), study.tune
        (['optimizer.lr'], {'trials': 4})
    """
    from minigrad.config import (
        DEFAULT_CONFIG,
        DEFAULT_SOURCE,
        _read_toml,
        merge_config,
        parse_override,
        validate_config,
    )

    source = DEFAULT_SOURCE if path is None else os.fspath(path)
    loaded: dict[str, Any] = {} if path is None else _read_toml(source)
    tune = loaded.pop("tune", {})
    if not isinstance(tune, dict):
        raise ConfigError(f"{source}: tune must be a table ([tune]), got {tune!r}")
    tune = copy.deepcopy(tune)
    # the other sections merge over the built-in recipe exactly as `minigrad train` does
    config = merge_config(DEFAULT_CONFIG, loaded)
    overridden = _apply_overrides(config, tune, overrides)
    config = validate_config(config, source=source, overridden=overridden)
    for key, value in tune.items():
        if key not in TUNE_KEYS:
            close = difflib.get_close_matches(key, TUNE_KEYS, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"{source}: tune.{key} = {value!r}: unknown key{hint} (allowed: {', '.join(TUNE_KEYS)})"
            )
    dims = _flatten_space(tune.pop("space", {}), source)
    for text in space:
        keys, value = parse_override(text, option="--space")
        parse_dimension(value, where=f"--space {text}")  # its errors name the option, not the file
        key = normalize_key(".".join(keys), where=f"--space {text}")
        # it replaces the file's entry for that key in its place, however the file spells it
        spelled = next((k for k in dims if normalize_key(k, where=source) == key), key)
        dims[spelled] = value
    name = Path(path).stem if path is not None else "tune"
    return StudyConfig(
        config=config, space=Space(dims, source=f"{source}: tune.space"), tune=tune, source=source, name=name
    )


# -------------------------------------------------------------------- study
@dataclass
class Study:
    """A stored study and its trials (what :func:`run_study` returns; :meth:`load`
    reads one from its database).

    Attributes:
        path: the database.
        name: the study's name.
        spec: the study's identity: ``config`` (base), ``space``, ``strategy``,
            ``seed``, ``metric``, ``direction``.
        trials: every :class:`~minigrad.tune.store.TrialRecord`, by number.
        rounds: the space each round sampled (``{round: space spec}``).

    Example:
        >>> import pathlib, tempfile
        >>> from minigrad.config import load_config
        >>> from minigrad import tune
        >>> config = load_config(overrides=["training.epochs=2", "data.options.n=120"])
        >>> study = tune.run_study(config, {"optimizer.lr": tune.log_uniform(1e-3, 1e-1)},
        ...                        trials=2, executor="sequential",
        ...                        db=pathlib.Path(tempfile.mkdtemp()) / "lr.db")
        >>> again = tune.Study.load(study.path)  # the same study, read from its database
        >>> again.name, len(again.trials), again.metric, again.maximize
        ('lr', 2, 'dev_loss', False)
        >>> again.space
        Space({'optimizer.lr': log_uniform(0.001, 0.1)})
        >>> best = again.best(1)[0]
        >>> again.best_config()["optimizer"]["lr"] == best.params["optimizer.lr"]
        True
    """

    path: Path
    name: str
    spec: dict[str, Any]
    trials: list[TrialRecord]
    rounds: dict[int, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Study:
        """Read a study from its database (``minigrad tune --show``)."""
        with StudyStore(path, must_exist=True) as store:
            info = store.study()
            return cls(Path(path), info["name"], info["spec"], store.trials(), store.rounds())

    @property
    def metric(self) -> str:
        """The objective's name."""
        return self.spec["metric"]

    @property
    def maximize(self) -> bool:
        """Whether higher is better."""
        return self.spec["direction"] == "max"

    @property
    def space(self) -> Space:
        """The full search space."""
        return Space(self.spec["space"])

    def best(self, k: int | None = None) -> list[TrialRecord]:
        """The finished trials, best first (the first ``k``)."""
        return best_trials(self.trials, maximize=self.maximize, k=k)

    def best_config(self) -> dict[str, Any]:
        """The full configuration of the best trial: ``minigrad train`` on it (written
        with :func:`minigrad.config.dumps_toml`) retrains that model exactly."""
        best = self.best(1)
        if not best:
            raise ConfigError(f"{self.path}: no trial has finished yet, so there is no best configuration")
        return trial_config(self.spec["config"], best[0].params, seed=best[0].seed, source=str(self.path))

    def table(self, k: int = 5) -> str:
        """The ``k`` best trials as a text table."""
        return format_table(
            self.trials, metric=self.metric, maximize=self.maximize, k=k, keys=list(self.spec["space"])
        )

    def plot(self, path: str | os.PathLike | None = None) -> Any:
        """The metric against each hyperparameter (see
        :func:`~minigrad.tune.report.plot_study`); None before any trial finished."""
        return plot_study(
            self.trials,
            self.spec["space"],
            metric=self.metric,
            maximize=self.maximize,
            path=path,
            title=f"{self.name}: {self.metric} of the finished trials",
        )

    def summary(self) -> str:
        """A few lines for ``--show``: the strategy, its options, the seed and the space
        of each round."""
        strategy = self.spec["strategy"]
        options = ", ".join(f"{k}={v}" for k, v in strategy.items() if k != "name")
        lines = [
            f"study {self.name!r} in {self.path}: {strategy['name']} search"
            + (f" ({options})" if options else "")
            + f", seed {self.spec['seed']}"
        ]
        if len(self.rounds) > 1:
            for number, space in self.rounds.items():
                ranges = "  ".join(f"{k} {_range_text(v)}" for k, v in space.items())
                lines.append(f"  round {number}: {ranges}")
        return "\n".join(lines)


def _short_names(keys: list[str]) -> dict[str, str]:
    """The last part of each dotted key, or the whole key where last parts collide."""
    last = [k.rsplit(".", 1)[-1] for k in keys]
    return {k: part if last.count(part) == 1 else k for k, part in zip(keys, last)}


def _range_text(spec: Mapping[str, Any]) -> str:
    ((kind, args),) = spec.items()
    if kind == "choice":
        return "{" + ", ".join(format_value(a) for a in args) + "}"
    return f"[{format_value(args[0])}, {format_value(args[1])}]"


# ------------------------------------------------------------------ display
class _Display:
    """What the driver prints: one line per finished trial; in the sequential (panda)
    mode also a live line per epoch of the running trial."""

    def __init__(self, stream: TextIO | None, *, metric: str, maximize: bool, total: int) -> None:
        self.stream = stream
        self.metric = metric
        self.maximize = maximize
        self.total = total
        self.finished = 0
        self.best: TrialRecord | None = None

    def write(self, text: str) -> None:
        if self.stream is not None:
            print(text, file=self.stream, flush=True)

    def note_finished(self, record: TrialRecord) -> None:
        if record.status != "done" or record.objective is None:
            return
        if self.best is None:
            self.best = record
            return
        new, old = record.objective, self.best.objective
        if (new > old) if self.maximize else (new < old):
            self.best = record

    def trial(self, record: TrialRecord) -> None:
        self.finished += 1
        self.note_finished(record)
        width = len(str(self.total))
        head = f"[{self.finished:>{width}}/{self.total}] trial {record.number:>{width}}"
        names = _short_names(list(record.params))
        params = " ".join(f"{names[k]}={format_value(v)}" for k, v in record.params.items())
        if record.status == "failed":
            self.write(f"{head}  failed: {record.error_summary}  ({params})")
            return
        value = format_metric(record.objective, self.metric)
        best = ""
        if self.best is not None:
            best = f"  best {format_metric(self.best.objective, self.metric)} (#{self.best.number})"
        duration = f"{record.duration:.1f}s" if record.duration is not None else "-"
        self.write(f"{head}  {self.metric} {value}  {params}  ({duration}){best}")

    def live(self, number: int, epochs: int) -> Any:
        return None if self.stream is None else _LiveLine(self.stream, number, epochs, self.metric)


class _LiveLine:
    """A training callback drawing the running trial's progress (panda mode): on a
    terminal one line rewritten each epoch, elsewhere a line every quarter of the run."""

    def __init__(self, stream: TextIO, number: int, epochs: int, metric: str) -> None:
        self.stream: TextIO | None
        self.stream, self.number, self.epochs, self.metric = stream, number, epochs, metric
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.beta, self.v, self.t = 0.9, 0.0, 0

    def on_batch_end(self, trainer: Any, step: int, logs: Mapping[str, float]) -> None:
        cost = logs.get("cost", math.nan)
        if math.isfinite(cost):
            self.t += 1
            self.v = self.beta * self.v + (1 - self.beta) * cost  # v_t = β v_{t-1} + (1 − β) J_t

    def on_epoch_end(self, trainer: Any, epoch: int, logs: Mapping[str, float]) -> None:
        smoothed = self.v / (1 - self.beta**self.t) if self.t else math.nan  # bias-corrected
        shown = [f"cost~{smoothed:.4f}"] + [
            f"{k} {logs[k]:.4f}" for k in dict.fromkeys(("dev_loss", self.metric)) if k in logs
        ]
        text = f"    trial {self.number} epoch {epoch + 1}/{self.epochs}  " + "  ".join(shown)
        if self.tty:
            self._draw("\r\033[K" + text)
        elif (epoch + 1) % max(1, self.epochs // 4) == 0:
            self._draw(text + "\n")

    def on_train_end(self, trainer: Any) -> None:
        if self.tty:
            self._draw("\r\033[K")

    def _draw(self, text: str) -> None:
        """Write to the stream; when it fails (``minigrad tune | head`` closed it), stop
        drawing instead of failing the trial: the driver's next line stops the study."""
        if self.stream is None:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except OSError:
            self.stream = None


# ------------------------------------------------------------------- driver
def _plain_params(params: Mapping[str, Any]) -> dict[str, Any]:
    # what JSON stores is what the trial uses: the two can never disagree
    return json.loads(json.dumps(dict(params)))


def _failed(error: str, duration: float | None = None) -> dict[str, Any]:
    return {"status": "failed", "error": error, "duration": duration}


def _record(
    number: int, round_: int, params: dict[str, Any], seed: int, outcome: Mapping[str, Any]
) -> TrialRecord:
    return TrialRecord(
        number=number,
        round=round_,
        params=params,
        seed=seed,
        status=outcome["status"],
        objective=outcome.get("objective"),
        metrics=outcome.get("metrics"),
        final=outcome.get("final"),
        best_epoch=outcome.get("best_epoch"),
        stop_reason=outcome.get("stop_reason"),
        warnings=list(outcome.get("warnings") or []),
        duration=outcome.get("duration"),
        error=outcome.get("error"),
        runs=1,
        worker=outcome.get("worker"),
    )


class _Driver:
    def __init__(
        self,
        store: StudyStore,
        handle: ExecutorHandle,
        display: _Display,
        *,
        base: dict[str, Any],
        spec: dict[str, Any],
        source: str,
        plugins: tuple[tuple[str, str | None], ...] = (),
    ) -> None:
        self.store, self.handle, self.display = store, handle, display
        self.base, self.spec, self.source = base, spec, source
        self.plugins = plugins  # the run-time plugins, for the workers to register
        self.records = {r.number: r for r in store.trials()}
        self.executor: Executor = handle.executor
        self.generation = 0  # how many times the executor was replaced
        self.finished_on: Counter[int] = Counter()  # generation -> trials it finished
        self.idle_breaks = 0  # consecutive executors that broke before finishing any trial

    def run(self, strategy: Any, space: Space) -> None:
        maximize = self.spec["direction"] == "max"
        rounds = strategy.rounds()
        stored = self.store.rounds()
        planned = {r.round for r in self.records.values()}
        region = space
        for index, numbers in enumerate(rounds):
            if index:
                previous = [
                    (self.records[n].params, self.records[n].objective)
                    for n in rounds[index - 1]
                    if n in self.records and self.records[n].status == "done"
                ]
                region = strategy.region(region, previous, maximize=maximize)
            if index in stored and index in planned:
                # a round planned before keeps its space, even when the results it was
                # planned from changed since (failed trials rerun with --retry-failed)
                region = Space(stored[index], source=f"{self.store.path}: round {index}")
            else:
                self.store.save_round(index, region.to_spec())
            if len(rounds) > 1:
                ranges = "  ".join(f"{k} {_range_text(d.to_spec())}" for k, d in region.items())
                self.display.write(f"round {index + 1}/{len(rounds)}: {ranges}")
            tasks = [t for t in (self.plan(strategy, region, index, n) for n in numbers) if t is not None]
            self.execute(tasks)

    def plan(self, strategy: Any, region: Space, round_: int, number: int) -> TrialTask | None:
        record = self.records.get(number)
        if record is not None and record.status in ("done", "failed"):
            return None
        seed = self.spec["seed"]
        if record is not None:
            # planned before (pending, left running, or failed and retried): it runs what was
            # stored; an adaptive strategy told other results since would propose another point
            params, round_ = record.params, record.round
        else:
            params = _plain_params(strategy.suggest(region, number, sampling_rng(seed, number)))
        run_seed = trial_seed(seed, number)
        self.store.add_trial(number, round=round_, params=params, seed=run_seed)
        source = f"{self.source} (trial {number})"
        try:
            config = trial_config(self.base, params, seed=run_seed, source=source)
        except ConfigError as err:  # e.g. a combination the config rejects: record, go on
            self.store.start_trial(number)
            self.finish(number, round_, params, run_seed, _failed(f"ConfigError: {err}", 0.0))
            return None
        self.records[number] = TrialRecord(number, round_, params, run_seed, "pending")
        return TrialTask(number, config, self.spec["metric"], source=source, plugins=self.plugins)

    def finish(
        self, number: int, round_: int, params: dict[str, Any], seed: int, outcome: Mapping[str, Any]
    ) -> None:
        self.store.finish_trial(number, outcome)  # committed before anything else happens
        record = _record(number, round_, params, seed, outcome)
        self.records[number] = record
        self.display.trial(record)

    def execute(self, tasks: list[TrialTask]) -> None:
        queue = deque(tasks)
        running: dict[Any, tuple[TrialTask, int]] = {}
        while queue or running:
            while queue and len(running) < max(1, self.handle.slots):
                task = queue.popleft()
                self.store.start_trial(task.number)
                if self.handle.live:
                    live = self.display.live(task.number, task.config["training"]["epochs"])
                    task.callbacks = (live,) if live is not None else ()
                try:
                    future = self.executor.submit(run_trial, task)
                except BrokenExecutor:  # broke since the last look: replace it once
                    if self.handle.rebuild is None:
                        self.fail_broken(task, "the executor is broken")
                        continue
                    self.executor = self.handle.rebuild()
                    self.generation += 1
                    future = self.executor.submit(run_trial, task)
                running[future] = (task, self.generation)
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: running[f][0].number):
                task, generation = running.pop(future)
                try:
                    outcome = future.result()
                except BrokenExecutor as err:
                    # a pool that never finished a trial may not have started at all: run its
                    # trials again on a fresh one, but give up when that one breaks the same way
                    idle = self.finished_on[generation] == 0 and self.handle.rebuild is not None
                    if generation == self.generation:
                        self.idle_breaks = self.idle_breaks + 1 if idle else 0
                        if self.idle_breaks >= 2:
                            raise _workers_died(err) from None
                        if self.handle.rebuild is not None:
                            self.executor = self.handle.rebuild()
                            self.generation += 1
                    if idle:
                        self.store.requeue_trial(task.number)
                        queue.appendleft(task)
                    else:
                        self.fail_broken(task, str(err))
                    continue
                except Exception as err:  # lost worker, unpicklable result, ...
                    outcome = _failed(f"{type(err).__name__}: {err}")
                self.finished_on[generation] += 1
                record = self.records[task.number]
                self.finish(task.number, record.round, record.params, record.seed, outcome)

    def fail_broken(self, task: TrialTask, reason: str) -> None:
        outcome = _failed(
            f"WorkerDied: the worker process died while this trial ran ({reason}); it or another "
            "trial running at the same time crashed the pool (out of memory?); --retry-failed reruns it"
        )
        record = self.records[task.number]
        self.finish(task.number, record.round, record.params, record.seed, outcome)


def _workers_died(err: BaseException) -> MinigradError:
    return MinigradError(
        f"the worker processes died twice before finishing any trial ({type(err).__name__}: {err}). "
        "Either they cannot start: a script that runs a study must guard it with "
        '`if __name__ == "__main__":`, and code read from standard input cannot be re-imported by '
        "worker processes; or the first trials crash them (out of memory?). Run with "
        "executor='sequential' (--executor sequential) to see the error in this process. "
        "Unfinished trials are kept: rerun the same study to resume"
    )


def _grid_note(points: list[dict[str, Any]], trials: int) -> str:
    """What the driver says when the grid and the number of trials differ ("" if not)."""
    if len(points) < trials:
        return f"note: the grid has {len(points)} points, fewer than the {trials} trials asked for"
    if len(points) == trials:
        return ""

    def values(key: str, some: list[dict[str, Any]]) -> int:
        return len({json.dumps(p[key], sort_keys=True) for p in some})

    run = points[:trials]
    counts = {k: (values(k, run), values(k, points)) for k in points[0]}
    cut = [f"{k} takes {some} of its {every} values" for k, (some, every) in counts.items() if some < every]
    return (
        f"note: the grid has {len(points)} points and only the first {trials} run: {'; '.join(cut)}; "
        f"ask for {len(points)} trials, or use random search"
    )


def _derived_options_hint(
    stored: Mapping[str, Any], spec: Mapping[str, Any], given: Mapping[str, Any]
) -> str:
    """When a strategy option derived from the number of trials is what changed, how to
    keep it (and so extend the stored study instead)."""
    old, new = stored.get("strategy") or {}, spec["strategy"]
    for key in ("round_size", "grid_points"):
        if key in old and key not in given and old.get(key) != new.get(key):
            return (
                f" ({key} follows the number of trials unless set: --set tune.{key}={old[key]} "
                "keeps the stored study and adds trials to it)"
            )
    return ""


def _direction(metric: str, direction: str) -> str:
    if direction not in ("auto", "min", "max"):
        raise ConfigError(f"tune.direction = {direction!r}: use 'min', 'max' or 'auto'")
    if direction == "auto":
        return "max" if metric.endswith("accuracy") else "min"
    return direction


def _check_int(where: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{where} = {value!r}: expected an integer >= {minimum}")
    return value


def _check_space(base: Mapping[str, Any], space: Space, source: str) -> None:
    """Every key must accept the ends of its range (every option of a choice): the
    config validates and its components build (an optimizer rejects lr < 0, ...)."""
    from minigrad.config import build
    from minigrad.errors import MinigradError

    for key, dim in space.items():
        for value in dim.probes():
            config = trial_config(base, {key: value}, source=f"{source} [tune.space]")
            try:
                build(config, source=f"{source} [tune.space]")
            except MinigradError as err:
                raise ConfigError(
                    f"{source}: tune.space: {key} = {format_value(value)} (an end of {dim!r}) is rejected: "
                    f"{err}; narrow the range"
                ) from None


def _run_time_plugins(executor: str | Executor, source: str) -> tuple[tuple[str, str | None], ...]:
    """``(name, reference)`` of the plugins registered at run time, which the workers
    register again (they start with the installed plugins only). Worker processes import
    them by name: a plugin without one is refused here, before any trial runs."""
    from concurrent.futures import ProcessPoolExecutor

    from minigrad.manager import get_plugin_manager, plugin_reference

    plugins = tuple((n, plugin_reference(p)) for n, p in get_plugin_manager().registered_at_run_time())
    elsewhere = executor in ("process", "dask") or isinstance(executor, ProcessPoolExecutor)
    for name, reference in plugins:
        if reference is None and elsewhere:
            plugin = get_plugin_manager().get_plugin(name)
            kind = executor if isinstance(executor, str) else type(executor).__name__
            raise ConfigError(
                f"{source}: plugin '{name}' ({_describe_object(plugin)}) was registered at run time "
                f"with mg.register_plugin, and the {kind!r} executor's worker processes, which "
                "register it again by importing it by name, cannot import it: it is defined in "
                "__main__ (a script or an interactive session), inside a function, or in no module. "
                "Install it through the 'minigrad' entry-point group, move it into a module the "
                "workers can import and register that module (or an object at its top level), or "
                "run the study in this process with executor='sequential'"
            )
    return plugins


def _describe_object(plugin: Any) -> str:
    if isinstance(plugin, type(os)):
        return f"module {plugin.__name__}"
    module = getattr(plugin, "__module__", None) or getattr(type(plugin), "__module__", "?")
    qualname = getattr(plugin, "__qualname__", None)
    return f"{module}.{qualname}" if isinstance(qualname, str) else f"a {type(plugin).__name__} object"


def run_study(
    config: Mapping[str, Any] | None = None,
    space: Space | Mapping[str, Any] | None = None,
    *,
    trials: int = 16,
    strategy: str = "random",
    strategy_options: Mapping[str, Any] | None = None,
    seed: int = 0,
    metric: str = "dev_loss",
    direction: str = "auto",
    executor: str | Executor = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    db: str | os.PathLike = "study.db",
    name: str | None = None,
    new: bool = False,
    retry_failed: bool = False,
    output: TextIO | None = None,
    source: str = "<config>",
) -> Study:
    """Run (or resume) a hyperparameter study and return it.

    Args:
        config: the base configuration (from :func:`minigrad.config.load_config`; None:
            the built-in recipe).
        space: a :class:`~minigrad.tune.Space` or ``{dotted key: Dimension or TOML form}``.
        trials: how many trials the study has.
        strategy: ``"random"``, ``"grid"``, ``"coarse_to_fine"`` or ``"optuna"`` (an
            extra); ``strategy_options`` its options (see :mod:`minigrad.tune.strategies`).
        seed: the study seed; trial ``n`` uses ``SeedSequence(seed).spawn(...)[n]``.
        metric: what to optimize, one of ``dev_loss`` (default), ``dev_accuracy``,
            ``dev_cost`` (includes the penalty: biased when tuning its strength),
            ``train_*``.
        direction: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracy).
        executor: ``"sequential"`` (panda), ``"process"`` (caviar, default), ``"dask"``,
            or any :class:`~concurrent.futures.Executor`.
        workers: processes (default: the cores); for an Executor, trials in flight.
        scheduler: for ``"dask"``: an address or ``"local"``.
        db: the SQLite database; the same study there is resumed.
        name: the study's name (default: the database's stem).
        new: discard a different study stored in ``db`` instead of raising (the same
            study is resumed: its finished trials are kept).
        retry_failed: rerun trials that failed before.
        output: where to print progress (None: silent).
        source: names the configuration in error messages.

    Raises:
        ConfigError: bad settings or space (before any trial runs), ``db`` holds
            another study and ``new`` is false, or a plugin registered at run time
            cannot be imported by name in the worker processes of ``executor``
            (see :func:`minigrad.register_plugin`).

    Example:
        >>> import pathlib, tempfile
        >>> from minigrad.config import load_config
        >>> from minigrad import tune
        >>> config = load_config(overrides=["training.epochs=2", "data.options.n=120"])
        >>> study = tune.run_study(config, {"optimizer.lr": tune.log_uniform(1e-3, 1e-1)},
        ...                        trials=2, executor="sequential",
        ...                        db=pathlib.Path(tempfile.mkdtemp()) / "lr.db")
        >>> [(t.number, t.status) for t in study.trials]
        [(0, 'done'), (1, 'done')]
        >>> all(1e-3 <= t.params["optimizer.lr"] <= 1e-1 for t in study.trials)
        True
    """
    from minigrad.config import DEFAULT_CONFIG, validate_config

    base = validate_config(
        copy.deepcopy(dict(config if config is not None else DEFAULT_CONFIG)), source=source
    )
    if not isinstance(space, Space):
        space = Space(space, source=f"{source}: tune.space")
    if not len(space):
        raise ConfigError(
            f"{source}: the search space is empty; add a [tune.space] table such as "
            '"optimizer.lr" = { log_uniform = [1e-4, 1] } (or --space KEY=DISTRIBUTION)'
        )
    trials = _check_int(f"{source}: tune.trials", trials, 1)
    seed = _check_int(f"{source}: tune.seed", seed, 0)
    if metric not in METRICS:
        close = difflib.get_close_matches(str(metric), METRICS, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        test = "; the test set must stay out of model selection" if str(metric).startswith("test") else ""
        raise ConfigError(
            f"{source}: tune.metric = {metric!r}: unknown metric{hint}{test} (allowed: {', '.join(METRICS)})"
        )
    if metric.endswith("accuracy") and base["training"]["loss"] == "mean_squared_error":
        raise ConfigError(
            f"{source}: tune.metric = {metric!r}: regression (mean_squared_error) records no accuracy; "
            "use dev_loss"
        )
    spec = {
        "config": base,
        "space": space.to_spec(),
        "space_order": list(space),  # draws follow it: part of the study's identity
        "strategy": None,
        "seed": seed,
        "metric": metric,
        "direction": _direction(metric, direction),
    }
    if not isinstance(strategy, str):
        raise ConfigError(f"{source}: tune.strategy = {strategy!r}: expected one of {', '.join(STRATEGIES)}")
    plan = make_strategy(
        strategy,
        strategy_options,
        trials=trials,
        space=space,
        where=f"{source}: tune",
        seed=seed,
        maximize=spec["direction"] == "max",
    )
    spec["strategy"] = plan.describe()
    _check_space(base, space, source)
    if not isinstance(db, str | os.PathLike):
        raise ConfigError(f"{source}: tune.db = {db!r}: expected a file path (a string)")
    if name is not None and not isinstance(name, str):
        raise ConfigError(f"{source}: tune.name = {name!r}: expected a string")
    plugins = _run_time_plugins(executor, source)
    db = Path(db)
    name = name or db.stem
    total = sum(len(r) for r in plan.rounds())
    with StudyStore(db, claim=True) as store:
        # the executor's settings are checked before new= may discard a stored study
        with open_executor(executor, workers=workers, scheduler=scheduler) as handle:
            try:
                resumed = store.open_study(name, spec, new=new)
            except ConfigError as err:
                hint = _derived_options_hint(store.study()["spec"], spec, strategy_options or {})
                raise ConfigError(f"{err}{hint}") from None
            requeued = store.reset_interrupted(retry_failed=retry_failed)
            finished = sum(r.status in ("done", "failed") for r in store.trials() if r.number < total)
            display = _Display(output, metric=metric, maximize=spec["direction"] == "max", total=total)
            for record in store.trials():
                display.note_finished(record)
            display.finished = finished
            what = f"resuming study {name!r}" if resumed else f"study {name!r}"
            extra = f", {finished} already finished" if finished else ""
            extra += f", {len(requeued)} to rerun" if requeued else ""
            display.write(f"{what}: {total} trials{extra}; {handle.description}; results in {db}")
            note = _grid_note(plan.points, trials) if plan.name == "grid" else ""
            if note:
                display.write(note)
            driver = _Driver(store, handle, display, base=base, spec=spec, source=source, plugins=plugins)
            started = time.perf_counter()
            try:
                driver.run(plan, space)
            except KeyboardInterrupt:
                display.write(
                    f"\ninterrupted: finished trials are stored in {db}; rerun the same command to resume"
                )
                raise
            elapsed = time.perf_counter() - started
            ran = display.finished - finished
            if ran:
                display.write(f"{ran} trials in {elapsed:.1f}s ({ran / elapsed:.2f} trials/s)")
        return Study(db, name, json.loads(json.dumps(spec)), store.trials(), store.rounds())
