"""The fit loop: what History records, modes, schedules, determinism, gradient norms and
warnings, predictions, and errors at the boundary."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import minigrad as mg


def moons(n=120, noise=0.2, seed=0):
    X, Y = mg.dataset("moons", n=n, noise=noise, seed=seed)
    train, dev, _ = mg.split(X, Y, ratios=(0.7, 0.3), seed=0)
    norm = mg.Normalizer().fit(train[0])
    return (norm.transform(train[0]), train[1]), (norm.transform(dev[0]), dev[1])


def mlp(seed=0, hidden=8, outputs=2, init="he"):
    rng = np.random.default_rng(seed)
    return mg.Sequential(
        mg.layer("dense", 2, hidden, init=init, rng=rng),
        mg.layer("relu"),
        mg.layer("dense", hidden, outputs, init=init, rng=rng),
    )


def train_once(*, seed=0, epochs=4, model_seed=0, **options):
    train, dev = moons()
    model = mlp(model_seed)
    optimizer = mg.optimizer("adam", model.parameters(), lr=0.01)
    history = mg.fit(
        model,
        train,
        dev=dev,
        loss="softmax_cross_entropy",
        optimizer=optimizer,
        epochs=epochs,
        batch_size=16,
        seed=seed,
        **options,
    )
    return model, history


def test_history_records_costs_accuracy_lr_and_layer_gradient_norms():
    _, history = train_once(epochs=3, regularizer=mg.regularizer("l2", lam=0.5))
    assert history.epochs == [0, 1, 2] and len(history) == 3
    for key in ("lr", "train_cost", "train_loss", "train_accuracy", "dev_cost", "dev_loss", "dev_accuracy"):
        assert history[key].shape == (3,) and np.isfinite(history[key]).all(), key
    # the regularization term is part of the cost, not of the loss
    assert (history["train_cost"] > history["train_loss"]).all()
    assert (history["dev_cost"] > history["dev_loss"]).all()
    assert set(history.grad_norms) == {"0", "2"}  # the two dense layers, by name in the model
    assert all((norms > 0).all() for norms in history.grad_norms.values())
    assert history.train_cost is not None and np.array_equal(history.train_cost, history["train_cost"])


def test_train_cost_is_the_full_cost_J_with_the_penalty_over_the_training_set():
    train, dev = moons()
    model = mlp()
    l2 = mg.regularizer("l2", lam=0.7)
    loss = mg.loss("softmax_cross_entropy")
    history = mg.fit(
        model,
        train,
        dev=dev,
        loss=loss,
        optimizer=mg.optimizer("sgd", model.parameters(), lr=0.1),
        regularizer=l2,
        epochs=2,
        batch_size=32,
    )
    m = len(train[0])
    with mg.no_grad():
        expected_train = float(loss(model(mg.Tensor(train[0])), train[1]).data)
        penalty = float(l2(model.named_parameters(), m).data)
        expected_dev = float(loss(model(mg.Tensor(dev[0])), dev[1]).data)
    assert history["train_loss"][-1] == pytest.approx(expected_train, rel=1e-12)
    assert history["train_cost"][-1] == pytest.approx(expected_train + penalty, rel=1e-12)
    assert history["dev_cost"][-1] == pytest.approx(expected_dev + penalty, rel=1e-12)


def test_the_penalty_in_a_batch_cost_uses_the_training_set_size_not_the_batch_size():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((8, 3)), rng.integers(0, 2, 8)
    model = mg.Sequential(mg.layer("dense", 3, 4, rng=0), mg.layer("relu"), mg.layer("dense", 4, 2, rng=1))
    trainer = mg.Trainer(
        model,
        (X, Y),
        loss="softmax_cross_entropy",
        optimizer=mg.optimizer("sgd", model.parameters(), lr=0.1),
        regularizer=mg.regularizer("l2", lam=0.5),
    )
    J, loss = trainer.cost(model(X[:2]), Y[:2])  # a batch of 2 out of m = 8
    squares = sum(float((p.data**2).sum()) for name, p in model.named_parameters() if name.endswith("W"))
    # the course's J = 1/m Σ L + λ/(2m) Σ ||W||² with m the training-set size
    assert float(J.data - loss.data) == pytest.approx(0.5 / (2 * 8) * squares, rel=1e-12)


def test_a_schedule_attached_to_the_optimizer_sets_epoch_0_to_its_lr0():
    decay = mg.schedule("inverse_time", lr0=0.1, decay_rate=1.0)
    train, _ = moons()
    model = mlp()
    seen = []

    class Rates:
        def on_epoch_begin(self, trainer, epoch):
            seen.append(trainer.optimizer.lr)

    history = mg.fit(
        model,
        train,
        loss="softmax_cross_entropy",
        optimizer=mg.optimizer("sgd", model.parameters(), lr=1.0, schedule=decay),
        epochs=3,
        batch_size=16,
        callbacks=[Rates()],
    )
    assert history["lr"][0] == decay(0) == 0.1
    np.testing.assert_allclose(history["lr"], [decay(0), decay(1), decay(2)], rtol=1e-15)
    np.testing.assert_allclose(seen, history["lr"], rtol=1e-15)


def test_the_schedule_sets_the_learning_rate_each_epoch():
    decay = mg.schedule("inverse_time", lr0=0.1, decay_rate=1.0)
    _, history = train_once(epochs=4, schedule=decay)
    np.testing.assert_allclose(history["lr"], [0.1, 0.05, 0.1 / 3, 0.025])


@pytest.mark.parametrize(
    ("schedule", "words"),
    [
        (
            lambda epoch: 0.1 - 0.05 * epoch,
            r"lr = -0.05.* out of range .*returned by the schedule .* at epoch 3",
        ),
        (lambda epoch: None, "lr = None must be a real number .*at epoch 0"),
        (lambda epoch: "0.1", "lr = '0.1' must be a real number"),
    ],
)
def test_a_rate_the_optimizer_refuses_names_the_schedule_and_epoch(schedule, words):
    with pytest.raises(mg.ConfigError, match=words):
        train_once(epochs=4, schedule=schedule)


def test_counts_and_limits_accept_numpy_numbers():
    _, history = train_once(epochs=np.int64(2), snapshot_every=np.int64(1), clip_norm=np.float32(5.0))
    assert len(history) == 2 and len(history.snapshots) == 2


class ModeProbe(mg.Module):
    """Identity layer that records (training flag, batch size) of every call."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, x.shape[0]))
        return x


