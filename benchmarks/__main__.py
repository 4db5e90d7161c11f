"""``python -m benchmarks``: run the benchmarks, print ratios, exit 1 on a missed target."""

from __future__ import annotations

import argparse
import sys

from benchmarks import gradcheck_bench, memory, mlp, tune_bench
from benchmarks.harness import environment_header

SUITES = {"mlp": mlp.run, "gradcheck": gradcheck_bench.run, "memory": memory.run, "tune": tune_bench.run}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("suites", nargs="*", choices=[*SUITES, []], help="which to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="fewer rounds: a rough look in seconds")
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even when a target is missed")
    args = parser.parse_args(argv)
    print(environment_header())
    missed: list[str] = []
    for name in args.suites or list(SUITES):
        text, miss = SUITES[name](quick=args.quick)
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
