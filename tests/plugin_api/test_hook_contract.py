"""The hook contract is enforced: plugin mistakes are errors naming the plugin, never no-ops."""

from __future__ import annotations

import pytest

import minigrad as mg

from .helpers import make_plugin, schedules_plugin


def test_misspelled_hook_names_the_plugin_and_suggests_the_hook(isolated):
    @mg.hookimpl
    def minigrad_register_layer(registry):
        registry.add("never", lambda: None)

    with pytest.raises(mg.PluginError) as info:
        mg.register_plugin(make_plugin(minigrad_register_layer=minigrad_register_layer), name="typo")
    message = str(info.value)
    assert "plugin 'typo'" in message
    assert "minigrad_register_layer()" in message
    assert "did you mean 'minigrad_register_layers'?" in message
    assert "typo" not in mg.get_plugin_manager().plugin_names()


def test_misspelled_hook_without_marker_is_also_an_error(isolated):
    def minigrad_register_schedule(registry):
        pass

    plugin = make_plugin(minigrad_register_schedule=minigrad_register_schedule)
    with pytest.raises(mg.PluginError, match="did you mean 'minigrad_register_schedules'"):
        mg.register_plugin(plugin, name="typo")


def test_misspelled_specname_is_an_error(isolated):
    @mg.hookimpl(specname="minigrad_register_optimisers")
    def add_my_optimizers(registry):
        pass

    with pytest.raises(mg.PluginError, match="did you mean 'minigrad_register_optimizers'"):
        mg.register_plugin(make_plugin(add_my_optimizers=add_my_optimizers), name="british")


def test_specname_to_a_real_hook_works(isolated):
    @mg.hookimpl(specname="minigrad_register_schedules")
    def add_my_schedules(registry):
        registry.add("flat", lambda lr0: lambda epoch: lr0)

    mg.register_plugin(make_plugin(add_my_schedules=add_my_schedules), name="spec")
    assert mg.component("schedules", "flat").plugin == "spec"


def test_hook_without_hookimpl_marker_is_an_error(isolated):
    def minigrad_register_layers(registry):
        registry.add("never", lambda: None)

    with pytest.raises(mg.PluginError) as info:
        mg.register_plugin(make_plugin(minigrad_register_layers=minigrad_register_layers), name="unmarked")
    assert "plugin 'unmarked'" in str(info.value)
    assert "@minigrad.hookimpl" in str(info.value)


def test_wrong_argument_name_is_an_error(isolated):
    @mg.hookimpl
    def minigrad_register_losses(reg):
        pass

    with pytest.raises(mg.PluginError) as info:
        mg.register_plugin(make_plugin(minigrad_register_losses=minigrad_register_losses), name="argname")
    message = str(info.value)
    assert "plugin 'argname'" in message
    assert "minigrad_register_losses" in message and "reg" in message
    assert "'registry'" in message  # the fix
    assert "\n" not in message  # one paragraph
    # The manager is unharmed: the name is free and the hook is not half-registered.
    assert "argname" not in mg.get_plugin_manager().plugin_names()
    mg.register_plugin(schedules_plugin("flat"), name="argname")
    assert mg.get_plugin_manager().registry("losses").names() == []


def test_hook_taking_no_argument_is_accepted(isolated):
    seen = []

    @mg.hookimpl
    def minigrad_register_callbacks():
        seen.append(True)

    mg.register_plugin(make_plugin(minigrad_register_callbacks=minigrad_register_callbacks), name="quiet")
    assert seen == [True]


def test_wrapper_hookimpls_are_refused(isolated):
    @mg.hookimpl(wrapper=True)
    def minigrad_register_layers(registry):
        yield

    with pytest.raises(mg.PluginError, match=r"plugin 'wrapped'.*wrapper"):
        mg.register_plugin(make_plugin(minigrad_register_layers=minigrad_register_layers), name="wrapped")


def test_hook_returning_a_value_is_an_error(isolated):
    @mg.hookimpl
    def minigrad_register_schedules(registry):
        return {"flat": lambda lr0: lambda epoch: lr0}

    plugin = make_plugin(minigrad_register_schedules=minigrad_register_schedules)
    with pytest.raises(mg.PluginError) as info:
        mg.register_plugin(plugin, name="returner")
    assert "plugin 'returner' in minigrad_register_schedules returned a dict" in str(info.value)
    assert "registry.add" in str(info.value)
    assert "returner" not in mg.get_plugin_manager().plugin_names()


