"""The results store: one SQLite database per study (the standard library's ``sqlite3``).

Only the driver process writes it, and one driver at a time: it holds an exclusive lock
on ``<db>.lock`` beside the database (:meth:`StudyStore.claim`), released when it ends
however it ends. Every change is committed at once in WAL mode with
``synchronous=FULL``, so killing the driver loses no finished trial, and
``minigrad tune --show`` can read a study while it runs. A file that holds another
program's tables is refused, never written.

Tables:

``study`` (one row)
    ``name``, ``config_hash`` (SHA-256 of the study's canonical JSON: base config,
    space, strategy and its options, seed, metric, direction), that ``spec`` as JSON,
    ``created``, ``minigrad_version``.
``rounds``
    the space each round sampled from (coarse to fine shrinks it), as JSON.
``trials``
    one row per trial: ``number``, ``round``, ``params`` (JSON, dotted key -> value),
    ``seed`` (the trial's ``training.seed``), ``status`` (pending, running, done,
    failed), ``objective``, ``metrics`` (JSON, per-epoch history), ``final`` (JSON,
    train/dev metrics of the final model), ``best_epoch``, ``stop_reason``,
    ``warnings`` (JSON), ``duration`` (seconds), ``error`` (text), ``runs`` (how many
    times the driver started it), ``worker``, ``started``, ``finished`` (Unix times).

Example:
    >>> import pathlib, tempfile
    >>> from minigrad.tune.store import StudyStore
    >>> with StudyStore(pathlib.Path(tempfile.mkdtemp()) / "s.db") as store:
    ...     store.open_study("demo", {"seed": 0})
    ...     store.add_trial(0, round=0, params={"optimizer.lr": 0.01}, seed=7)
    ...     store.start_trial(0)
    ...     store.finish_trial(0, {"status": "done", "objective": 0.25, "duration": 1.5})
    ...     [(t.number, t.status, t.objective, t.runs) for t in store.trials()]
    False
    [(0, 'done', 0.25, 1)]
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import socket
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minigrad.errors import ConfigError

__all__ = ["STATUSES", "StudyStore", "TrialRecord", "config_hash"]

#: A trial's life: pending (planned) -> running (submitted) -> done or failed.
STATUSES = ("pending", "running", "done", "failed")
_SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS study (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    spec TEXT NOT NULL,
    created REAL NOT NULL,
    minigrad_version TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rounds (
    number INTEGER PRIMARY KEY,
    space TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS trials (
    number INTEGER PRIMARY KEY,
    round INTEGER NOT NULL,
    params TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
    objective REAL,
    metrics TEXT,
    final TEXT,
    best_epoch INTEGER,
    stop_reason TEXT,
    warnings TEXT,
    duration REAL,
    error TEXT,
    runs INTEGER NOT NULL DEFAULT 0,
    worker TEXT,
    started REAL,
    finished REAL
);
"""


def _explained(err: sqlite3.DatabaseError) -> str:
    """SQLite's message and the likely fix."""
    text = str(err)
    if isinstance(err, sqlite3.OperationalError):
        if "readonly" in text or "unable to open" in text:
            return f"{text} (is the file, and its folder, writable?)"
        if "locked" in text:
            return f"{text} (another program holds it; retry when it is done)"
        return text
    return f"{text}: the file is damaged; restore it from a copy, or start again with another --db"


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run a StudyStore method under its ``_guard`` (SQLite errors as ConfigErrors)."""

    @functools.wraps(method)
    def guarded(self: StudyStore, *args: Any, **kwargs: Any) -> Any:
        with self._guard():
            return method(self, *args, **kwargs)

    return guarded


#: Where the lock sits on Windows, whose byte-range locks are mandatory: past the text
#: naming the holder, so a refused driver can still read it.
_LOCK_OFFSET = 1 << 20


def _lock_file(handle: Any) -> None:
    """An exclusive, non-blocking lock on an open file (OSError when it is held)."""
    if sys.platform == "win32":
        import msvcrt

        handle.seek(_LOCK_OFFSET)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock_file(handle: Any) -> None:
    """Release :func:`_lock_file`'s lock (closing the file would too, except on Windows,
    whose documentation asks for an explicit unlock)."""
    if sys.platform == "win32":
        import msvcrt

        handle.seek(_LOCK_OFFSET)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def config_hash(spec: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a study's spec (key order does not matter).

    Example:
        >>> from minigrad.tune.store import config_hash
        >>> config_hash({"a": 1, "b": [2.0]}) == config_hash({"b": [2.0], "a": 1})
        True
    """
    return hashlib.sha256(_canonical(spec).encode()).hexdigest()


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out or {prefix: {}}
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix}.{i}"))
        return out
    return {prefix: value}


