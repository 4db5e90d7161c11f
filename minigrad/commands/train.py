"""Train a model with the course's recipe, or from a TOML config, and write a run folder.

With no arguments it trains the built-in recipe on the embedded ``spirals`` data: a
60/20/20 split, input normalization, a ReLU network with He initialization, mini-batch
Adam, L2 regularization, learning-rate decay and early stopping. It prints train/dev/test
cost and accuracy with the bias/variance diagnosis and writes the run folder:

    history.csv            cost, accuracy, learning rate and gradient norms per epoch
    learning_curves.png    train and dev cost (needs matplotlib, the `plot` extra)
    decision_boundary.png  for 2-D data
    gradient_norms.png     per-layer gradient norms
    model.npz              the final model + normalizer + config (minigrad predict / evaluate)
    checkpoint.npz         the resumable training state (minigrad train --resume RUN_DIR)
    config.toml            the resolved configuration: `minigrad train RUN/config.toml` reruns it

Examples:
    minigrad train
    minigrad train --set optimizer.lr=0.003 --set training.epochs=50
    minigrad train --epochs 20 --seed 1 --out runs/quick
    minigrad train --resume runs/quick --epochs 40
    minigrad train runs/quick/config.toml --set training.epochs=50 --out runs/longer
    minigrad train examples/train.toml     # in the minigrad source repository

A config file holds the tables of the built-in recipe it changes (the configuration page
of the documentation lists them); every run's config.toml is a complete one to start from.
examples/train.toml, with every setting explained, is in the minigrad source repository,
not in the installed package.

--resume continues the run as it was configured: only --epochs may change. --set and
--seed are refused, and so is a config.toml edited since the run started (compared with
the configuration saved in checkpoint.npz; training.epochs may differ).

A folder given by --out or --name that already holds a run is refused unless --overwrite.
Ctrl-C stops training (exit code 130) and says which epochs the last checkpoint holds
and the command that continues the run (minigrad train --resume DIR), or, before the
first checkpoint, the command that starts it again; the epochs finished after the last
checkpoint are not saved (--checkpoint-every 1 saves every epoch).
The default folder is created when the run starts (runs started in the same second get
runs/<timestamp>-2, -3, ...).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``minigrad train``."""
    parser.add_argument("config", nargs="?", help="a TOML config (default: the built-in recipe)")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value, e.g. --set optimizer.lr=0.01 (repeatable; values are TOML literals)",
    )
    parser.add_argument("--out", metavar="DIR", help="the run folder (default: runs/<name or timestamp>)")
    parser.add_argument("--name", help="name of the run folder under runs/")
    parser.add_argument("--epochs", type=int, help="shortcut for --set training.epochs=N")
    parser.add_argument("--seed", type=int, help="shortcut for --set training.seed=N")
    parser.add_argument("--quiet", action="store_true", help="no progress bar; print only the run folder")
    parser.add_argument("--resume", metavar="RUN_DIR", help="continue the run saved in RUN_DIR")
    parser.add_argument(
        "--checkpoint-every",
        type=int,
        default=10,
        metavar="N",
        help="save a resumable checkpoint every N epochs",
    )
    parser.add_argument("--no-plots", action="store_true", help="do not draw the PNG plots")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the run already in --out / --name (else an error)"
    )


def _run_folder(args: argparse.Namespace) -> tuple[Path, list[str]]:
    """The new run's folder, and the files of the run it already holds (refused unless
    --overwrite; :class:`_ReplaceRun` removes them once the new run starts training)."""
    from minigrad.config import RUN_FILES
    from minigrad.errors import ConfigError

    if args.out and args.name is not None:
        raise ConfigError("--out DIR and --name NAME both name the run folder; pass one")
    if args.name is not None and not args.name.strip():
        raise ConfigError("--name is empty; give the run folder a name, or drop --name for a timestamp")
    if not args.out and not args.name:
        # Claim the folder by creating it: mkdir fails when another run (started in the
        # same second) created it first, and that run's folder is left to it.
        base = Path("runs") / time.strftime("%Y%m%d-%H%M%S")
        base.parent.mkdir(parents=True, exist_ok=True)
        folder, n = base, 1
        while True:
            try:
                folder.mkdir()
            except FileExistsError:
                n += 1
                folder = base.with_name(f"{base.name}-{n}")
                continue
            return folder, []
    folder = Path(args.out) if args.out else Path("runs") / args.name
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder} is a file, not a folder; choose another --out")
    previous = [name for name in RUN_FILES if (folder / name).exists()]
    if previous and not args.overwrite:
        # --resume needs a checkpoint: a run stopped before its first one can only start over
        resume = f"continue it with --resume {_shell_word(folder)}, " if "checkpoint.npz" in previous else ""
        raise ConfigError(
            f"{folder} already holds a run ({', '.join(previous)}); choose another folder, {resume}"
            "or pass --overwrite to replace it"
        )
    return folder, previous


