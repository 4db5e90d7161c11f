"""Executors: the sequential one runs at submit time, the process pool runs in other
processes with one BLAS thread each and is stopped at once on an error or Ctrl-C."""

from __future__ import annotations

import os
import time
from concurrent.futures.process import BrokenProcessPool

import pytest

from minigrad.errors import ConfigError
from minigrad.tune.executors import SequentialExecutor, open_executor

from .helpers import alive


def blas_threads() -> int:
    from threadpoolctl import threadpool_info

    return max(pool["num_threads"] for pool in threadpool_info())


def pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def fail() -> None:
    raise ValueError("inside")


def test_sequential_executor_runs_at_submit_and_keeps_exceptions():
    executor = SequentialExecutor()
    assert executor.submit(pow, 2, 5).done()
    future = executor.submit(fail)
    with pytest.raises(ValueError, match="inside"):
        future.result()
    executor.shutdown()
    with pytest.raises(RuntimeError, match="after shutdown"):
        executor.submit(pow, 2, 5)


def test_the_process_pool_runs_elsewhere_with_one_blas_thread():
    pytest.importorskip("threadpoolctl")
    with open_executor("process", workers=2) as handle:
        assert handle.slots == 2 and "caviar" in handle.description
        pids = {handle.executor.submit(pid_after, 0.2).result() for _ in range(2)}
        assert os.getpid() not in pids
        assert handle.executor.submit(blas_threads).result() == 1


def test_an_error_in_the_driver_stops_the_running_trials_at_once():
    with pytest.raises(KeyboardInterrupt), open_executor("process", workers=1) as handle:
        handle.executor.submit(pid_after, 0).result()  # the worker is up
        stuck = handle.executor.submit(pid_after, 30)
        time.sleep(0.3)  # let it start
        raise KeyboardInterrupt
    # without the termination the pool's shutdown would have waited for the result
    with pytest.raises(BrokenProcessPool):
        stuck.result(timeout=0)


def test_open_executor_validates_its_arguments():
    with pytest.raises(ConfigError, match="unknown executor"), open_executor("threads"):
        pass
    with pytest.raises(ConfigError, match="integer >= 1"), open_executor("process", workers=0):
        pass
    with (
        pytest.raises(ConfigError, match="needs the dask executor"),
        open_executor("sequential", scheduler="local"),
    ):
        pass
    with (
        pytest.raises(ConfigError, match="expected a Dask scheduler address"),
        open_executor("dask", scheduler="x"),
    ):
        pass


def test_a_local_dask_cluster_runs_trials_in_its_own_processes_and_shuts_down():
    pytest.importorskip("distributed")
    with open_executor("dask", workers=1) as handle:  # scheduler "local"
        assert handle.slots == 1 and "local cluster of 1" in handle.description
        worker = handle.executor.submit(pid_after, 0).result()
        assert worker != os.getpid()
    deadline = time.monotonic() + 30
    while alive(worker):
        assert time.monotonic() < deadline, "the cluster's worker process outlived the study"
        time.sleep(0.1)
