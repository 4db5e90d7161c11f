"""Bias / variance diagnosis from error rates, with the course's next steps.

Compare the training error with a baseline (human-level or Bayes error, 0 by
default) and with the dev error:

- **avoidable bias** = train error - human error. High: the model underfits.
- **variance** = dev error - train error (or train-dev error - train error when a
  train-dev set, drawn from the training distribution but not trained on, is
  given). High: the model overfits.
- **data mismatch** = dev error - train-dev error (only with a train-dev set). High:
  the dev/test data differ from the training data.

A gap counts as *high* when it exceeds ``tolerance`` (default :data:`DEFAULT_TOLERANCE`,
2 percentage points). Errors are fractions in [0, 1] (11% is ``0.11``). With the
course's examples and a human error of 0:

========================  ==========================
train / dev error         verdict
========================  ==========================
1% / 11%                  high variance
15% / 14%                 high bias
15% / 30%                 high bias and high variance
0.5% / 1%                 good
========================  ==========================

Example:
    >>> import minigrad as mg
    >>> mg.diagnose(0.01, 0.11).verdict
    'high variance'
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

from minigrad.errors import ConfigError

__all__ = ["BIAS_STEPS", "DEFAULT_TOLERANCE", "MISMATCH_STEPS", "VARIANCE_STEPS", "Diagnosis", "diagnose"]

#: A gap (avoidable bias, variance or data mismatch) above this is "high": 2 percentage points.
DEFAULT_TOLERANCE = 0.02

#: The course's remedies for high (avoidable) bias: the model underfits the training set.
BIAS_STEPS = (
    "train a bigger network (more hidden units or more layers)",
    "train longer",
    "use a better optimization algorithm (momentum, RMSprop, Adam) or tune the learning rate",
    "try a different architecture suited to the data",
    "reduce regularization if it is strong (smaller lambda, higher keep probability)",
)
#: The course's remedies for high variance: the model overfits the training set.
VARIANCE_STEPS = (
    "get more training data",
    "add regularization: L2, dropout, data augmentation, early stopping",
    "try a different architecture suited to the data",
)
#: Remedies when dev data differ from the training distribution.
MISMATCH_STEPS = (
    "analyse dev-set errors by hand to learn how dev/test data differ from the training data",
    "make the training data more like the dev/test data (collect more such data, or synthesize it)",
)
_GOOD_STEPS = (
    "evaluate once on the test set to get an unbiased estimate of the final error",
    "if the error is still too high, lower the human-level baseline you compare against or gather "
    "harder examples",
)


def _check_error(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ConfigError(f"diagnose: {name} must be a finite number (a fraction in [0, 1]); got {value!r}")
    value = float(value)
    if not 0.0 <= value <= 1.0:
        hint = f"; pass a fraction: {value:g}% is {value / 100:g}" if 1.0 < value <= 100.0 else ""
        raise ConfigError(f"diagnose: {name} must be an error rate in [0, 1], got {value:g}{hint}")
    return value


@dataclass(frozen=True)
class Diagnosis:
    """The result of :func:`diagnose`.

    Attributes:
        train_error, dev_error, human_error, train_dev_error: the inputs (fractions).
        avoidable_bias: train error - human error.
        variance: dev - train error, or train-dev - train error when train-dev is given.
        data_mismatch: dev - train-dev error (``None`` without a train-dev error).
        high_bias, high_variance, high_data_mismatch: each gap compared with ``tolerance``.
        verdict: ``"high bias"``, ``"high variance"``, ``"high bias and high variance"`` or
            ``"good"``; ``"data mismatch"`` is appended when found (e.g.
            ``"high variance and data mismatch"``).
        recommendations: the next steps for each problem found (``"bias"``, ``"variance"``,
            ``"data mismatch"``), bias first (fix underfitting before overfitting), or
            ``{"good": [...]}``.
        tolerance: the threshold used.

    Example:
        >>> import minigrad as mg
        >>> d = mg.diagnose(0.15, 0.30)
        >>> d.verdict, round(d.avoidable_bias, 2), round(d.variance, 2)
        ('high bias and high variance', 0.15, 0.15)
        >>> list(d.recommendations)
        ['bias', 'variance']
    """

    train_error: float
    dev_error: float
    human_error: float
    train_dev_error: float | None
    avoidable_bias: float
    variance: float
    data_mismatch: float | None
    high_bias: bool
    high_variance: bool
    high_data_mismatch: bool
    verdict: str
    recommendations: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tolerance: float = DEFAULT_TOLERANCE

    @property
    def next_steps(self) -> list[str]:
        """Every recommendation in order, as one flat list."""
        return [step for steps in self.recommendations.values() for step in steps]

    def __str__(self) -> str:
        rows = [("human-level error", self.human_error), ("train error", self.train_error)]
        if self.train_dev_error is not None:
            rows.append(("train-dev error", self.train_dev_error))
        rows.append(("dev error", self.dev_error))
        baseline = "train-dev" if self.train_dev_error is not None else "dev"
        variance_label = f"variance ({baseline} - train)"
        gaps = [
            ("avoidable bias (train - human)", self.avoidable_bias, self.high_bias),
            (variance_label, self.variance, self.high_variance),
        ]
        if self.data_mismatch is not None:
            gaps.append(("data mismatch (dev - train-dev)", self.data_mismatch, self.high_data_mismatch))
        width = max(len(label) for label, *_ in rows + gaps)
        lines = [f"diagnosis: {self.verdict}"]
        lines += [f"  {label:<{width}}  {value:7.2%}" for label, value in rows]
        lines += [
            f"  {label:<{width}}  {value:7.2%}{'  HIGH' if high else ''}" for label, value, high in gaps
        ]
        lines.append(f"  (a gap above {self.tolerance:.2%} counts as high)")
        for problem, steps in self.recommendations.items():
            title = "next steps" if problem == "good" else f"to reduce {problem}"
            lines.append(f"{title}:")
            lines += [f"  - {step}" for step in steps]
        return "\n".join(lines)


def diagnose(
    train_error: float,
    dev_error: float,
    *,
    human_error: float = 0.0,
    train_dev_error: float | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> Diagnosis:
    """Diagnose bias and variance from error rates, the course's way.

    Args:
        train_error: error on the training set, a fraction in [0, 1].
        dev_error: error on the dev set.
        human_error: human-level (proxy for Bayes) error; avoidable bias is measured
            against it. 0 by default, as in the course's examples.
        train_dev_error: error on a held-out slice of the *training* distribution; with it,
            variance is train-dev - train and data mismatch is dev - train-dev.
        tolerance: a gap above this is high (default :data:`DEFAULT_TOLERANCE` = 0.02).

    Returns:
        A :class:`Diagnosis`; ``print()`` it for a readable report.

    Raises:
        ConfigError: an error outside [0, 1] (percentages are refused with a hint) or a
            negative tolerance.

    Example:
        >>> import minigrad as mg
        >>> mg.diagnose(0.15, 0.14).verdict
        'high bias'
        >>> mg.diagnose(0.005, 0.01).verdict
        'good'
        >>> mg.diagnose(0.08, 0.09, human_error=0.075).verdict  # little avoidable bias
        'good'
        >>> print(mg.diagnose(0.01, 0.11))  # doctest: +ELLIPSIS
        diagnosis: high variance
          human-level error                  0.00%
          train error                        1.00%
          dev error                         11.00%
          avoidable bias (train - human)     1.00%
          variance (dev - train)            10.00%  HIGH
          (a gap above 2.00% counts as high)
        to reduce variance:
          - get more training data
        ...
    """
    train = _check_error("train_error", train_error)
    dev = _check_error("dev_error", dev_error)
    human = _check_error("human_error", human_error)
    train_dev = None if train_dev_error is None else _check_error("train_dev_error", train_dev_error)
    if isinstance(tolerance, bool) or not isinstance(tolerance, numbers.Real) or not tolerance >= 0:
        raise ConfigError(f"diagnose: tolerance must be a non-negative number, got {tolerance!r}")
    tolerance = float(tolerance)

    avoidable_bias = train - human
    if train_dev is None:
        variance, mismatch = dev - train, None
    else:
        variance, mismatch = train_dev - train, dev - train_dev
    # 1e-12 absorbs rounding: 0.10 - 0.08 is 0.020000000000000004, not above a 0.02 tolerance
    limit = tolerance + 1e-12
    high_bias = avoidable_bias > limit
    high_variance = variance > limit
    high_mismatch = mismatch is not None and mismatch > limit

    problems = [
        name
        for name, high in (
            ("high bias", high_bias),
            ("high variance", high_variance),
            ("data mismatch", high_mismatch),
        )
        if high
    ]
    if not problems:
        verdict = "good"
    elif len(problems) <= 2:
        verdict = " and ".join(problems)
    else:
        verdict = f"{problems[0]}, {problems[1]} and {problems[2]}"

    recommendations: dict[str, tuple[str, ...]] = {}
    if high_bias:
        recommendations["bias"] = BIAS_STEPS
    if high_variance:
        recommendations["variance"] = VARIANCE_STEPS
    if high_mismatch:
        recommendations["data mismatch"] = MISMATCH_STEPS
    if not recommendations:
        recommendations["good"] = _GOOD_STEPS

    return Diagnosis(
        train_error=train,
        dev_error=dev,
        human_error=human,
        train_dev_error=train_dev,
        avoidable_bias=avoidable_bias,
        variance=variance,
        data_mismatch=mismatch,
        high_bias=high_bias,
        high_variance=high_variance,
        high_data_mismatch=high_mismatch,
        verdict=verdict,
        recommendations=recommendations,
        tolerance=tolerance,
    )