class _ReplaceRun:
    """Removes the replaced run's files when the new run starts training: after it was
    built (a config or data error leaves the old run whole) and wrote its config.toml,
    before it writes anything else, so no file of the old run outlives it."""

    order = -100  # before the history and checkpoint writers

    def __init__(self, folder: Path, names: list[str]) -> None:
        self.paths = [folder / name for name in names if name != "config.toml"]  # already the new one

    def on_train_begin(self, trainer: object) -> None:
        for path in self.paths:
            path.unlink(missing_ok=True)


class _Progress:
    """Notes the epochs this session finished, for the message on Ctrl-C."""

    order = 1000  # after the checkpoint writer: an epoch counts once it is fully handled

    def __init__(self) -> None:
        self.started = False
        self.finished: int | None = None

    def on_train_begin(self, trainer: object) -> None:
        self.started = True

    def on_epoch_end(self, trainer: object, epoch: int, logs: dict[str, float]) -> None:
        self.finished = epoch


def _shell_word(path: Path) -> str:
    """``path`` as one word of a command to paste into this system's shell: quoted only
    when it needs it, for cmd.exe on Windows (whose paths hold backslashes) and POSIX
    shells elsewhere."""
    import os
    import shlex
    import subprocess

    text = str(path)
    return subprocess.list2cmdline([text]) if os.name == "nt" else shlex.quote(text)


def _restart_command(folder: Path) -> str:
    """The command that starts the run in ``folder`` afresh from its config.toml."""
    return f"minigrad train {_shell_word(folder / 'config.toml')} --out {_shell_word(folder)} --overwrite"


def _interrupted(args: argparse.Namespace, folder: Path, progress: _Progress) -> list[str]:
    """What an interrupted run left: the epochs its checkpoint holds, those lost, and
    the command that continues it (or starts it again when there is no checkpoint)."""
    from minigrad.checkpoint import CheckpointError, load_checkpoint

    checkpoint = folder / "checkpoint.npz"
    if not progress.started:
        if args.resume:
            return [f"interrupted before training resumed; {folder} is unchanged"]
        return ["interrupted before training started; no epoch was trained"]
    saved = None
    if checkpoint.is_file():
        try:
            saved = load_checkpoint(checkpoint).epoch
        except CheckpointError:
            saved = None
    if saved is None:
        return [
            f"no checkpoint yet (one is written every {args.checkpoint_every} epochs, --checkpoint-every), "
            f"so the run cannot be resumed; start it again with: {_restart_command(folder)}"
        ]
    notes = [f"the last checkpoint, {checkpoint}, holds epochs 0-{saved}"]
    if progress.finished is not None and progress.finished > saved:
        lost = progress.finished - saved
        which = f"epoch {saved + 1}" if lost == 1 else f"epochs {saved + 1}-{progress.finished}"
        notes[0] += (
            f"; the {lost} epoch{'s' if lost > 1 else ''} finished after it ({which}) "
            f"{'are' if lost > 1 else 'is'} lost (--checkpoint-every 1 saves every epoch)"
        )
    epochs = f" --epochs {args.epochs}" if args.resume and args.epochs is not None else ""
    notes.append(f"continue with: minigrad train --resume {_shell_word(folder)}{epochs}")
    return notes


