"""Where trials run: any :class:`concurrent.futures.Executor`.

The course names two ways to search:

``sequential`` — *panda*
    One model at a time, in this process, with a live display of its epochs (the
    smoothed mini-batch cost and the dev metrics): for when compute is scarce and you
    babysit a single model, nudging it along.

``process`` — *caviar* (the default)
    Many models in parallel in a pool of ``workers`` processes (default: one per core),
    each with a single BLAS thread so the pool does not oversubscribe the machine.

``dask``
    The same, on a Dask cluster when one machine is not enough: ``scheduler`` is the
    address of a running scheduler (``"tcp://host:8786"``), or ``"local"`` to start a
    ``distributed.LocalCluster`` of ``workers`` single-threaded processes for the
    study. Needs the ``dask`` extra (``pip install -e ".[dask]"`` in the minigrad checkout,
    or ``pip install "dask[distributed]"``); every worker
    needs minigrad and the same plugins installed.

Any other executor (a :class:`~concurrent.futures.ThreadPoolExecutor`, a Dask client's
``get_executor()``, ...) can be passed to :func:`~minigrad.tune.run_study` directly.
Worker processes start with the installed (entry-point) plugins; plugins registered at
run time with :func:`minigrad.register_plugin` in the driver are registered again in
each worker before its trials run, imported by name
(:func:`minigrad.manager.plugin_reference`), and a study refuses one that cannot be
imported by name before any trial runs.

Example:
    >>> from minigrad.tune.executors import open_executor
    >>> with open_executor("sequential") as handle:
    ...     handle.executor.submit(sum, [1, 2, 3]).result(), handle.slots, handle.description
    (6, 1, 'sequential (panda: one model at a time, in this process)')
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any

from minigrad.errors import ConfigError, MinigradError, MissingExtraError

__all__ = ["EXECUTORS", "ExecutorHandle", "SequentialExecutor", "open_executor", "terminate_workers"]

#: The executor kinds :func:`open_executor` builds.
EXECUTORS = ("sequential", "process", "dask")


class SequentialExecutor(Executor):
    """Runs each submitted call immediately, in the calling thread; ``submit`` returns a
    finished :class:`~concurrent.futures.Future`. Exceptions are kept in the future,
    except ``KeyboardInterrupt`` and ``SystemExit``, which propagate.

    Example:
        >>> from minigrad.tune.executors import SequentialExecutor
        >>> SequentialExecutor().submit(pow, 2, 10).result()
        1024
    """

    def __init__(self) -> None:
        self._shutdown = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        if self._shutdown:
            raise RuntimeError("cannot submit to a SequentialExecutor after shutdown")
        future: Future = Future()
        future.set_running_or_notify_cancel()
        try:
            result = fn(*args, **kwargs)
        except Exception as err:
            future.set_exception(err)
        else:
            future.set_result(result)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shutdown = True


def _exit_with(parent: int) -> None:
    """Exit when the driver dies (even by SIGKILL): an orphaned worker would wait for
    work forever."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)