def test_non_hook_attributes_are_ignored(isolated):
    plugin = make_plugin(
        helper=lambda: None, minigrad_version="1.0", MINIGRAD_register_layers=None, _private=lambda: 1
    )
    assert mg.register_plugin(plugin, name="plain") == "plain"


# ------------------------------------------------------------------ exceptions in hooks
def test_exception_inside_a_hook_names_plugin_and_hook(isolated):
    @mg.hookimpl
    def minigrad_register_augmentations(registry):
        raise ValueError("config file missing")

    plugin = make_plugin(minigrad_register_augmentations=minigrad_register_augmentations)
    with pytest.raises(mg.PluginError) as info:
        mg.register_plugin(plugin, name="crashy")
    message = str(info.value)
    assert "plugin 'crashy'" in message
    assert "minigrad_register_augmentations" in message
    assert "ValueError: config file missing" in message
    assert "MINIGRAD_DISABLE_PLUGINS=crashy" in message
    assert isinstance(info.value.__cause__, ValueError)
    # The failed registration is rolled back.
    assert "crashy" not in mg.get_plugin_manager().plugin_names()


def test_exception_inside_an_entry_point_hook_is_raised_on_first_lookup(install):
    source = """
        import minigrad as mg

        @mg.hookimpl
        def minigrad_register_layers(registry):
            raise KeyError("weights")
    """
    install(
        dist="acme-crash", version="3.0", modules={"acme_crash": source}, entry_points={"crash": "acme_crash"}
    )
    with pytest.raises(mg.PluginError, match=r"plugin 'crash' in minigrad_register_layers raised KeyError"):
        mg.layer("anything")


def test_minigrad_errors_inside_a_hook_are_attributed_to_the_plugin(isolated):
    @mg.hookimpl
    def minigrad_register_layers(registry):
        mg.Tensor([1, 2], requires_grad=True)  # a DTypeError inside the plugin's own code

    with pytest.raises(mg.PluginError, match=r"plugin 'dtype' in minigrad_register_layers raised DTypeError"):
        mg.register_plugin(make_plugin(minigrad_register_layers=minigrad_register_layers), name="dtype")


# ------------------------------------------------------------------ calling back in
def test_hook_looking_up_components_is_an_error_not_a_deadlock(isolated):
    mg.register_plugin(schedules_plugin("flat"), name="first")

    @mg.hookimpl
    def minigrad_register_layers(registry):
        mg.schedule("flat", 0.1)

    with pytest.raises(mg.PluginError) as info:
        mg.register_plugin(make_plugin(minigrad_register_layers=minigrad_register_layers), name="eager")
    assert "plugin 'eager' in minigrad_register_layers tried to look up the schedules registry" in str(
        info.value
    )
    assert mg.schedule("flat", 0.1)(3) == 0.1  # the manager still works


def test_hook_registering_a_plugin_is_an_error(isolated):
    @mg.hookimpl
    def minigrad_register_layers(registry):
        mg.register_plugin(schedules_plugin("nested"), name="nested")

    with pytest.raises(mg.PluginError, match="tried to register a plugin"):
        mg.register_plugin(make_plugin(minigrad_register_layers=minigrad_register_layers), name="nesting")


def test_plugin_using_the_manager_at_import_time(install):
    source = """
        import minigrad as mg

        KNOWN = mg.components("layers")  # at import: too early

        @mg.hookimpl
        def minigrad_register_layers(registry):
            pass
    """
    install(
        dist="acme-eager", version="1.0", modules={"acme_eager": source}, entry_points={"eager": "acme_eager"}
    )
    with pytest.raises(mg.PluginError) as info:
        mg.components("schedules")
    message = str(info.value)
    assert "plugin 'eager'" in message and "acme-eager" in message
    assert "tried to look up the layers registry" in message


def test_registry_kept_by_a_plugin_cannot_be_filled_later(isolated):
    kept = []

    @mg.hookimpl
    def minigrad_register_schedules(registry):
        kept.append(registry)

    mg.register_plugin(make_plugin(minigrad_register_schedules=minigrad_register_schedules), name="keeper")
    with pytest.raises(mg.RegistrationError, match="after the plugin manager finished"):
        kept[0].add("late", lambda lr0: lambda epoch: lr0)


def test_a_hook_cannot_claim_another_plugins_name(isolated):
    @mg.hookimpl
    def minigrad_register_schedules(registry):
        registry.add("flat", lambda lr0: lambda epoch: lr0, plugin="builtin")

    with pytest.raises(mg.RegistrationError, match=r"plugin 'sneaky'.*plugin='builtin'"):
        mg.register_plugin(
            make_plugin(minigrad_register_schedules=minigrad_register_schedules), name="sneaky"
        )
