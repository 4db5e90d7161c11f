"""`minigrad train`, `minigrad predict` and `minigrad evaluate` end to end."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import types

import numpy as np
import pytest

import minigrad as mg
from minigrad.cli import main
from minigrad.config import load_model

QUICK = ["--set", "data.options.n=150", "--quiet", "--no-plots"]


def cli(*args, cwd=None):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "minigrad.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli") / "run"
    assert main(["train", "--epochs", "4", "--out", str(folder), *QUICK]) == 0
    return folder


def test_minigrad_train_runs_end_to_end_and_writes_the_run_folder(tmp_path):
    result = cli("train", "--epochs", "3", "--set", "data.options.n=150", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (folder,) = (tmp_path / "runs").iterdir()  # runs/<timestamp>
    files = {p.name for p in folder.iterdir()}
    assert {"history.csv", "model.npz", "checkpoint.npz", "config.toml"} <= files
    assert {"learning_curves.png", "decision_boundary.png", "gradient_norms.png"} <= files
    for png in ("learning_curves.png", "decision_boundary.png"):
        assert (folder / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with open(folder / "history.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["epoch"] for row in rows] == ["0", "1", "2"]
    out = result.stdout
    for line_start in ("train ", "dev ", "test "):
        assert any(line.startswith(line_start) for line in out.splitlines()), out
    assert "accuracy" in out and "diagnosis:" in out and f"run folder: {folder.relative_to(tmp_path)}" in out
    assert "3/3" in result.stderr  # the progress bar
    assert mg.load_config(folder / "config.toml")["training"]["epochs"] == 3


def test_quiet_prints_only_the_run_folder(tmp_path, capsys):
    folder = tmp_path / "q"
    assert main(["train", "--epochs", "1", "--out", str(folder), *QUICK]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(folder) and captured.err == ""


def test_a_run_folder_holding_a_run_is_kept_unless_overwrite(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "q"
    assert main(["train", "--epochs", "1", "--out", str(folder), *QUICK]) == 0
    (folder / "learning_curves.png").write_bytes(b"an earlier plot")
    before = (folder / "model.npz").read_bytes()
    capsys.readouterr()
    assert main(["train", "--epochs", "2", "--out", str(folder), *QUICK]) == 2
    err = capsys.readouterr().err
    assert f"{folder} already holds a run" in err and "--resume" in err and "--overwrite" in err
    assert (folder / "model.npz").read_bytes() == before  # nothing was touched
    (tmp_path / "broken.csv").write_text("x1,x2,label\n0.1,0.2,0\n0.3,oops,1\n")  # fails at build
    bad = ["--set", f"data.path='{tmp_path / 'broken.csv'}'"]
    argv = ["train", "--epochs", "2", "--out", str(folder), "--overwrite", "--quiet", "--no-plots", *bad]
    assert main(argv) == 2
    assert "oops" in capsys.readouterr().err
    assert (folder / "model.npz").read_bytes() == before  # a run that fails to build replaces nothing
    assert main(["train", "--epochs", "2", "--out", str(folder), "--overwrite", *QUICK]) == 0
    assert mg.load_config(folder / "config.toml")["training"]["epochs"] == 2
    assert not (folder / "learning_curves.png").exists()  # no file of the old run outlives it
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--epochs", "1", "--name", "n", *QUICK]) == 0
    assert main(["train", "--epochs", "1", "--name", "n", *QUICK]) == 2
    for bad, message in (
        (["--name", " "], "--name is empty"),
        (["--name", "a", "--out", "b"], "both name the run folder"),
        (["--out", str(folder / "model.npz"), "--overwrite"], "is a file, not a folder"),
    ):
        capsys.readouterr()
        assert main(["train", "--epochs", "1", *bad, *QUICK]) == 2
        assert message in capsys.readouterr().err


def test_unusable_paths_and_files_are_one_line_errors_not_tracebacks(trained_run, tmp_path, capsys):
    (tmp_path / "latin1.toml").write_bytes(b"[training]\nepochs = 3 # \xe9\n")
    points = tmp_path / "in.csv"
    points.write_text("0.1,0.2\n")
    (tmp_path / "folder.csv").mkdir()
    for argv, message in (
        (["train", str(tmp_path / "latin1.toml"), *QUICK], "not a UTF-8 text file"),
        (["train", "--set", "training.loss='hinge'", *QUICK], "unknown loss"),
        (
            ["predict", str(trained_run), "--input", str(points), "--output", str(tmp_path / "o.json")],
            "unsupported suffix '.json'; use .csv or .npz",
        ),
        (
            ["predict", str(trained_run), "--input", str(points), "--output", str(tmp_path / "folder.csv")],
            f"{str(tmp_path / 'folder.csv')!r}: is a folder; give a file name",
        ),
    ):
        capsys.readouterr()
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("minigrad: error:") and message in err and "Traceback" not in err, err


def test_notes_of_an_error_are_printed_under_it(monkeypatch, capsys):
    # e.g. Sequential's note naming the layer that failed
    def failing_run(*args, **kwargs):
        err = mg.ShapeError("dense: input has 3 features but the layer takes 4")
        err.add_note("in layer 2 of the Sequential (Dense, 'dense' from plugin 'builtin')")
        raise err

    monkeypatch.setattr("minigrad.config.run_config", failing_run)
    assert main(["train", *QUICK]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "minigrad: error: dense: input has 3 features but the layer takes 4",
        "  note: in layer 2 of the Sequential (Dense, 'dense' from plugin 'builtin')",
    ]


def test_set_epochs_and_seed_options_reach_the_config(tmp_path):
    folder = tmp_path / "s"
    args = [
        "train",
        "--epochs",
        "2",
        "--seed",
        "5",
        "--set",
        "optimizer.lr=0.003",
        "--out",
        str(folder),
        *QUICK,
    ]
    assert main(args) == 0
    config = mg.load_config(folder / "config.toml")
    assert config["training"]["epochs"] == 2 and config["training"]["seed"] == 5
    assert config["optimizer"]["lr"] == 0.003


def test_config_errors_exit_2_naming_the_key_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[training]\nepoch = 3\n")
    result = cli("train", str(bad))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        str(bad) in result.stderr
        and "training.epoch" in result.stderr
        and "did you mean 'epochs'" in result.stderr
    )
    result = cli("train", "--set", "optimizer.name=adma")
    assert (
        result.returncode == 2 and "did you mean 'adam'" in result.stderr and "Traceback" not in result.stderr
    )


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(mg.ConfigError, match=r"training\.epochs"):
        main(["train", "--debug", "--set", "training.epochs=0"])


def test_predict_prints_labels_and_probabilities(trained_run, tmp_path, capsys):
    points = np.array([[0.1, 0.2], [-0.5, 0.9], [0.7, -0.3]])
    (tmp_path / "in.csv").write_text("x1,x2\n" + "\n".join(f"{a},{b}" for a, b in points) + "\n")
    assert main(["predict", str(trained_run), "--input", str(tmp_path / "in.csv")]) == 0
    rows = list(csv.reader(capsys.readouterr().out.strip().splitlines()))
    assert rows[0] == ["label", "p_0", "p_1", "p_2"] and len(rows) == 4
    model, normalizer, _ = load_model(trained_run)
    expected = mg.predict(model, normalizer.transform(points))
    assert [int(row[0]) for row in rows[1:]] == expected.tolist()
    np.savez(tmp_path / "in.npz", X=points)
    assert (
        main(
            [
                "predict",
                str(trained_run),
                "--input",
                str(tmp_path / "in.npz"),
                "--output",
                str(tmp_path / "o.npz"),
            ]
        )
        == 0
    )
    with np.load(tmp_path / "o.npz") as out:
        np.testing.assert_array_equal(out["labels"], expected)
        np.testing.assert_allclose(out["probabilities"].sum(axis=1), 1.0)


def test_predict_refuses_a_first_row_mixing_numbers_and_text_instead_of_dropping_it(
    trained_run, tmp_path, capsys
):
    (tmp_path / "typo.csv").write_text("0.1,0.2x\n0.3,0.4\n-0.2,0.1\n")
    assert main(["predict", str(trained_run), "--input", str(tmp_path / "typo.csv")]) == 2
    assert "first row mixes numbers and text (field 2 is '0.2x')" in capsys.readouterr().err
    (tmp_path / "latin1.csv").write_bytes(b"x1,x2\n0.1,0.2\n\xe9,1\n")
    assert main(["predict", str(trained_run), "--input", str(tmp_path / "latin1.csv")]) == 2
    assert "not a UTF-8 text CSV file" in capsys.readouterr().err


def test_predict_rejects_inputs_of_the_wrong_width(trained_run, tmp_path, capsys):
    (tmp_path / "wide.csv").write_text("1,2,3\n")
    assert main(["predict", str(trained_run), "--input", str(tmp_path / "wide.csv")]) == 2
    assert "takes 2 per example" in capsys.readouterr().err


def test_evaluate_reports_the_saved_split_and_a_data_file(trained_run, tmp_path, capsys):
    assert main(["evaluate", str(trained_run)]) == 0
    out = capsys.readouterr().out
    saved = mg.load_checkpoint(trained_run / "model.npz").extra["metrics"]
    for split in ("train", "dev", "test"):
        (line,) = [line for line in out.splitlines() if line.startswith(split)]
        assert f"{saved[split]['accuracy']:.2%}" in line and f"{saved[split]['cost']:.4f}" in line
    X, Y = mg.dataset("moons", n=30, seed=3)
    np.savez(tmp_path / "holdout.npz", X=X, Y=Y)
    assert main(["evaluate", str(trained_run), "--data", str(tmp_path / "holdout.npz")]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("data")
    assert main(["evaluate", str(tmp_path / "missing")]) == 2
    (tmp_path / "wide.csv").write_text("a,b,c,label\n0.1,0.2,0.3,0\n0.3,0.4,0.5,1\n")
    capsys.readouterr()
    assert main(["evaluate", str(trained_run), "--data", str(tmp_path / "wide.csv")]) == 2
    assert "3 feature column(s) besides the label, but the run's model takes 2" in capsys.readouterr().err


def test_resume_continues_a_run_to_the_same_weights(tmp_path):
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    assert main(["train", "--epochs", "6", "--out", str(straight), *QUICK]) == 0
    assert main(["train", "--epochs", "3", "--out", str(resumed), *QUICK]) == 0
    assert main(["train", "--resume", str(resumed), "--epochs", "6", "--quiet", "--no-plots"]) == 0
    a, b = mg.load_checkpoint(straight / "model.npz"), mg.load_checkpoint(resumed / "model.npz")
    for key in a.model:
        np.testing.assert_array_equal(a.model[key], b.model[key])
    assert (straight / "history.csv").read_text() == (resumed / "history.csv").read_text()
    assert main(["train", "--resume", str(tmp_path / "nothing")]) == 2


def test_resume_refuses_settings_that_would_change_the_run_midway(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--epochs", "2", "--out", str(run), *QUICK]) == 0
    config = (run / "config.toml").read_text()
    capsys.readouterr()
    assert main(["train", "--resume", str(run), "--epochs", "4", "--set", "optimizer.lr=0.5", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--set optimizer.lr=0.5 would change it midway" in err and "Only --epochs may change" in err
    assert f"minigrad train {run / 'config.toml'} --set optimizer.lr=0.5" in err
    assert main(["train", "--resume", str(run), "--seed", "3", "--quiet"]) == 2
    assert (run / "config.toml").read_text() == config  # the run's record is untouched


def test_the_restored_epoch_names_what_early_stopping_monitored(tmp_path, capsys):
    args = ["train", "--epochs", "6", "--set", "data.options.n=150", "--no-plots"]
    assert main([*args, "--out", str(tmp_path / "a"), "--set", "callbacks.0.monitor=dev_accuracy"]) == 0
    assert "(the best dev accuracy)" in capsys.readouterr().out
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    assert "(the best dev cost)" in capsys.readouterr().out


def test_evaluate_refuses_a_split_that_differs_from_the_runs(trained_run, capsys, monkeypatch):
    """A regenerated split that is not the training one (another minigrad's splitting,
    another dataset version) would put training examples in dev and test."""
    import minigrad.config as config_module

    capsys.readouterr()
    assert main(["evaluate", str(trained_run)]) == 0  # the same split: evaluated
    original = config_module._split_data

    def reshuffled(config, X, Y, *, source=None):
        config["data"]["seed"] += 1
        return original(config, X, Y, source=source)

    monkeypatch.setattr(config_module, "_split_data", reshuffled)
    capsys.readouterr()
    assert main(["evaluate", str(trained_run)]) == 2
    err = capsys.readouterr().err
    assert "is not split as it was for training" in err and "--data FILE" in err


def test_the_metrics_table_keeps_large_costs_in_their_columns():
    from minigrad.commands.train import _table

    table = _table({"train": {"cost": 123456789.0, "loss": 2e12, "accuracy": 0.5}})
    assert table.splitlines()[1].split() == ["train", "1.23457e+08", "2.00000e+12", "50.00%"]


def test_evaluate_says_when_a_run_has_no_split_digest_to_check(tmp_path, capsys, monkeypatch):
    import minigrad.config as config_module

    with_digest = config_module.model_metadata
    monkeypatch.setattr(config_module, "model_metadata", lambda run: {**with_digest(run), "split_digest": ""})
    folder = tmp_path / "old"
    assert main(["train", "--epochs", "1", "--out", str(folder), *QUICK]) == 0  # as saved before digests
    capsys.readouterr()
    assert main(["evaluate", str(folder)]) == 0
    assert "saved without a digest of its split" in capsys.readouterr().err


@pytest.mark.parametrize("target", ["model.npz", "checkpoint.npz", "config.toml", "history.csv", "input"])
def test_predict_refuses_an_output_that_would_overwrite_the_model_or_the_input(tmp_path, capsys, target):
    trained_run = tmp_path / "run"
    assert main(["train", "--epochs", "2", "--out", str(trained_run), *QUICK]) == 0
    (tmp_path / "in.csv").write_text("0.1,0.2\n-0.5,0.3\n")
    output = tmp_path / "in.csv" if target == "input" else trained_run / target
    # the same file through another spelling of its path
    spelled = str(output.parent / ".." / output.parent.name / output.name)
    before = output.read_bytes()
    for run_dir in (str(trained_run), str(trained_run / "model.npz")):
        argv = ["predict", run_dir, "--input", str(tmp_path / "in.csv"), "--output", spelled]
        code = main(argv)
        err = capsys.readouterr().err
        if not spelled.endswith((".csv", ".npz")):
            assert code == 2 and "unsupported suffix" in err
            continue
        assert code == 2, err
        assert f"--output {spelled}" in err and "choose another --output file" in err
        assert output.read_bytes() == before


def test_runs_started_in_the_same_second_claim_different_default_folders(tmp_path, monkeypatch):
    import argparse

    from minigrad.commands import train as train_command

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(train_command.time, "strftime", lambda fmt: "20250101-120000")
    args = argparse.Namespace(out=None, name=None, overwrite=False)
    folders = [train_command._run_folder(args)[0] for _ in range(3)]
    # each folder is claimed (created) when chosen, not later by the run: no two runs share one
    assert [f.name for f in folders] == ["20250101-120000", "20250101-120000-2", "20250101-120000-3"]
    assert all(f.is_dir() for f in folders)


def test_a_run_that_fails_before_training_leaves_no_empty_default_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.csv").write_text("x1,x2,label\n0.1,0.2,0\n0.3,oops,1\n")
    argv = ["train", "--epochs", "1", "--quiet", "--no-plots", "--set", "data.path='broken.csv'"]
    assert main(argv) == 2
    assert "oops" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists() or not list((tmp_path / "runs").iterdir())


def test_resume_refuses_a_config_toml_edited_since_the_run_started(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--epochs", "2", "--out", str(run), *QUICK]) == 0
    original = (run / "config.toml").read_text()
    assert "lr = 0.01\n" in original and "lam = 0.1\n" in original
    edited = original.replace("lr = 0.01\n", "lr = 0.5\n").replace("lam = 0.1\n", "lam = 0.3\n")
    (run / "config.toml").write_text(edited)
    checkpoint = (run / "checkpoint.npz").read_bytes()
    capsys.readouterr()
    assert main(["train", "--resume", str(run), "--epochs", "4", "--quiet", "--no-plots"]) == 2
    err = capsys.readouterr().err
    assert f"{run / 'config.toml'} was edited" in err
    assert "optimizer.lr (0.01 -> 0.5)" in err and "regularizer.lam (0.1 -> 0.3)" in err
    assert "start a new run" in err and "Only --epochs may change" in err
    assert (run / "checkpoint.npz").read_bytes() == checkpoint and (run / "config.toml").read_text() == edited
    # the number of epochs may change (in the file or with --epochs); so may comments and layout
    (run / "config.toml").write_text("# more epochs\n" + original.replace("epochs = 2\n", "epochs = 3\n"))
    assert main(["train", "--resume", str(run), "--quiet", "--no-plots"]) == 0
    assert len(mg.load_checkpoint(run / "checkpoint.npz").extra["trainer"]["history"]["epochs"]) == 3
    assert main(["train", "--resume", str(run), "--epochs", "4", "--quiet", "--no-plots"]) == 0


def _interrupt_during_epoch(monkeypatch, stop_at):
    """Make training raise KeyboardInterrupt (as Ctrl-C does) inside epoch ``stop_at``."""
    from minigrad.train import Trainer

    run_epoch = Trainer._run_epoch

    def interrupted(self, epoch):
        if epoch == stop_at:
            raise KeyboardInterrupt
        return run_epoch(self, epoch)

    monkeypatch.setattr(Trainer, "_run_epoch", interrupted)


def test_ctrl_c_says_what_the_checkpoint_holds_and_how_to_continue(tmp_path, capsys, monkeypatch):
    run = tmp_path / "run"
    _interrupt_during_epoch(monkeypatch, 7)
    argv = ["train", "--epochs", "10", "--checkpoint-every", "3", "--out", str(run), "--no-plots"]
    assert main([*argv, "--set", "data.options.n=150"]) == 130
    err = capsys.readouterr().err
    lines = err.split("\n")
    assert "minigrad: interrupted" in lines  # on a line of its own, not over the progress bar
    assert "7/10" in err  # the bar was closed where training stopped
    assert f"the last checkpoint, {run / 'checkpoint.npz'}, holds epochs 0-5" in err
    assert "the 1 epoch finished after it (epoch 6) is lost" in err and "--checkpoint-every 1" in err
    assert f"continue with: minigrad train --resume {run}" in err
    monkeypatch.undo()
    assert main(["train", "--resume", str(run), "--quiet", "--no-plots"]) == 0
    assert len(mg.load_checkpoint(run / "checkpoint.npz").extra["trainer"]["history"]["epochs"]) == 10


def test_ctrl_c_before_the_first_checkpoint_advises_a_fresh_start(tmp_path, capsys, monkeypatch):
    run = tmp_path / "run"
    _interrupt_during_epoch(monkeypatch, 1)
    argv = ["train", "--epochs", "4", "--checkpoint-every", "3", "--out", str(run), *QUICK]
    assert main(argv) == 130
    err = capsys.readouterr().err
    restart = f"minigrad train {run / 'config.toml'} --out {run} --overwrite"
    assert "no checkpoint yet" in err and restart in err and "--resume" not in err
    monkeypatch.undo()
    # a rerun is refused without suggesting --resume, which could not continue this run
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"{run} already holds a run" in err and "--overwrite" in err and "--resume" not in err
    assert main(["train", "--resume", str(run)]) == 2
    assert restart in capsys.readouterr().err
    assert main([*restart.split()[1:], "--quiet", "--no-plots"]) == 0  # the advice works
    assert mg.load_config(run / "config.toml")["data"]["options"]["n"] == 150


def test_callback_files_of_a_config_are_written_in_the_run_folder(tmp_path, monkeypatch, capsys):
    configs, elsewhere, run = tmp_path / "configs", tmp_path / "cwd", tmp_path / "run"
    configs.mkdir()
    elsewhere.mkdir()
    (configs / "c.toml").write_text(
        '[[callbacks]]\nname = "checkpoint"\npath = "mine.npz"\nevery = 1\nsave_best = true\n\n'
        '[[callbacks]]\nname = "csv_logger"\npath = "logs/mine.csv"\n'
    )
    monkeypatch.chdir(elsewhere)
    assert main(["train", str(configs / "c.toml"), "--epochs", "2", "--out", str(run), *QUICK]) == 0
    assert {"mine.npz", "mine-best.npz"} <= {p.name for p in run.iterdir()}
    assert (run / "logs" / "mine.csv").is_file()
    assert not list(elsewhere.iterdir()) and sorted(p.name for p in configs.iterdir()) == ["c.toml"]
    # config.toml keeps them relative, so a rerun from it writes into its own run folder
    assert mg.load_config(run / "config.toml")["callbacks"][0]["path"] == "mine.npz"
    rerun = tmp_path / "rerun"
    assert main(["train", str(run / "config.toml"), "--out", str(rerun), "--quiet", "--no-plots"]) == 0
    assert (rerun / "mine.npz").is_file() and (rerun / "logs" / "mine.csv").is_file()


def test_a_callback_file_that_is_a_file_of_the_run_is_refused(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text('[[callbacks]]\nname = "csv_logger"\npath = "history.csv"\n')
    run = tmp_path / "run"
    assert main(["train", str(config), "--epochs", "2", "--out", str(run), *QUICK]) == 2
    err = capsys.readouterr().err
    assert f'{config}: callbacks.0.path = "history.csv"' in err and "the run's own history.csv" in err


class _Reads:
    """A callback reading a file (an input) and writing one it declares."""

    def __init__(self, *, reference_path="ref.txt", report_path="report.txt"):
        self.reference_path, self.report_path = reference_path, report_path

    def on_train_end(self, trainer):
        with open(self.reference_path) as source, open(self.report_path, "w") as out:
            out.write(source.read().upper())


def test_only_the_files_a_callback_declares_it_writes_go_into_the_run_folder(tmp_path, monkeypatch, capsys):
    plugin = types.SimpleNamespace()

    @mg.hookimpl
    def minigrad_register_callbacks(registry):
        registry.add("reads", _Reads, doc="reads a reference, writes a report", writes=("report_path",))

    plugin.minigrad_register_callbacks = minigrad_register_callbacks
    mg.register_plugin(plugin, name="reads_plugin")
    try:
        monkeypatch.chdir(tmp_path)
        (tmp_path / "ref.txt").write_text("input")
        (tmp_path / "c.toml").write_text('[[callbacks]]\nname = "reads"\nreference_path = "ref.txt"\n')
        run = tmp_path / "run"
        assert main(["train", "c.toml", "--epochs", "1", "--out", str(run), *QUICK]) == 0
        assert (run / "report.txt").read_text() == "INPUT"  # the input was read where it is
    finally:
        mg.unregister_plugin("reads_plugin")


@pytest.mark.parametrize("name", ["learning_curves.png", "model.npz"])
def test_a_callback_file_that_is_a_plot_or_model_of_the_run_is_refused(tmp_path, capsys, name):
    config = tmp_path / "c.toml"
    config.write_text(f'[[callbacks]]\nname = "csv_logger"\npath = "{name}"\n')
    assert main(["train", str(config), "--epochs", "2", "--out", str(tmp_path / "run"), *QUICK]) == 2
    assert f"the run's own {name}" in capsys.readouterr().err


def test_commands_to_paste_are_quoted_for_the_systems_shell(monkeypatch):
    from pathlib import Path

    from minigrad.commands.train import _shell_word

    plain, spaced = Path("runs/x"), Path("my runs/x")
    windows, windows_spaced = Path(r"runs\20250101-1"), Path(r"C:\my runs\x")
    assert _shell_word(plain) == "runs/x" and _shell_word(spaced) == "'my runs/x'"
    monkeypatch.setattr(os, "name", "nt")  # cmd.exe does not remove single quotes
    assert _shell_word(windows) == r"runs\20250101-1"
    assert _shell_word(windows_spaced) == r'"C:\my runs\x"'
