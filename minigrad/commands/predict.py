"""Predict with a trained run: class labels and probabilities for new examples.

The input is a ``.npz`` (array ``X``, or its only array) or a ``.csv`` of feature columns
(a header row is detected and skipped: a row without numbers, or exactly ``0,1,...,k-1``
as pandas writes unnamed columns), in the units of the training data: the run's
saved normalizer is applied. The output is CSV (``label`` then one probability column
per class) on standard output or in ``--output``; a ``--output`` ending in ``.npz``
gets the arrays ``labels`` and ``probabilities``. An ``--output`` that is the input file
or a file of the run folder being read (``model.npz``, ``checkpoint.npz``, ``config.toml``,
``history.csv``, the plots) is refused: it would destroy what was read.

Examples:
    minigrad predict runs/20250101-120000 --input new_points.csv
    minigrad predict runs/quick --input batch.npz --output predictions.csv
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["configure", "read_features", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``minigrad predict``."""
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a run folder (or its model.npz)")
    parser.add_argument("--input", required=True, metavar="FILE", help="examples to predict: .npz or .csv")
    parser.add_argument(
        "--output", metavar="FILE", help="write here (.csv or .npz) instead of standard output"
    )


def read_features(path: str | Path, n_features: int) -> Any:
    """The feature matrix in ``path`` (.npz or .csv), checked to have ``n_features`` columns.

    A CSV's first row is skipped as a header when it has no numbers, or when it is
    exactly ``0,1,...,k-1`` (pandas' names for unnamed columns).

    Example:
        >>> import pathlib, tempfile
        >>> from minigrad.commands.predict import read_features
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
        >>> _ = p.write_text("a,b\\n1,2\\n3,4\\n")
        >>> read_features(p, 2)
        array([[1., 2.],
               [3., 4.]])
    """
    return _read_features(path, n_features)[0]


def _read_features(path: str | Path, n_features: int) -> tuple[Any, list[str] | None]:
    """:func:`read_features`, and the header row it skipped (``None`` without one)."""
    import numpy as np

    from minigrad.data import _check_csv_finite, _csv_numbers, _csv_rows, _is_header
    from minigrad.errors import ConfigError

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"--input {path}: no such file")
    suffix = path.suffix.lower()
    header = None
    if suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as archive:
                keys = list(archive.files)
                key = "X" if "X" in keys else (keys[0] if len(keys) == 1 else None)
                if key is None:
                    raise ConfigError(
                        f"--input {path}: which array holds the features? name it 'X' (it has {keys})"
                    )
                X = archive[key]
        except (ValueError, OSError) as err:
            raise ConfigError(f"--input {path}: not a readable .npz without pickles ({err})") from None
    elif suffix == ".csv":
        try:
            rows, lines = _csv_rows(path)
        except (UnicodeDecodeError, csv.Error) as err:
            raise ConfigError(
                f"--input {path}: not a UTF-8 text CSV file ({err}); save it as plain CSV"
            ) from None
        if rows and _is_header(rows[0], where=f"--input {path}", fix="correct that field"):
            header, rows, lines = rows[0], rows[1:], lines[1:]
            if not rows:
                raise ConfigError(
                    f"--input {path}: the only row, {','.join(header)}, is read as a header (column "
                    "names; 0,1,...,k-1 are pandas' default ones), so there is no example to predict; "
                    "add the examples below it"
                )
        if not rows:
            raise ConfigError(f"--input {path}: the file is empty; give one example per row")
        width = len(header) if header is not None else len(rows[0])
        X = _csv_numbers(rows, lines, width, where=f"--input {path}:", names=header)
        _check_csv_finite(X, lines, range(width), where=f"--input {path}:", names=header)
    else:
        raise ConfigError(f"--input {path}: unsupported suffix {path.suffix!r}; use .npz or .csv")
    X = np.asarray(X)
    if X.ndim == 1:
        X = X.reshape(1, -1) if X.size == n_features else X.reshape(-1, 1)
    if X.dtype.kind not in "fiu":
        raise ConfigError(f"--input {path}: features must be numbers, got dtype {X.dtype}")
    if X.ndim < 2 or len(X) == 0 or int(np.prod(X.shape[1:])) != n_features:
        raise ConfigError(
            f"--input {path}: got features of shape {X.shape} but the model takes {n_features} "
            f"per example; pass an (m, {n_features}) array (feature columns only)"
        )
    if not np.isfinite(X).all():
        raise ConfigError(f"--input {path}: contains NaN or infinite values")
    return X.astype(np.float64), header


