"""Training configurations: defaults, merging, --set overrides, validation errors that name
the file, key, value and allowed values, TOML output, and building a run."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.config import (
    DEFAULT_CONFIG,
    build,
    dumps_toml,
    load_config,
    load_model,
    parse_override,
    run_config,
    validate_config,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "train.toml"


def write(tmp_path, text, name="config.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_default_recipe_is_valid_and_follows_the_course():
    config = load_config()
    assert config == validate_config(DEFAULT_CONFIG)
    assert config["data"]["normalize"] and config["data"]["split"] == [0.6, 0.2, 0.2]
    assert all(
        layer.get("init", "he") == "he" for layer in config["model"]["layers"] if layer["type"] == "dense"
    )
    assert config["optimizer"]["name"] == "adam" and config["schedule"]["name"] == "inverse_time"
    assert config["regularizer"]["name"] == "l2"
    assert [c["name"] for c in config["callbacks"]] == ["early_stopping"]


def test_the_example_config_is_valid():
    config = load_config(EXAMPLE)
    assert config["data"]["dataset"] == "flower"
    assert [c["name"] for c in config["callbacks"]] == ["early_stopping", "stop_on_nan"]


def test_a_file_merges_over_the_defaults(tmp_path):
    path = write(tmp_path, "[training]\nepochs = 7\n\n[optimizer]\nlr = 0.5\n")
    config = load_config(path)
    assert config["training"]["epochs"] == 7 and config["training"]["batch_size"] == 64
    assert config["optimizer"] == {"name": "adam", "lr": 0.5}
    assert config.source == str(path)


def test_a_tuning_config_trains_as_its_base_model(tmp_path):
    # the [tune] table belongs to `minigrad tune`; `minigrad train` reads the rest
    path = tmp_path / "study.toml"
    path.write_text(
        '[optimizer]\nname = "sgd"\nlr = 0.5\n'
        '[tune]\ntrials = 4\n[tune.space]\n"optimizer.lr" = {log_uniform = [1e-4, 1]}\n'
    )
    config = load_config(path)
    assert "tune" not in config and config["optimizer"] == {"name": "sgd", "lr": 0.5}


def test_drop_last_reaches_fit_and_must_be_a_boolean():
    assert load_config()["training"]["drop_last"] is False
    config = load_config(overrides=["training.drop_last=true", "data.options.n=50", "training.epochs=1"])
    assert build(config).fit_options()["drop_last"] is True
    with pytest.raises(mg.ConfigError, match=r"training\.drop_last"):
        load_config(overrides=["training.drop_last=1"])


def test_naming_another_component_drops_the_old_ones_options(tmp_path):
    path = write(tmp_path, '[schedule]\nname = "exponential"\nbase = 0.9\n\n[data]\ndataset = "moons"\n')
    config = load_config(path)
    assert config["schedule"] == {"name": "exponential", "base": 0.9}  # no decay_rate
    assert config["data"]["dataset"] == "moons" and config["data"]["options"] == {}
    config = load_config(overrides=["regularizer.name=l1", "regularizer.lam=0.3"])
    assert config["regularizer"] == {"name": "l1", "lam": 0.3}
    assert load_config(overrides=["regularizer.name=none"])["regularizer"] == {"name": "none"}
    assert load_config(overrides=["callbacks=[]"])["callbacks"] == []


def test_a_data_file_replaces_the_dataset(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    np.savez(tmp_path / "mine.npz", X=X, Y=(X[:, 0] > 0).astype(np.int64))
    path = write(tmp_path, '[data]\npath = "mine.npz"\n')  # relative to the config file
    config = load_config(path)
    assert "dataset" not in config["data"] and "options" not in config["data"]
    assert config["data"]["path"] == str(tmp_path / "mine.npz")
    run = build(config)
    assert run.n_features == 3 and run.n_outputs == 2 and run.model[0].W.shape == (3, 32)


@pytest.mark.parametrize(
    ("text", "override", "expected"),
    [
        ("[training]\nepochs = 0\n", None, ["training.epochs = 0", "integer >= 1"]),
        ('[training]\nepochs = "ten"\n', None, ["training.epochs", '"ten"', "got a string"]),
        (
            "[training]\nepoch = 3\n",
            None,
            ["training.epoch = 3", "unknown key", "did you mean 'epochs'", "allowed:"],
        ),
        ("[trainer]\nepochs = 3\n", None, ["trainer", "unknown key", "did you mean 'training'"]),
        (
            '[optimizer]\nname = "adma"\n',
            None,
            ['optimizer.name = "adma"', "did you mean 'adam'", "allowed:"],
        ),
        ("[optimizer]\nbeta = 0.9\n", None, ["optimizer.beta = 0.9", "hyperparameter of 'adam'", "beta1"]),
        (
            '[model]\nlayers = [{type = "dense", unit = 3}]\n',
            None,
            ["model.layers.0.unit", "did you mean 'units'"],
        ),
        ('[model]\nlayers = [{type = "rellu"}]\n', None, ['model.layers.0.type = "rellu"', "'relu'"]),
        (
            '[model]\nlayers = [{type = "dense", init = "he"}, {type = "dense", units = 2}]\n',
            None,
            ["model.layers.0.units", "only the last dense layer"],
        ),
        ('[data]\ndataset = "moon"\n', None, ['data.dataset = "moon"', "did you mean 'moons'"]),
        ("[data]\nsplit = [0.5, 0.2]\n", None, ["data.split = [0.5, 0.2]", "summing to 1"]),
        (
            '[[callbacks]]\nname = "early_stopping"\npatiense = 3\n',
            None,
            ["callbacks.0.patiense", "'patience'"],
        ),
        ("[schedule]\ndecay = 0.1\n", None, ["schedule.decay = 0.1", "'decay_rate'"]),
        ("", "optimizer.lrr=0.1", ["--set optimizer.lrr=0.1", "optimizer.lrr = 0.1", "did you mean 'lr'"]),
        ("", "training.batch_size=-4", ["with --set training.batch_size=-4", "training.batch_size = -4"]),
        ("[training\n", None, ["malformed TOML", "line 1"]),
    ],
)
def test_errors_name_the_file_key_value_and_allowed_values(tmp_path, text, override, expected):
    path = write(tmp_path, text)
    with pytest.raises(mg.ConfigError) as info:
        load_config(path, overrides=[override] if override else [])
    message = str(info.value)
    assert message.startswith(str(path)) or message.startswith("--set")
    for part in expected:
        assert part in message, (part, message)


def test_component_value_errors_surface_with_the_key_when_building():
    with pytest.raises(mg.ConfigError, match=r"--set data.options.n=-3: data.options: .*n must be"):
        build(load_config(overrides=["data.options.n=-3"]))
    with pytest.raises(mg.ConfigError, match=r"--set optimizer.lr=-1: optimizer: .*lr = -1"):
        build(load_config(overrides=["optimizer.lr=-1"]))
    override = 'model.layers.3={type="dropout", keep_prob=0}'
    with pytest.raises(mg.ConfigError) as info:
        build(load_config(overrides=[override]))
    assert str(info.value).startswith(f"--set {override}: model.layers.3 (dropout): ")
    assert "keep_prob" in str(info.value) and "got 0" in str(info.value)


def test_missing_config_file_is_a_config_error(tmp_path):
    with pytest.raises(mg.ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        ("optimizer.lr=1e-3", ["optimizer", "lr"], 0.001),
        ("training.epochs=5", ["training", "epochs"], 5),
        ("optimizer.name=sgd", ["optimizer", "name"], "sgd"),
        ("optimizer.name='sgd'", ["optimizer", "name"], "sgd"),
        ("data.split=[0.8, 0.2]", ["data", "split"], [0.8, 0.2]),
        ("data.options={n = 50}", ["data", "options"], {"n": 50}),
        ("data.normalize=false", ["data", "normalize"], False),
        ("model.layers.0.units=64", ["model", "layers", "0", "units"], 64),
    ],
)
def test_overrides_parse_toml_literals(text, path, value):
    assert parse_override(text) == (path, value)


@pytest.mark.parametrize("text", ["noequals", "=3", "a..b=1", "x=[1, 2", "x='a"])
def test_malformed_overrides_are_errors(text):
    with pytest.raises(mg.ConfigError, match="--set"):
        parse_override(text)


def test_overrides_reach_into_layer_lists_and_check_indices():
    config = load_config(overrides=["model.layers.0.units=8", "training.seed=3"])
    assert config["model"]["layers"][0]["units"] == 8 and config["training"]["seed"] == 3
    with pytest.raises(mg.ConfigError, match="index '9' is not in the array of 5"):
        load_config(overrides=["model.layers.9.units=3"])
    with pytest.raises(mg.ConfigError, match="unknown section 'traning'; did you mean 'training'"):
        load_config(overrides=["traning.epochs=3"])


scalars = st.one_of(
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False),
    st.text(max_size=8),
)
bare_keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-", min_size=1, max_size=6)
keys = st.one_of(bare_keys, st.text(max_size=4))


@given(
    st.dictionaries(
        keys,
        st.dictionaries(
            keys,
            st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(keys, scalars, max_size=2)),
            max_size=4,
        ),
        max_size=3,
    )
)
def test_dumps_toml_round_trips(config):
    assert tomllib.loads(dumps_toml(config)) == config


def test_build_infers_sizes_and_seeds_the_model():
    run = build(load_config(overrides=["data.options.n=150"]))
    assert run.n_features == 2 and run.n_outputs == 3 and run.link == "softmax"
    assert run.config["model"]["layers"][-1]["units"] == 3  # the resolved config says it
    assert [len(part[0]) for part in (run.train, run.dev, run.test)] == [90, 30, 30]
    np.testing.assert_allclose(run.train[0].mean(axis=0), 0, atol=1e-12)  # normalized on train
    again = build(load_config(overrides=["data.options.n=150"]))
    for (_, a), (_, b) in zip(run.model.named_parameters(), again.model.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data)  # the same seed, the same weights
    other = build(load_config(overrides=["data.options.n=150", "training.seed=1"]))
    assert not np.array_equal(run.model[0].W.data, other.model[0].W.data)
    binary = build(load_config(overrides=["data.dataset=moons", "training.loss=binary_cross_entropy"]))
    assert binary.n_outputs == 1 and binary.link == "sigmoid"


def test_run_config_trains_writes_the_run_folder_and_the_model_reloads(tmp_path):
    config = load_config(overrides=["training.epochs=4", "data.options.n=150"])
    result = run_config(config, out=tmp_path / "run")
    files = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert files == ["checkpoint.npz", "config.toml", "history.csv", "model.npz"]
    assert load_config(tmp_path / "run" / "config.toml") == result.run.config
    assert (tmp_path / "run" / "history.csv").read_text() == result.history.to_csv()
    assert set(result.metrics) == {"train", "dev", "test"} and result.diagnosis is not None
    model, normalizer, meta = load_model(tmp_path / "run")
    X_test = result.run.test[0]
    np.testing.assert_array_equal(mg.predict_proba(model, X_test), mg.predict_proba(result.run.model, X_test))
    assert normalizer is not None and meta["n_outputs"] == 3


def test_a_regression_file_trains_without_accuracy_or_stratification(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 3))
    np.savez(tmp_path / "reg.npz", X=X, Y=X @ np.array([1.0, -2.0, 0.5]))  # real-valued targets
    overrides = ["training.loss=mean_squared_error", "training.epochs=3", "callbacks=[]"]
    path = write(tmp_path, '[data]\npath = "reg.npz"\n')
    result = run_config(load_config(path, overrides=overrides))  # stratify=true is ignored here
    assert result.run.link == "identity" and result.diagnosis is None
    assert set(result.metrics["dev"]) == {"cost", "loss"} and "train_accuracy" not in result.history


@pytest.mark.parametrize(
    ("config", "match"),
    [("file.toml", "got the path 'file.toml'"), ({"training": {}}, "no 'data', 'model'"), (3, "got int")],
)
def test_run_config_wants_a_loaded_configuration(config, match):
    with pytest.raises(mg.ConfigError, match=match) as info:
        mg.run_config(config)
    assert "load_config(path)" in str(info.value)


def test_a_plugin_layer_is_sized_by_a_configuration_through_its_registration(tmp_path):
    import types

    class Scale(mg.Module):
        def __init__(self, n_features, *, start=1.0):
            super().__init__()
            self.gamma = mg.Parameter(np.full(n_features, start))

        def forward(self, x):
            return x * self.gamma

    class Widen(mg.Module):
        def __init__(self, width, n_out, *, rng=None):
            super().__init__()
            self.dense = mg.layer("dense", width, n_out, rng=rng)

        def forward(self, x):
            return self.dense(x)

    plugin = types.SimpleNamespace()

    @mg.hookimpl
    def minigrad_register_layers(registry):
        registry.add("scale", Scale, doc="x * gamma", input_size="n_features")
        registry.add("widen", Widen, doc="a dense layer", input_size="width", output_size="n_out")

    plugin.minigrad_register_layers = minigrad_register_layers
    mg.register_plugin(plugin, name="sizes")
    try:
        layers = (
            '[{type = "widen", units = 6}, {type = "scale", start = 0.5}, {type = "relu"}, {type = "widen"}]'
        )
        config = load_config(overrides=[f"model.layers={layers}", "data.options.n=60"])
        run = build(config)
        assert run.model[0].dense.W.shape == (2, 6) and run.model[1].gamma.shape == (6,)
        assert run.model[3].dense.W.shape == (6, run.n_outputs)
        assert run.config["model"]["layers"][3]["units"] == run.n_outputs
        with pytest.raises(mg.ConfigError, match=r"model\.layers\.1\.n_features = 6: is set automatically"):
            load_config(
                overrides=['model.layers=[{type = "widen", units = 6}, {type = "scale", n_features = 6}]']
            )
    finally:
        mg.unregister_plugin("sizes")


def test_a_configuration_reads_a_plugin_losss_link_as_fit_does():
    import types

    class Huber:
        link = "identity"  # regression: no accuracy

        def __call__(self, prediction, target):
            diff = prediction - mg.Tensor(np.asarray(target, dtype=np.float64).reshape(prediction.shape))
            return (diff * diff).mean()

    plugin = types.SimpleNamespace()

    @mg.hookimpl
    def minigrad_register_losses(registry):
        registry.add("huber_like", Huber, doc="a squared error")

    plugin.minigrad_register_losses = minigrad_register_losses
    mg.register_plugin(plugin, name="huber")
    try:
        config = load_config(
            overrides=['training.loss="huber_like"', "data.options.n=60", "training.epochs=1", "callbacks=[]"]
        )
        result = mg.run_config(config)
        assert result.metrics["train"].keys() == {"cost", "loss"}  # no accuracy for a regression link
    finally:
        mg.unregister_plugin("huber")


def test_a_layer_type_that_is_not_a_string_is_a_config_error():
    with pytest.raises(mg.ConfigError, match=r"model\.layers\.0\.type"):
        load_config(overrides=['model.layers=[{type = ["dense"], units = 3}, {type = "dense"}]'])


def test_clip_norm_reaches_fit_and_must_be_positive():
    config = load_config(overrides=["training.clip_norm=1.5", "data.options.n=60", "training.epochs=1"])
    assert build(config).fit_options()["clip_norm"] == 1.5
    assert build(load_config(overrides=["data.options.n=60"])).fit_options()["clip_norm"] is None
    with pytest.raises(mg.ConfigError, match=r"training\.clip_norm"):
        load_config(overrides=["training.clip_norm=0"])
