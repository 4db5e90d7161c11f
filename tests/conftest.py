"""Shared test configuration: hypothesis profiles and common fixtures.

Profiles: ``dev`` (default, quick), ``thorough`` (many examples, for a deep run),
and ``ci`` (derandomized, selected automatically when ``CI=true``). Choose one
explicitly with ``HYPOTHESIS_PROFILE=thorough``.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile(
    "thorough", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
_default = "ci" if os.environ.get("CI", "").lower() == "true" else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default))


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded NumPy generator, fresh for each test."""
    return np.random.default_rng(12345)


@pytest.fixture
def fresh_plugins():
    """Reload the plugin manager before and after the test (for tests that register
    or disable plugins)."""
    import minigrad as mg

    mg.reset_plugin_manager()
    yield mg.get_plugin_manager
    mg.reset_plugin_manager()
