"""Tests for minigrad.diagnose: the course's bias / variance examples and the report."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.diagnose import BIAS_STEPS, DEFAULT_TOLERANCE, MISMATCH_STEPS, VARIANCE_STEPS


@pytest.mark.parametrize(
    "train, dev, verdict",
    [
        (0.01, 0.11, "high variance"),
        (0.15, 0.16, "high bias"),
        (0.15, 0.14, "high bias"),  # the course's notes: 15% / 14%
        (0.15, 0.30, "high bias and high variance"),
        (0.005, 0.01, "good"),
    ],
)
def test_course_examples(train, dev, verdict):
    assert mg.diagnose(train, dev).verdict == verdict


def test_gaps_are_computed_against_human_error():
    d = mg.diagnose(0.08, 0.10, human_error=0.075)
    assert d.avoidable_bias == pytest.approx(0.005)
    assert d.variance == pytest.approx(0.02)
    assert not d.high_bias and not d.high_variance  # 2 points is not above the 2-point tolerance
    assert d.verdict == "good"
    # the same train error is high bias when humans are nearly perfect
    assert mg.diagnose(0.08, 0.09, human_error=0.0).verdict == "high bias"


def test_train_dev_error_separates_variance_from_data_mismatch():
    d = mg.diagnose(0.01, 0.10, train_dev_error=0.015)
    assert d.variance == pytest.approx(0.005)
    assert d.data_mismatch == pytest.approx(0.085)
    assert d.verdict == "data mismatch"
    assert list(d.recommendations) == ["data mismatch"]
    d = mg.diagnose(0.01, 0.20, train_dev_error=0.10)
    assert d.verdict == "high variance and data mismatch"
    d = mg.diagnose(0.10, 0.30, train_dev_error=0.20)
    assert d.verdict == "high bias, high variance and data mismatch"
    assert mg.diagnose(0.01, 0.02).data_mismatch is None


def test_recommendations_follow_the_course_bias_first():
    d = mg.diagnose(0.15, 0.30)
    assert list(d.recommendations) == ["bias", "variance"]
    assert d.recommendations["bias"] == BIAS_STEPS
    assert d.recommendations["variance"] == VARIANCE_STEPS
    text = " ".join(d.next_steps)
    for phrase in (
        "bigger network",
        "train longer",
        "Adam",
        "more training data",
        "L2",
        "dropout",
        "augmentation",
    ):
        assert phrase in text
    assert mg.diagnose(0.01, 0.10, train_dev_error=0.015).recommendations["data mismatch"] == MISMATCH_STEPS
    assert "good" in mg.diagnose(0.005, 0.01).recommendations


def test_tolerance_is_documented_and_overridable():
    assert DEFAULT_TOLERANCE == 0.02
    assert mg.diagnose(0.01, 0.04).verdict == "high variance"
    assert mg.diagnose(0.01, 0.04, tolerance=0.05).verdict == "good"
    assert mg.diagnose(0.01, 0.04, tolerance=0.05).tolerance == 0.05


def test_str_is_a_readable_report():
    text = str(mg.diagnose(0.15, 0.30, human_error=0.01))
    lines = text.splitlines()
    assert lines[0] == "diagnosis: high bias and high variance"
    assert "avoidable bias (train - human)" in text and "14.00%  HIGH" in text
    assert "variance (dev - train)" in text and "15.00%  HIGH" in text
    assert "to reduce bias:" in text and "to reduce variance:" in text
    assert "train-dev" in str(mg.diagnose(0.01, 0.1, train_dev_error=0.02))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"train_error": 11, "dev_error": 0.1}, "11% is 0.11"),
        ({"train_error": -0.1, "dev_error": 0.1}, r"in \[0, 1\]"),
        ({"train_error": float("nan"), "dev_error": 0.1}, "finite number"),
        ({"train_error": 0.1, "dev_error": "0.2"}, "dev_error"),
        ({"train_error": 0.1, "dev_error": 0.2, "tolerance": -1}, "tolerance"),
        ({"train_error": 0.1, "dev_error": 0.2, "human_error": 2.0}, "human_error"),
    ],
)
def test_bad_inputs_raise_config_errors(kwargs, match):
    with pytest.raises(mg.ConfigError, match=match):
        mg.diagnose(**kwargs)


def test_numpy_numbers_are_error_rates_too():
    assert mg.diagnose(np.float32(0.1), np.float32(0.2)).verdict == mg.diagnose(0.1, 0.2).verdict
