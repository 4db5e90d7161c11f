"""``python -m benchmarks`` offers every benchmark module in ``benchmarks/``.

The benchmarks themselves are not tests (they time things); this only checks that each
suite is reachable from the command line, so none silently drops out of it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _suite_modules() -> set[str]:
    """Names of the benchmark modules that define ``run`` (``tune_bench`` → ``tune``)."""
    names = set()
    for path in (ROOT / "benchmarks").glob("*.py"):
        if path.stem.startswith("_") or path.stem == "harness":
            continue
        if "\ndef run(" in path.read_text(encoding="utf-8"):
            names.add(path.stem.removesuffix("_bench"))
    return names


def test_every_benchmark_module_is_a_suite():
    from benchmarks.__main__ import SUITES

    assert _suite_modules() == {"mlp", "gradcheck", "memory", "tune"}
    assert set(SUITES) == _suite_modules()


def _run_benchmarks(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_help_lists_every_suite():
    result = _run_benchmarks("--help")
    assert result.returncode == 0, result.stderr
    for suite in _suite_modules():
        assert suite in result.stdout


def test_an_unknown_suite_is_refused_with_the_choices():
    result = _run_benchmarks("tunes")
    assert result.returncode == 2
    assert "'tune'" in result.stderr
