"""Checkpoints: round trip of every kind of value, atomic writes, clear errors on bad files,
and a writer killed mid-save leaving the previous checkpoint intact."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import numpy as np
import pytest

import minigrad as mg
from minigrad.checkpoint import FORMAT_VERSION, atomic_write


def small_model():
    model = mg.Module()
    model.w = mg.Parameter(np.arange(6.0).reshape(2, 3))
    model.b = mg.Parameter(np.zeros(3), regularize=False)
    model.register_buffer("running", np.ones(3, dtype=np.float32))
    return model


def test_round_trip_of_model_optimizer_normalizer_rng_and_extra(tmp_path):
    model = small_model()
    rng = np.random.default_rng(7)
    rng.random(5)  # advance it so the state is not the seed's
    optimizer_state = {
        "rule": "adam",
        "iterations": 3,
        "param.0.m": np.full((2, 3), 0.5),
        "param.0.step": 3,
        "group.0.lr": 0.001,
        "group.0.params": np.arange(2, dtype=np.int64),
    }
    normalizer_state = {"mean": np.array([1.0, 2.0]), "variance": np.array([4.0, 9.0]), "eps": 1e-8}
    extra = {
        "name": "run-1",
        "scores": [0.5, float("nan"), float("inf")],
        "pair": (1, 2),
        "int_keys": {0: "a", 1: "b"},
        "huge": 2**100,
        "nested": {"array": np.arange(3, dtype=np.int16), "none": None, "flag": True},
        "scalar": np.float32(1.5),
    }
    path = tmp_path / "ckpt.npz"
    mg.save_checkpoint(
        path,
        model=model,
        optimizer=optimizer_state,
        normalizer=normalizer_state,
        epoch=12,
        rng_state={"shuffle": rng},
        extra=extra,
    )
    ckpt = mg.load_checkpoint(path)
    assert ckpt.epoch == 12 and ckpt.version == FORMAT_VERSION
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(ckpt.model[key], value)
        assert ckpt.model[key].dtype == value.dtype
    assert ckpt.optimizer["rule"] == "adam" and ckpt.optimizer["param.0.step"] == 3
    np.testing.assert_array_equal(ckpt.optimizer["param.0.m"], optimizer_state["param.0.m"])
    assert ckpt.normalizer["eps"] == 1e-8
    # the generator state comes back as exact ints and restores the same stream
    again = np.random.default_rng()
    again.bit_generator.state = ckpt.rng_state["shuffle"]
    np.testing.assert_array_equal(again.random(4), rng.random(4))
    got = ckpt.extra
    assert got["name"] == "run-1" and got["pair"] == (1, 2) and got["int_keys"] == {0: "a", 1: "b"}
    assert got["huge"] == 2**100
    assert np.isnan(got["scores"][1]) and got["scores"][2] == float("inf")
    assert got["nested"]["none"] is None and got["nested"]["flag"] is True
    assert got["nested"]["array"].dtype == np.int16
    assert isinstance(got["scalar"], np.float32) and got["scalar"] == 1.5


def test_restore_loads_into_a_fresh_model(tmp_path):
    source, target = small_model(), small_model()
    target.w.data[...] = -1
    mg.save_checkpoint(tmp_path / "c.npz", model=source)
    mg.load_checkpoint(tmp_path / "c.npz").restore(target)
    np.testing.assert_array_equal(target.w.data, source.w.data)


def test_loading_never_unpickles_and_the_file_is_a_plain_npz(tmp_path):
    path = tmp_path / "c.npz"
    mg.save_checkpoint(path, model=small_model(), extra={"note": "x"})
    with np.load(path, allow_pickle=False) as archive:  # would raise on an object array
        assert "model/w" in archive.files
        assert all(archive[k].dtype != object for k in archive.files)


def test_objects_that_would_need_pickling_are_refused(tmp_path):
    with pytest.raises(mg.CheckpointError, match="object array"):
        mg.save_checkpoint(
            tmp_path / "c.npz", model=small_model(), extra={"bad": np.array([{}], dtype=object)}
        )
    with pytest.raises(mg.CheckpointError, match="set"):
        mg.save_checkpoint(tmp_path / "c.npz", model=small_model(), extra={"bad": {1, 2}})
    assert not (tmp_path / "c.npz").exists()


@pytest.mark.parametrize(
    "damage",
    ["truncate", "flip_array_byte", "foreign_npz", "text_file", "empty", "missing", "newer_version"],
)
def test_bad_files_give_a_clear_error_naming_the_file(tmp_path, damage):
    path = tmp_path / "ckpt.npz"
    mg.save_checkpoint(path, model=small_model(), epoch=1)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip_array_byte":
        # change one weight inside the stored array without breaking the zip structure
        with zipfile.ZipFile(path) as zf:
            members = {name: zf.read(name) for name in zf.namelist()}
        raw = bytearray(members["model/w.npy"])
        raw[-1] ^= 0xFF
        members["model/w.npy"] = bytes(raw)
        with zipfile.ZipFile(path, "w") as zf:
            for name, content in members.items():
                zf.writestr(name, content)
    elif damage == "foreign_npz":
        np.savez(path, weights=np.ones(3))
    elif damage == "text_file":
        path.write_text("this is not a checkpoint")
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "missing":
        path.unlink()
    elif damage == "newer_version":
        import json

        with np.load(path, allow_pickle=False) as archive:
            entries = {k: archive[k] for k in archive.files}
        meta = json.loads(entries["__minigrad_meta__"].tobytes())
        meta["version"] = FORMAT_VERSION + 1
        entries["__minigrad_meta__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        np.savez(path, **entries)
    with pytest.raises(mg.CheckpointError) as info:
        mg.load_checkpoint(path)
    message = str(info.value)
    assert str(path) in message
    expected = {
        "truncate": "truncated",
        "flip_array_byte": "checksum mismatch",
        "foreign_npz": "not a minigrad checkpoint",
        "text_file": "not a .npz",
        "empty": "truncated",
        "missing": "no such checkpoint",
        "newer_version": "version",
    }[damage]
    assert expected in message


def test_atomic_write_leaves_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(target, "w") as handle:
        handle.write("partial new content")
        raise RuntimeError("crash while writing")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # the temporary file is gone


WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    import minigrad as mg

    path, ready = sys.argv[1], sys.argv[2]
    model = mg.Module()
    model.w = mg.Parameter(np.zeros(3_000_000))  # 24 MB: each save takes a while
    version = 0
    while True:
        version += 1
        model.w.data[...] = version
        mg.save_checkpoint(path, model=model, epoch=version)
        if version == 1:
            open(ready, "w").close()
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_writer_killed_mid_save_leaves_a_valid_checkpoint(tmp_path):
    path, ready = tmp_path / "ckpt.npz", tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(ready)])
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert proc.poll() is None, "the writer died before its first checkpoint"
            assert time.monotonic() < deadline, "the writer never wrote its first checkpoint"
            time.sleep(0.01)
        time.sleep(0.3)  # now it is in the middle of later saves
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    ckpt = mg.load_checkpoint(path)  # verified by its checksum: complete, one version
    assert ckpt.epoch >= 1
    assert np.all(ckpt.model["w"] == ckpt.epoch)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name not in ("ckpt.npz", "ready")]
    assert all(name.startswith(".ckpt.npz.") and name.endswith(".tmp") for name in leftovers)


def test_fit_resume_refuses_a_checkpoint_without_training_state(tmp_path):
    model = mg.Sequential(mg.layer("dense", 2, 2, rng=0))
    mg.save_checkpoint(tmp_path / "plain.npz", model=model)
    optimizer = mg.optimizer("sgd", model.parameters(), lr=0.1)
    X, Y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    with pytest.raises(mg.CheckpointError, match="no training state"):
        mg.fit(
            model,
            (X, Y),
            loss="softmax_cross_entropy",
            optimizer=optimizer,
            epochs=2,
            resume_from=tmp_path / "plain.npz",
        )


def _saved_run(tmp_path, X, Y):
    """A 4-epoch run checkpointed after its last epoch; returns resume(data, model=, **fit_changes)."""
    path = tmp_path / "run.npz"
    base = {"loss": "softmax_cross_entropy", "epochs": 4, "batch_size": 2, "seed": 1}

    def run(data, model=None, **changes):
        model = model or mg.Sequential(mg.layer("dense", 2, 2, rng=0))
        optimizer = mg.optimizer("sgd", model.parameters(), lr=0.1)
        callbacks = [mg.callback("checkpoint", path=path, every=1)]
        return mg.fit(model, data, optimizer=optimizer, callbacks=callbacks, **{**base, **changes})

    run((X, Y))
    return lambda data=(X, Y), **changes: run(data, resume_from=path, **{"epochs": 6, **changes})


@pytest.mark.parametrize(
    ("data", "changes", "match"),
    [
        ("fewer", {}, r"train: saved '6 examples, \w+', now '5 examples"),
        ("relabelled", {}, r"train: saved '6 examples, \w+', now '6 examples, \w+'"),
        ("same", {"batch_size": 3}, "batch_size: saved 2, now 3"),
        ("same", {"drop_last": True}, "drop_last: saved False, now True"),
        ("same", {"seed": 2}, "seed: saved 1, now 2"),
        ("same", {"epochs": 3}, r"saved after epoch 3 \(4 epochs done\).*pass at least 4"),
    ],
)
def test_resuming_with_a_different_setup_says_what_differs(tmp_path, data, changes, match):
    X, Y = np.arange(12.0).reshape(6, 2), np.array([0, 1, 0, 1, 1, 0])
    resume = _saved_run(tmp_path, X, Y)
    variants = {"same": (X, Y), "fewer": (X[:5], Y[:5]), "relabelled": (X, 1 - Y)}
    with pytest.raises(mg.CheckpointError, match=match):
        resume(variants[data], **changes)
    assert len(resume()) == 6  # the same setup continues


def test_resuming_a_finished_run_with_its_own_epochs_trains_nothing_more(tmp_path):
    X, Y = np.arange(12.0).reshape(6, 2), np.array([0, 1, 0, 1, 1, 0])
    resume = _saved_run(tmp_path, X, Y)
    assert len(resume(epochs=4)) == 4


def test_resuming_with_another_architecture_names_the_difference(tmp_path):
    X, Y = np.arange(12.0).reshape(6, 2), np.array([0, 1, 0, 1, 1, 0])
    resume = _saved_run(tmp_path, X, Y)
    wider = mg.Sequential(mg.layer("dense", 2, 3, rng=0))  # 3 outputs instead of 2
    with pytest.raises(
        mg.CheckpointError, match=r"the saved run's model differs from this one \(.*0\.W: shape"
    ):
        resume(model=wider)


def test_resuming_a_run_that_stopped_early_says_it_trains_nothing_more(tmp_path):
    X, Y = mg.dataset("moons", n=60, noise=0.3, seed=0)
    path = tmp_path / "run.npz"

    def run(epochs, **options):
        model = mg.Sequential(mg.layer("dense", 2, 2, rng=0))
        callbacks = [mg.callback("early_stopping", patience=1), mg.callback("checkpoint", path=path)]
        return mg.fit(
            model,
            (X, Y),
            dev=(X, Y),
            loss="softmax_cross_entropy",
            optimizer=mg.optimizer("sgd", model.parameters(), lr=20.0),  # noisy: stops soon
            epochs=epochs,
            callbacks=callbacks,
            seed=0,
            **options,
        )

    stopped = run(40)
    assert stopped.stop_reason and len(stopped) < 40
    with pytest.warns(RuntimeWarning, match=r"the saved run had stopped after epoch \d+ \(early_stopping"):
        resumed = run(80, resume_from=path)
    assert len(resumed) == len(stopped)  # as an uninterrupted run of 80 epochs would have