def test_training_mode_for_batches_and_eval_mode_for_evaluation():
    train, dev = moons()
    probe = ModeProbe()
    model = mg.Sequential(mg.layer("dense", 2, 2, rng=0), probe)
    mg.fit(
        model,
        train,
        dev=dev,
        loss="softmax_cross_entropy",
        optimizer=mg.optimizer("sgd", model.parameters(), lr=0.1),
        epochs=1,
        batch_size=32,
    )
    m_train, m_dev = len(train[0]), len(dev[0])
    batches = [size for training, size in probe.calls if training]
    assert batches == [32, 32, m_train - 64]  # shuffled, partitioned, last batch kept
    assert sorted(size for training, size in probe.calls if not training) == sorted([m_train, m_dev])
    assert model.training is False  # fit leaves the model in eval mode


def test_batch_size_m_is_batch_gradient_descent():
    train, _ = moons()
    steps = []

    class Count:
        def on_batch_end(self, trainer, step, logs):
            steps.append((logs["epoch"], logs["size"]))

    model = mlp()
    mg.fit(
        model,
        train,
        loss="softmax_cross_entropy",
        optimizer=mg.optimizer("sgd", model.parameters(), lr=0.1),
        epochs=3,
        batch_size=len(train[0]),
        callbacks=[Count()],
    )
    assert steps == [(e, len(train[0])) for e in range(3)]


def test_same_seed_same_run_bit_for_bit_and_independent_of_global_state():
    np.random.seed(1)
    model_a, history_a = train_once(seed=3)
    np.random.seed(2)
    np.random.random(10)
    model_b, history_b = train_once(seed=3)
    for (name, a), (_, b) in zip(model_a.named_parameters(), model_b.named_parameters()):
        assert np.array_equal(a.data, b.data), name
    assert history_a.to_csv() == history_b.to_csv()


def test_a_different_seed_shuffles_differently():
    model_a, _ = train_once(seed=0)
    model_b, _ = train_once(seed=1)
    assert not np.array_equal(model_a[0].W.data, model_b[0].W.data)


