"""Evaluate a trained run: cost and accuracy on its train/dev/test split, or on a data file.

Without ``--data`` the run's dataset is regenerated from its saved configuration and
split the same way. With ``--data FILE`` (``.npz`` with arrays ``X`` and ``Y``, or a
``.csv`` whose last column, or ``--target``, holds the labels) the whole file is
evaluated. Inputs are normalized with the run's saved normalizer.

Examples:
    minigrad evaluate runs/20250101-120000
    minigrad evaluate runs/quick --data holdout.csv --target label
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``minigrad evaluate``."""
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a run folder (or its model.npz)")
    parser.add_argument("--data", metavar="FILE", help="evaluate on this .npz or .csv instead")
    parser.add_argument("--target", help="label column (.csv) or array key (.npz) of --data")


def run(args: argparse.Namespace) -> int:
    """Print the evaluation table; returns the exit code."""
    import numpy as np

    from minigrad.commands.train import _table
    from minigrad.config import _split_data, load_data, load_model, split_digest
    from minigrad.data import load_dataset
    from minigrad.errors import ConfigError
    from minigrad.factories import loss as make_loss
    from minigrad.factories import regularizer as make_regularizer
    from minigrad.train import evaluate

    if not Path(args.run_dir).exists():
        raise ConfigError(f"RUN_DIR {args.run_dir}: no such run folder or model file")
    model, normalizer, meta = load_model(args.run_dir)
    config = meta["config"]
    if args.data:
        # a regression model's whole-valued targets stay values (not class labels)
        labels = False if meta.get("link") == "identity" else None
        X, Y = load_dataset(args.data, target=args.target, labels=labels)
        expected = int(meta["n_features"])
        if int(np.prod(X.shape[1:])) != expected:
            raise ConfigError(
                f"--data {args.data}: {int(np.prod(X.shape[1:]))} feature column(s) besides the label, but "
                f"the run's model takes {expected}; give the same feature columns it was trained on "
                "(--target names the label column)"
            )
        parts = {"data": (X, Y)}
        m = None
    else:
        if args.target:
            raise ConfigError("--target applies to --data FILE only")
        source = f"{args.run_dir} (saved config)"
        X, Y = load_data(config, source=source)
        parts = _split_data(config, X, Y, source=source)  # as training split it
        saved = meta.get("split_digest")
        if not saved:
            print(
                f"note: {args.run_dir} was saved without a digest of its split, so the regenerated split "
                "cannot be checked against the one it was trained on (stratified splits changed since); "
                "if they differ, dev and test may hold training examples: evaluate held-out data with --data",
                file=sys.stderr,
            )
        elif split_digest(parts) != saved:
            raise ConfigError(
                f"{args.run_dir}: the data regenerated from the run's configuration is not split as it was "
                "for training (another version of minigrad, of a dataset plugin or of the data file?), so "
                "its dev and test parts could hold training examples; evaluate held-out data with --data FILE"
            )
        train, dev, test = parts
        parts = {"train": train, "dev": dev, **({"test": test} if test is not None else {})}
        m = len(train[0])
    loss = make_loss(config["training"]["loss"])
    reg_cfg = config["regularizer"]
    regularizer = None
    if reg_cfg["name"] != "none":
        regularizer = make_regularizer(reg_cfg["name"], **{k: v for k, v in reg_cfg.items() if k != "name"})
    link = meta.get("link", "auto")
    metrics = {}
    for name, (Xp, Yp) in parts.items():
        if normalizer is not None:
            Xp = normalizer.transform(Xp)
        metrics[name] = evaluate(
            model,
            Xp,
            Yp,
            loss=loss,
            regularizer=regularizer,
            m=m,
            link=link,
        )
    print(_table(metrics))
    return 0
