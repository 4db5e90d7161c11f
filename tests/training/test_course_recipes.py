"""The course's practical lessons, as acceptance tests of the training workflow.

Initialization breaks symmetry; regularization fixes overfitting; Adam beats plain
mini-batch gradient descent; the full cost J (penalty included) passes gradient checking;
and a run killed after a checkpoint resumes to exactly the weights of an uninterrupted run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest

import minigrad as mg


def prepared(name, *, n, noise, seed, ratios):
    X, Y = mg.dataset(name, n=n, noise=noise, seed=seed)
    train, dev, _ = mg.split(X, Y, ratios=ratios, seed=0, stratify=True)
    norm = mg.Normalizer().fit(train[0])
    return (norm.transform(train[0]), train[1]), (norm.transform(dev[0]), dev[1])


# ------------------------------------------------------------ initialization
@pytest.mark.parametrize("init", ["zeros", "he"])
def test_zeros_fail_to_break_symmetry_and_he_initialization_learns_circles(init):
    train, dev = prepared("circles", n=300, noise=0.1, seed=0, ratios=(0.7, 0.3))
    rng = np.random.default_rng(0)
    model = mg.Sequential(
        mg.layer("dense", 2, 10, init=init, rng=rng),
        mg.layer("relu"),
        mg.layer("dense", 10, 5, init=init, rng=rng),
        mg.layer("relu"),
        mg.layer("dense", 5, 1, init=init, rng=rng),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mg.GradientWarning)  # zeros: vanishing, as expected
        history = mg.fit(
            model,
            train,
            dev=dev,
            loss="binary_cross_entropy",
            optimizer=mg.optimizer("sgd", model.parameters(), lr=0.5),
            epochs=60,
            batch_size=len(train[0]),
        )
    W1, W2 = model[0].W.data, model[2].W.data
    if init == "zeros":
        # every hidden unit computes the same function: identical columns of W, forever
        assert np.ptp(W1, axis=1).max() == 0 and np.ptp(W2, axis=1).max() == 0
        assert np.ptp(W2, axis=0).max() == 0
        assert 0.4 <= history["train_accuracy"][-1] <= 0.6  # chance on two balanced classes
        assert 0.4 <= history["dev_accuracy"][-1] <= 0.6
    else:
        assert np.ptp(W1, axis=1).min() > 0  # the units differ
        assert history["train_accuracy"][-1] > 0.95 and history["dev_accuracy"][-1] > 0.95


# ------------------------------------------------------------ regularization
def overfit_setup():
    # 40 noisy training examples, 60 dev examples: a 64-64 network memorizes the noise
    return prepared("moons", n=100, noise=0.35, seed=2, ratios=(0.4, 0.6))


def big_network(*, keep_prob=None):
    rng = np.random.default_rng(1)
    layers = [mg.layer("dense", 2, 64, rng=rng), mg.layer("relu")]
    if keep_prob:
        layers.append(mg.layer("dropout", keep_prob, rng=rng))
    layers += [mg.layer("dense", 64, 64, rng=rng), mg.layer("relu")]
    if keep_prob:
        layers.append(mg.layer("dropout", keep_prob, rng=rng))
    layers.append(mg.layer("dense", 64, 2, rng=rng))
    return mg.Sequential(*layers)


def train_big(model, callbacks=(), regularizer=None):
    train, dev = overfit_setup()
    return mg.fit(
        model,
        train,
        dev=dev,
        loss="softmax_cross_entropy",
        optimizer=mg.optimizer("adam", model.parameters(), lr=0.001),
        regularizer=regularizer,
        epochs=200,
        batch_size=64,
        callbacks=callbacks,
    )


@pytest.fixture(scope="module")
def unregularized():
    model = big_network()
    return model, train_big(model)


def test_the_unregularized_large_network_overfits(unregularized):
    _, history = unregularized
    train_error, dev_error = 1 - history["train_accuracy"][-1], 1 - history["dev_accuracy"][-1]
    assert dev_error - train_error >= 0.1
    assert mg.diagnose(train_error, dev_error).high_variance
    dev_cost = history["dev_cost"]
    assert dev_cost[-1] > 1.3 * dev_cost.min()  # the dev cost turned back up


def test_l2_lowers_the_dev_error(unregularized):
    _, plain = unregularized
    history = train_big(big_network(), regularizer=mg.regularizer("l2", lam=1.0))
    assert history["dev_accuracy"][-1] > plain["dev_accuracy"][-1]
    assert history["dev_loss"][-1] < 0.8 * plain["dev_loss"][-1]
    assert history["train_accuracy"][-1] < plain["train_accuracy"][-1]  # it fits the noise less


def test_dropout_lowers_the_dev_error(unregularized):
    _, plain = unregularized
    history = train_big(big_network(keep_prob=0.5))
    assert history["dev_accuracy"][-1] > plain["dev_accuracy"][-1]
    assert history["dev_loss"][-1] < 0.8 * plain["dev_loss"][-1]


def test_early_stopping_restores_the_best_epochs_weights(unregularized):
    _, plain = unregularized
    weights = []

    class Recorder:
        def on_epoch_end(self, trainer, epoch, logs):
            weights.append(trainer.model.state_dict())

    model = big_network()
    history = train_big(model, callbacks=[Recorder(), mg.callback("early_stopping", patience=20)])
    best = int(np.argmin(history["dev_cost"]))
    assert history.best_epoch == best and len(history) == best + 21 < 200
    # the same run as the unregularized one, cut short
    np.testing.assert_array_equal(history["dev_cost"], plain["dev_cost"][: len(history)])
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, weights[best][key])
    _, dev = overfit_setup()
    restored = mg.evaluate(model, *dev, loss="softmax_cross_entropy")
    assert restored["loss"] == pytest.approx(history["dev_cost"][best])
    assert restored["accuracy"] > plain["dev_accuracy"][-1]


# ---------------------------------------------------------------- optimizers
def test_adam_reaches_a_lower_cost_than_minibatch_gradient_descent_on_moons():
    train, _ = prepared("moons", n=400, noise=0.2, seed=0, ratios=(0.5, 0.5))
    final = {}
    for name in ("sgd", "adam"):
        rng = np.random.default_rng(0)
        model = mg.Sequential(
            mg.layer("dense", 2, 16, rng=rng), mg.layer("relu"), mg.layer("dense", 16, 2, rng=rng)
        )
        history = mg.fit(
            model,
            train,
            loss="softmax_cross_entropy",
            optimizer=mg.optimizer(name, model.parameters(), lr=0.01),
            epochs=20,
            batch_size=64,
            seed=0,
        )
        final[name] = history["train_cost"][-1]
    assert final["adam"] < 0.75 * final["sgd"]


def test_bias_corrected_ewma_matches_the_closed_form():
    theta = np.array([40.0, 49.0, 45.0, 52.0, 60.0, 58.0])
    beta = 0.9
    t = np.arange(1, len(theta) + 1)
    closed = [sum((1 - beta) * beta ** (k - 1 - i) * theta[i] for i in range(k)) / (1 - beta**k) for k in t]
    np.testing.assert_allclose(mg.ewma(theta, beta, bias_correction=True), closed, rtol=1e-12)
    assert mg.ewma(theta, beta, bias_correction=True)[0] == theta[0]  # no pull towards v0 = 0


# ----------------------------------------------------------- gradient check
def test_a_full_model_with_the_l2_term_passes_gradcheck():
    rng = np.random.default_rng(0)
    model = mg.Sequential(
        mg.layer("dense", 3, 5, rng=rng),
        mg.layer("batch_norm", 5),
        mg.layer("relu"),
        mg.layer("dropout", 0.8, rng=rng),
        mg.layer("dense", 5, 4, rng=rng),
        mg.layer("tanh"),
        mg.layer("dense", 4, 3, rng=rng),
    )
    for _, p in model.named_parameters():
        p.data += 0.1 * rng.standard_normal(p.shape)  # no zero biases: every gradient counts
    X, Y, m = rng.standard_normal((8, 3)), rng.integers(0, 3, 8), 8
    loss, l2 = mg.loss("softmax_cross_entropy"), mg.regularizer("l2", lam=0.7)
    report = mg.assert_gradcheck(
        lambda: loss(model(X), Y) + l2(model.named_parameters(), m), params=model, max_error=1e-7
    )
    assert report.relative_error < 1e-7
    # the penalty really is part of what was checked: it changes dJ/dW
    model.zero_grad()
    (loss(model(X), Y) + l2(model.named_parameters(), m)).backward()
    with_penalty = model[0].W.grad.copy()
    model.zero_grad()
    loss(model(X), Y).backward()
    assert not np.allclose(with_penalty, model[0].W.grad)


# ------------------------------------------------------------ exact resume
SETUP = textwrap.dedent(
    """
    import numpy as np
    import minigrad as mg

    EPOCHS = 8

    def setup(path):
        X, Y = mg.dataset("moons", n=200, noise=0.25, seed=0)
        train, dev, _ = mg.split(X, Y, ratios=(0.7, 0.3), seed=0)
        norm = mg.Normalizer().fit(train[0])
        train, dev = (norm.transform(train[0]), train[1]), (norm.transform(dev[0]), dev[1])
        rng = np.random.default_rng(5)
        model = mg.Sequential(
            mg.layer("dense", 2, 16, rng=rng), mg.layer("relu"), mg.layer("dropout", 0.8, rng=7),
            mg.layer("dense", 16, 2, rng=rng),
        )
        options = dict(
            dev=dev,
            loss="softmax_cross_entropy",
            optimizer=mg.optimizer("adam", model.parameters(), lr=0.02),
            schedule=mg.schedule("inverse_time", lr0=0.02, decay_rate=0.1),
            regularizer=mg.regularizer("l2", lam=0.1),
            epochs=EPOCHS,
            batch_size=32,
            seed=11,
            callbacks=[mg.callback("early_stopping", patience=100), mg.callback("checkpoint", path=path)],
        )
        return model, train, options

    class Hang:
        '''Once the checkpoint of epoch `after` exists, signal and stop in the middle of
        the next epoch (sleeping: the test kills the process; raising: in-process).'''

        def __init__(self, after, marker=None):
            self.after, self.marker = after, marker

        def on_batch_end(self, trainer, step, logs):
            if logs["epoch"] == self.after + 1 and logs["batch"] == 2:
                if self.marker is None:
                    raise KeyboardInterrupt
                open(self.marker, "w").close()
                import time
                time.sleep(600)
    """
)


def namespace():
    env: dict = {}
    exec(SETUP, env)
    return env


def uninterrupted(env, tmp_path):
    model, train, options = env["setup"](tmp_path / "straight.npz")
    history = mg.fit(model, train, **options)
    return model, history


def resumed(env, path):
    model, train, options = env["setup"](path)
    for p in model.parameters():  # a different starting point: everything must come from the file
        p.data[...] = 0.123
    history = mg.fit(model, train, resume_from=path, **options)
    return model, history


def assert_identical(model_a, history_a, model_b, history_b):
    for (name, a), (_, b) in zip(model_a.named_parameters(), model_b.named_parameters()):
        assert np.array_equal(a.data, b.data), f"{name} differs after resuming"
    assert history_a.to_csv() == history_b.to_csv()
    assert model_a[2].generator.bit_generator.state == model_b[2].generator.bit_generator.state


def test_a_run_interrupted_after_a_checkpoint_resumes_bit_identically(tmp_path):
    env = namespace()
    model_a, history_a = uninterrupted(env, tmp_path)
    path = tmp_path / "interrupted.npz"
    model, train, options = env["setup"](path)
    options["callbacks"].append(env["Hang"](after=3))
    with pytest.raises(KeyboardInterrupt):
        mg.fit(model, train, **options)
    assert mg.load_checkpoint(path).epoch == 3
    model_b, history_b = resumed(env, path)
    assert len(history_b) == env["EPOCHS"]
    assert_identical(model_a, history_a, model_b, history_b)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_process_killed_with_sigkill_resumes_bit_identically(tmp_path):
    env = namespace()
    path, marker = tmp_path / "killed.npz", tmp_path / "checkpointed"
    child = SETUP + textwrap.dedent(
        f"""
        model, train, options = setup({str(path)!r})
        options["callbacks"].append(Hang(after=4, marker={str(marker)!r}))
        mg.fit(model, train, **options)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", child])
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, "the training process died before its checkpoint"
            assert time.monotonic() < deadline, "the training process never reached epoch 5"
            time.sleep(0.02)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert mg.load_checkpoint(path).epoch == 4
    model_b, history_b = resumed(env, path)
    model_a, history_a = uninterrupted(env, tmp_path)
    assert_identical(model_a, history_a, model_b, history_b)
