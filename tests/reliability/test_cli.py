"""CLI and config errors: malformed TOML, unknown keys, wrong types and out-of-range values
exit with code 2 and one paragraph naming the file, key and value; no traceback unless
``--debug``. The subprocess tests run the real ``minigrad`` entry point; the rest call
``minigrad.cli.main`` in-process (same code path, faster)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from minigrad.cli import main


def minigrad(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "minigrad.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def assert_one_paragraph(stderr, *parts):
    text = stderr.strip()
    assert "Traceback" not in text
    assert len(text.splitlines()) == 1, text  # one paragraph
    assert text.startswith("minigrad: error: ")
    for part in parts:
        assert part in text, (part, text)


SUBPROCESS_CASES = {
    "malformed TOML": ("[training\nepochs = 3\n", ["bad.toml", "malformed TOML", "line 1"]),
    "wrong type": ('[training]\nepochs = "ten"\n', ["bad.toml", 'training.epochs = "ten"', "integer"]),
    "out of range": (
        "[model]\nlayers = [\n"
        '{type = "dense", units = 8}, {type = "dropout", keep_prob = 1.5}, {type = "dense"}]\n',
        ["bad.toml", "model.layers.1", "keep_prob", "1.5", "(0, 1]"],
    ),
    "unknown key": ("[trainig]\nepochs = 3\n", ["bad.toml", "trainig", "did you mean 'training'"]),
}


@pytest.mark.parametrize("case", sorted(SUBPROCESS_CASES))
def test_config_errors_exit_2_with_one_paragraph_and_no_traceback(tmp_path, case):
    text, parts = SUBPROCESS_CASES[case]
    (tmp_path / "bad.toml").write_text(text)
    result = minigrad("train", "bad.toml", "--quiet", "--out", "run", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert_one_paragraph(result.stderr, *parts)
    assert not (tmp_path / "run").exists()  # nothing trained, nothing written


def test_debug_shows_the_traceback(tmp_path):
    (tmp_path / "bad.toml").write_text("[optimizer]\nlr = -1.0\n")
    result = minigrad("--debug", "train", "bad.toml", "--quiet", cwd=tmp_path)
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "ConfigError" in result.stderr and "lr = -1.0" in result.stderr


IN_PROCESS_CASES = {
    "float for an int": ("[training]\nepochs = 1.5\n", ["training.epochs = 1.5"]),
    "negative seed": ("[training]\nseed = -3\n", ["training.seed = -3"]),
    "zero batch": ("[training]\nbatch_size = 0\n", ["training.batch_size = 0"]),
    "negative lr": ("[optimizer]\nlr = -1.0\n", ["optimizer", "lr = -1.0", "out of range"]),
    "negative lambda": ('[regularizer]\nname = "l2"\nlam = -0.1\n', ["regularizer", "lam", "-0.1"]),
    "string hyperparameter": (
        '[schedule]\nname = "inverse_time"\ndecay_rate = "fast"\n',
        ["schedule", "decay_rate = 'fast'"],
    ),
    "callback option": (
        '[[callbacks]]\nname = "early_stopping"\npatience = -1\n',
        ["callbacks.0", "patience"],
    ),
    "unknown component": ('[optimizer]\nname = "adma"\n', ['optimizer.name = "adma"', "did you mean 'adam'"]),
    "top-level key": ("epochs = 3\n", ["epochs = 3", "unknown key"]),
    "bad split": ('[data]\nsplit = "half"\n', ['data.split = "half"']),
    "dataset option": ('[data]\ndataset = "moons"\noptions = {n = -5}\n', ["data.options", "-5"]),
    "layers not a list": ('[model]\nlayers = "dense"\n', ['model.layers = "dense"']),
}


@pytest.mark.parametrize("case", sorted(IN_PROCESS_CASES))
def test_more_config_errors_exit_2_naming_file_key_and_value(tmp_path, monkeypatch, capsys, case):
    text, parts = IN_PROCESS_CASES[case]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_text(text)
    assert main(["train", "bad.toml", "--quiet", "--out", "run"]) == 2
    assert_one_paragraph(capsys.readouterr().err, "bad.toml", *parts)


@pytest.mark.parametrize(
    ("args", "parts"),
    [
        (["--set", "training.epochs=["], ["--set", "not a TOML literal"]),
        (["--set", "optimizer.lrr=0.1"], ["optimizer.lrr", "did you mean 'lr'"]),
        (["missing.toml"], ["missing.toml", "cannot read the config file"]),
        (["--checkpoint-every", "0"], ["--checkpoint-every"]),
        (["--resume", "nowhere"], ["nowhere", "not a resumable run folder"]),
    ],
)
def test_command_line_mistakes_exit_2(tmp_path, monkeypatch, capsys, args, parts):
    monkeypatch.chdir(tmp_path)
    assert main(["train", *args, "--quiet"]) == 2
    assert_one_paragraph(capsys.readouterr().err, *parts)


def test_a_corrupted_model_file_is_an_error_naming_the_file_without_traceback(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.npz").write_bytes(b"\x00" * 100)
    np.savez(tmp_path / "points.npz", X=np.zeros((2, 2)))
    code = main(["predict", "model.npz", "--input", "points.npz"])
    assert code in (1, 2)
    assert_one_paragraph(capsys.readouterr().err, "model.npz")
