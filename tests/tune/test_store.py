"""The SQLite results store: schema, statuses, resume rules, crash safety settings."""

from __future__ import annotations

import sqlite3

import pytest

from minigrad.errors import ConfigError
from minigrad.tune.store import StudyStore, config_hash

SPEC = {"config": {"optimizer": {"name": "adam", "lr": 0.01}}, "space": {"optimizer.lr": {"uniform": [0, 1]}}}


@pytest.fixture
def store(tmp_path):
    with StudyStore(tmp_path / "studies" / "s.db") as s:
        yield s


def test_a_trial_goes_pending_running_done_with_everything_recorded(store):
    assert store.open_study("s", SPEC) is False
    store.add_trial(0, round=0, params={"optimizer.lr": 0.125}, seed=42)
    assert store.trials()[0].status == "pending"
    store.start_trial(0)
    assert store.trials()[0].status == "running"
    store.finish_trial(
        0,
        {
            "status": "done",
            "objective": 0.5,
            "metrics": {"epoch": [0, 1], "dev_loss": [0.75, 0.5]},
            "final": {"dev": {"loss": 0.5}},
            "best_epoch": 1,
            "warnings": ["GradientWarning: layer 0"],
            "duration": 2.5,
            "worker": "host:1",
        },
    )
    (trial,) = store.trials()
    assert trial.status == "done" and trial.objective == 0.5 and trial.seed == 42 and trial.runs == 1
    assert trial.params == {"optimizer.lr": 0.125}
    assert trial.metrics == {"epoch": [0, 1], "dev_loss": [0.75, 0.5]} and trial.epochs == 2
    assert trial.final == {"dev": {"loss": 0.5}} and trial.best_epoch == 1 and trial.duration == 2.5
    assert trial.warnings == ["GradientWarning: layer 0"] and trial.started <= trial.finished
    assert store.counts() == {"pending": 0, "running": 0, "done": 1, "failed": 0}


def test_floats_survive_the_store_bit_for_bit(store):
    store.open_study("s", SPEC)
    value = 0.1 + 0.2  # not a short decimal
    store.add_trial(0, round=0, params={"optimizer.lr": value}, seed=1)
    store.start_trial(0)
    store.finish_trial(
        0, {"status": "done", "objective": value, "metrics": {"dev_loss": [value, float("nan")]}}
    )
    trial = store.trials()[0]
    assert trial.params["optimizer.lr"] == value and trial.metrics["dev_loss"][0] == value
    assert trial.metrics["dev_loss"][1] != trial.metrics["dev_loss"][1]  # NaN kept


def test_failed_trials_keep_their_error(store):
    store.open_study("s", SPEC)
    store.add_trial(3, round=0, params={}, seed=1)
    store.start_trial(3)
    store.finish_trial(3, {"status": "failed", "error": "ValueError: boom\n\nTraceback ...", "duration": 0.1})
    trial = store.trials(status="failed")[0]
    assert trial.error_summary == "ValueError: boom" and trial.objective is None


def test_the_same_study_resumes_and_a_different_one_is_refused(tmp_path):
    path = tmp_path / "s.db"
    with StudyStore(path) as store:
        store.open_study("s", SPEC)
        store.add_trial(0, round=0, params={}, seed=1)
    with StudyStore(path) as store:
        assert store.open_study("s", dict(reversed(list(SPEC.items())))) is True  # key order is irrelevant
        assert len(store.trials()) == 1
        other = {**SPEC, "config": {"optimizer": {"name": "adam", "lr": 0.02}}}
        with pytest.raises(ConfigError) as info:
            store.open_study("s", other)
        message = str(info.value)
        assert "holds another study" in message and "config.optimizer.lr: 0.01 -> 0.02" in message
        assert "--new" in message
        assert len(store.trials()) == 1  # nothing discarded
        assert store.open_study("s", other, new=True) is False
        assert store.trials() == [] and store.study()["config_hash"] == config_hash(other)


def test_trials_left_running_by_a_dead_driver_go_back_to_pending(store):
    store.open_study("s", SPEC)
    for n, status in enumerate(["done", "running", "failed"]):
        store.add_trial(n, round=0, params={}, seed=n)
        store.start_trial(n)
        if status != "running":
            store.finish_trial(n, {"status": status})
    assert store.reset_interrupted() == [1]
    assert [t.status for t in store.trials()] == ["done", "pending", "failed"]
    assert store.reset_interrupted(retry_failed=True) == [2]
    store.start_trial(1)
    assert store.trials()[1].runs == 2  # the driver counts every start


def test_the_database_is_in_wal_mode_with_full_sync(store):
    store.open_study("s", SPEC)
    db = sqlite3.connect(store.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"study", "trials", "rounds"} <= tables
    db.close()


def test_commits_are_visible_to_another_connection_at_once(store):
    store.open_study("s", SPEC)
    store.add_trial(0, round=0, params={}, seed=1)
    store.start_trial(0)
    store.finish_trial(0, {"status": "done", "objective": 1.0})
    reader = sqlite3.connect(store.path)
    assert reader.execute("SELECT status, objective FROM trials").fetchall() == [("done", 1.0)]
    reader.close()


