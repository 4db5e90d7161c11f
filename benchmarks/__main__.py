"""``python -m benchmarks``: run the benchmarks, print ratios, exit 1 on a missed target."""

from __future__ import annotations

import argparse
import os
import sys

SUITES = ("mlp", "gradcheck", "memory", "tune")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("suites", nargs="*", choices=[*SUITES, []], help="which to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="fewer rounds: a rough look in seconds")
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even when a target is missed")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help="BLAS (and PyTorch) threads for every implementation alike; default: as configured. "
        "On a busy machine --threads 1 gives much steadier numbers",
    )
    args = parser.parse_args(argv)
    if args.threads is not None:
        if args.threads < 1:
            parser.error("--threads must be at least 1")
        # before NumPy is imported, in case threadpoolctl is not installed
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)

    from benchmarks import gradcheck_bench, memory, mlp, tune_bench
    from benchmarks.harness import environment_header, limit_threads

    limiter = limit_threads(args.threads)  # noqa: F841  (the limit holds while it lives)
    runners = {
        "mlp": mlp.run,
        "gradcheck": gradcheck_bench.run,
        "memory": memory.run,
        "tune": tune_bench.run,
    }
    print(environment_header())
    missed: list[str] = []
    for name in args.suites or list(SUITES):
        text, miss = runners[name](quick=args.quick)
        print()
        print(text, flush=True)
        missed.extend(miss)
    print()
    if missed:
        print("targets missed:")
        for m in missed:
            print(f"  - {m}")
        return 0 if args.no_fail else 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