def _same_file(a: Path, b: Path) -> bool:
    """Whether paths ``a`` and ``b`` name one file (through links, ``..`` or case-folding
    file systems when both exist; by resolved path otherwise)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def _check_output(output: str, run_dir: str, input_path: str) -> None:
    """Refuse an ``--output`` that would replace the input or a file of the run read."""
    from minigrad.config import RUN_FILES
    from minigrad.errors import ConfigError

    target, source = Path(output), Path(run_dir)
    folder = source if source.is_dir() else source.parent
    protected = [(Path(input_path), "the --input file")]
    if not source.is_dir():
        protected.append((source, "the model being read"))
    protected += [(folder / name, f"the run's {name}") for name in RUN_FILES]
    for path, what in protected:
        if _same_file(target, path):
            raise ConfigError(
                f"--output {output} is {what} ({path}); writing the predictions there would destroy "
                "it; choose another --output file"
            )


def run(args: argparse.Namespace) -> int:
    """Print or write the predictions; returns the exit code."""
    import numpy as np

    from minigrad.checkpoint import atomic_write
    from minigrad.config import load_model
    from minigrad.errors import ConfigError
    from minigrad.train import _labels, predict_proba

    if not Path(args.run_dir).exists():
        raise ConfigError(f"RUN_DIR {args.run_dir}: no such run folder or model file")
    if args.output and Path(args.output).suffix.lower() not in (".csv", ".npz"):
        suffix = Path(args.output).suffix
        raise ConfigError(f"--output {args.output}: unsupported suffix {suffix!r}; use .csv or .npz")
    if args.output:
        _check_output(args.output, args.run_dir, args.input)
    model, normalizer, meta = load_model(args.run_dir)
    X, input_header = _read_features(args.input, int(meta["n_features"]))
    if normalizer is not None:
        X = normalizer.transform(X)
    link = meta.get("link", "auto")
    proba = predict_proba(model, X, link=link)
    labels = _labels(proba, link)
    if args.output and args.output.lower().endswith(".npz"):
        with atomic_write(args.output) as handle:
            np.savez(handle, labels=labels, probabilities=proba)
        _report(args.input, len(X), input_header)
        return 0
    proba2d = proba.reshape(len(proba), -1)
    if link == "identity":
        header = [f"output_{j}" for j in range(proba2d.shape[1])]
        rows = [[repr(float(v)) for v in row] for row in proba2d]
    else:
        header = ["label"] + (
            ["p_1"] if proba2d.shape[1] == 1 else [f"p_{j}" for j in range(proba2d.shape[1])]
        )
        rows = [[str(int(label)), *(f"{float(v):.6g}" for v in row)] for label, row in zip(labels, proba2d)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    if args.output:
        with atomic_write(args.output, "w") as handle:
            handle.write(buffer.getvalue())
    else:
        sys.stdout.write(buffer.getvalue())
    _report(args.input, len(X), input_header)
    return 0


def _report(path: str, rows: int, header: list[str] | None) -> None:
    """Say on stderr how many examples were read, so a first row taken as a header (or
    as an example) never goes unnoticed."""
    skipped = f" (first row {','.join(header)} skipped as a header)" if header is not None else ""
    print(f"minigrad predict: read {rows} example(s) from {path}{skipped}", file=sys.stderr)
