"""Registry rules: names, duplicates, overrides, unknown names, and creating components."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg

from .helpers import make_plugin, schedules_plugin

VALID_NAME = re.compile(r"[a-z][a-z0-9_]*")


# ------------------------------------------------------------------ duplicates and overrides
def test_duplicate_name_from_another_plugin_names_both(isolated):
    mg.register_plugin(schedules_plugin("shared"), name="first")
    with pytest.raises(mg.RegistrationError) as info:
        mg.register_plugin(schedules_plugin("shared"), name="second")
    message = str(info.value)
    assert "schedules 'shared'" in message
    assert "plugin 'first'" in message and "plugin 'second'" in message
    assert "override=True" in message
    # Refused as a whole: the second plugin is not half-registered.
    assert mg.get_plugin_manager().plugin_names() == ["first"]
    assert mg.component("schedules", "shared").plugin == "first"


def test_duplicate_name_within_one_plugin(isolated):
    with pytest.raises(mg.RegistrationError, match="plugin 'twice' registered schedules 'flat' twice"):
        mg.register_plugin(schedules_plugin("flat", "flat"), name="twice")


def test_override_replaces_and_records_the_previous_component(isolated):
    mg.register_plugin(schedules_plugin("shared"), name="first")

    @mg.hookimpl
    def minigrad_register_schedules(registry):
        registry.add("shared", lambda lr0: lambda epoch: 2 * lr0, doc="2 lr0", override=True)

    mg.register_plugin(make_plugin(minigrad_register_schedules=minigrad_register_schedules), name="second")
    comp = mg.component("schedules", "shared")
    assert comp.plugin == "second"
    assert comp.overrides is not None
    assert comp.overrides.plugin == "first"
    assert comp.overrides.create(0.5)(0) == 0.5  # the replaced component, still at hand
    assert mg.schedule("shared", 0.5)(0) == 1.0
    infos = {info.name: info for info in mg.get_plugin_manager().plugins()}
    assert infos["second"].components == {"schedules": ["shared"]}
    assert infos["first"].components == {}
    assert infos["first"].overridden == {"schedules": {"shared": "second"}}
    # Removing the overriding plugin brings the original back.
    mg.unregister_plugin("second")
    assert mg.component("schedules", "shared").plugin == "first"
    assert mg.schedule("shared", 0.5)(0) == 0.5


def test_override_of_a_new_name_just_registers_it(isolated):
    mg.register_plugin(schedules_plugin("fresh", override=True), name="eager")
    assert mg.component("schedules", "fresh").overrides is None


@pytest.mark.parametrize("bad", ["Dense", "leaky-relu", "1cycle", "", "with space", "_private", "é", 3, None])
def test_invalid_names_are_refused(isolated, bad):
    @mg.hookimpl
    def minigrad_register_layers(registry):
        registry.add(bad, lambda: None)

    with pytest.raises(mg.RegistrationError) as info:
        mg.register_plugin(make_plugin(minigrad_register_layers=minigrad_register_layers), name="badname")
    assert "plugin 'badname'" in str(info.value)
    assert repr(bad) in str(info.value)
    assert "lower-case" in str(info.value)


@given(name=st.text(max_size=12))
def test_name_rule_matches_the_documented_pattern(name):
    registry = mg.Registry("layers")
    if VALID_NAME.fullmatch(name):
        registry.add(name, lambda: None, plugin="prop")
        assert registry.get(name).name == name
    else:
        with pytest.raises(mg.RegistrationError):
            registry.add(name, lambda: None, plugin="prop")


def test_non_callable_factory_is_refused(isolated):
    @mg.hookimpl
    def minigrad_register_losses(registry):
        registry.add("table", {"a": 1})

    with pytest.raises(mg.RegistrationError, match=r"plugin 'data'.*'table'.*not callable"):
        mg.register_plugin(make_plugin(minigrad_register_losses=minigrad_register_losses), name="data")


def test_metadata_doc_and_example_are_kept(isolated):
    def example(rng):
        return None

    @mg.hookimpl
    def minigrad_register_layers(registry):
        registry.add("noisy", lambda: None, doc="y = x + noise", example=example, stochastic=True)

    mg.register_plugin(make_plugin(minigrad_register_layers=minigrad_register_layers), name="meta")
    comp = mg.component("layers", "noisy")
    assert (comp.family, comp.doc, comp.example, comp.metadata) == (
        "layers",
        "y = x + noise",
        example,
        {"stochastic": True},
    )


# ------------------------------------------------------------------ unknown names
def test_unknown_name_lists_close_matches(isolated):
    mg.register_plugin(schedules_plugin("exponential_decay", "inverse_time", "step_decay"), name="sched")
    with pytest.raises(mg.UnknownComponentError) as info:
        mg.schedule("exponential_dacay", 0.1)
    message = str(info.value)
    assert "unknown schedules 'exponential_dacay'" in message
    assert "did you mean 'exponential_decay'?" in message
    assert "inverse_time" in message  # the known names are listed
    assert isinstance(info.value, KeyError)  # also a KeyError, for dict-like use


def test_unknown_name_without_close_match(isolated):
    mg.register_plugin(schedules_plugin("inverse_time"), name="sched")
    with pytest.raises(mg.UnknownComponentError) as info:
        mg.schedule("zzz", 0.1)
    assert "did you mean" not in str(info.value)


def test_unknown_name_in_an_empty_family(isolated):
    with pytest.raises(mg.UnknownComponentError, match="none are registered"):
        mg.augmentation("flip")


@pytest.mark.parametrize("lookup", [mg.components, lambda family: mg.component(family, "x")])
def test_unknown_family_suggests_the_right_one(isolated, lookup):
    with pytest.raises(mg.UnknownComponentError) as info:
        lookup("layer")
    assert "unknown component family 'layer'; did you mean 'layers'?" in str(info.value)
    assert "augmentations" in str(info.value)  # every family is listed


def test_unknown_family_is_reported_before_any_plugin_loads(install):
    install(
        dist="acme-broken",
        version="0.1",
        modules={"broken_plugin": "raise ImportError('nope')"},
        entry_points={"broken": "broken_plugin"},
    )
    with pytest.raises(mg.UnknownComponentError):
        mg.components("nonsense")


# ------------------------------------------------------------------ creating components
@pytest.fixture
def factories(isolated):
    def step(lr0, *, drop=0.5, every=10):
        """lr0 · drop^floor(epoch / every)"""
        return lambda epoch: lr0 * drop ** (epoch // every)

    def crashes(lr0):
        raise RuntimeError("lost the tape")

    def type_bug(lr0):
        return lr0 + "oops"  # a TypeError inside the plugin, not a wrong argument

    def validating(lr0):
        if lr0 <= 0:
            raise mg.ConfigError(f"lr0 must be positive, got {lr0}")
        return lambda epoch: lr0

    @mg.hookimpl
    def minigrad_register_schedules(registry):
        for factory in (step, crashes, type_bug, validating):
            registry.add(factory.__name__, factory)

    mg.register_plugin(make_plugin(minigrad_register_schedules=minigrad_register_schedules), name="fact")


def test_wrong_keyword_is_a_config_error_with_signature(factories):
    with pytest.raises(mg.ConfigError) as info:
        mg.schedule("step", 0.1, dorp=0.1)
    message = str(info.value)
    assert "schedules 'step' (plugin fact)" in message
    assert "unexpected keyword argument 'dorp'" in message
    assert "did you mean 'drop'?" in message
    assert "step(lr0, *, drop=0.5, every=10)" in message


@pytest.mark.parametrize(("args", "kwargs"), [((), {}), ((0.1, 0.2), {}), ((0.1,), {"lr0": 0.1})])
def test_wrong_arguments_are_config_errors(factories, args, kwargs):
    with pytest.raises(mg.ConfigError, match=re.escape("it takes step(lr0, *, drop=0.5, every=10)")):
        mg.schedule("step", *args, **kwargs)


def test_exception_inside_a_factory_names_plugin_and_component(factories):
    with pytest.raises(mg.PluginError) as info:
        mg.schedule("crashes", 0.1)
    message = str(info.value)
    assert "schedules 'crashes' from plugin 'fact'" in message
    assert "RuntimeError: lost the tape" in message
    assert isinstance(info.value.__cause__, RuntimeError)


def test_type_error_inside_a_factory_is_the_plugins_bug(factories):
    with pytest.raises(mg.PluginError, match=r"schedules 'type_bug' from plugin 'fact'.*TypeError"):
        mg.schedule("type_bug", 0.1)


def test_minigrad_errors_from_a_factory_pass_through(factories):
    with pytest.raises(mg.ConfigError, match="lr0 must be positive, got -1"):
        mg.schedule("validating", -1)
    assert mg.schedule("step", 1.0, drop=0.1)(25) == pytest.approx(0.01)


def test_factory_without_signature_falls_back_to_config_error():
    registry = mg.Registry("layers")
    registry.add("as_int", int, plugin="builtins_demo")  # int's signature is not introspectable
    assert registry.create("as_int", "7") == 7
    with pytest.raises(mg.ConfigError, match="layers 'as_int' \\(plugin builtins_demo\\)"):
        registry.create("as_int", "7", bogus=1)


@pytest.mark.parametrize(
    ("typo", "meant"), [("exmaple", "example"), ("output_shap", "output_shape"), ("stochastik", "stochastic")]
)
def test_a_metadata_key_that_nearly_matches_one_minigrad_reads_is_a_typo(typo, meant):
    registry = mg.Registry("layers")
    with pytest.raises(mg.RegistrationError, match=f"with {typo}=...; did you mean {meant}=?"):
        registry.add("scale", lambda: None, plugin="p", **{typo: 1})
    free = {"classes": 3, "image_shape": (8, 8), "input_shape": (2,), "variant": "a", "sample": 1}
    registry.add("scale", lambda: None, plugin="p", **free)  # other words stay free-form
    assert registry.get("scale").metadata == free
