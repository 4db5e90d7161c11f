"""``minigrad tune``: the acceptance run on the example, --show, config errors (exit 2)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from minigrad.cli import main
from minigrad.config import load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tune.toml"
FAST = ["--set", "training.epochs=6", "--set", "data.options.n=120"]


def test_the_example_study_runs_stores_every_trial_and_reports(tmp_path, capsys):
    db = tmp_path / "studies" / "tune.db"
    code = main(["tune", str(EXAMPLE), "--trials", "16", "--workers", "2", "--db", str(db), *FAST])
    out = capsys.readouterr().out
    assert code == 0
    assert "process pool of 2" in out and "[16/16] trial" in out
    assert "best 5 of 16 trials by dev_accuracy (higher is better)" in out
    connection = sqlite3.connect(db)
    statuses = connection.execute("SELECT status, COUNT(*) FROM trials GROUP BY status").fetchall()
    connection.close()
    assert statuses == [("done", 16)]
    plot = db.with_suffix(".png")
    assert plot.read_bytes()[:4] == b"\x89PNG" and f"plot: {plot}" in out
    best = db.with_suffix(".best.toml")
    config = load_config(best)  # `minigrad train` reads it
    assert config["training"]["epochs"] == 6

    # a second run resumes: nothing left to do
    assert main(["tune", str(EXAMPLE), "--trials", "16", "--db", str(db), *FAST]) == 0
    assert "resuming study 'tune': 16 trials, 16 already finished" in capsys.readouterr().out

    # --show prints the stored table
    assert main(["tune", "--show", str(db), "--top", "3"]) == 0
    shown = capsys.readouterr().out
    assert "best 3 of 16 trials by dev_accuracy" in shown and "random search" in shown
    assert shown.count("\n   ") == 3  # three ranked rows


def test_the_example_file_is_valid_and_samples_on_the_documented_scales():
    from minigrad.tune import load_study_config

    study = load_study_config(EXAMPLE)
    kinds = {key: dim.kind for key, dim in study.space.items()}
    assert kinds == {
        "optimizer.lr": "log_uniform",
        "optimizer.beta1": "one_minus_log_uniform",
        "regularizer.lam": "log_uniform",
        "model.layers.0.units": "int_uniform",
        "training.batch_size": "choice",
    }
    assert study.tune["trials"] == 16 and study.tune["metric"] == "dev_accuracy"


def test_sequential_and_coarse_to_fine_from_the_command_line(tmp_path, capsys):
    db = tmp_path / "c2f.db"
    args = ["tune", str(EXAMPLE), "--executor", "sequential", "--strategy", "coarse_to_fine", "--trials", "4"]
    assert main([*args, "--db", str(db), "--no-plot", "--set", "tune.rounds=2", *FAST]) == 0
    out = capsys.readouterr().out
    assert "sequential (panda" in out and "round 2/2:" in out and "epoch 6/6" in out
    assert not db.with_suffix(".png").exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--space", "optimizer.bta1={uniform=[0.8, 0.9]}"], ["optimizer.bta1", "did you mean 'beta1'"]),
        (["--space", "optimizer.lr={log_uniform=[0, 1]}"], ["optimizer.lr", "0 < a < b"]),
        (
            ["--space", "optimizer.lr={loguniform=[1e-4, 1]}"],
            [
                "minigrad: error: --space optimizer.lr={loguniform=[1e-4, 1]}: unknown distribution",
                "log_uniform",
            ],
        ),
        (["--set", "tune.trails=4"], ["tune.trails", "did you mean 'trials'"]),
        (["--metric", "test_accuracy"], ["tune.metric", "test set"]),
        (["--trials", "0"], ["--trials 0"]),
        (["--strategy", "grid", "--set", "tune.grid_points=1"], ["tune.grid_points = 1"]),
        (["--plot", "p.xyz"], ["p.xyz: .xyz is not an image format", ".svg"]),
        (["--space", "optimizer.lr"], ["--space 'optimizer.lr': expected KEY=VALUE", "log_uniform"]),
    ],
)
def test_config_errors_exit_2_naming_the_key(tmp_path, capsys, args, words):
    code = main(["tune", str(EXAMPLE), "--db", str(tmp_path / "s.db"), *args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("minigrad: error:") and "Traceback" not in err
    for word in words:
        assert word in err, err
    assert not (tmp_path / "s.db").exists()  # refused before the study starts


def test_a_db_setting_that_is_not_a_path_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["tune", str(EXAMPLE), "--set", "tune.db=5"]) == 2
    err = capsys.readouterr().err
    assert "tune.db = 5: expected a file path" in err and "Traceback" not in err


def test_a_changed_study_exits_2_unless_new(tmp_path, capsys):
    db = tmp_path / "s.db"
    base = [
        "tune",
        str(EXAMPLE),
        "--trials",
        "2",
        "--executor",
        "sequential",
        "--db",
        str(db),
        "--no-plot",
        *FAST,
    ]
    assert main(base) == 0
    capsys.readouterr()
    assert main([*base, "--seed", "5"]) == 2
    assert "holds another study" in capsys.readouterr().err
    assert main([*base, "--seed", "5", "--new"]) == 0


def test_show_of_a_missing_database_exits_2(tmp_path, capsys):
    assert main(["tune", "--show", str(tmp_path / "none.db")]) == 2
    assert "no study database there" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()


def test_studies_whose_databases_differ_after_a_dot_keep_their_own_best_config_and_plot(tmp_path, capsys):
    from minigrad.commands.tune import study_file

    assert study_file(Path("s/lr.db"), ".best.toml") == Path("s/lr.best.toml")
    assert study_file(Path("s/lr.SQLite3"), ".png") == Path("s/lr.png")
    assert study_file(Path("s/lr.v1"), ".best.toml") == Path("s/lr.v1.best.toml")
    assert study_file(Path("s/lr"), ".png") == Path("s/lr.png")
    args = ["tune", str(EXAMPLE), "--executor", "sequential", "--trials", "2", "--quiet", *FAST]
    for version, epochs in (("v1", 3), ("v2", 4)):
        db = tmp_path / f"lr.{version}"
        assert main([*args, "--db", str(db), "--set", f"training.epochs={epochs}"]) == 0
        out = capsys.readouterr().out
        assert f"best config: {tmp_path / f'lr.{version}.best.toml'}" in out
        assert f"plot: {tmp_path / f'lr.{version}.png'}" in out
    assert load_config(tmp_path / "lr.v1.best.toml")["training"]["epochs"] == 3
    assert load_config(tmp_path / "lr.v2.best.toml")["training"]["epochs"] == 4
    assert (tmp_path / "lr.v1.png").is_file() and (tmp_path / "lr.v2.png").is_file()


def test_without_config_or_space_the_error_says_what_to_pass(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["tune", "--trials", "2"]) == 2
    err = capsys.readouterr().err
    assert "without a CONFIG searches the built-in recipe over the dimensions given with --space" in err
    assert "--space 'optimizer.lr={log_uniform=[1e-4,1]}'" in err and "Traceback" not in err
    assert not (tmp_path / "studies").exists()
    # ... and what it says to pass works: the help's first example, shortened
    args = ["tune", "--space", "optimizer.lr={log_uniform=[1e-4,1]}", "--trials", "2", "--no-plot"]
    assert main([*args, "--executor", "sequential", "--quiet", *FAST]) == 0
    assert (tmp_path / "studies" / "tune.db").exists()  # the name the help gives for --show


def test_the_help_works_for_an_installed_wheel(capsys):
    """The examples/*.toml files are not in the wheel: the help says where they are and
    gives the --space form, which needs no file, first."""
    for command, example in (("train", "examples/train.toml"), ("tune", "examples/tune.toml")):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = capsys.readouterr().out
        examples = out.split("Examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
        assert example not in examples[0]
        for line in examples:
            if example in line:
                assert "# in the minigrad source repository" in line, line
        assert "in the minigrad source repository, not in the installed package" in " ".join(out.split())
    assert "--space" in examples[0]  # tune's first example
    assert "searched over the --space dimensions, which are then required" in " ".join(out.split())
