"""A user's bad ``rng=`` or ``init=`` for a built-in layer is a ConfigError naming the
layer, the value and what is accepted, not a "bug in plugin 'builtin'"."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


@pytest.mark.parametrize(
    ("build", "label"),
    [
        (lambda rng: mg.layer("dense", 2, 3, rng=rng), "dense(2 -> 3)"),
        (lambda rng: mg.layer("dropout", 0.5, rng=rng), "dropout"),
    ],
)
@pytest.mark.parametrize("bad", ["abc", -1, 1.5, True, [1, -2], b"seed"])
def test_a_bad_rng_is_a_config_error_naming_the_layer_and_the_value(build, label, bad):
    with pytest.raises(mg.ConfigError) as caught:
        build(bad)
    message = str(caught.value)
    assert not isinstance(caught.value, mg.PluginError)
    assert "bug in plugin" not in message
    assert message.startswith(f"{label}: rng=")
    assert repr(bad) in message
    assert "None, an int >= 0, a numpy.random.Generator or anything numpy.random.default_rng takes" in message


# what numpy.random.default_rng takes, as the initializers and data functions accept too
@pytest.mark.parametrize(
    "good",
    [
        None,
        0,
        7,
        np.int64(7),
        np.uint8(3),
        np.random.default_rng(7),
        np.random.SeedSequence(7),
        np.random.PCG64(7),
        [1, 2],
    ],
)
def test_accepted_rngs_build_the_layers(good):
    dense = mg.layer("dense", 2, 3, rng=good)
    drop = mg.layer("dropout", 0.5, rng=good)
    assert dense.W.shape == (2, 3) and drop.keep_prob == 0.5


def test_a_numpy_integer_seed_gives_the_same_weights_as_the_int():
    a = mg.layer("dense", 2, 3, rng=np.int64(7)).W.data
    b = mg.layer("dense", 2, 3, rng=7).W.data
    np.testing.assert_array_equal(a, b)


def test_a_generator_passed_as_rng_is_the_one_used():
    generator = np.random.default_rng(3)
    assert mg.layer("dropout", 0.5, rng=generator).generator is generator


def test_an_init_callable_with_the_wrong_signature_names_the_signature_it_must_accept():
    def ones(shape):
        return np.ones(shape)

    with pytest.raises(mg.ConfigError) as caught:
        mg.layer("dense", 2, 3, init=ones)
    message = str(caught.value)
    assert not isinstance(caught.value, mg.PluginError)
    assert "bug in plugin" not in message
    assert message.startswith("dense(2 -> 3): ")
    assert "ones" in message
    assert "init(shape, *, fan_in, fan_out, rng, dtype)" in message
    assert "fan_in" in message and "(2, 3)" in message


def test_an_init_callable_returning_the_wrong_shape_names_both_shapes():
    def five(shape, **options):
        return np.ones(5)

    with pytest.raises(mg.ConfigError) as caught:
        mg.layer("dense", 2, 3, init=five)
    message = str(caught.value)
    assert message.startswith("dense(2 -> 3): ")
    assert "five" in message and "(5,)" in message and "(2, 3)" in message


def test_an_init_callable_failing_inside_is_the_callers_error():
    def broken(shape, *, fan_in, fan_out, rng, dtype):
        raise ValueError("no weights today")

    with pytest.raises(mg.ConfigError, match=r"dense\(2 -> 3\).*broken.*ValueError: no weights today"):
        mg.layer("dense", 2, 3, init=broken)


def test_a_correct_init_callable_still_works():
    def ones(shape, *, fan_in, fan_out, rng, dtype):
        return np.ones(shape, dtype=dtype)

    assert (mg.layer("dense", 2, 3, init=ones).W.data == 1).all()


def test_a_genuine_plugin_bug_is_still_reported_as_one():
    registry = mg.Registry("layers")

    def crashing(n):
        raise KeyError("oops")

    registry.add("crashing", crashing, plugin="demo")
    with pytest.raises(mg.PluginError, match="bug in plugin 'demo'"):
        registry.create("crashing", 1)


def test_a_seed_sequence_gives_the_weights_default_rng_gives():
    a = mg.layer("dense", 2, 3, rng=np.random.SeedSequence(7)).W.data
    b = mg.layer("dense", 2, 3, rng=np.random.default_rng(np.random.SeedSequence(7))).W.data
    np.testing.assert_array_equal(a, b)
