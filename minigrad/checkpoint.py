"""Checkpoints: a model, its optimizer, normalizer, epoch and RNG state in one ``.npz`` file.

File format (version 1). A checkpoint is an ordinary NumPy ``.npz`` archive that
:func:`numpy.load` opens with ``allow_pickle=False``; it never holds Python objects:

- ``__minigrad_meta__``: UTF-8 JSON as a ``uint8`` array, ``{"format": "minigrad.checkpoint",
  "version": 1, "minigrad_version": ..., "tree": ...}``. ``tree`` describes the saved
  values: numbers, strings, ``None`` and booleans inline; dicts, lists and tuples as
  tagged nodes (``{"$dict": [[key, node], ...]}``, so integer keys stay integers);
  arrays as ``{"$array": "<name in the archive>"}``. Python integers of any size (the
  128-bit state of a PCG64 generator) survive exactly, and so does every float.
- ``__minigrad_checksum__``: the SHA-256 (hex, as ``uint8``) of the metadata bytes
  followed by every array's name, dtype, shape and bytes in name order. It is verified
  on load, so a flipped bit or a truncated file is reported instead of trained on.
- every other entry is one array, named after where it sits in the tree
  (``model/0.W``, ``optimizer/state/0/m``, ...).

Files are written atomically: a temporary file in the same directory, flushed and
``fsync``-ed, then ``os.replace``-d over the target; a crash mid-save leaves the previous
checkpoint intact, and perhaps a ``.<name>.<pid>.<random>.tmp`` file beside it, which the
next successful save of the same file deletes once it is a minute old and process
``<pid>`` has ended (see :func:`atomic_write`). A replaced file keeps its permission bits;
a new one gets ``0o666`` less the umask, as ``open()`` would give it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import math
import os
import re
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from minigrad.errors import MinigradError

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "Checkpoint",
    "CheckpointError",
    "atomic_write",
    "load_checkpoint",
    "save_checkpoint",
]

#: The ``format`` entry of every checkpoint's metadata: a file without it is not one.
FORMAT = "minigrad.checkpoint"
#: The checkpoint layout this version writes; it reads every version from 1 up to this one.
FORMAT_VERSION = 1
#: Seconds after which a temporary file left by a dead writer is deleted by the next save.
STALE_TEMPORARY_AGE = 60.0
_POSIX = os.name == "posix"


def _read_umask() -> int:
    """The process umask. Setting it to read it back is not thread-safe (another
    thread's file would be created meanwhile with umask 0), so it is read once here, at
    import, and :func:`_umask` prefers Linux's race-free ``/proc/self/status``."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK_AT_IMPORT = _read_umask() if _POSIX else 0
_META = "__minigrad_meta__"
_CHECKSUM = "__minigrad_checksum__"


class CheckpointError(MinigradError, ValueError):
    """A checkpoint file cannot be written or read: missing, truncated, corrupted,
    not a minigrad checkpoint, from a newer format, or holding unsupported values.
    The message names the file.

    Example:
        >>> import minigrad as mg
        >>> try:
        ...     mg.load_checkpoint("no-such-file.npz")
        ... except mg.CheckpointError as err:
        ...     print("no-such-file.npz" in str(err))
        True
    """


@dataclass
class Checkpoint:
    """What :func:`load_checkpoint` returns.

    Attributes:
        path: the file it was read from.
        model: the model's state dict (name -> array).
        optimizer: the optimizer's state dict, or None.
        normalizer: the normalizer's state dict, or None.
        epoch: the last completed epoch (0-based), or None.
        rng_state: the saved random-generator state(s), JSON-like, or None.
        extra: anything else that was saved (config, history, ...), or None.
        version: the file-format version.
        minigrad_version: the minigrad version that wrote it.

    Example:
        >>> import numpy as np, tempfile, os
        >>> import minigrad as mg
        >>> m = mg.Module(); m.w = mg.Parameter(np.ones(2))
        >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.npz")
        >>> mg.save_checkpoint(path, model=m, epoch=4)
        >>> ckpt = mg.load_checkpoint(path)
        >>> ckpt.epoch, ckpt.model["w"]
        (4, array([1., 1.]))
        >>> m.w.data[:] = 0; _ = ckpt.restore(m); m.w.data
        array([1., 1.])
    """

    path: str
    model: dict[str, np.ndarray]
    optimizer: dict[str, Any] | None = None
    normalizer: dict[str, Any] | None = None
    epoch: int | None = None
    rng_state: Any = None
    extra: Any = None
    version: int = FORMAT_VERSION
    minigrad_version: str = ""

    def restore(self, model: Any = None, *, optimizer: Any = None, normalizer: Any = None) -> Checkpoint:
        """Load the saved states into ``model``, ``optimizer`` and ``normalizer`` (each
        optional, each through its ``load_state_dict``); returns ``self``.

        Example:
            >>> import numpy as np, tempfile, os
            >>> import minigrad as mg
            >>> m = mg.Module(); m.w = mg.Parameter(np.array([1.0, 2.0]))
            >>> path = os.path.join(tempfile.mkdtemp(), "c.npz")
            >>> mg.save_checkpoint(path, model=m)
            >>> other = mg.Module(); other.w = mg.Parameter(np.zeros(2))
            >>> mg.load_checkpoint(path).restore(other).model["w"]
            array([1., 2.])
        """
        if model is not None:
            model.load_state_dict(self.model)
        for name, target in (("optimizer", optimizer), ("normalizer", normalizer)):
            if target is None:
                continue
            state = getattr(self, name)
            if state is None:
                raise CheckpointError(f"{self.path}: the checkpoint holds no {name} state to restore")
            target.load_state_dict(state)
        return self


# ---------------------------------------------------------------- encoding
def _state(obj: Any) -> Any:
    """A state dict from an object with ``state_dict()``, or the object itself."""
    return obj.state_dict() if hasattr(obj, "state_dict") and callable(obj.state_dict) else obj


def _generator_state(value: Any) -> Any:
    if isinstance(value, np.random.Generator):
        return value.bit_generator.state
    if isinstance(value, dict):
        return {k: _generator_state(v) for k, v in value.items()}
    return value


class _Encoder:
    """Turns a tree of containers, scalars and arrays into JSON plus named arrays."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.arrays: dict[str, np.ndarray] = {}

    def _name(self, where: list[str]) -> str:
        base = re.sub(r"[^A-Za-z0-9_.\-/]", "_", "/".join(where)) or "array"
        name, n = base, 1
        while name in self.arrays or name in (_META, _CHECKSUM):
            n += 1
            name = f"{base}~{n}"
        return name

    def encode(self, value: Any, where: list[str]) -> Any:
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, int) and not isinstance(value, np.integer):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"$float": repr(value)}
        if isinstance(value, np.ndarray | np.generic):
            array = np.asarray(value)
            if array.dtype.hasobject:
                raise CheckpointError(
                    f"{self.path}: cannot save {'/'.join(where)}: an object array; checkpoints hold "
                    "only numeric, boolean and string arrays (they are never unpickled)"
                )
            name = self._name(where)
            self.arrays[name] = array
            node: dict[str, Any] = {"$array": name}
            if isinstance(value, np.generic):
                node["scalar"] = True
            return node
        if isinstance(value, dict):
            items = []
            for key, item in value.items():
                if not isinstance(key, str | int) or isinstance(key, bool):
                    raise CheckpointError(
                        f"{self.path}: cannot save {'/'.join(where) or 'the checkpoint'}: dict key "
                        f"{key!r} is a {type(key).__name__}; use str or int keys"
                    )
                items.append([key, self.encode(item, [*where, str(key)])])
            return {"$dict": items}
        if isinstance(value, list | tuple):
            tag = "$list" if isinstance(value, list) else "$tuple"
            return {tag: [self.encode(item, [*where, str(i)]) for i, item in enumerate(value)]}
        raise CheckpointError(
            f"{self.path}: cannot save {'/'.join(where) or 'the checkpoint'}: a "
            f"{type(value).__name__}; checkpoints hold arrays, numbers, strings, None, and "
            "dicts/lists of them (objects are saved through their state_dict())"
        )


def _decode(node: Any, arrays: Any, path: str) -> Any:
    if not isinstance(node, dict):
        return node
    if "$array" in node:
        array = arrays[node["$array"]]
        return array[()] if node.get("scalar") else array
    if "$dict" in node:
        return {key: _decode(item, arrays, path) for key, item in node["$dict"]}
    if "$list" in node:
        return [_decode(item, arrays, path) for item in node["$list"]]
    if "$tuple" in node:
        return tuple(_decode(item, arrays, path) for item in node["$tuple"])
    if "$float" in node:
        return float(node["$float"])
    raise CheckpointError(f"{path}: unreadable metadata node {sorted(node)}; the file is corrupted")


def _checksum(meta: bytes, arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256(meta)
    for name in sorted(arrays):
        array = np.asarray(arrays[name])
        digest.update(f"\0{name}\0{array.dtype.str}\0{array.shape}\0".encode())
        digest.update(array.tobytes(order="C"))
    return digest.hexdigest()


# ------------------------------------------------------------------ writing
@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb", *, fsync: bool = True) -> Any:
    """Open a temporary file next to ``path``; on success flush, fsync and rename it
    over ``path`` (``os.replace``), on error delete it. Readers never see a partial file.
    ``fsync=False`` skips the (slow) flush to disk for files that only need to be
    complete, not durable across a power cut (logs). The file keeps the permission
    bits of the file it replaces; a new file gets ``0o666`` less the umask (on POSIX).
    An :class:`OSError` while writing (a full disk, a file-size limit) names ``path`` and,
    when a file was being replaced, carries a note that it is intact.

    The temporary file is ``.<name>.<pid>.<random>.tmp``. A writer killed before the
    rename leaves it behind; after each successful write, such files of the same
    ``<name>`` are deleted once they are a minute old (``STALE_TEMPORARY_AGE``) and
    process ``<pid>`` has ended (so a concurrent writer's file is left alone).

    Example:
        >>> import os, tempfile
        >>> from minigrad.checkpoint import atomic_write
        >>> target = os.path.join(tempfile.mkdtemp(), "notes.txt")
        >>> with atomic_write(target, "w") as f:
        ...     _ = f.write("hello")
        >>> open(target).read()
        'hello'
    """
    target = Path(path)
    if target.is_dir():  # os.replace would fail naming the temporary file, not the target
        raise IsADirectoryError(errno.EISDIR, "is a folder; give a file name", str(target))
    directory = target.parent if str(target.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    replacing = target.exists()
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp")
    except OSError as err:
        _name_target(err, target, replacing)
        raise
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            if _POSIX:  # Windows files have no such mode bits
                with contextlib.suppress(OSError):  # a file system without modes (FAT): keep mkstemp's
                    os.fchmod(handle.fileno(), _mode_for(target))
            if fsync:
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError):
            _name_target(err, target, replacing)
        raise
    if fsync:  # make the rename itself durable (not possible on every platform)
        with contextlib.suppress(OSError):
            dir_fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    _remove_stale_temporaries(directory, target.name)


def _name_target(err: OSError, target: Path, replacing: bool) -> None:
    """Make a failure to write ``target`` name it: a full disk or a file-size limit
    surfaces from ``write`` or ``fsync`` without a file name, or naming the hidden
    temporary file. Notes that the previous file is intact when one was being replaced."""
    name = os.path.basename(os.fsdecode(err.filename)) if err.filename is not None else None
    if name is not None and not (name.startswith(f".{target.name}.") and name.endswith(".tmp")):
        return  # about another file, opened by the caller inside the with-block
    if err.errno is not None:  # an OSError(message) alone would print the name as its errno
        err.filename, err.filename2 = str(target), None
    if replacing:
        err.add_note(f"{target} was not replaced: the previous file is intact")


def _umask() -> int:
    """The current umask: from ``/proc/self/status`` where the kernel reports it, else as
    read at import."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    return _UMASK_AT_IMPORT


def _mode_for(target: Path) -> int:
    """The permission bits the written file gets: those of the file it replaces, or for a
    new file what ``open()`` would give it (``0o666`` less the umask) rather than the
    ``0o600`` of :func:`tempfile.mkstemp`."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _remove_stale_temporaries(directory: Path, name: str) -> None:
    """Delete the temporary files killed writers of ``name`` left in ``directory``.

    Only files of :func:`atomic_write`'s exact pattern for this name, only once they are
    ``STALE_TEMPORARY_AGE`` seconds old (a live writer keeps touching its file), and
    only when the process in the name has ended. Files of the older pattern
    ``.<name>.<random>.tmp`` (no pid) go by age alone. Errors are ignored: a save never
    fails over housekeeping.
    """
    prefix = f".{name}."
    # mkstemp's random part is 8 characters from [a-z0-9_] (should that change, nothing
    # matches and nothing is deleted)
    pattern = re.compile(rf"{re.escape(prefix)}(?:(\d+)\.)?[a-z0-9_]{{8}}\.tmp")
    now = time.time()
    with contextlib.suppress(OSError), os.scandir(directory) as entries:
        for entry in entries:
            if not entry.name.startswith(prefix) or not (found := pattern.fullmatch(entry.name)):
                continue
            with contextlib.suppress(OSError):
                if not entry.is_file(follow_symlinks=False):
                    continue
                if now - entry.stat(follow_symlinks=False).st_mtime < STALE_TEMPORARY_AGE:
                    continue
                if found.group(1) is not None and _process_alive(int(found.group(1))):
                    continue
                os.unlink(entry.path)


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` may still be running (True when unsure).

    Off POSIX there is no harmless probe (``os.kill`` would end the process): False, so
    age alone decides, which is safe there because Windows refuses to delete a file its
    writer still holds open.
    """
    if not _POSIX:
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # PermissionError: it exists, owned by someone else
        return True
    return True


def save_checkpoint(
    path: str | os.PathLike,
    *,
    model: Any,
    optimizer: Any = None,
    normalizer: Any = None,
    epoch: int | None = None,
    rng_state: Any = None,
    extra: Any = None,
) -> None:
    """Write a checkpoint to ``path`` atomically (see the module docs for the format).

    Args:
        path: the file to write (conventionally ``*.npz``; the name is used as given).
        model: a :class:`~minigrad.Module` or its state dict.
        optimizer: an optimizer (anything with ``state_dict()``) or its state dict.
        normalizer: a normalizer (anything with ``state_dict()``) or its state dict.
        epoch: the last completed epoch.
        rng_state: JSON-like generator state(s): a ``numpy.random.Generator`` (its
            ``bit_generator.state`` is saved), a dict of them, or the states themselves.
        extra: anything else made of dicts, lists, numbers, strings and arrays.

    Raises:
        CheckpointError: a value cannot be stored without pickling.

    Example:
        >>> import numpy as np, tempfile, os
        >>> import minigrad as mg
        >>> m = mg.Module(); m.w = mg.Parameter(np.ones(3))
        >>> path = os.path.join(tempfile.mkdtemp(), "run.npz")
        >>> mg.save_checkpoint(path, model=m, epoch=0, rng_state=np.random.default_rng(1),
        ...                    extra={"note": "first", "scores": [0.5, 0.25]})
        >>> mg.load_checkpoint(path).extra
        {'note': 'first', 'scores': [0.5, 0.25]}
    """
    path = os.fspath(path)
    if model is None:
        raise CheckpointError(f"{path}: save_checkpoint needs model= (a Module or its state dict)")
    if epoch is not None and (not isinstance(epoch, int | np.integer) or isinstance(epoch, bool)):
        raise CheckpointError(f"{path}: epoch must be an int or None, got {epoch!r}")
    encoder = _Encoder(path)
    tree = encoder.encode(
        {
            "model": _state(model),
            "optimizer": _state(optimizer),
            "normalizer": _state(normalizer),
            "epoch": None if epoch is None else int(epoch),
            "rng_state": _generator_state(rng_state),
            "extra": extra,
        },
        [],
    )
    from minigrad import __version__

    meta = json.dumps(
        {"format": FORMAT, "version": FORMAT_VERSION, "minigrad_version": __version__, "tree": tree},
        allow_nan=False,
        separators=(",", ":"),
    ).encode("utf-8")
    entries = dict(encoder.arrays)
    entries[_META] = np.frombuffer(meta, dtype=np.uint8)
    entries[_CHECKSUM] = np.frombuffer(_checksum(meta, encoder.arrays).encode("ascii"), dtype=np.uint8)
    with atomic_write(path) as handle:
        np.savez(handle, **entries)


# ------------------------------------------------------------------ reading
def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read and verify a checkpoint written by :func:`save_checkpoint`.

    Never unpickles (``allow_pickle=False``). The format version and the checksum are
    checked before anything is returned.

    Raises:
        CheckpointError: the file is missing, truncated, corrupted, not a minigrad
            checkpoint, or from a newer format version; the message names the file.

    Example:
        >>> import numpy as np, tempfile, os
        >>> import minigrad as mg
        >>> path = os.path.join(tempfile.mkdtemp(), "bad.npz")
        >>> np.savez(path, weights=np.ones(2))      # a valid .npz, but not ours
        >>> try:
        ...     mg.load_checkpoint(path)
        ... except mg.CheckpointError as err:
        ...     print("not a minigrad checkpoint" in str(err))
        True
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise CheckpointError(f"{path}: not a minigrad checkpoint (a .npy array, not a .npz archive)")
        with loaded as archive:
            names = set(archive.files)
            if _META not in names or _CHECKSUM not in names:
                raise CheckpointError(
                    f"{path}: not a minigrad checkpoint (a .npz without minigrad metadata; "
                    f"it holds {sorted(names)[:8]})"
                )
            arrays = {name: archive[name] for name in names if name not in (_META, _CHECKSUM)}
            meta_bytes = archive[_META].tobytes()
            checksum = archive[_CHECKSUM].tobytes().decode("ascii", errors="replace")
    except CheckpointError:
        raise
    except Exception as err:  # any failure to parse this untrusted file means it is damaged
        raise CheckpointError(
            f"{path}: cannot read the checkpoint: the file is truncated, corrupted or not a .npz "
            f"archive ({type(err).__name__}: {err})"
        ) from err
    try:
        meta = json.loads(meta_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"{path}: the checkpoint metadata is corrupted ({err})") from err
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise CheckpointError(f"{path}: not a minigrad checkpoint (format {found!r})")
    version = meta.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise CheckpointError(
            f"{path}: checkpoint format version {version!r} is not supported by this minigrad "
            f"(it reads versions 1..{FORMAT_VERSION}); upgrade minigrad to read it"
        )
    actual = _checksum(meta_bytes, arrays)
    if actual != checksum:
        raise CheckpointError(
            f"{path}: checksum mismatch (stored {checksum[:16]}..., computed {actual[:16]}...): the "
            "file was corrupted or modified after it was written; use an earlier checkpoint"
        )
    try:
        tree = _decode(meta["tree"], arrays, path)
    except KeyError as err:
        raise CheckpointError(f"{path}: the checkpoint refers to a missing array {err}") from err
    except (TypeError, ValueError, AttributeError) as err:
        raise CheckpointError(f"{path}: the checkpoint metadata is malformed ({err})") from err
    if not isinstance(tree, dict) or "model" not in tree:
        raise CheckpointError(f"{path}: the checkpoint metadata has no model entry; the file is corrupted")
    return Checkpoint(
        path=path,
        model=tree["model"],
        optimizer=tree.get("optimizer"),
        normalizer=tree.get("normalizer"),
        epoch=tree.get("epoch"),
        rng_state=tree.get("rng_state"),
        extra=tree.get("extra"),
        version=version,
        minigrad_version=str(meta.get("minigrad_version", "")),
    )