def test_augment_transforms_every_training_batch_with_its_own_generator():
    seen = []

    def augment(batch, rng):
        assert isinstance(rng, np.random.Generator)
        seen.append(len(batch))
        return batch + 0.01 * rng.standard_normal(batch.shape)

    train_once(epochs=2, augment=augment)
    train, _ = moons()
    assert sum(seen) == 2 * len(train[0])


def test_fit_takes_augmentation_names_and_reshapes_flat_features_like_dataloader():
    X, Y = mg.dataset("digits", n=64, seed=0)  # 8x8 images as 64 features
    seen = []

    def record(batch, rng):
        seen.append(batch.shape)
        return batch

    def run(**options):
        model = mg.Sequential(mg.layer("dense", 64, 10, rng=0))
        mg.fit(
            model, (X, Y), loss="softmax_cross_entropy", optimizer="sgd", epochs=1, batch_size=32, **options
        )
        return model[0].W.data

    plain = run()
    flipped = run(augment=["horizontal_flip", record], image_shape=(8, 8))
    assert seen == [(32, 8, 8), (32, 8, 8)] and not np.array_equal(plain, flipped)
    with pytest.raises(mg.ShapeError, match=r"fit\(\.\.\., image_shape=\(H, W\)\)"):
        run(augment="horizontal_flip")
    with pytest.raises(mg.ShapeError, match=r"image_shape .* holds 60 values"):
        run(augment="horizontal_flip", image_shape=(6, 10))
    with pytest.raises(mg.ConfigError, match="fit: augment must be"):
        run(augment=3)


def test_custom_metric_functions_are_recorded():
    def error_rate(proba, Y):
        return float(np.mean(proba.argmax(axis=1) != Y))

    _, history = train_once(epochs=2, metrics=("accuracy", error_rate))
    np.testing.assert_allclose(history["dev_error_rate"], 1 - history["dev_accuracy"])


def test_gradient_warning_names_an_exploding_layer():
    train, _ = moons()
    model = mlp(init="he")
    model[0].W.data *= 1e5  # huge weights: the gradients of the next layer explode
    with pytest.warns(mg.GradientWarning, match=r"exploding gradients in layer 2 \(Dense\)"):
        mg.fit(
            model,
            train,
            loss="softmax_cross_entropy",
            optimizer=mg.optimizer("sgd", model.parameters(), lr=1e-12),
            epochs=1,
        )


def test_gradient_warning_names_vanishing_layers_and_can_be_turned_off():
    train, _ = moons()
    options = {"loss": "softmax_cross_entropy", "epochs": 2}
    model = mlp(init="zeros")  # zeros: the first layer gets exactly zero gradient
    with pytest.warns(mg.GradientWarning, match=r"vanishing gradients in layer 0 \(Dense\)") as record:
        mg.fit(model, train, optimizer=mg.optimizer("sgd", model.parameters(), lr=0.1), **options)
    assert sum("layer 0" in str(w.message) for w in record) == 1  # once per layer, not every epoch
    model = mlp(init="zeros")
    with warnings.catch_warnings():
        warnings.simplefilter("error", mg.GradientWarning)
        mg.fit(
            model,
            train,
            optimizer=mg.optimizer("sgd", model.parameters(), lr=0.1),
            gradient_limits=None,
            **options,
        )


