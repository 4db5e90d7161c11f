"""Fixtures for the hyperparameter-search tests: tiny configurations that train in
milliseconds, so whole studies fit in a test."""

from __future__ import annotations

import pytest

#: Overrides making a trial take a few milliseconds (90 examples, 4 epochs, no callbacks).
TINY = ["training.epochs=4", "data.options.n=90", "callbacks=[]"]


@pytest.fixture
def tiny_config():
    """A validated configuration that trains in a few milliseconds."""
    from minigrad.config import load_config

    return load_config(overrides=TINY)


@pytest.fixture
def adam_space():
    """Learning rate, Adam's beta1 and a batch-size choice."""
    from minigrad.tune import choice, log_uniform, one_minus_log_uniform

    return {
        "optimizer.lr": log_uniform(1e-3, 0.3),
        "optimizer.beta1": one_minus_log_uniform(0.8, 0.99),
        "training.batch_size": choice([16, 32]),
    }
