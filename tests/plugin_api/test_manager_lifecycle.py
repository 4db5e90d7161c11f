"""The manager's life cycle: run-time (un)registration, reset, laziness, threads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import types

import pytest

import minigrad as mg

from .helpers import ACME_DISTRIBUTION, make_plugin, schedules_plugin, write_distribution


# ------------------------------------------------------------------ run-time registration
def test_register_and_unregister_at_run_time_rebuild_the_registries(isolated):
    pm = mg.get_plugin_manager()
    before = pm.registry("schedules")
    assert "flat" not in before
    assert mg.register_plugin(schedules_plugin("flat"), name="runtime") == "runtime"
    after = pm.registry("schedules")
    assert after is not before  # rebuilt, not patched in place
    assert after.get("flat").plugin == "runtime"
    assert mg.schedule("flat", 0.3)(7) == 0.3
    info = pm.plugins()[-1]
    assert (info.name, info.source, info.components) == (
        "runtime",
        "registered at run time",
        {"schedules": ["flat"]},
    )
    mg.unregister_plugin("runtime")
    assert "runtime" not in pm.plugin_names()
    with pytest.raises(mg.UnknownComponentError):
        mg.schedule("flat", 0.3)


def test_run_time_plugins_load_after_entry_points_and_can_override_them(install):
    install(**ACME_DISTRIBUTION)
    with pytest.raises(mg.RegistrationError, match=r"plugin 'acme'.*plugin 'mine'"):
        mg.register_plugin(schedules_plugin("acme_halving"), name="mine")
    mg.register_plugin(schedules_plugin("acme_halving", override=True), name="mine")
    assert mg.get_plugin_manager().plugin_names() == ["acme", "mine"]
    assert mg.component("schedules", "acme_halving").overrides.plugin == "acme"


def test_plugin_name_defaults_to_the_module_name(isolated):
    module = types.ModuleType("test_plugin_module")
    module.__version__ = "4.5"
    hook = schedules_plugin("from_module").minigrad_register_schedules
    module.minigrad_register_schedules = hook
    assert mg.register_plugin(module) == "test_plugin_module"
    info = mg.get_plugin_manager().plugins()[-1]
    assert (info.name, info.version) == ("test_plugin_module", "4.5")


def test_registering_a_taken_name_or_the_same_object_twice(isolated):
    plugin = schedules_plugin("flat")
    mg.register_plugin(plugin, name="once")
    with pytest.raises(mg.PluginError, match="a plugin named 'once' is already registered"):
        mg.register_plugin(schedules_plugin("other"), name="once")
    with pytest.raises(mg.PluginError) as info:
        mg.register_plugin(plugin, name="twice")
    assert str(info.value) == (
        "plugin 'twice' could not be registered: the same object is already registered as plugin "
        "'once'; register each plugin object once, under one name"
    )
    assert mg.get_plugin_manager().plugin_names() == ["once"]


def test_unregistering_an_unknown_plugin(isolated):
    mg.register_plugin(schedules_plugin("flat"), name="known")
    with pytest.raises(mg.PluginError, match=r"no plugin named 'nope' is registered \(registered: known\)"):
        mg.unregister_plugin("nope")


def test_get_plugin_returns_the_object(isolated):
    plugin = schedules_plugin("flat")
    mg.register_plugin(plugin, name="obj")
    assert mg.get_plugin_manager().get_plugin("obj") is plugin


def test_reset_drops_run_time_plugins(isolated):
    mg.register_plugin(schedules_plugin("flat"), name="temporary")
    mg.reset_plugin_manager()
    assert mg.get_plugin_manager().plugin_names() == []


def test_isolated_manager_does_not_touch_the_global_one(isolated):
    pm = mg.PluginManager(builtin=False, entry_points=False, disabled=set())
    pm.register(schedules_plugin("private"), name="private")
    assert pm.registry("schedules").names() == ["private"]
    assert "private" not in mg.get_plugin_manager().registry("schedules")


# ------------------------------------------------------------------ laziness
LAZY_SCRIPT = """
import json, sys
import minigrad as mg
seen = {"after_import": sorted(m for m in ("minigrad_plugins", "acme_plugin") if m in sys.modules)}
pm = mg.get_plugin_manager()
seen["after_get_manager"] = sorted(m for m in ("minigrad_plugins", "acme_plugin") if m in sys.modules)
mg.schedule("acme_halving", 1.0)
seen["after_lookup"] = sorted(m for m in ("minigrad_plugins", "acme_plugin") if m in sys.modules)
import minigrad.cli
minigrad.cli.build_parser()
print(json.dumps(seen))
"""


def test_importing_minigrad_loads_no_plugin_first_lookup_does(tmp_path):
    root = write_distribution(tmp_path, **ACME_DISTRIBUTION)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    env.pop("MINIGRAD_DISABLE_PLUGINS", None)
    done = subprocess.run(
        [sys.executable, "-c", LAZY_SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["after_import"] == []
    assert seen["after_get_manager"] == []
    assert seen["after_lookup"] == ["acme_plugin", "minigrad_plugins"]


def test_cli_help_loads_no_plugin():
    script = "import sys, minigrad.cli; minigrad.cli.build_parser(); print('minigrad_plugins' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False", done.stderr


# ------------------------------------------------------------------ threads
def test_concurrent_first_use_loads_and_builds_once(install):
    install(**ACME_DISTRIBUTION)
    barrier = threading.Barrier(8)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            pm = mg.get_plugin_manager()
            results.append((pm, pm.registry("schedules"), mg.schedule("acme_halving", 1.0)(1)))
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 8
    assert len({id(pm) for pm, _, _ in results}) == 1
    assert len({id(registry) for _, registry, _ in results}) == 1
    assert {value for _, _, value in results} == {0.5}
    assert sys.modules["acme_plugin"].CALLS == ["layers", "schedules"]  # each hook ran once


def test_concurrent_registration_keeps_every_plugin(isolated):
    barrier = threading.Barrier(8)
    errors = []

    def worker(i):
        try:
            barrier.wait()
            mg.register_plugin(schedules_plugin(f"flat_{i}"), name=f"plugin_{i}")
            mg.schedule(f"flat_{i}", 1.0)
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(mg.get_plugin_manager().plugin_names()) == [f"plugin_{i}" for i in range(8)]
    assert mg.get_plugin_manager().registry("schedules").names() == [f"flat_{i}" for i in range(8)]


def test_plugins_returns_snapshots(isolated):
    mg.register_plugin(schedules_plugin("flat"), name="snap")
    listed = mg.get_plugin_manager().plugins()
    mg.register_plugin(make_plugin(), name="empty")
    assert [p.name for p in listed] == ["snap"]
    assert listed[0].components == {"schedules": ["flat"]}
    with pytest.raises(AttributeError):
        listed[0].name = "renamed"  # frozen
