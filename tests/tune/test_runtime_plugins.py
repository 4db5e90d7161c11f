"""Plugins registered at run time in the driver reach the trials wherever they run: the
workers import them by name and register them, and a plugin they cannot import by name
is refused before any trial runs."""

from __future__ import annotations

import sys
import textwrap
import types
import uuid

import pytest

import minigrad as mg
from minigrad.errors import ConfigError
from minigrad.tune import log_uniform, run_study
from minigrad.tune.trial import TrialTask, run_trial, trial_config

from .conftest import TINY

HALVING_PLUGIN = """
import minigrad as mg


@mg.hookimpl
def minigrad_register_schedules(registry):
    registry.add("halving", lambda lr0: (lambda epoch: lr0 / 2**epoch), doc="lr0 / 2^epoch")


class Plugin:
    @mg.hookimpl
    def minigrad_register_schedules(self, registry):
        registry.add("halving", lambda lr0: (lambda epoch: lr0 / 2**epoch), doc="lr0 / 2^epoch")


instance = Plugin()
"""


@pytest.fixture
def plugin_module(tmp_path, monkeypatch, fresh_plugins):
    """An importable module holding a plugin (a fresh name per test), on ``sys.path``."""
    name = f"runtime_plugin_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(HALVING_PLUGIN))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = __import__(name)
    yield module
    sys.modules.pop(name, None)


def halving_config():
    from minigrad.config import load_config

    return load_config(overrides=[*TINY, "schedule.name='halving'"])


def test_plugins_registered_at_run_time_reach_the_process_pool_workers(tmp_path, plugin_module):
    mg.register_plugin(plugin_module, name="halving_plugin")
    study = run_study(
        halving_config(),
        {"optimizer.lr": log_uniform(1e-3, 1e-1)},
        trials=2,
        executor="process",
        workers=2,
        db=tmp_path / "s.db",
    )
    assert [t.status for t in study.trials] == ["done", "done"], [t.error_summary for t in study.trials]


def test_a_plugin_workers_cannot_import_by_name_is_refused_before_any_trial(tmp_path, fresh_plugins):
    draft = types.SimpleNamespace()

    @mg.hookimpl
    def minigrad_register_schedules(registry):
        registry.add("halving", lambda lr0: lambda epoch: lr0 / 2**epoch)

    draft.minigrad_register_schedules = minigrad_register_schedules
    mg.register_plugin(draft, name="draft")
    for executor in ("process", "dask"):
        with pytest.raises(ConfigError) as raised:
            run_study(
                halving_config(),
                {"optimizer.lr": log_uniform(1e-3, 1e-1)},
                trials=2,
                executor=executor,
                db=tmp_path / "s.db",
            )
        message = str(raised.value)
        assert "plugin 'draft'" in message and "registered at run time" in message
        assert "entry-point group" in message and "executor='sequential'" in message
        assert not (tmp_path / "s.db").exists()
    # in this process it is registered already: the sequential executor runs it
    study = run_study(
        halving_config(),
        {"optimizer.lr": log_uniform(1e-3, 1e-1)},
        trials=1,
        executor="sequential",
        db=tmp_path / "s.db",
    )
    assert [t.status for t in study.trials] == ["done"]


def test_plugin_references_name_what_a_fresh_process_can_import(plugin_module):
    from minigrad.manager import import_plugin_reference, plugin_reference

    name = plugin_module.__name__
    assert plugin_reference(plugin_module) == name
    assert plugin_reference(plugin_module.Plugin) == f"{name}:Plugin"
    assert plugin_reference(plugin_module.instance) == f"{name}:instance"
    hook = plugin_module.minigrad_register_schedules
    assert plugin_reference(hook) == f"{name}:minigrad_register_schedules"
    for reference in (name, f"{name}:Plugin", f"{name}:instance"):
        assert plugin_reference(import_plugin_reference(reference)) == reference

    class Local:
        pass

    main = types.ModuleType("__main__")
    exec("class InMain:\n    pass\n", main.__dict__)
    unimportable = [
        types.SimpleNamespace(),  # an object no module holds
        Local,  # defined in a function
        lambda registry: None,
        main.InMain,  # defined in a script or an interactive session
        sys.modules["__main__"],
        types.ModuleType("made_up"),  # a module object nothing can import
    ]
    assert [plugin_reference(p) for p in unimportable] == [None] * len(unimportable)


def test_a_worker_registers_the_drivers_plugins_once(plugin_module):
    mg.register_plugin(plugin_module, name="halving_plugin")
    config = trial_config(halving_config(), {"optimizer.lr": 0.01}, seed=0)
    mg.reset_plugin_manager()  # a worker process starts with the installed plugins only
    plugins = (("halving_plugin", plugin_module.__name__),)
    for number in range(2):  # the second trial finds the plugin registered
        outcome = run_trial(TrialTask(number, config, "dev_loss", plugins=plugins))
        assert outcome["status"] == "done", outcome["error"]
    assert mg.get_plugin_manager().plugin_names().count("halving_plugin") == 1


def test_a_worker_that_cannot_import_a_plugin_fails_the_trial_saying_why(fresh_plugins):
    from minigrad.config import load_config

    config = trial_config(load_config(overrides=TINY), {"optimizer.lr": 0.01}, seed=0)
    missing = run_trial(TrialTask(0, config, "dev_loss", plugins=(("gone", "no_such_module_xyz"),)))
    assert missing["status"] == "failed"
    assert "plugin 'gone'" in missing["error"] and "no_such_module_xyz" in missing["error"]
    unnamed = run_trial(TrialTask(1, config, "dev_loss", plugins=(("draft", None),)))
    assert unnamed["status"] == "failed" and "plugin 'draft'" in unnamed["error"]