def _differences(old: Mapping[str, Any], new: Mapping[str, Any], *, limit: int = 4) -> str:
    a, b = _flatten(old), _flatten(new)
    changed = [k for k in sorted(set(a) | set(b)) if _canonical(a.get(k)) != _canonical(b.get(k))]
    shown = [
        f"{k}: {_canonical(a[k]) if k in a else '(absent)'} -> {_canonical(b[k]) if k in b else '(absent)'}"
        for k in changed[:limit]
    ]
    more = f" and {len(changed) - limit} more" if len(changed) > limit else ""
    return "; ".join(shown) + more


@dataclass
class TrialRecord:
    """One row of the ``trials`` table (JSON columns decoded).

    Example:
        >>> import pathlib, tempfile
        >>> from minigrad.config import load_config
        >>> from minigrad import tune
        >>> config = load_config(overrides=["training.epochs=2", "data.options.n=120"])
        >>> study = tune.run_study(config, {"optimizer.lr": tune.log_uniform(1e-3, 1e-1)},
        ...                        trials=2, executor="sequential",
        ...                        db=pathlib.Path(tempfile.mkdtemp()) / "lr.db")
        >>> record = study.trials[0]
        >>> record.number, record.round, record.status, list(record.params), record.epochs
        (0, 0, 'done', ['optimizer.lr'], 2)
        >>> sorted(record.final), record.objective == record.final["dev"]["loss"]
        (['dev', 'train'], True)
    """

    number: int
    round: int
    params: dict[str, Any]
    seed: int
    status: str
    objective: float | None = None
    metrics: dict[str, list[Any]] | None = None
    final: dict[str, dict[str, float]] | None = None
    best_epoch: int | None = None
    stop_reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    duration: float | None = None
    error: str | None = None
    runs: int = 0
    worker: str | None = None
    started: float | None = None
    finished: float | None = None

    @property
    def epochs(self) -> int:
        """How many epochs the trial trained (0 before it finished)."""
        return len((self.metrics or {}).get("epoch", []))

    @property
    def error_summary(self) -> str:
        """The first line of the error ("" when none)."""
        return (self.error or "").strip().split("\n")[0]


_JSON_COLUMNS = ("params", "metrics", "final", "warnings")


