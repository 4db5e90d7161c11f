"""minigrad's benchmarks: speed and memory against hand-written NumPy (and PyTorch and
MyGrad when they are installed), measured in the same process.

Run ``python -m benchmarks`` from the repository root (``--help`` for options). Each
benchmark prints median milliseconds per step, the interquartile range and the ratio to
the NumPy baseline, and the run exits non-zero when a target ratio is missed. None of
this is part of the test suite: speed is never asserted by a timed test.
"""
