"""Helpers for plugin-manager tests (and tests/cli's, as ``plugin_api.helpers``): fake
installed distributions and tiny plugins.

A fake distribution is a module plus a ``<name>-<version>.dist-info`` directory with
``METADATA`` and ``entry_points.txt`` in a directory put on ``sys.path``;
``importlib.metadata`` finds it exactly as it finds a pip-installed plugin.
"""

from __future__ import annotations

import importlib.metadata
import textwrap
import types
from pathlib import Path

import minigrad as mg

#: Plugins really installed in this environment (tests disable them, like the built-in
#: one, so they see only their own plugins).
INSTALLED = sorted({ep.name for ep in importlib.metadata.entry_points(group="minigrad")})


def disable_value(*names: str) -> str:
    """A ``MINIGRAD_DISABLE_PLUGINS`` value skipping the built-in and installed plugins and ``names``."""
    return ",".join(["builtin", *INSTALLED, *names])


def write_distribution(
    root: Path,
    *,
    dist: str,
    version: str,
    modules: dict[str, str],
    entry_points: dict[str, str],
) -> Path:
    """Write modules and a dist-info declaring ``entry_points`` (group ``minigrad``) under root."""
    root.mkdir(parents=True, exist_ok=True)
    for module, source in modules.items():
        (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    lines = "".join(f"{name} = {value}\n" for name, value in entry_points.items())
    (info / "entry_points.txt").write_text(f"[minigrad]\n{lines}")
    return root


#: A well-behaved third-party plugin: an object with hook methods, one layer and one schedule.
ACME_SOURCE = """
    import time

    import minigrad as mg

    CALLS = []


    class Scale(mg.Module):
        def __init__(self, factor=2.0):
            super().__init__()
            self.factor = factor

        def forward(self, x):
            return x * self.factor


    def halving(lr0, *, base=2.0):
        \"\"\"lr0 / base^epoch\"\"\"
        return lambda epoch: lr0 / base**epoch


    class AcmePlugin:
        @mg.hookimpl
        def minigrad_register_layers(self, registry):
            CALLS.append("layers")
            time.sleep(0.01)  # widen the window in which racing threads would build twice
            registry.add("acme_scale", Scale, doc="y = factor * x")

        @mg.hookimpl
        def minigrad_register_schedules(self, registry):
            CALLS.append("schedules")
            registry.add("acme_halving", halving)


    plugin = AcmePlugin()
"""

#: The fake distribution that installs ACME_SOURCE as the entry point ``acme``
#: (``write_distribution`` / ``install`` keyword arguments).
ACME_DISTRIBUTION = {
    "dist": "acme-schedules",
    "version": "1.2.3",
    "modules": {"acme_plugin": ACME_SOURCE},
    "entry_points": {"acme": "acme_plugin:plugin"},
}


def make_plugin(**hooks) -> types.SimpleNamespace:
    """A plugin object whose attributes are the given hook functions."""
    return types.SimpleNamespace(**hooks)


def schedules_plugin(*names: str, override: bool = False) -> types.SimpleNamespace:
    """A plugin registering constant schedules under ``names``."""

    @mg.hookimpl
    def minigrad_register_schedules(registry):
        for name in names:
            registry.add(name, lambda lr0: lambda epoch: lr0, doc="lr0", override=override)

    return make_plugin(minigrad_register_schedules=minigrad_register_schedules)