def test_predict_and_predict_proba_and_evaluate():
    model, history = train_once(epochs=15)
    _, (X_dev, Y_dev) = moons()
    proba = mg.predict_proba(model, X_dev)
    assert proba.shape == (len(X_dev), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    labels = mg.predict(model, X_dev)
    np.testing.assert_array_equal(labels, proba.argmax(axis=1))
    result = mg.evaluate(model, X_dev, Y_dev, loss="softmax_cross_entropy")
    assert result["accuracy"] == pytest.approx(history["dev_accuracy"][-1])
    assert result["loss"] == pytest.approx(history["dev_loss"][-1])


def test_binary_models_use_a_sigmoid_on_one_output_column():
    train, dev = moons()
    model = mlp(outputs=1)
    history = mg.fit(
        model,
        train,
        dev=dev,
        loss="binary_cross_entropy",
        optimizer=mg.optimizer("adam", model.parameters(), lr=0.02),
        epochs=20,
        batch_size=16,
    )
    assert history["dev_accuracy"][-1] > 0.8
    proba = mg.predict_proba(model, dev[0])
    assert proba.shape == (len(dev[0]), 1) and ((proba > 0) & (proba < 1)).all()


def test_a_model_ending_in_a_sigmoid_is_scored_on_its_probabilities():
    # binary_cross_entropy(from_logits=False) says its link: no second sigmoid
    train, dev = moons()
    model = mg.Sequential(*mlp(outputs=1), mg.layer("sigmoid"))
    bce = mg.loss("binary_cross_entropy", from_logits=False)
    assert bce.link == "probabilities" and mg.loss("binary_cross_entropy").link == "sigmoid"
    history = mg.fit(
        model,
        train,
        dev=dev,
        loss=bce,
        optimizer=mg.optimizer("adam", model.parameters(), lr=0.02),
        epochs=20,
    )
    truth = float(np.mean((mg.predict_proba(model, dev[0], link="probabilities")[:, 0] > 0.5) == dev[1]))
    assert truth > 0.8
    assert history["dev_accuracy"][-1] == truth
    assert mg.evaluate(model, *dev, loss=bce)["accuracy"] == truth
    labels = mg.predict(model, dev[0], link="probabilities")
    assert float(np.mean(labels == dev[1])) == truth


def test_regression_records_no_accuracy_and_refuses_to_compute_one():
    train, _ = moons()
    model = mlp(outputs=1)
    targets = (train[0], train[1].astype(np.float64)[:, None])
    history = mg.fit(model, targets, loss="mean_squared_error", optimizer="sgd", epochs=2)
    assert "train_accuracy" not in history and "train_loss" in history
    assert sorted(mg.evaluate(model, *targets, loss="mean_squared_error")) == ["cost", "loss"]
    with pytest.raises(mg.ConfigError, match=r"'accuracy' needs class predictions.*identity"):
        mg.evaluate(model, *targets, loss="mean_squared_error", metrics=["accuracy"])
    with pytest.raises(mg.ConfigError, match="'accuracy' needs class predictions"):
        mg.fit(model, targets, loss="mean_squared_error", optimizer="sgd", metrics="accuracy")


@pytest.mark.parametrize("call", [mg.predict, mg.predict_proba])
def test_a_one_dimensional_input_is_refused_with_both_readings(call):
    model, _ = train_once(epochs=1)
    with pytest.raises(mg.ShapeError, match=r"shape \(2,\).*X\[None\].*reshape\(-1, 1\)"):
        call(model, moons()[0][0][0])


def test_drop_last_lets_batch_norm_train_when_one_example_is_left_over():
    X, Y = mg.dataset("moons", n=65, seed=0)  # 65 = 64 + 1

    def run(**options):
        model = mg.Sequential(
            mg.layer("dense", 2, 8, bias=False, rng=0),
            mg.layer("batch_norm", 8),
            mg.layer("dense", 8, 2, rng=1),
        )
        sizes = []

        class Sizes:
            def on_batch_end(self, trainer, step, logs):
                sizes.append(logs["size"])

        mg.fit(
            model,
            (X, Y),
            loss="softmax_cross_entropy",
            optimizer="adam",
            epochs=2,
            callbacks=[Sizes()],
            **options,
        )
        return sizes

    with pytest.raises(mg.ShapeError, match=r"at least 2 examples.*fit\(drop_last=True\)"):
        run()
    assert run(drop_last=True) == [64, 64]


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_predictions_refuse_a_bad_batch_size(batch_size):
    model, _ = train_once(epochs=1)
    with pytest.raises(mg.ConfigError, match=r"batch_size=.*int >= 1"):
        mg.predict(model, moons()[0][0], batch_size=batch_size)


def test_history_csv_and_state_round_trip(tmp_path):
    _, history = train_once(epochs=3)
    text = history.to_csv(tmp_path / "h.csv")
    assert (tmp_path / "h.csv").read_text() == text
    header, *rows = text.strip().split("\n")
    assert header.split(",")[:3] == ["epoch", "lr", "train_cost"] and len(rows) == 3
    again = mg.History()
    again.load_state_dict(history.state_dict())
    assert again.to_csv() == text
    assert math.isnan(mg.History().last("dev_cost"))
    with pytest.raises(KeyError, match="records"):
        history["nothing"]


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"train": (np.zeros((5, 2)), np.zeros(4))}, mg.ShapeError, r"5 examples \(rows\) but Y has 4"),
        ({"epochs": -1}, mg.ConfigError, "epochs"),
        ({"batch_size": 0}, mg.ConfigError, "batch_size"),
        ({"seed": -3}, mg.ConfigError, "seed"),
        ({"callbacks": [object()]}, mg.ConfigError, "none of the hooks"),
        ({"callbacks": ["early_stoping"]}, mg.UnknownComponentError, "early_stopping"),
        ({"loss": 3}, mg.ConfigError, "loss"),
        ({"train": (np.array([["a", "b"]]), np.zeros(1))}, mg.DTypeError, "dtype"),
        ({"train": (np.array([[np.nan, 1.0]]), np.zeros(1))}, mg.MinigradError, "NaN"),
        ({"metrics": ("precision",)}, mg.ConfigError, "precision"),
        ({"optimizer": None}, mg.ConfigError, "has no step, zero_grad, lr"),
        (
            {"optimizer": mg.optimizer("sgd", mlp().parameters())},
            mg.ConfigError,
            r"none of them the model's.*model\.parameters\(\)",
        ),
        ({"schedule": 0.1}, mg.ConfigError, "schedule=0.1 is not callable"),
        ({"regularizer": "l2"}, mg.ConfigError, "regularizer='l2' is not callable"),
        ({"gradient_limits": (1.0, 0.5)}, mg.ConfigError, "gradient_limits"),
        ({"snapshot_every": 0}, mg.ConfigError, "snapshot_every"),
        ({"drop_last": 1}, mg.ConfigError, "drop_last=1; it must be True or False"),
        ({"dev": np.zeros((3, 2))}, mg.ConfigError, r"dev must be an \(X, Y\) pair"),
    ],
)
def test_bad_arguments_raise_clear_errors(change, error, match):
    train, _ = moons()
    model = mlp()
    options = {
        "train": train,
        "loss": "softmax_cross_entropy",
        "optimizer": mg.optimizer("sgd", model.parameters(), lr=0.1),
        "epochs": 1,
    }
    options.update(change)
    with pytest.raises(error, match=match):
        mg.fit(model, options.pop("train"), **options)


