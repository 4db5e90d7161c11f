"""Helpers shared by the hyperparameter-search tests."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager

from minigrad.tune import SequentialExecutor


class CountingExecutor(SequentialExecutor):
    """Runs trials in this process and records the number of each trial it runs."""

    def __init__(self) -> None:
        super().__init__()
        self.numbers: list[int] = []

    def submit(self, fn, /, *args, **kwargs):
        self.numbers.append(args[0].number)
        return super().submit(fn, *args, **kwargs)


class FailThenStop(SequentialExecutor):
    """Runs trials in this process, but trial ``fail`` fails (its worker died) and
    submitting trial ``stop`` is a Ctrl-C."""

    def __init__(self, fail: int, stop: int) -> None:
        super().__init__()
        self.fail, self.stop = fail, stop

    def submit(self, fn, /, *args, **kwargs):
        number = args[0].number
        if number == self.stop:
            raise KeyboardInterrupt
        if number == self.fail:
            future = Future()
            future.set_exception(RuntimeError("the worker died"))
            return future
        return super().submit(fn, *args, **kwargs)


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its reaper counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


@contextmanager
def local_dask_cluster() -> Iterator[tuple]:
    """A real ``distributed.LocalCluster`` of 2 in-process workers and its client."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield cluster, client
