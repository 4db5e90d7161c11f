"""Resources: 10,000 training steps keep resident memory flat, and training with the
checkpoint and CSV callbacks, loading data and checkpoints, and drawing plots leak no
file handles (also when they fail)."""

from __future__ import annotations

import gc
import os
import sys

import numpy as np
import pytest

import minigrad as mg

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self")


def resident_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def open_files() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def tiny_mlp():
    return mg.Sequential(
        mg.layer("dense", 2, 8, rng=0),
        mg.layer("relu"),
        mg.layer("dropout", 0.9, rng=1),
        mg.layer("dense", 8, 2, rng=2),
    )


class MemoryProbe:
    """Samples resident memory after chosen steps."""

    def __init__(self, at):
        self.at, self.samples = set(at), {}

    def on_batch_end(self, trainer, step, logs):
        if step in self.at:
            gc.collect()
            self.samples[step] = resident_bytes()


def test_ten_thousand_steps_keep_resident_memory_flat():
    X, Y = mg.dataset("moons", n=100, noise=0.2, seed=0)
    model = tiny_mlp()
    probe = MemoryProbe(at=(1_000, 10_000))
    history = mg.fit(
        model,
        (X, Y),
        loss="softmax_cross_entropy",
        optimizer=mg.optimizer("momentum", model.parameters(), lr=0.01),
        regularizer=mg.regularizer("l2", 0.01),
        epochs=100,
        batch_size=1,  # 100 steps per epoch: 10,000 steps in all
        callbacks=[probe],
    )
    assert len(history) == 100
    growth = probe.samples[10_000] - probe.samples[1_000]
    # A leak of one graph (or one saved activation) per step would be tens of MB here.
    assert growth < 8 * 2**20, f"resident memory grew by {growth / 2**20:.1f} MB over 9,000 steps"


def _train_with_files(folder):
    X, Y = mg.dataset("moons", n=64, noise=0.2, seed=0)
    model = tiny_mlp()
    return mg.fit(
        model,
        (X, Y),
        dev=(X[:16], Y[:16]),
        loss="softmax_cross_entropy",
        optimizer=mg.optimizer("adam", model.parameters(), lr=0.01),
        epochs=4,
        batch_size=16,
        callbacks=[
            mg.callback("checkpoint", path=folder / "ckpt.npz", save_best=True),
            mg.callback("csv_logger", path=folder / "history.csv"),
        ],
    )


def test_no_file_handle_leaks(tmp_path):
    pytest.importorskip("matplotlib")
    X, Y = mg.dataset("moons", n=64, noise=0.2, seed=0)
    np.savez(tmp_path / "data.npz", X=X, Y=Y)
    (tmp_path / "data.csv").write_text("a,b,label\n" + "".join(f"{a},{b},{y}\n" for (a, b), y in zip(X, Y)))
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 truncated")
    (tmp_path / "broken.csv").write_text("a,b,label\n1,2,0\n3,x,1\n")

    def everything():
        history = _train_with_files(tmp_path)
        mg.load_checkpoint(tmp_path / "ckpt.npz")
        mg.load_dataset(tmp_path / "data.npz")
        mg.load_dataset(tmp_path / "data.csv", target="label")
        mg.plot_learning_curves(history, path=tmp_path / "curves.png")
        mg.plot_schedule(
            mg.schedule("inverse_time", 0.1, decay_rate=1.0), epochs=10, path=tmp_path / "lr.png"
        )
        for bad in ("broken.npz", "broken.csv"):
            with pytest.raises(mg.MinigradError):
                mg.load_dataset(tmp_path / bad)
        with pytest.raises(mg.CheckpointError):
            mg.load_checkpoint(tmp_path / "broken.npz")

    everything()  # first run: imports and caches open what they keep open
    gc.collect()
    before = open_files()
    for _ in range(3):
        everything()
    gc.collect()
    leaked = open_files() - before
    details = {
        fd: os.readlink(f"/proc/self/fd/{fd}") for fd in leaked if os.path.exists(f"/proc/self/fd/{fd}")
    }
    assert not leaked, f"file handles left open: {details}"
