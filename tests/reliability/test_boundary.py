"""Bad input at the boundary: each mistake raises a MinigradError subclass whose message
says what was wrong, where (op, layer, argument, row) with the actual values, and how
to fix it. The fuzz test (test_fuzz.py) checks that *only* MinigradErrors come out;
this file pins down the message for each kind of mistake the guarantees list."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

RNG = np.random.default_rng(0)
X = RNG.normal(size=(8, 2))
Y = np.array([0, 1] * 4)


def mlp(n_in=2, n_out=2):
    return mg.Sequential(
        mg.layer("dense", n_in, 4, rng=0), mg.layer("relu"), mg.layer("dense", 4, n_out, rng=1)
    )


def fit(train=(X, Y), model=None, **options):
    model = model or mlp()
    settings = dict(
        loss="softmax_cross_entropy",
        optimizer=mg.optimizer("sgd", model.parameters(), lr=0.1),
        epochs=1,
        batch_size=4,
    )
    settings.update(options)
    return mg.fit(model, train, **settings)


def step_with_grad(grad):
    w = mg.Parameter(np.ones((2, 2)))
    optimizer = mg.optimizer("sgd", [w], lr=0.1)
    w.grad = grad
    optimizer.step()


def with_nan(array, row=3, column=1, value=np.nan):
    array = np.array(array, dtype=np.float64)
    array[(row, column) if array.ndim == 2 else row] = value
    return array


CASES = {
    # ---- wrong shapes: the op or layer and both shapes
    "matmul shapes": (
        lambda: mg.Tensor(np.ones((2, 3))) @ mg.Tensor(np.ones((2, 3))),
        mg.ShapeError,
        ["matmul", "(2, 3) @ (2, 3)"],
    ),
    "broadcast shapes": (
        lambda: mg.Tensor(np.ones((2, 3))) + mg.Tensor(np.ones(4)),
        mg.ShapeError,
        ["add", "(2, 3)", "(4,)"],
    ),
    "dense input width": (
        lambda: mg.layer("dense", 3, 4)(np.ones((5, 2))),
        mg.ShapeError,
        ["dense(3 -> 4)", "3 features", "(5, 2)", "(m, 3)"],
    ),
    "layer width inside fit": (
        lambda: fit(train=(np.ones((8, 3)), Y)),
        mg.ShapeError,
        ["dense(2 -> 4)", "(4, 3)"],
    ),
    "loss target shape": (
        lambda: mg.loss("mean_squared_error")(mg.Tensor(np.ones((3, 2))), np.ones((3, 4))),
        mg.ShapeError,
        ["mean_squared_error", "(3, 4)", "(3, 2)"],
    ),
    "X and Y lengths": (
        lambda: fit(train=(X, Y[:5])),
        mg.ShapeError,
        ["fit (train)", "8 examples", "5"],
    ),
    "ragged nested lists": (
        lambda: mg.Tensor([[1.0, 2.0], [3.0]]),
        mg.ShapeError,
        ["Tensor", "same length"],
    ),
    "hand-set gradient": (
        lambda: step_with_grad(np.ones(2)),
        mg.ShapeError,
        ["optimizer 'sgd'", "shape (2, 2)", ".grad of shape (2,)"],
    ),
    # ---- dtypes
    "mixed float dtypes": (
        lambda: mg.Tensor(np.ones(2, np.float32)) * mg.Tensor(np.ones(2)),
        mg.DTypeError,
        ["mul", "float32", "float64", "astype"],
    ),
    "layer dtype": (
        lambda: mg.layer("dense", 2, 2)(np.ones((2, 2), np.float32)),
        mg.DTypeError,
        ["dense(2 -> 2)", "float32", "float64", "dtype=np.float32"],
    ),
    "integer tensor needing a gradient": (
        lambda: mg.Tensor(np.arange(3), requires_grad=True),
        mg.DTypeError,
        ["requires_grad=True", "int64", "np.float64"],
    ),
    "object array": (lambda: mg.Tensor(np.array([1, None], dtype=object)), mg.DTypeError, ["object"]),
    "complex array": (lambda: mg.Tensor(np.array([1j])), mg.DTypeError, ["complex128"]),
    "string features in fit": (
        lambda: fit(train=(np.array([["a", "b"]] * 8), Y)),
        mg.DTypeError,
        ["fit (train)", "X has dtype <U1", "numbers"],
    ),
    "string labels in fit": (
        lambda: fit(train=(X, np.array(["cat", "dog"] * 4))),
        mg.DTypeError,
        ["fit (train)", "Y has dtype", "encode"],
    ),
    "bad option type": (
        lambda: mg.Tensor(np.ones((2, 2))).sum(axis=1.5),
        mg.DTypeError,
        ["sum"],
    ),
    # ---- empty batches
    "empty training set": (
        lambda: fit(train=(np.ones((0, 2)), np.array([], dtype=int))),
        mg.ShapeError,
        ["fit (train)", "empty", "(0, 2)"],
    ),
    "empty loss batch": (
        lambda: mg.loss("softmax_cross_entropy")(mg.Tensor(np.ones((0, 2))), np.array([], dtype=int)),
        mg.ShapeError,
        ["softmax_cross_entropy", "at least one example", "(0, 2)"],
    ),
    "empty mini-batches": (
        lambda: list(mg.minibatches(np.ones((0, 2)))),
        mg.ShapeError,
        ["minibatches", "empty"],
    ),
    # ---- NaN / inf in inputs or labels
    "NaN in fit X": (
        lambda: fit(train=(with_nan(X), Y)),
        mg.ConfigError,
        ["fit (train)", "non-finite", "row 3, column 1"],
    ),
    "inf in fit Y": (
        lambda: fit(
            train=(X, with_nan(Y, row=2, column=None, value=np.inf)),
            model=mlp(n_out=1),
            loss="binary_cross_entropy",
        ),
        mg.ConfigError,
        ["fit (train)", "Y", "inf", "row 2"],
    ),
    "NaN in the dev set": (
        lambda: fit(dev=(with_nan(X[:4], row=0, column=0), Y[:4])),
        mg.ConfigError,
        ["fit (dev)", "row 0, column 0"],
    ),
    "NaN in split": (
        lambda: mg.split(with_nan(np.ones((10, 2)), row=7), np.zeros(10)),
        mg.ConfigError,
        ["split", "row 7"],
    ),
    "NaN in predict": (
        lambda: mg.predict(mlp(), with_nan(X, row=1)),
        mg.ConfigError,
        ["predict_proba", "row 1"],
    ),
    "NaN in Normalizer.fit": (
        lambda: mg.Normalizer().fit(with_nan(X, row=5)),
        mg.ConfigError,
        ["Normalizer.fit", "row 5"],
    ),
    # ---- labels out of range
    "softmax label too large": (
        lambda: fit(train=(X, np.array([0, 1, 5, 0, 1, 0, 1, 0]))),
        mg.ShapeError,
        ["softmax_cross_entropy", "[0, 1] for 2 classes", "[5]"],
    ),
    "negative softmax label": (
        lambda: mg.loss("softmax_cross_entropy")(mg.Tensor(np.zeros((2, 3))), np.array([0, -1])),
        mg.ShapeError,
        ["[0, 2] for 3 classes", "[-1]"],
    ),
    "binary label 2": (
        lambda: mg.loss("binary_cross_entropy")(mg.Tensor(np.zeros((3, 1))), np.array([0, 1, 2])),
        mg.ShapeError,
        ["binary_cross_entropy", "[0, 1]", "softmax_cross_entropy"],
    ),
    # ---- out-of-range hyperparameters
    "keep_prob 0": (lambda: mg.layer("dropout", 0.0), mg.ConfigError, ["dropout", "(0, 1]", "got 0.0"]),
    "keep_prob above 1": (lambda: mg.layer("dropout", 1.5), mg.ConfigError, ["(0, 1]", "1.5"]),
    "keep_prob NaN": (lambda: mg.layer("dropout", float("nan")), mg.ConfigError, ["(0, 1]", "nan"]),
    "negative learning rate": (
        lambda: mg.optimizer("adam", mlp().parameters(), lr=-0.01),
        mg.ConfigError,
        ["optimizer 'adam'", "lr = -0.01", "out of range"],
    ),
    "infinite learning rate": (
        lambda: mg.optimizer("sgd", mlp().parameters(), lr=float("inf")),
        mg.ConfigError,
        ["lr = inf", "finite"],
    ),
    "negative schedule rate": (
        lambda: mg.schedule("inverse_time", 0.1, decay_rate=-1.0),
        mg.ConfigError,
        ["inverse_time", "decay_rate = -1.0"],
    ),
    "negative lambda": (
        lambda: mg.regularizer("l2", -0.5),
        mg.ConfigError,
        ["l2", "lam", "-0.5", ">= 0"],
    ),
    "zero batch size": (lambda: fit(batch_size=0), mg.ConfigError, ["batch_size=0", ">= 1"]),
    "split seed": (lambda: mg.split(X, Y, seed=1.5), mg.ConfigError, ["split", "seed=1.5"]),
    # ---- unknown names, with suggestions
    "layer name": (
        lambda: mg.layer("dens", 2, 3),
        mg.UnknownComponentError,
        ["'dens'", "did you mean 'dense'"],
    ),
    "optimizer name": (
        lambda: mg.optimizer("adma", mlp().parameters()),
        mg.UnknownComponentError,
        ["did you mean 'adam'"],
    ),
    "loss name in fit": (
        lambda: fit(loss="sofmax_cross_entropy"),
        mg.UnknownComponentError,
        ["did you mean 'softmax_cross_entropy'"],
    ),
    "callback name in fit": (
        lambda: fit(callbacks=["early_stoping"]),
        mg.UnknownComponentError,
        ["did you mean 'early_stopping'"],
    ),
    "name in the wrong case": (
        lambda: mg.regularizer("L2", 0.1),
        mg.UnknownComponentError,
        ["did you mean 'l2'"],
    ),
    "keyword option": (
        lambda: mg.layer("dense", 2, 3, unit=4),
        mg.ConfigError,
        ["dense", "'unit'", "did you mean 'init'"],
    ),
    # ---- files
    "missing data file": (
        lambda: mg.load_dataset("/nonexistent/data.csv"),
        mg.ConfigError,
        ["/nonexistent/data.csv"],
    ),
    "missing checkpoint": (
        lambda: mg.load_checkpoint("/nonexistent/ckpt.npz"),
        mg.CheckpointError,
        ["/nonexistent/ckpt.npz"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_raises_a_clear_minigrad_error(case):
    call, error, parts = CASES[case]
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, mg.MinigradError)
    message = str(info.value)
    for part in parts:
        assert part in message, (part, message)


def test_a_plugin_cannot_take_a_builtin_name_without_opting_in(fresh_plugins):
    class Plugin:
        def __init__(self, override):
            self.override = override

        @mg.hookimpl
        def minigrad_register_layers(self, registry):
            registry.add("dense", lambda *a, **k: mg.Module(), override=self.override)

    mg.components("layers")  # the built-ins are loaded
    with pytest.raises(mg.RegistrationError) as info:
        mg.register_plugin(Plugin(override=False), name="hijack")
    assert "'builtin'" in str(info.value) and "'hijack'" in str(info.value)
    assert mg.component("layers", "dense").plugin == "builtin"
    mg.register_plugin(Plugin(override=True), name="explicit")
    assert mg.component("layers", "dense").plugin == "explicit"
    mg.unregister_plugin("explicit")
    assert mg.component("layers", "dense").plugin == "builtin"
