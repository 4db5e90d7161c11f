"""A whole-valued regression target (prices, counts) is a target, not class labels:
it is loaded as numbers and never stratified, in the API, config and CLI paths."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.cli import main
from minigrad.commands.train import _cost_text
from minigrad.config import build, load_config, load_model


def _price_csv(path, m=300):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(m, 3))
    price = np.round(100 * X[:, 0] + 50 * X[:, 1] + 1000).astype(int)  # many distinct whole numbers
    lines = ["a,b,c,price"] + [",".join(f"{v:.4f}" for v in row) + f",{t}" for row, t in zip(X, price)]
    path.write_text("\n".join(lines) + "\n")
    return price


def _regression_config(tmp_path, data_file):
    path = tmp_path / "reg.toml"
    path.write_text(
        f'[data]\npath = "{data_file.as_posix()}"\ntarget = "price"\n'
        '[model]\nlayers = [{type = "dense", units = 8}, {type = "relu"}, {type = "dense", units = 1}]\n'
        '[training]\nloss = "mean_squared_error"\nepochs = 2\n'
    )
    return path


def test_load_dataset_keeps_a_regression_target_as_numbers(tmp_path):
    price = _price_csv(tmp_path / "reg.csv")
    _, Y = mg.load_dataset(tmp_path / "reg.csv", target="price", labels=False)
    assert Y.dtype == np.float64 and np.array_equal(Y, price)
    _, guessed = mg.load_dataset(tmp_path / "reg.csv", target="price")  # the default still guesses
    assert guessed.dtype == np.int64
    with pytest.raises(mg.ConfigError, match="labels must be True"):
        mg.load_dataset(tmp_path / "reg.csv", labels="yes")
    (tmp_path / "half.csv").write_text("x,y\n1,0.5\n2,1\n")
    with pytest.raises(mg.ConfigError, match=r"not whole numbers.*0\.5.*labels=False"):
        mg.load_dataset(tmp_path / "half.csv", labels=True)


def test_a_config_with_a_regression_loss_splits_whole_valued_targets_unstratified(tmp_path):
    _price_csv(tmp_path / "reg.csv")
    run = build(load_config(_regression_config(tmp_path, tmp_path / "reg.csv")))
    assert [len(part[0]) for part in (run.train, run.dev, run.test)] == [180, 60, 60]
    assert run.train[1].dtype == np.float64
    # stratify = true (the default) only applies to classification losses
    assert run.config["data"]["stratify"] is True


def test_a_config_with_all_distinct_whole_valued_targets_trains(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "uniq.npz", X=rng.normal(size=(200, 2)), Y=np.arange(200) * 7)
    path = tmp_path / "u.toml"
    path.write_text('[data]\npath = "uniq.npz"\n[training]\nloss = "mean_squared_error"\nepochs = 1\n')
    config = load_config(path, overrides=['model.layers=[{type = "dense", units = 1}]', "callbacks=[]"])
    run = build(config)  # was: "the dev set would be empty"
    assert [len(part[0]) for part in (run.train, run.dev, run.test)] == [120, 40, 40]


@pytest.mark.filterwarnings("ignore::minigrad.GradientWarning")  # unscaled prices: large gradients
def test_evaluate_splits_a_regression_run_as_training_did(tmp_path, capsys):
    _price_csv(tmp_path / "reg.csv")
    config = _regression_config(tmp_path, tmp_path / "reg.csv")
    folder = tmp_path / "run"
    assert main(["train", str(config), "--out", str(folder), "--quiet", "--no-plots"]) == 0
    capsys.readouterr()
    run = build(load_config(config))
    assert main(["evaluate", str(folder)]) == 0
    out = capsys.readouterr().out
    model, _, _ = load_model(folder)
    for X, Y in (run.train, run.dev, run.test):  # build's parts, already normalized
        assert _cost_text(mg.evaluate(model, X, Y, loss="mean_squared_error")["loss"]) in out, out
    # a --data file with whole-valued targets is read as numbers too
    assert main(["evaluate", str(folder), "--data", str(tmp_path / "reg.csv"), "--target", "price"]) == 0
