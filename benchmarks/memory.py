"""Memory over a long run: resident memory must stay flat over 10,000 training steps
(no graph or buffer leaks), and the peak Python-allocated memory of one step is reported."""

from __future__ import annotations

import os
import tracemalloc


def rss_mib() -> float:
    """Resident set size of this process in MiB (Linux /proc)."""
    with open(f"/proc/{os.getpid()}/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def run(*, quick: bool = False) -> tuple[str, list[str]]:
    from benchmarks.mlp import CASES, make_problem, minigrad_step_fn, numpy_step_fn

    steps_total = 2_000 if quick else 10_000
    weights, X, y = make_problem(CASES[0])
    step, _ = minigrad_step_fn(weights, X, y)
    for _ in range(500):
        step()
    start = rss_mib()
    for _ in range(steps_total):
        step()
    end = rss_mib()
    growth = end - start
    # 5 MiB over 10,000 steps, in proportion for a shorter run (a leak of 1 KiB a step
    # must show in the quick run too); never below 1 MiB, the allocator's own noise
    limit = max(1.0, 5.0 * steps_total / 10_000)
    ok = growth < limit
    lines = [
        f"memory, MLP {CASES[0].title}",
        f"  resident memory over {steps_total} steps: {start:.1f} -> {end:.1f} MiB "
        f"(growth {growth:+.2f} MiB, target < {limit:g} MiB) {'ok' if ok else 'MISSED'}",
    ]
    missed = [] if ok else [f"memory grew {growth:.1f} MiB over {steps_total} steps"]
    weights, X, y = make_problem(CASES[1])
    peaks = {}
    for name, build in (("minigrad", minigrad_step_fn), ("numpy", numpy_step_fn)):
        step, _ = build(weights, X, y)
        step()
        tracemalloc.start()
        step()
        _, peaks[name] = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    activations = sum(X.shape[0] * w.shape[1] for w, _ in weights) * X.itemsize
    lines.append(
        f"  peak memory allocated during one step, MLP {CASES[1].title}: minigrad "
        f"{peaks['minigrad'] / 2**20:.2f} MiB, hand-written NumPy {peaks['numpy'] / 2**20:.2f} MiB "
        f"(activations alone: {activations / 2**20:.2f} MiB)"
    )
    return "\n".join(lines), missed


if __name__ == "__main__":
    print(run()[0])
