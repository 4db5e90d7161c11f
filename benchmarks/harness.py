"""Timing helpers shared by the benchmarks: interleaved rounds, medians, ratios, headers."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass
class Timing:
    """Per-step times of one implementation, in milliseconds."""

    name: str
    samples: list[float]

    @property
    def median(self) -> float:
        return float(np.median(self.samples))

    @property
    def iqr(self) -> float:
        q1, q3 = np.percentile(self.samples, [25, 75])
        return float(q3 - q1)


#: Seconds of untimed steps before each timed block when thread pools have several
#: threads: long enough for the previous implementation's idle worker threads (OpenBLAS's,
#: PyTorch's OpenMP pool), which keep spinning for about 0.1-0.2 s after their last call,
#: to go to sleep instead of competing for the cores.
SETTLE_SECONDS = 0.25


def multithreaded() -> bool:
    """Whether any BLAS or OpenMP pool in this process (PyTorch's included) has several threads."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # cannot tell: assume the worst, settling only costs time
        return True
    threads = [pool["num_threads"] for pool in threadpool_info()]
    try:
        import torch

        threads.append(torch.get_num_threads())
    except ImportError:
        pass
    return max(threads, default=1) > 1


def interleaved(
    steps: dict[str, Callable[[], object]],
    *,
    rounds: int,
    per_round: int,
    warmup: int = 20,
    settle: float | None = None,
) -> dict[str, Timing]:
    """Time each step function ``rounds`` times in blocks of ``per_round`` calls.

    Implementations take turns inside every round, so a burst of machine noise hits all
    of them alike instead of biasing one. Before each timed block the implementation runs
    untimed for ``settle`` seconds (default: :data:`SETTLE_SECONDS` when a thread pool has
    several threads, else 0): worker threads of the implementation that ran before it
    keep spinning for a while and would otherwise steal the cores from this one's, which
    once made PyTorch look two to four times slower than it is.
    """
    if settle is None:
        settle = SETTLE_SECONDS if multithreaded() else 0.0
    for step in steps.values():
        for _ in range(warmup):
            step()
    samples: dict[str, list[float]] = {name: [] for name in steps}
    clock = time.perf_counter
    for _ in range(rounds):
        for name, step in steps.items():
            if settle:
                until = clock() + settle
                while clock() < until:
                    step()
            start = clock()
            for _ in range(per_round):
                step()
            samples[name].append((clock() - start) * 1000 / per_round)
    return {name: Timing(name, s) for name, s in samples.items()}


def paired_ratio(timings: dict[str, Timing], name: str, baseline: str) -> tuple[float, float]:
    """The median and interquartile range of ``name``'s time over ``baseline``'s, round by round.

    Both ran back to back in every round of :func:`interleaved`, so each round's ratio
    compares them under the same machine conditions; a slow stretch that lifts both
    cancels out, where it would skew a ratio of the two overall medians.
    """
    ratios = np.asarray(timings[name].samples) / np.asarray(timings[baseline].samples)
    q1, median, q3 = np.percentile(ratios, [25, 50, 75])
    return float(median), float(q3 - q1)


def blas_threads() -> int | None:
    """The BLAS thread count in force (None when threadpoolctl cannot tell)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    counts = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return counts[0] if counts else None


def limit_threads(threads: int | None) -> object:
    """Cap the BLAS threads of every implementation in this process at ``threads``.

    Returns the threadpoolctl limiter (keep it alive); None when ``threads`` is None.
    Without threadpoolctl the environment variables set by ``__main__`` before NumPy
    was imported do the job.
    """
    if threads is None:
        return None
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=threads, user_api="blas")


def environment_header() -> str:
    """Machine, load, versions, thread counts and the BLAS in use."""
    lines = [
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (busy cores slow every "
        "implementation, and multithreaded BLAS most)",
        f"numpy {np.__version__}",
    ]
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            lines.append(
                f"{pool['user_api']}: {pool['internal_api']} {pool.get('version') or ''} "
                f"threads={pool['num_threads']} ({pool.get('architecture') or ''})"
            )
    except ImportError:
        lines.append("threadpoolctl not installed (pip install threadpoolctl): BLAS details unavailable")
    lines += _peer_lines()
    if multithreaded():
        lines.append(
            f"several threads per pool: each timed block follows {SETTLE_SECONDS} s of untimed steps "
            "(idle workers of the implementation before it stop spinning)"
        )
    variables = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    for var in (*variables, "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.get(var):
            lines.append(f"{var}={os.environ[var]}")
    return "\n".join(lines)


def _peer_lines() -> list[str]:
    """The comparison libraries present: versions, PyTorch's BLAS and the thread count
    its steps use (set to NumPy's BLAS thread count, see ``mlp.torch_step_fn``)."""
    lines = []
    if importlib.util.find_spec("torch") is not None:
        import torch

        config = torch.__config__.show()
        blas = re.search(r"BLAS_INFO=(\w+)", config)
        mkl = re.search(r"Math Kernel Library Version ([\w.]+)", config)
        lines.append(
            f"torch {torch.__version__} (CPU): BLAS {blas.group(1) if blas else 'unknown'}"
            + (f" {mkl.group(1)}" if mkl else "")
            + f", threads={blas_threads() or os.cpu_count() or 1} in its steps"
        )
    for peer in ("mygrad",):
        if importlib.util.find_spec(peer) is not None:
            lines.append(f"{peer} {importlib.metadata.version(peer)}")
    return lines


def table(
    title: str, timings: dict[str, Timing], baseline: str, targets: dict[str, float]
) -> tuple[str, list[str]]:
    """Format a result table; returns it and the list of missed targets.

    The ratio is the median of the per-round ratios to ``baseline`` (:func:`paired_ratio`),
    with their interquartile range beside it.
    """
    lines = [title, f"  {'implementation':<16}{'median ms':>11}{'IQR ms':>9}{'ratio':>8}{'IQR':>7}  target"]
    missed = []
    for name, t in timings.items():
        ratio, spread = paired_ratio(timings, name, baseline)
        target = targets.get(name)
        mark = ""
        if target is not None:
            ok = ratio <= target
            mark = f"<= {target:.2f}x {'ok' if ok else 'MISSED'}"
            if not ok:
                missed.append(f"{title.strip()}: {name} {ratio:.2f}x > {target:.2f}x")
        lines.append(f"  {name:<16}{t.median:>11.4f}{t.iqr:>9.4f}{ratio:>7.2f}x{spread:>7.2f}  {mark}")
    return "\n".join(lines), missed