@pytest.mark.parametrize(
    "callback", ["early_stopping", {"name": "checkpoint", "save_best": True, "every": 0}]
)
def test_monitoring_the_dev_set_without_one_says_how_to_fix_it_before_training(callback, tmp_path):
    train, _ = moons()
    model = mlp()
    before = model.state_dict()
    if isinstance(callback, dict):
        callback = mg.callback(callback.pop("name"), path=tmp_path / "c.npz", **callback)
    with pytest.raises(mg.ConfigError, match="no dev set; pass dev="):
        mg.fit(
            model,
            train,
            loss="softmax_cross_entropy",
            optimizer=mg.optimizer("sgd", model.parameters(), lr=0.1),
            epochs=2,
            callbacks=[callback],
        )
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())  # not one epoch ran


def test_a_callback_class_or_a_loss_returning_a_number_is_refused_with_the_fix():
    train, _ = moons()
    model = mlp()
    options = {"optimizer": mg.optimizer("sgd", model.parameters(), lr=0.1), "epochs": 1}

    class Printer:
        def on_epoch_end(self, trainer, epoch, logs):
            pass

    with pytest.raises(mg.ConfigError, match=r"the class Printer, not an instance; pass Printer\(...\)"):
        mg.fit(model, train, loss="softmax_cross_entropy", callbacks=[Printer], **options)

    class Late:
        def on_batch_end(self, trainer, logs):
            pass

    with pytest.raises(mg.ConfigError, match=r"Late\.on_batch_end\(trainer, logs\) cannot be called as"):
        mg.fit(model, train, loss="softmax_cross_entropy", callbacks=[Late()], **options)
    with pytest.raises(mg.ConfigError, match="returned a float, not a Tensor"):
        mg.fit(model, train, loss=lambda prediction, target: 0.5, **options)


