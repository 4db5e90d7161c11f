"""Hyperparameter search throughput: trials per second with 1 and 2 worker processes.

The same random-search study (a 2-32-32-3 network on 450 spirals examples, 40 epochs,
learning rate and L2 strength sampled on log scales) runs on a process pool of one
worker, then of two. Each pool is warmed up first (worker start-up and imports are
paid once per study, not per trial), so the ratio measures how trials scale: close to 2
on two idle cores. Results are compared too: both pools must produce identical trials.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

#: Trials per second with 2 workers should be at least this times that with 1 (2+ cores).
TARGET_RATIO = 1.6


def _study() -> tuple[dict, dict]:
    from minigrad.config import load_config
    from minigrad.tune import log_uniform

    config = load_config(
        overrides=["data.options.n=450", "training.epochs=40", "callbacks=[]", "schedule.name='none'"]
    )
    space = {"optimizer.lr": log_uniform(1e-3, 0.1), "regularizer.lam": log_uniform(1e-3, 1)}
    return config, space


def _warm_up(executor, workers: int, config: dict) -> None:
    from minigrad.tune.trial import TrialTask, run_trial

    tiny = json.loads(json.dumps(config))
    tiny["training"]["epochs"] = 1
    futures = [executor.submit(run_trial, TrialTask(i, tiny, "dev_loss")) for i in range(2 * workers)]
    for future in futures:
        future.result()


def run(*, quick: bool = False) -> tuple[str, list[str]]:
    """Run the benchmark; returns the report and the missed targets.

    Both pools stay open and take turns, round after round, so a burst of machine noise
    hits both alike; the ratio is that of the median rates.
    """
    import statistics
    from contextlib import ExitStack

    from minigrad.tune import open_executor, run_study

    trials = 8 if quick else 16
    rounds = 2 if quick else 3
    config, space = _study()
    samples: dict[int, list[float]] = {1: [], 2: []}
    outcomes: dict[int, list] = {}
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        pools = {n: stack.enter_context(open_executor("process", workers=n)) for n in (1, 2)}
        for workers, handle in pools.items():
            _warm_up(handle.executor, workers, config)
        for round_number in range(rounds):
            for workers, handle in pools.items():
                start = time.perf_counter()
                study = run_study(
                    config,
                    space,
                    trials=trials,
                    executor=handle.executor,
                    workers=workers,
                    db=Path(folder) / f"bench-{workers}-{round_number}.db",
                )
                samples[workers].append(trials / (time.perf_counter() - start))
                outcomes[workers] = [(t.params, t.metrics) for t in study.trials]
    rates = {workers: statistics.median(values) for workers, values in samples.items()}
    ratio = rates[2] / rates[1]
    cores = os.cpu_count() or 1
    lines = [
        f"hyperparameter search, {trials} trials of a 2-32-32-3 MLP (450 examples, 40 epochs), process pool, "
        f"median of {rounds} interleaved rounds",
        f"  1 worker : {rates[1]:6.2f} trials/s",
        f"  2 workers: {rates[2]:6.2f} trials/s",
    ]
    missed = []
    if cores >= 2:
        ok = ratio >= TARGET_RATIO
        verdict = "ok" if ok else "MISSED"
        lines.append(
            f"  ratio    : {ratio:6.2f}x  (target >= {TARGET_RATIO:.1f}x on {cores} cores) {verdict}"
        )
        if not ok:
            missed.append(f"tune: 2 workers ran {ratio:.2f}x the trials per second of 1 (< {TARGET_RATIO}x)")
    else:
        lines.append(f"  ratio    : {ratio:6.2f}x  (no target: {cores} core)")
    identical = json.dumps(outcomes[1]) == json.dumps(outcomes[2])
    lines.append(f"  identical trials with 1 and 2 workers: {'yes' if identical else 'NO'}")
    if not identical:
        missed.append("tune: 1 and 2 workers produced different trials")
    return "\n".join(lines), missed


if __name__ == "__main__":
    print(run()[0])
