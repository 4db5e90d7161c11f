"""Tests for minigrad.plots: figures are built with the object API and saved as PNGs
(or the format the file's suffix names)."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import numpy as np
import pytest

import minigrad as mg
from minigrad import plots

pytest.importorskip("matplotlib")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _is_png(path) -> bool:
    return path.is_file() and path.read_bytes()[:8] == PNG_MAGIC


@pytest.fixture
def history():
    return {
        "train_cost": [0.9, 0.6, 0.4, 0.3],
        "dev_cost": [1.0, 0.7, 0.6, 0.65],
        "lr": [0.1, 0.1, 0.05, 0.05],
        "grad_norms": {"0.weight": [1.0, 0.5, 0.2, 0.1], "2.weight": [0.1, 1e-3, 1e-5, 1e-6]},
    }


def test_learning_curves_from_a_mapping(history, tmp_path):
    path = tmp_path / "curves.png"
    fig = mg.plot_learning_curves(history, path=path)
    assert _is_png(path)
    (ax,) = fig.axes
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("epoch", "cost", "Learning curves")
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["train cost", "dev cost"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(lines[1].get_ydata(), history["dev_cost"])
    assert ax.get_legend() is not None


def test_the_suffix_chooses_the_image_format(history, tmp_path):
    mg.plot_learning_curves(history, path=tmp_path / "curves.svg")
    assert b"<svg" in (tmp_path / "curves.svg").read_bytes()[:500]
    mg.plot_learning_curves(history, path=tmp_path / "curves.pdf")
    assert (tmp_path / "curves.pdf").read_bytes()[:5] == b"%PDF-"
    mg.plot_learning_curves(history, path=tmp_path / "curves")
    assert _is_png(tmp_path / "curves")
    with pytest.raises(
        mg.ConfigError, match=r"\.xyz is not an image format; end the name with one of \.png, \.svg"
    ):
        mg.plot_learning_curves(history, path=tmp_path / "curves.xyz")
    assert not (tmp_path / "curves.xyz").exists()


def test_learning_curves_from_an_object_with_attributes(tmp_path):
    record = SimpleNamespace(train_cost=[0.5, 0.25], dev_cost=[], lr=[0.1, 0.1])
    fig = mg.plot_learning_curves(record, log=True)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["train cost"]  # empty dev skipped
    assert ax.get_yscale() == "log"
    accuracy = {"train_accuracy": [0.5, 0.8], "dev_accuracy": [0.4, 0.7]}
    fig = mg.plot_learning_curves(accuracy, keys=("train_accuracy", "dev_accuracy"), title="Accuracy")
    assert fig.axes[0].get_ylabel() == "accuracy" and fig.axes[0].get_title() == "Accuracy"


def test_learning_curves_without_data_is_an_error():
    with pytest.raises(mg.ConfigError, match="train_cost"):
        mg.plot_learning_curves({"loss": [1.0]})


def test_decision_boundary_for_probabilities_classes_and_scores(tmp_path):
    X, Y = mg.dataset("moons", n=60, seed=0)
    path = tmp_path / "sub" / "boundary.png"  # the folder is created
    prob = lambda P: 1 / (1 + np.exp(-(P[:, 1] - 0.25)))  # noqa: E731
    fig = mg.plot_decision_boundary(prob, X, Y, path=path, resolution=30)
    assert _is_png(path)
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("$x_1$", "$x_2$", "Decision boundary")
    assert len(ax.collections) >= 2  # filled regions and the scatter of examples
    scores = lambda P: np.c_[-P[:, 0], P[:, 0], P[:, 1]]  # noqa: E731
    X3, Y3 = mg.dataset("spirals", n=60, classes=3)
    mg.plot_decision_boundary(scores, X3, np.eye(3)[Y3], resolution=20)  # one-hot labels too
    tensor_out = lambda P: mg.Tensor((P[:, :1] > 0).astype(np.float64))  # noqa: E731
    mg.plot_decision_boundary(tensor_out, X, Y, resolution=20)


def test_decision_boundary_regions_follow_the_prediction():
    X = np.array([[-1.0, 0.0], [1.0, 0.0]])
    fig = mg.plot_decision_boundary(lambda P: (P[:, 0] > 0).astype(int), X, np.array([0, 1]), resolution=11)
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())
    box = fig.axes[0].get_window_extent()
    row = pixels.shape[0] - int(box.y0 + 0.25 * box.height)  # image rows count from the top

    def colour(fraction):
        return pixels[row, int(box.x0 + fraction * box.width), :3].astype(int)

    left, right = colour(0.35), colour(0.65)
    assert left[2] > left[0] and right[0] > right[2]  # class 0 (x < 0) blue, class 1 red
    # the helper turns the raw outputs into classes
    np.testing.assert_array_equal(plots._predicted_classes(np.array([0.2, 0.7]), 2), [0, 1])
    np.testing.assert_array_equal(plots._predicted_classes(np.array([[0.1, 0.9, 0.0]]), 1), [1])
    np.testing.assert_array_equal(plots._predicted_classes(np.array([[2.0], [0.0]]), 2), [2, 0])


def test_decision_boundary_errors():
    with pytest.raises(mg.ShapeError, match=r"\(m, 2\)"):
        mg.plot_decision_boundary(lambda P: P[:, 0], np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(mg.ShapeError, match="Y has 4"):
        mg.plot_decision_boundary(lambda P: P[:, 0], np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(mg.ShapeError, match="per point"):
        mg.plot_decision_boundary(lambda P: P[:3, 0], np.random.default_rng(0).random((5, 2)), np.zeros(5))


def test_gradient_norms_log_axis(history, tmp_path):
    path = tmp_path / "norms.png"
    fig = mg.plot_gradient_norms(history, path=path)
    assert _is_png(path)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert [line.get_label() for line in ax.get_lines()] == ["0.weight", "2.weight"]
    assert ax.get_xlabel() == "epoch" and "gradient norm" in ax.get_ylabel() and ax.get_title()
    record = SimpleNamespace(grad_norms=history["grad_norms"])
    assert len(mg.plot_gradient_norms(record).axes[0].get_lines()) == 2
    assert len(mg.plot_gradient_norms(history["grad_norms"]).axes[0].get_lines()) == 2  # the dict itself
    with pytest.raises(mg.ConfigError, match="grad_norms"):
        mg.plot_gradient_norms(SimpleNamespace(train_cost=[1.0]))


def test_hyperparameter_scatter(tmp_path):
    path = tmp_path / "tuning.png"
    lrs = 10 ** np.random.default_rng(0).uniform(-4, 0, size=12)
    errors = np.abs(np.log10(lrs) + 2) / 10
    fig = mg.plot_hyperparameter_scatter(lrs, errors, name="learning rate", path=path)
    assert _is_png(path)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"  # spans more than two decades
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == (
        "learning rate",
        "dev error",
        "dev error vs learning rate",
    )
    best = ax.get_legend().get_texts()[0].get_text()
    assert f"{lrs[np.argmin(errors)]:.3g}" in best
    fig = mg.plot_hyperparameter_scatter([1, 2, 3], [0.1, 0.3, 0.2], metric_name="accuracy", best="max")
    assert fig.axes[0].get_xscale() == "linear" and "2" in fig.axes[0].get_legend().get_texts()[0].get_text()
    assert mg.plot_hyperparameter_scatter([0.5, 0.6], [1, 2], log=True).axes[0].get_xscale() == "log"
    with pytest.raises(mg.ShapeError, match="same"):
        mg.plot_hyperparameter_scatter([1, 2], [1])
    with pytest.raises(mg.ConfigError, match="positive"):
        mg.plot_hyperparameter_scatter([-1, 2], [1, 2], log=True)
    with pytest.raises(mg.ConfigError, match="best"):
        mg.plot_hyperparameter_scatter([1, 2], [1, 2], best="lowest")


def test_drawing_into_an_existing_axes_uses_its_figure(history):
    fig = mg.plot_learning_curves(history)
    ax = fig.axes[0]
    again = mg.plot_gradient_norms(history, ax=ax)
    assert again is fig and len(fig.axes) == 1


def test_no_pyplot_state_is_touched(history):
    before = set(sys.modules)
    mg.plot_learning_curves(history)
    assert "matplotlib.pyplot" in before or "matplotlib.pyplot" not in sys.modules


def test_saving_is_atomic_and_replaces(history, tmp_path, monkeypatch):
    path = tmp_path / "curves.png"
    path.write_bytes(b"old")
    mg.plot_learning_curves(history, path=path)
    assert _is_png(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curves.png"]  # no temporary left behind

    fig = mg.plot_learning_curves(history)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        plots.save_figure(fig, path)
    assert _is_png(path)  # the previous file survives a failed save
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curves.png"]


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(mg.MissingExtraError, match=r'pip install -e "\.\[plot\]"'):
        mg.plot_learning_curves({"train_cost": [1.0]})


def test_save_figure_writes_through_atomic_write_durably_with_the_writer_pid(tmp_path, monkeypatch):
    import os

    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append("fsync")
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", os.path.basename(src), os.fspath(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    target = tmp_path / "curve.png"
    plots.save_figure(mg.plot_learning_curves({"train_cost": [1.0, 0.5]}), target)
    (replaced,) = [e for e in events if isinstance(e, tuple)]
    assert replaced[1].startswith(f".curve.png.{os.getpid()}.") and replaced[2] == str(target)
    assert "fsync" in events[: events.index(replaced)]  # the image is on disk before the rename
    assert _is_png(target) and sorted(p.name for p in tmp_path.iterdir()) == ["curve.png"]