def test_opening_missing_or_foreign_files_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no study database there"):
        StudyStore(tmp_path / "nothing.db", must_exist=True)
    assert not (tmp_path / "nothing.db").exists()
    junk = tmp_path / "junk.db"
    junk.write_text("not sqlite at all, just text " * 100)
    with pytest.raises(ConfigError, match="not a study database"):
        StudyStore(junk, must_exist=True)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE things (x)").connection.close()
    with pytest.raises(ConfigError, match="not a minigrad study database"):
        StudyStore(other, must_exist=True)
    empty = tmp_path / "empty.db"
    StudyStore(empty).close()
    with StudyStore(empty, must_exist=True) as store, pytest.raises(ConfigError, match="holds no study yet"):
        store.study()


def test_another_programs_database_is_refused_and_left_untouched(tmp_path):
    other = tmp_path / "optuna.db"
    db = sqlite3.connect(other)
    with db:
        db.execute("CREATE TABLE trials (trial_id INTEGER, value REAL)")
        db.executemany("INSERT INTO trials VALUES (?, ?)", [(i, i / 10) for i in range(20)])
    db.close()
    before = other.read_bytes()
    with pytest.raises(
        ConfigError, match=r"not a minigrad study database \(its tables: trials\); .*another --db"
    ):
        StudyStore(other)
    assert other.read_bytes() == before  # not even switched to WAL mode


def test_a_damaged_database_is_a_one_line_error_with_the_fix(tmp_path):
    path = tmp_path / "s.db"
    with StudyStore(path) as store:
        store.open_study("s", SPEC)
        for n in range(200):
            store.add_trial(n, round=0, params={"optimizer.lr": n / 200, "pad": "x" * 200}, seed=n)
    data = bytearray(path.read_bytes())
    page = 4096
    data[3 * page : 3 * page + 600] = b"\xff" * 600
    path.write_bytes(bytes(data))
    with (
        pytest.raises(ConfigError, match="damaged; restore it from a copy, or start again with another --db"),
        StudyStore(path, must_exist=True) as store,
    ):
        store.trials()


def test_a_folder_is_not_a_database(tmp_path):
    with pytest.raises(ConfigError, match="is a folder; name the database file in it"):
        StudyStore(tmp_path)


def test_one_driver_at_a_time_claims_a_study(tmp_path):
    path = tmp_path / "s.db"
    first = StudyStore(path)
    first.claim()
    second = StudyStore(path)
    with pytest.raises(ConfigError, match=r"another `minigrad tune` \(pid \d+ on .*\) is running this study"):
        second.claim()
    StudyStore(path, must_exist=True).close()  # reading (--show) needs no claim
    first.close()  # releases it
    second.claim()
    second.close()


def test_a_refused_driver_writes_nothing(tmp_path):
    path = tmp_path / "s.db"
    with StudyStore(path, claim=True) as running:
        running.open_study("s", SPEC)
        before = path.read_bytes()
        with pytest.raises(ConfigError, match="is running this study"):
            StudyStore(path, claim=True)
        assert path.read_bytes() == before
    with StudyStore(path, claim=True) as next_driver:  # released on close
        assert next_driver.study()["name"] == "s"


@pytest.mark.parametrize(
    ("sql", "where"),
    [
        ("UPDATE trials SET metrics = '{bad' WHERE number = 1", "trial 1, column metrics"),
        ("UPDATE trials SET params = 'nan]' WHERE number = 0", "trial 0, column params"),
        ("UPDATE study SET spec = '{'", "the study, column spec"),
        ("UPDATE rounds SET space = 'x'", "round 0, column space"),
    ],
)
def test_a_damaged_json_column_is_an_error_naming_the_database_trial_and_column(tmp_path, sql, where):
    path = tmp_path / "s.db"
    with StudyStore(path) as store:
        store.open_study("s", SPEC)
        store.save_round(0, SPEC["space"])
        for n in range(2):
            store.add_trial(n, round=0, params={"optimizer.lr": 0.5}, seed=n)
            store.finish_trial(n, {"status": "done", "objective": 0.5, "metrics": {"epoch": [0]}})
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(sql)
    connection.close()
    with StudyStore(path, must_exist=True) as store, pytest.raises(ConfigError) as info:
        store.trials()
        store.study()
        store.rounds()
    message = str(info.value)
    assert str(path) in message and where in message and "not valid JSON" in message
    assert "restore it from a copy, or start again with another --db" in message


def test_show_of_a_study_with_a_damaged_column_exits_2_without_a_traceback(tmp_path, capsys):
    from minigrad.cli import main

    path = tmp_path / "s.db"
    with StudyStore(path) as store:
        store.open_study("s", SPEC)
        store.add_trial(0, round=0, params={"optimizer.lr": 0.5}, seed=0)
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("UPDATE trials SET params = '{bad'")
    connection.close()
    assert main(["tune", "--show", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"minigrad: error: {path}: trial 0, column params" in err
