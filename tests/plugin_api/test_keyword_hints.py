"""A misspelled keyword is reported as the unexpected keyword it is, with the keyword it
probably meant (and, for the Keras / PyTorch spellings, minigrad's own names)."""

from __future__ import annotations

import pytest

import minigrad as mg


def message_of(build):
    with pytest.raises(mg.ConfigError) as caught:
        build()
    return str(caught.value)


def test_a_misspelled_required_keyword_names_the_unexpected_one():
    message = message_of(lambda: mg.layer("dropout", keep_porb=0.5))
    assert "unexpected keyword argument 'keep_porb'; did you mean 'keep_prob'?" in message
    assert "missing a required argument" not in message  # the suggestion fixes that too
    assert message.startswith("layers 'dropout' (plugin builtin): ")
    assert "dropout(keep_prob" in message  # the signature


def test_a_misspelled_regularizer_strength_names_the_unexpected_one():
    message = message_of(lambda: mg.regularizer("l2", lamda=0.1))
    assert "unexpected keyword argument 'lamda'; did you mean 'lam'?" in message


def test_a_misspelled_optional_keyword_keeps_its_hint():
    message = message_of(lambda: mg.layer("dropout", 0.5, rgn=0))
    assert "unexpected keyword argument 'rgn'; did you mean 'rng'?" in message


def test_an_unrelated_missing_argument_is_still_reported():
    message = message_of(lambda: mg.layer("dense", 2, intt="he"))
    assert "unexpected keyword argument 'intt'; did you mean 'init'?" in message
    assert "missing a required argument: 'n_out'" in message


def test_several_unexpected_keywords_are_all_named():
    message = message_of(lambda: mg.layer("dense", 2, 3, intt="he", rgn=0))
    assert "'intt' (did you mean 'init'?)" in message and "'rgn' (did you mean 'rng'?)" in message


def test_learning_rate_points_to_lr():
    model = mg.layer("dense", 2, 2)
    message = message_of(lambda: mg.optimizer("adam", model.parameters(), learning_rate=0.01))
    assert "unexpected keyword argument 'learning_rate'; did you mean 'lr'?" in message


def test_betas_points_to_beta1_and_beta2():
    model = mg.layer("dense", 2, 2)
    message = message_of(lambda: mg.optimizer("adam", model.parameters(), betas=(0.9, 0.999)))
    assert "unexpected keyword argument 'betas'; did you mean 'beta1', 'beta2'" in message
    assert "beta1=0.9, beta2=0.999" in message


def test_an_alias_is_only_suggested_where_its_target_exists():
    model = mg.layer("dense", 2, 2)
    message = message_of(lambda: mg.optimizer("sgd", model.parameters(), betas=(0.9, 0.999)))
    assert "beta1" not in message.split(" It takes")[0].split("; it takes")[0]
