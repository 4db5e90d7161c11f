"""Temporary files left by a writer killed mid-save: the next successful save of the same
file deletes them, but only its own pattern, only old ones, and never a live writer's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import minigrad as mg
from minigrad import checkpoint as ckpt_module
from minigrad.checkpoint import STALE_TEMPORARY_AGE, atomic_write


def save(path, epoch=1):
    model = mg.Module()
    model.w = mg.Parameter(np.full(3, float(epoch)))
    mg.save_checkpoint(path, model=model, epoch=epoch)


def dead_pid():
    """The pid of a process that has ended (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def touch(path, *, age):
    path.write_bytes(b"partial")
    then = time.time() - age
    os.utime(path, (then, then))
    return path.name


OLD = STALE_TEMPORARY_AGE + 60


def test_a_save_deletes_only_old_temporaries_of_its_own_name_whose_writer_has_ended(tmp_path):
    gone, alive = dead_pid(), os.getpid()
    stale = {
        touch(tmp_path / f".run.npz.{gone}.k2x_9q0a.tmp", age=OLD),
        touch(tmp_path / ".run.npz.abcd1234.tmp", age=OLD),  # the pattern without a pid
    }
    kept = {
        touch(tmp_path / f".run.npz.{alive}.abcd1234.tmp", age=OLD),  # its writer still runs
        touch(tmp_path / f".run.npz.{gone}.fresh000.tmp", age=1),  # too recent
        touch(tmp_path / f".other.npz.{gone}.abcd1234.tmp", age=OLD),  # another file's
        touch(tmp_path / f".run.npz.{gone}.abcd1234.tmp.keep", age=OLD),  # not the pattern
        touch(tmp_path / ".run.npz.backup.tmp", age=OLD),
        touch(tmp_path / "run.npz.abcd1234.tmp", age=OLD),  # not hidden: not ours
        touch(tmp_path / f".run.npz.{gone}.ab.tmp", age=OLD),  # the random part is 8 characters
    }
    (tmp_path / f".run.npz.{gone}.dir00000.tmp").mkdir()  # a directory, whatever its name
    kept.add(f".run.npz.{gone}.dir00000.tmp")
    save(tmp_path / "run.npz")
    assert {p.name for p in tmp_path.iterdir()} == kept | {"run.npz"}
    assert not stale & {p.name for p in tmp_path.iterdir()}
    assert mg.load_checkpoint(tmp_path / "run.npz").epoch == 1


def test_the_temporary_file_names_the_writing_process(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def replace(src, dst):
        seen.append(os.path.basename(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    save(tmp_path / "run.npz")
    (name,) = seen
    assert name.startswith(f".run.npz.{os.getpid()}.") and name.endswith(".tmp")


def test_a_failed_write_deletes_nothing_but_its_own_temporary(tmp_path):
    stale = touch(tmp_path / f".notes.txt.{dead_pid()}.abcd1234.tmp", age=OLD)
    with pytest.raises(RuntimeError), atomic_write(tmp_path / "notes.txt", "w") as handle:
        handle.write("half")
        raise RuntimeError("writer failed")
    assert [p.name for p in tmp_path.iterdir()] == [stale]


def test_housekeeping_errors_never_fail_a_save(tmp_path, monkeypatch):
    stale = touch(tmp_path / f".run.npz.{dead_pid()}.abcd1234.tmp", age=OLD)
    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):
        if os.path.basename(path) == stale:
            raise PermissionError(13, "Permission denied", path)
        real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    save(tmp_path / "run.npz", epoch=4)
    assert mg.load_checkpoint(tmp_path / "run.npz").epoch == 4
    assert (tmp_path / stale).exists()


def test_off_posix_age_alone_decides_and_no_process_is_signalled(tmp_path, monkeypatch):
    monkeypatch.setattr(ckpt_module, "_POSIX", False)
    monkeypatch.setattr(os, "kill", lambda *a: pytest.fail("os.kill would end the process on Windows"))
    touch(tmp_path / f".run.npz.{os.getpid()}.abcd1234.tmp", age=OLD)  # its process is ours
    fresh = touch(tmp_path / f".run.npz.{os.getpid()}.fresh000.tmp", age=1)
    ckpt_module._remove_stale_temporaries(tmp_path, "run.npz")
    assert {p.name for p in tmp_path.iterdir()} == {fresh}


WRITER = textwrap.dedent(
    """
    import sys, time
    from minigrad.checkpoint import atomic_write

    with atomic_write(sys.argv[1]) as handle:
        handle.write(b"half a checkpoint")
        handle.flush()
        print("writing", flush=True)
        time.sleep(600)  # killed here, before the rename
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_the_next_save_cleans_up_after_a_writer_killed_mid_save(tmp_path):
    path = tmp_path / "run.npz"
    save(path, epoch=1)
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline() == "writing\n", proc.stderr.read()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    (left,) = [p for p in tmp_path.iterdir() if p.name != "run.npz"]
    assert left.name.startswith(f".run.npz.{proc.pid}.") and left.name.endswith(".tmp")
    assert mg.load_checkpoint(path).epoch == 1  # the previous checkpoint is intact
    save(path, epoch=2)
    assert left.exists()  # a minute has not passed: it might still be a live writer's
    then = time.time() - OLD
    os.utime(left, (then, then))
    save(path, epoch=3)
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]
    assert mg.load_checkpoint(path).epoch == 3