def _flatten(value: object, prefix: str = "") -> dict[str, object]:
    """``{"a": {"b": [1, {"c": 2}]}}`` as ``{"a.b.0": 1, "a.b.1.c": 2}``."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(i), item) for i, item in enumerate(value))
    else:
        return {prefix: value}
    flat: dict[str, object] = {}
    for key, item in items:
        flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return flat if flat or not prefix else {prefix: value}


def _check_config_unchanged(folder: Path, config: dict) -> None:
    """Refuse to resume when ``folder/config.toml`` no longer says what the checkpoint was
    trained with (a hand edit would change the run midway, as ``--set`` would); only
    ``training.epochs`` may differ."""
    import tomllib

    from minigrad.checkpoint import load_checkpoint
    from minigrad.config import DEFAULT_CONFIG, merge_config, validate_config
    from minigrad.errors import ConfigError

    checkpoint = folder / "checkpoint.npz"
    extra = load_checkpoint(checkpoint).extra
    user = extra.get("user") if isinstance(extra, dict) else None
    saved_text = user.get("config_toml") if isinstance(user, dict) else None
    if not isinstance(saved_text, str):
        return  # not written by minigrad train: nothing to compare with
    saved = validate_config(
        merge_config(DEFAULT_CONFIG, tomllib.loads(saved_text)), source=f"{checkpoint} (saved config)"
    )
    before, now = _flatten(dict(saved)), _flatten(dict(config))
    changed = [
        f"{key} ({_shown(before, key)} -> {_shown(now, key)})"
        for key in sorted(set(before) | set(now))
        if key != "training.epochs" and (key not in before or key not in now or before[key] != now[key])
    ]
    if changed:
        config_path = folder / "config.toml"
        raise ConfigError(
            f"--resume {folder}: {config_path} was edited since the run started: {', '.join(changed)}. "
            f"The checkpoint was trained with the values saved in it, so resuming would change the run "
            "midway. Only --epochs may change; undo the edit to continue this run, or start a new run "
            f"with the edited settings: minigrad train {config_path} --out NEW_DIR"
        )


def _shown(flat: dict[str, object], key: str) -> str:
    return repr(flat[key]) if key in flat else "absent"


def _table(metrics: dict[str, dict[str, float]]) -> str:
    columns = [c for c in ("cost", "loss", "accuracy") if any(c in row for row in metrics.values())]
    lines = [f"{'':<7}" + "".join(f"{c:>12}" for c in columns)]
    for split, row in metrics.items():
        cells = []
        for c in columns:
            value = row.get(c)
            if value is None:
                cells.append(f"{'-':>12}")
            elif c == "accuracy":
                cells.append(f"{value:>12.2%}")
            else:
                cells.append(f"{_cost_text(value):>12}")
        lines.append(f"{split:<7}" + "".join(cells))
    return "\n".join(lines)


def _cost_text(value: float) -> str:
    """A cost as the table shows it: 4 decimals, or 6 significant digits in scientific
    notation from 1e6 on (a diverged or regression run), so the columns stay apart."""
    return f"{value:.4f}" if abs(value) < 1e6 else f"{value:.5e}"


def _plots(result, folder: Path) -> list[str]:
    """Draw the PNGs; returns notes about the plots that could not be drawn."""
    import numpy as np

    from minigrad.errors import MinigradError
    from minigrad.plots import plot_decision_boundary, plot_gradient_norms, plot_learning_curves
    from minigrad.train import predict_proba

    run, history, notes = result.run, result.history, []
    try:
        plot_learning_curves(history, path=folder / "learning_curves.png")
        if history.grad_norms:
            kinds = {name: type(module).__name__ for name, module in run.model.named_modules()}
            norms = {f"layer {k} ({kinds.get(k, '?')})": v for k, v in history.grad_norms.items()}
            plot_gradient_norms({"grad_norms": norms}, path=folder / "gradient_norms.png")
        if run.n_features == 2 and run.link != "identity":
            X, Y = run.train
            raw = run.normalizer.inverse_transform(X) if run.normalizer is not None else X

            def predict_fn(points: np.ndarray) -> np.ndarray:
                inputs = run.normalizer.transform(points) if run.normalizer is not None else points
                return predict_proba(run.model, inputs, link=run.link)

            plot_decision_boundary(predict_fn, raw, Y, path=folder / "decision_boundary.png")
    except MinigradError as err:  # e.g. matplotlib is not installed
        notes.append(f"plots skipped: {err}")
    return notes


def run(args: argparse.Namespace) -> int:
    """Train, print the summary and write the run folder; returns the exit code."""
    from minigrad.config import load_config, run_config
    from minigrad.errors import ConfigError
    from minigrad.factories import callback

    overrides = list(args.overrides)
    if args.epochs is not None:
        overrides.append(f"training.epochs={args.epochs}")
    if args.seed is not None:
        overrides.append(f"training.seed={args.seed}")
    if args.checkpoint_every < 1:
        raise ConfigError(f"--checkpoint-every {args.checkpoint_every}: it must be an integer >= 1")
    if args.resume:
        if args.config or args.out or args.name:
            raise ConfigError("--resume RUN_DIR continues that run in place; drop CONFIG, --out and --name")
        changes = [f"--set {text}" for text in args.overrides]
        changes += [] if args.seed is None else [f"--seed {args.seed}"]
        if changes:
            # the checkpoint's optimizer state (its learning rate...) would win over some of
            # them, others would apply from now on, and config.toml would describe neither
            raise ConfigError(
                f"--resume {args.resume} continues the run as it was configured; {', '.join(changes)} "
                "would change it midway. Only --epochs may change; to try other settings start a "
                f"new run: minigrad train {Path(args.resume) / 'config.toml'} {' '.join(changes)}"
            )
        folder, previous = Path(args.resume), []
        config_path = folder / "config.toml"
        if config_path.is_file() and not (folder / "checkpoint.npz").is_file():
            raise ConfigError(
                f"--resume {folder}: the run has no checkpoint.npz (it stopped before its first checkpoint), "
                f"so there is nothing to continue; start it again with: {_restart_command(folder)}"
            )
        if not config_path.is_file() or not (folder / "checkpoint.npz").is_file():
            raise ConfigError(
                f"--resume {folder}: not a resumable run folder (it needs config.toml and checkpoint.npz, "
                "written by minigrad train)"
            )
        config = load_config(config_path, overrides=overrides)
        _check_config_unchanged(folder, config)
    else:
        config = load_config(args.config, overrides=overrides)
        folder, previous = _run_folder(args)
    claimed = not args.resume and not args.out and not args.name  # a new, empty default folder
    bar = None if args.quiet else callback("progress_bar")
    progress = _Progress()
    callbacks = [progress] if bar is None else [bar, progress]
    if previous:
        callbacks.append(_ReplaceRun(folder, previous))
    try:
        result = run_config(
            config,
            out=folder,
            callbacks=callbacks,
            resume=bool(args.resume),
            checkpoint_every=args.checkpoint_every,
        )
    except KeyboardInterrupt as err:
        if bar is not None and bar.bar is not None:  # end the bar's line before the message
            bar.bar.close()
            bar.bar = None
        if claimed:  # interrupted before writing anything: no empty folder stays
            with contextlib.suppress(OSError):
                folder.rmdir()
        # The state of the last finished epoch is not saved here: it lives only in the
        # trainer, which by now is partway through the next epoch.
        for note in _interrupted(args, folder, progress):
            err.add_note(note)
        raise
    except BaseException:
        if claimed:  # failed before writing anything (a data error): no empty folder stays
            with contextlib.suppress(OSError):
                folder.rmdir()  # only removes an empty folder
        raise
    notes = [] if args.no_plots else _plots(result, folder)
    if args.quiet:
        print(folder)
        return 0
    history = result.history
    print()
    print(_table(result.metrics))
    if history.stop_reason:
        print(f"\nstopped early: {history.stop_reason}")
    if history.best_epoch is not None:
        stoppers = [c for c in config["callbacks"] if c.get("name") == "early_stopping"]
        monitor = stoppers[0].get("monitor", "dev_cost") if stoppers else "dev_cost"
        print(f"restored the weights of epoch {history.best_epoch} (the best {monitor.replace('_', ' ')})")
    if result.diagnosis is not None:
        print()
        print(result.diagnosis)
    for note in notes:
        print(note, file=sys.stderr)
    print(f"\nrun folder: {folder}")
    return 0
