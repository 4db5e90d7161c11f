"""Killing the driver loses no finished trial: a study SIGKILLed mid-run resumes and
completes without rerunning what had finished."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from minigrad.tune import load_study_config, run_study

from .helpers import CountingExecutor, alive

TRIALS = 10

STUDY = textwrap.dedent(
    f"""
    [data]
    options = {{ n = 240, classes = 3, noise = 0.2 }}
    [training]
    epochs = 25
    [[callbacks]]
    name = "early_stopping"
    patience = 50
    [tune]
    trials = {TRIALS}
    seed = 11
    metric = "dev_accuracy"
    [tune.space]
    "optimizer.lr" = {{ log_uniform = [1e-3, 0.1] }}
    "regularizer.lam" = {{ log_uniform = [1e-3, 1] }}
    """
)


def finished(db) -> dict[int, tuple]:
    """Done trials straight from the database: number -> (params, metrics, runs, started)."""
    if not db.exists():
        return {}
    connection = sqlite3.connect(db, timeout=5)
    try:
        rows = connection.execute(
            "SELECT number, params, metrics, runs, started FROM trials WHERE status = 'done'"
        ).fetchall()
    except sqlite3.OperationalError:  # the tables are not there yet
        return {}
    finally:
        connection.close()
    return {n: (json.loads(p), json.loads(m), runs, started) for n, p, m, runs, started in rows}


def worker_names(db) -> set[str]:
    connection = sqlite3.connect(db, timeout=5)
    try:
        return {w for (w,) in connection.execute("SELECT worker FROM trials WHERE worker IS NOT NULL")}
    finally:
        connection.close()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_killed_study_resumes_without_rerunning_finished_trials(tmp_path):
    config = tmp_path / "study.toml"
    config.write_text(STUDY)
    db = tmp_path / "study.db"
    command = [sys.executable, "-m", "minigrad.cli", "tune", str(config), "--db", str(db), "--workers", "2"]
    driver = subprocess.Popen(
        [*command, "--quiet", "--no-plot"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, so the pool can be cleaned up too
    )
    try:
        deadline = time.monotonic() + 180
        while len(finished(db)) < 3:
            assert driver.poll() is None, f"the study ended before it was killed: {driver.stderr.read()!r}"
            assert time.monotonic() < deadline, "no trial finished in time"
            time.sleep(0.02)
        os.kill(driver.pid, signal.SIGKILL)  # the driver only: no chance to clean up
        driver.wait(timeout=30)
        # its pool workers notice and exit on their own instead of waiting forever
        workers = {int(w.rsplit(":", 1)[1]) for w in worker_names(db)}
        assert workers and os.getpid() not in workers
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in workers):
            assert time.monotonic() < deadline, "orphaned pool workers are still running"
            time.sleep(0.1)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(driver.pid, signal.SIGKILL)  # orphaned pool workers, if any
        driver.stderr.close()
    assert driver.returncode == -signal.SIGKILL
    before = finished(db)
    assert 3 <= len(before) < TRIALS, "kill earlier or give the study more trials"

    # resume with the same study (here in this process, counting what actually runs)
    study_config = load_study_config(config)
    counting = CountingExecutor()
    study = run_study(
        study_config.config,
        study_config.space,
        trials=TRIALS,
        seed=11,
        metric="dev_accuracy",
        executor=counting,
        db=db,
        source=study_config.source,
    )
    assert sorted(counting.numbers) == sorted(set(range(TRIALS)) - set(before))
    assert [t.status for t in study.trials] == ["done"] * TRIALS
    after = finished(db)
    for number, (params, metrics, runs, started) in before.items():
        assert after[number] == (params, metrics, runs, started)  # untouched
        assert runs == 1
    # a trial that was running when the driver died was started twice; all others once
    assert all(after[n][2] in (1, 2) for n in after)
