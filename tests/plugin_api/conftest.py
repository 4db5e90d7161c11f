"""Fixtures for plugin-manager tests: isolation and fake installed distributions."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import minigrad as mg

from .helpers import disable_value, write_distribution


@pytest.fixture
def isolated(monkeypatch, fresh_plugins):
    """A fresh plugin manager without the built-in plugin (tests must not depend on
    which built-ins exist) or any really installed plugin. Yields ``monkeypatch``."""
    monkeypatch.setenv("MINIGRAD_DISABLE_PLUGINS", disable_value())
    mg.reset_plugin_manager()
    yield monkeypatch
    mg.reset_plugin_manager()


@pytest.fixture
def install(tmp_path, isolated):
    """``install(dist=..., version=..., modules=..., entry_points=...)`` writes a fake
    distribution, puts it on ``sys.path`` and resets the plugin manager. Its modules
    are forgotten after the test, so each test imports its own."""
    roots: list[Path] = []

    def install_(**kwargs) -> Path:
        root = write_distribution(tmp_path / f"site{len(roots)}", **kwargs)
        roots.append(root)
        isolated.syspath_prepend(str(root))
        mg.reset_plugin_manager()
        return root

    yield install_
    for name, module in list(sys.modules.items()):
        if any(str(getattr(module, "__file__", None) or "").startswith(str(r)) for r in roots):
            del sys.modules[name]