def _worker_init() -> None:
    """Runs once in each pool process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    if os.name == "posix":  # orphans are re-parented there, so a changed parent means death
        threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True).start()
    import numpy  # noqa: F401  (load the BLAS first, so the limit below finds it)

    with contextlib.suppress(ImportError):
        from threadpoolctl import threadpool_limits

        # one BLAS thread per worker: N workers on N cores, not N x N threads (OpenBLAS
        # gives the same bits whatever its thread count, so results match in-process runs)
        threadpool_limits(limits=1)


def _process_pool(workers: int) -> Executor:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # "spawn": a fresh interpreter per worker, safe whatever threads the driver runs
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init)


def terminate_workers(pool: Any) -> None:
    """Stop a process pool's workers now, abandoning the calls they run (their futures
    fail with ``BrokenProcessPool``)."""
    if hasattr(pool, "terminate_workers"):  # Python >= 3.14
        pool.terminate_workers()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()


@dataclass
class ExecutorHandle:
    """An open executor and what the driver needs to know about it.

    Attributes:
        executor: the :class:`~concurrent.futures.Executor`.
        slots: how many trials may be in flight at once (its workers).
        description: one line for the display.
        rebuild: replaces a broken executor with a fresh one (None when it cannot).
    """

    executor: Executor
    slots: int
    description: str
    rebuild: Callable[[], Executor] | None = None
    live: bool = False


def _check_workers(workers: Any) -> int:
    if workers is None:
        return os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"tune.workers = {workers!r}: expected an integer >= 1 (worker processes)")
    return workers


@contextlib.contextmanager
def open_executor(
    kind: str | Executor = "process", *, workers: int | None = None, scheduler: str | None = None
) -> Iterator[ExecutorHandle]:
    """Open an executor for a study and shut it down afterwards.

    Args:
        kind: ``"sequential"``, ``"process"``, ``"dask"``, or an Executor to use as is
            (then ``workers`` says how many trials to keep in flight, default 1).
        workers: processes of the pool or of a local Dask cluster (default: the cores).
        scheduler: for ``"dask"``: a scheduler address, or ``"local"`` (the default).

    Raises:
        ConfigError: unknown kind or bad ``workers``.
        MissingExtraError: ``"dask"`` without the ``dask`` extra.
        MinigradError: the Dask scheduler cannot be reached.

    Example:
        >>> from minigrad.tune import open_executor
        >>> with open_executor("sequential") as handle:
        ...     handle.slots, handle.executor.submit(pow, 2, 10).result()
        (1, 1024)
    """
    if isinstance(kind, Executor):
        slots = 1 if workers is None else _check_workers(workers)
        yield ExecutorHandle(kind, slots, f"{type(kind).__name__} ({slots} in flight)")
        return
    if kind not in EXECUTORS:
        raise ConfigError(f"tune.executor = {kind!r}: unknown executor (allowed: {', '.join(EXECUTORS)})")
    if kind != "dask" and scheduler is not None:
        raise ConfigError(f"--scheduler {scheduler} needs the dask executor (drop --executor {kind})")
    if kind == "sequential":
        yield ExecutorHandle(
            SequentialExecutor(), 1, "sequential (panda: one model at a time, in this process)", live=True
        )
        return
    if kind == "process":
        n = _check_workers(workers)
        state = {"pool": _process_pool(n)}

        def rebuild() -> Executor:
            state["pool"].shutdown(wait=False, cancel_futures=True)
            state["pool"] = _process_pool(n)
            return state["pool"]

        try:
            yield ExecutorHandle(
                state["pool"], n, f"process pool of {n} (caviar: models in parallel)", rebuild=rebuild
            )
        except BaseException:  # Ctrl-C or an error: do not wait for the running trials
            terminate_workers(state["pool"])
            raise
        finally:
            state["pool"].shutdown(wait=True, cancel_futures=True)
        return
    with _dask_client(scheduler or "local", workers) as (client, where):
        nthreads = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
        slots = nthreads or _check_workers(workers)
        yield ExecutorHandle(
            client.get_executor(pure=False), slots, f"dask at {where} ({slots} worker threads)"
        )


@contextlib.contextmanager
def _dask_client(scheduler: str, workers: int | None) -> Iterator[tuple[Any, str]]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise MissingExtraError(
            "the dask executor needs dask.distributed, which is not installed; install the dask extra "
            'from the minigrad checkout: pip install -e ".[dask]" (or: pip install "dask[distributed]")'
        ) from None
    if scheduler == "local":
        import logging

        n = _check_workers(workers)
        with (
            LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client, f"a local cluster of {n}"
        return
    if not isinstance(scheduler, str) or "://" not in scheduler:
        raise ConfigError(
            f"--scheduler {scheduler!r}: expected a Dask scheduler address such as tcp://host:8786, "
            "or 'local'"
        )
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as err:
        raise MinigradError(
            f"cannot reach the Dask scheduler at {scheduler}: {err}; start one with `dask scheduler` "
            "and workers with `dask worker ADDRESS`, or use --scheduler local"
        ) from None
    try:
        yield client, scheduler
    finally:
        client.close()