class StudyStore:
    """The SQLite database of one study (see the module documentation for the tables).

    Args:
        path: the database file (its folder is created; the file too unless
            ``must_exist``).
        must_exist: open an existing study only (``minigrad tune --show``).
        claim: :meth:`claim` the study before anything is written (the driver does).

    Raises:
        ConfigError: the file is missing (with ``must_exist``), is not a SQLite database,
            or holds no study.

    Example:
        >>> import pathlib, tempfile
        >>> from minigrad.config import load_config
        >>> from minigrad import tune
        >>> config = load_config(overrides=["training.epochs=2", "data.options.n=120"])
        >>> study = tune.run_study(config, {"optimizer.lr": tune.log_uniform(1e-3, 1e-1)},
        ...                        trials=2, executor="sequential",
        ...                        db=pathlib.Path(tempfile.mkdtemp()) / "lr.db")
        >>> with tune.StudyStore(study.path, must_exist=True) as store:
        ...     store.study()["name"], store.counts()
        ('lr', {'pending': 0, 'running': 0, 'done': 2, 'failed': 0})
    """

    def __init__(self, path: str | os.PathLike, *, must_exist: bool = False, claim: bool = False) -> None:
        self.path = Path(path)
        self._lock: Any = None
        self._db: Any = None
        if self.path.is_dir():
            raise ConfigError(
                f"{self.path} is a folder; name the database file in it, e.g. {self.path / 'study.db'}"
            )
        if must_exist and not self.path.is_file():
            raise ConfigError(
                f"{self.path}: no study database there (run `minigrad tune CONFIG --db {path}`)"
            )
        if not must_exist:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise ConfigError(f"{self.path}: cannot create its folder ({err.strerror or err})") from None
        if claim:
            self.claim()  # before anything is written: a second driver writes nothing
        try:
            self._open(must_exist)
        except BaseException:
            self.close()
            raise

    def _open(self, must_exist: bool) -> None:
        """Connect, refuse another program's database, and create the tables."""
        try:
            if must_exist:  # only read: a study on a read-only disk can be shown
                self._db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
            else:
                self._db = sqlite3.connect(self.path, timeout=30)
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as err:
            raise ConfigError(f"{self.path}: not a study database ({_explained(err)})") from None
        if (must_exist or tables) and "study" not in tables:
            # another program's database: never write into it
            other = f" (its tables: {', '.join(sorted(tables)[:5])})" if tables else ""
            raise ConfigError(
                f"{self.path}: not a minigrad study database{other}; minigrad leaves it alone, "
                "choose another --db"
            )
        if version > _SCHEMA_VERSION:
            raise ConfigError(
                f"{self.path}: written by a newer minigrad (schema {version} > {_SCHEMA_VERSION}); upgrade"
            )
        if not must_exist:
            with self._guard():
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
                with self._db:
                    self._db.executescript(_SCHEMA)
                    self._db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """SQLite's errors as ConfigErrors naming the file and what to do."""
        try:
            yield
        except sqlite3.DatabaseError as err:
            raise ConfigError(f"{self.path}: {_explained(err)}") from None

    def claim(self) -> None:
        """Become the one driver writing this study: an exclusive lock on ``<db>.lock``,
        held until :meth:`close` (or the process ends, however it ends).

        Raises:
            ConfigError: another driver holds it (its process id and host are named).
        """
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 (held until close)
        except OSError as err:
            raise ConfigError(
                f"{lock_path}: cannot create the study's lock file ({err.strerror or err})"
            ) from None
        try:
            _lock_file(handle)
        except OSError:
            try:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
            except OSError:
                holder = "another process"
            handle.close()
            raise ConfigError(
                f"{self.path}: another `minigrad tune` ({holder}) is running this study; wait for it "
                "to finish or stop it (its finished trials are kept), or choose another --db"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
        handle.flush()
        self._lock = handle

    # --------------------------------------------------------------- lifecycle
    def close(self) -> None:
        """Close the connection (everything is already committed) and release the claim."""
        if self._db is not None:
            self._db.close()
        if self._lock is not None:
            _unlock_file(self._lock)
            self._lock.close()
            self._lock = None

    def __enter__(self) -> StudyStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------- study
    @_guarded
    def open_study(self, name: str, spec: Mapping[str, Any], *, new: bool = False) -> bool:
        """Start the study, or resume it when the database holds the same one.

        Returns:
            True when an existing study was resumed.

        Raises:
            ConfigError: the database holds a different study (another config hash),
                naming what changed, unless ``new`` (which discards the old one).
        """
        digest = config_hash(spec)
        row = self._db.execute("SELECT config_hash, spec FROM study WHERE id = 1").fetchone()
        if row is not None and row[0] == digest:  # the same study: resume it, even with new
            return True
        if row is not None and not new:
            stored = self._loads(row[1], "the study, column spec")
            raise ConfigError(
                f"{self.path} holds another study (config hash {row[0][:12]}, this one {digest[:12]}); "
                f"changed: {_differences(stored, spec)}. Rerun with --new to discard the stored "
                "trials and start over, or choose another --db"
            )
        from minigrad import __version__

        with self._db:
            self._db.execute("DELETE FROM trials")
            self._db.execute("DELETE FROM rounds")
            self._db.execute("DELETE FROM study")
            self._db.execute(
                "INSERT INTO study (id, name, config_hash, spec, created, minigrad_version) "
                "VALUES (1, ?, ?, ?, ?, ?)",
                (name, digest, json.dumps(spec, default=str), time.time(), __version__),
            )
        return False

    @_guarded
    def study(self) -> dict[str, Any]:
        """``{"name", "config_hash", "spec", "created", "minigrad_version"}`` of the study."""
        row = self._db.execute(
            "SELECT name, config_hash, spec, created, minigrad_version FROM study WHERE id = 1"
        ).fetchone()
        if row is None:
            raise ConfigError(f"{self.path}: the database holds no study yet")
        name, digest, spec, created, version = row
        return {
            "name": name,
            "config_hash": digest,
            "spec": self._loads(spec, "the study, column spec"),
            "created": created,
            "minigrad_version": version,
        }

    # ------------------------------------------------------------------ rounds
    @_guarded
    def save_round(self, number: int, space: Mapping[str, Any]) -> None:
        """Record the space round ``number`` samples from."""
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO rounds (number, space) VALUES (?, ?)", (number, json.dumps(space))
            )

    @_guarded
    def rounds(self) -> dict[int, dict[str, Any]]:
        """The space of each recorded round."""
        return {
            n: self._loads(s, f"round {n}, column space")
            for n, s in self._db.execute("SELECT number, space FROM rounds ORDER BY number")
        }

    # ------------------------------------------------------------------ trials
    @_guarded
    def add_trial(self, number: int, *, round: int, params: Mapping[str, Any], seed: int) -> None:
        """Record a planned trial as pending (a trial already recorded is left alone)."""
        with self._db:
            self._db.execute(
                "INSERT OR IGNORE INTO trials (number, round, params, seed, status) "
                "VALUES (?, ?, ?, ?, 'pending')",
                (number, round, json.dumps(dict(params)), int(seed)),
            )

    @_guarded
    def start_trial(self, number: int) -> None:
        """Mark a trial running and count the start."""
        with self._db:
            self._db.execute(
                "UPDATE trials SET status = 'running', runs = runs + 1, started = ?, error = NULL "
                "WHERE number = ?",
                (time.time(), number),
            )

    @_guarded
    def requeue_trial(self, number: int) -> None:
        """Put a trial that could not run back to pending (its start stays counted)."""
        with self._db:
            self._db.execute("UPDATE trials SET status = 'pending' WHERE number = ?", (number,))

    @_guarded
    def finish_trial(self, number: int, outcome: Mapping[str, Any]) -> None:
        """Store a trial's outcome (a dict from :func:`~minigrad.tune.trial.run_trial`:
        ``status`` "done" or "failed", ``objective``, ``metrics``, ``final``, ...)."""
        status = outcome.get("status", "failed")
        if status not in ("done", "failed"):
            raise ValueError(f"finish_trial: status must be done or failed, got {status!r}")
        objective = outcome.get("objective")
        if objective is not None and not math.isfinite(objective):
            objective = None
        with self._db:
            self._db.execute(
                "UPDATE trials SET status = ?, objective = ?, metrics = ?, final = ?, best_epoch = ?, "
                "stop_reason = ?, warnings = ?, duration = ?, error = ?, worker = ?, finished = ? "
                "WHERE number = ?",
                (
                    status,
                    objective,
                    json.dumps(outcome.get("metrics")),
                    json.dumps(outcome.get("final")),
                    outcome.get("best_epoch"),
                    outcome.get("stop_reason"),
                    json.dumps(list(outcome.get("warnings") or [])),
                    outcome.get("duration"),
                    outcome.get("error"),
                    outcome.get("worker"),
                    time.time(),
                    number,
                ),
            )

    @_guarded
    def reset_interrupted(self, *, retry_failed: bool = False) -> list[int]:
        """Put trials left running by a driver that died (and, with ``retry_failed``,
        failed ones) back to pending; returns their numbers."""
        statuses = ("running", "failed") if retry_failed else ("running",)
        marks = ", ".join("?" * len(statuses))
        numbers = [
            r[0]
            for r in self._db.execute(
                f"SELECT number FROM trials WHERE status IN ({marks}) ORDER BY number", statuses
            )
        ]
        with self._db:
            self._db.execute(f"UPDATE trials SET status = 'pending' WHERE status IN ({marks})", statuses)
        return numbers

    def _loads(self, text: str, where: str) -> Any:
        """A JSON column's value; a damaged one is a ConfigError naming the database,
        ``where`` (the row and the column) and the fix."""
        try:
            return json.loads(text)
        except (json.JSONDecodeError, TypeError) as err:
            shown = text if len(str(text)) <= 40 else f"{str(text)[:40]}..."
            raise ConfigError(
                f"{self.path}: {where} is not valid JSON ({shown!r}: {err}): the file is damaged; "
                "restore it from a copy, or start again with another --db"
            ) from None

    @_guarded
    def trials(self, *, status: str | None = None) -> list[TrialRecord]:
        """Every trial (or those with ``status``), by number."""
        columns = [f.name for f in TrialRecord.__dataclass_fields__.values()]
        query = f"SELECT {', '.join(columns)} FROM trials"
        args: tuple[Any, ...] = ()
        if status is not None:
            query += " WHERE status = ?"
            args = (status,)
        records = []
        for row in self._db.execute(query + " ORDER BY number", args):
            values = dict(zip(columns, row))
            for key in _JSON_COLUMNS:
                if values[key] is not None:
                    values[key] = self._loads(values[key], f"trial {values['number']}, column {key}")
            values["warnings"] = values["warnings"] or []
            records.append(TrialRecord(**values))
        return records

    @_guarded
    def counts(self) -> dict[str, int]:
        """How many trials have each status."""
        counts = dict.fromkeys(STATUSES, 0)
        for status, n in self._db.execute("SELECT status, COUNT(*) FROM trials GROUP BY status"):
            counts[status] = n
        return counts
