"""Third-party plugins discovered through the ``minigrad`` entry-point group."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

from .helpers import ACME_DISTRIBUTION, ACME_SOURCE, disable_value


def install_acme(install, **overrides):
    return install(**{**ACME_DISTRIBUTION, **overrides})


def test_entry_point_plugin_is_listed_with_version_source_and_components(install):
    install_acme(install)
    infos = {info.name: info for info in mg.get_plugin_manager().plugins()}
    assert "builtin" not in infos  # disabled by the fixture
    acme = infos["acme"]
    assert acme.version == "1.2.3"
    assert acme.distribution == "acme-schedules"
    assert "entry point" in acme.source and "acme_plugin:plugin" in acme.source
    assert "acme-schedules" in acme.source
    assert acme.components == {"layers": ["acme_scale"], "schedules": ["acme_halving"]}


def test_entry_point_plugin_components_are_usable(install):
    install_acme(install)
    assert mg.schedule("acme_halving", 0.8)(2) == pytest.approx(0.2)
    assert mg.schedule("acme_halving", 0.9, base=3.0)(2) == pytest.approx(0.1)
    scale = mg.layer("acme_scale", factor=3.0)
    assert isinstance(scale, mg.Module)
    np.testing.assert_array_equal(scale(mg.Tensor([[1.0, 2.0]])).numpy(), [[3.0, 6.0]])
    comp = mg.component("schedules", "acme_halving")
    assert comp.plugin == "acme"
    assert comp.doc == "lr0 / base^epoch"  # first docstring line when no doc= is given


def test_module_entry_point_without_attribute(install):
    source = """
        import minigrad as mg

        @mg.hookimpl
        def minigrad_register_datasets(registry):
            registry.add("acme_points", lambda *, n=4, seed=0: (None, None))
    """
    install(
        dist="acme-data",
        version="0.1",
        modules={"acme_data": source},
        entry_points={"acmedata": "acme_data"},
    )
    assert mg.component("datasets", "acme_points").plugin == "acmedata"


def test_builtin_plugin_loads_first_through_the_same_hooks(install, monkeypatch):
    install_acme(install)
    monkeypatch.delenv("MINIGRAD_DISABLE_PLUGINS")
    mg.reset_plugin_manager()
    names = mg.get_plugin_manager().plugin_names()
    assert names[0] == "builtin"
    assert names.index("acme") > 0
    builtin = mg.get_plugin_manager().plugins()[0]
    assert "minigrad_plugins" in builtin.source
    assert builtin.version


# ------------------------------------------------------------------ broken plugins
@pytest.mark.parametrize(
    ("body", "cause"),
    [
        ("raise ImportError(\"No module named 'libacme'\")", "ImportError: No module named 'libacme'"),
        ('raise RuntimeError("GPU not found")', "RuntimeError: GPU not found"),
        ("1 / 0", "ZeroDivisionError"),
        ('import sys\nsys.exit("bye")', "SystemExit: bye"),
    ],
)
def test_plugin_whose_import_fails_raises_plugin_error(install, body, cause):
    install(
        dist="acme-broken",
        version="0.0.1",
        modules={"broken_plugin": body},
        entry_points={"broken": "broken_plugin:plugin"},
    )
    with pytest.raises(mg.PluginError) as info:
        mg.components("layers")
    message = str(info.value)
    assert "plugin 'broken'" in message
    assert "acme-broken 0.0.1" in message
    assert "broken_plugin:plugin" in message
    assert cause in message
    assert "MINIGRAD_DISABLE_PLUGINS=broken" in message  # how to get going again
    assert info.value.__cause__ is not None


def test_entry_point_naming_a_missing_attribute(install):
    install(
        dist="acme-broken",
        version="2.0",
        modules={"broken_plugin": "x = 1"},
        entry_points={"broken": "broken_plugin:nothing_here"},
    )
    with pytest.raises(mg.PluginError, match=r"plugin 'broken'.*AttributeError"):
        mg.get_plugin_manager().plugins()


def test_failed_load_leaves_nothing_half_registered(install):
    install_acme(install)
    install(
        dist="acme-broken",
        version="0.0.1",
        modules={"broken_plugin": "raise ImportError('nope')"},
        entry_points={"broken": "broken_plugin:plugin"},
    )
    pm = mg.get_plugin_manager()
    for _ in range(2):  # the same clear error every time, not a duplicate-name error
        with pytest.raises(mg.PluginError, match=r"plugin 'broken'.*ImportError: nope"):
            pm.registry("schedules")


@pytest.mark.parametrize("disable", ["broken", "acme-broken", "acme_broken", "builtin, broken"])
def test_disable_variable_skips_a_broken_plugin(install, monkeypatch, disable):
    install_acme(install)
    install(
        dist="acme-broken",
        version="0.0.1",
        modules={"broken_plugin": "raise ImportError('nope')"},
        entry_points={"broken": "broken_plugin:plugin"},
    )
    monkeypatch.setenv("MINIGRAD_DISABLE_PLUGINS", disable_value(disable))
    mg.reset_plugin_manager()
    pm = mg.get_plugin_manager()
    assert pm.plugin_names() == ["acme"]
    assert mg.schedule("acme_halving", 1.0)(1) == 0.5
    assert pm.disabled_but_missing() == []


def test_disable_names_that_match_nothing_are_reported(isolated):
    isolated.setenv("MINIGRAD_DISABLE_PLUGINS", disable_value("acme_typo"))
    mg.reset_plugin_manager()
    assert mg.get_plugin_manager().disabled_but_missing() == ["acme_typo"]


def test_two_distributions_with_the_same_plugin_name(install):
    install_acme(install)
    install_acme(
        install,
        dist="acme-fork",
        modules={"acme_fork": ACME_SOURCE},
        entry_points={"acme": "acme_fork:plugin"},
    )
    with pytest.raises(mg.PluginError) as info:
        mg.components("schedules")
    assert "acme-schedules" in str(info.value) and "acme-fork" in str(info.value)


def test_entry_point_may_not_take_the_builtin_name(install):
    install_acme(install, entry_points={"builtin": "acme_plugin:plugin"})
    with pytest.raises(mg.PluginError, match="reserved name 'builtin'"):
        mg.components("schedules")


def test_two_entry_point_plugins_registering_one_name(install):
    install_acme(install)
    install_acme(
        install,
        dist="acme-fork",
        modules={"acme_fork": ACME_SOURCE},
        entry_points={"fork": "acme_fork:plugin"},
    )
    with pytest.raises(mg.RegistrationError) as info:
        mg.components("schedules")
    message = str(info.value)
    assert "'acme'" in message and "'fork'" in message and "override=True" in message


# ------------------------------------------------------------------ reset
def test_reset_rereads_entry_points_and_the_disable_variable(tmp_path, install, monkeypatch):
    assert mg.get_plugin_manager().plugin_names() == []
    install_acme(install)  # on sys.path now; the cached manager has not seen it...
    assert "acme" in mg.get_plugin_manager().plugin_names()  # ...install() reset it
    monkeypatch.setenv("MINIGRAD_DISABLE_PLUGINS", disable_value("acme"))
    assert "acme" in mg.get_plugin_manager().plugin_names()  # cached until reset
    mg.reset_plugin_manager()
    pm = mg.get_plugin_manager()
    assert pm.plugin_names() == []
    assert {"builtin", "acme"} <= pm.disabled
    with pytest.raises(mg.UnknownComponentError):
        mg.schedule("acme_halving", 1.0)