def test_frozen_parameters_are_left_alone_and_an_optimizer_given_one_says_how_to_filter():
    train, _ = moons()
    model = mlp()
    for p in model[0].parameters():
        p.requires_grad = False
    frozen = model[0].W.data.copy()
    before = model[2].W.data.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a frozen layer is not a vanishing gradient
        history = mg.fit(model, train, loss="softmax_cross_entropy", optimizer="adam", epochs=2)
    assert "grad_norm/0" not in history and "grad_norm/2" in history
    assert np.array_equal(model[0].W.data, frozen) and not np.array_equal(model[2].W.data, before)
    assert model[0].W.grad is None
    with pytest.raises(mg.ConfigError, match=r"frozen\?.*if p\.requires_grad\]"):
        mg.optimizer("sgd", model.parameters())
    for p in model.parameters():
        p.requires_grad = False
    with pytest.raises(mg.ConfigError, match="every parameter of the model is frozen"):
        mg.fit(model, train, loss="softmax_cross_entropy", optimizer="adam", epochs=1)


def test_clip_norm_caps_each_update_and_records_the_raw_gradient_norms():
    train, _ = moons()
    X, Y = train[0] * 100.0, train[1]  # large inputs: large gradients

    def one_step(**options):
        model = mlp()
        before = [p.data.copy() for p in model.parameters()]
        history = mg.fit(
            model,
            (X, Y),
            loss="softmax_cross_entropy",
            optimizer=mg.optimizer("sgd", model.parameters(), lr=1.0),
            epochs=1,
            batch_size=len(X),
            gradient_limits=None,
            **options,
        )
        step = np.sqrt(sum(float(np.sum((p.data - b) ** 2)) for p, b in zip(model.parameters(), before)))
        return step, history

    raw_step, raw = one_step()
    clipped_step, clipped = one_step(clip_norm=0.5)
    assert raw_step > 5 and clipped_step == pytest.approx(0.5, rel=1e-6)
    assert clipped["grad_norm/0"][0] == pytest.approx(raw["grad_norm/0"][0])  # recorded before clipping
    with pytest.raises(mg.ConfigError, match="clip_norm=-1; it must be a number > 0"):
        one_step(clip_norm=-1)


def test_the_same_seed_gives_the_same_run_with_dropout_built_without_a_seed():
    train, _ = moons()

    class StartState:
        def on_train_begin(self, trainer):
            self.state = trainer.model[2].generator.bit_generator.state

    def run(seed, dropout_rng=None, replace=None):
        model = mg.Sequential(
            mg.layer("dense", 2, 16, rng=0),
            mg.layer("relu"),
            mg.layer("dropout", 0.5, rng=dropout_rng),
            mg.layer("dense", 16, 2, rng=1),
        )
        if replace is not None:
            model[2].generator = replace
        start = StartState()
        optimizer = mg.optimizer("adam", model.parameters(), lr=0.01)
        mg.fit(
            model,
            train,
            loss="softmax_cross_entropy",
            optimizer=optimizer,
            epochs=3,
            seed=seed,
            callbacks=[start],
        )
        return model.state_dict(), start.state

    first, _ = run(0)
    again, _ = run(0)
    other, _ = run(1)
    assert all(np.array_equal(first[k], again[k]) for k in first)  # bit for bit
    assert not all(np.array_equal(first[k], other[k]) for k in first)
    # a generator the user seeded, or put in place, keeps its own stream
    assert run(0, dropout_rng=7)[1] == np.random.default_rng(7).bit_generator.state
    assert run(0, replace=np.random.default_rng(5))[1] == np.random.default_rng(5).bit_generator.state


def test_fit_records_gradients_even_when_called_inside_no_grad():
    import asyncio

    X, Y = mg.dataset("moons", n=60, noise=0.2, seed=0)

    def train():
        layers = (mg.layer("dense", 2, 4, rng=0), mg.layer("relu"), mg.layer("dense", 4, 2, rng=1))
        model = mg.Sequential(*layers)
        opt = mg.optimizer("sgd", model.parameters(), lr=0.1)
        history = mg.fit(model, (X, Y), loss="softmax_cross_entropy", optimizer=opt, epochs=3, seed=0)
        return history["train_cost"], model

    expected, _ = train()
    with mg.no_grad():
        inside, model = train()
        assert not mg.is_grad_enabled()  # the caller's mode is back
        assert model(X).requires_grad is False

    async def handler():
        with mg.no_grad():  # asyncio.to_thread copies this context into the thread
            return await asyncio.to_thread(train)

    threaded, _ = asyncio.run(handler())
    np.testing.assert_array_equal(inside, expected)
    np.testing.assert_array_equal(threaded, expected)
