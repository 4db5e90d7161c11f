r"""
Regularization: L2, dropout and early stopping
==============================================

A network with far more parameters than the data can pin down overfits: its training
cost keeps falling while its dev cost turns around and rises. The course's three
remedies, on one over-sized network:

* **L2 regularization** adds :math:`\frac{\lambda}{2m}\sum_l \lVert W^{[l]}\rVert_F^2`
  to the cost; its gradient :math:`\frac{\lambda}{m}W` makes every step shrink the
  weights ("weight decay");
* **dropout** switches each hidden unit off with probability :math:`1 -` ``keep_prob`` at
  every step (inverted dropout: the survivors are scaled by :math:`1/` ``keep_prob``), so no
  unit can rely on any other;
* **early stopping** watches the dev cost and keeps the weights of its best epoch.
"""

import matplotlib.pyplot as plt
import numpy as np

import minigrad as mg

# %%
# Little training data (200 noisy examples) and a large dev set to measure the result.

X, Y = mg.dataset("moons", n=600, noise=0.35, seed=0)
(X_train, Y_train), (X_dev, Y_dev), _ = mg.split(X, Y, ratios=(1 / 3, 2 / 3), seed=0, stratify=True)
print(f"{len(X_train)} training examples, {len(X_dev)} dev examples")


def network(keep_prob=None):
    """2 -> 64 -> 64 -> 2 with ReLU, optionally with dropout after each hidden layer."""
    layers = []
    for i, (n_in, n_out) in enumerate([(2, 64), (64, 64)]):
        layers += [mg.layer("dense", n_in, n_out, rng=i), mg.layer("relu")]
        if keep_prob is not None:
            layers.append(mg.layer("dropout", keep_prob, rng=10 + i))
    return mg.Sequential(*layers, mg.layer("dense", 64, 2, rng=2))


runs = {
    "no regularization": dict(model=network()),
    "L2, lambda = 2": dict(model=network(), regularizer=mg.regularizer("l2", lam=2.0)),
    "dropout, keep_prob = 0.6": dict(model=network(keep_prob=0.6)),
    "early stopping": dict(model=network(), callbacks=[mg.callback("early_stopping", patience=50)]),
}
histories = {}
for name, run in runs.items():
    model = run["model"]
    histories[name] = mg.fit(
        model,
        (X_train, Y_train),
        dev=(X_dev, Y_dev),
        loss="softmax_cross_entropy",
        optimizer=mg.optimizer("adam", model.parameters(), lr=0.01),
        regularizer=run.get("regularizer"),
        callbacks=run.get("callbacks", []),
        epochs=500,
        batch_size=len(X_train),
        gradient_limits=None,
    )

# %%
# Learning curves
# ---------------
# :func:`minigrad.plot_learning_curves` draws the training and dev cost per epoch. Without
# regularization the two curves part ways: the picture of high variance. ``train_cost``
# includes the L2 term, so it is the cost gradient descent actually minimizes (the course's
# advice when checking that :math:`J` decreases); it is evaluated in evaluation mode, so
# dropout does not make it noisy.

fig, axes = plt.subplots(2, 2, figsize=(11, 7), layout="constrained", sharey=True)
for ax, (name, history) in zip(axes.flat, histories.items()):
    mg.plot_learning_curves(history, ax=ax, title=name, log=True)
    if history.best_epoch is not None:
        ax.axvline(history.best_epoch + 1, color="grey", linestyle=":", label="best epoch")  # x counts from 1
        ax.legend()

# %%
# Decision boundaries
# -------------------
# The unregularized boundary bends around individual noisy points; the regularized ones are
# smoother, closer to the true shape of the two moons.

fig, axes = plt.subplots(1, 4, figsize=(16, 4), layout="constrained")
for ax, (name, run) in zip(axes, runs.items()):
    model = run["model"]
    accuracy = mg.evaluate(model, X_dev, Y_dev, loss="softmax_cross_entropy")["accuracy"]
    mg.plot_decision_boundary(
        lambda P, model=model: mg.predict(model, P),
        X_train,
        Y_train,
        ax=ax,
        resolution=120,
        title=f"{name}\ndev accuracy {accuracy:.1%}",
    )

# %%
# What the numbers say
# --------------------

for name, run in runs.items():
    model = run["model"]
    train = mg.evaluate(model, X_train, Y_train, loss="softmax_cross_entropy")
    dev = mg.evaluate(model, X_dev, Y_dev, loss="softmax_cross_entropy")
    weights = np.sqrt(sum((p.data**2).sum() for n, p in model.named_parameters() if p.regularize))
    print(
        f"{name:26s} train {train['accuracy']:6.1%}  dev {dev['accuracy']:6.1%}"
        f"  dev loss {dev['loss']:6.3f}  ||W|| {weights:6.1f}"
    )

# %%
# L2 leaves the weights several times smaller: weight decay at work, "a simpler network".
# Early stopping gets there with no hyperparameter to tune, but it ends the optimization
# of :math:`J` and the fight against overfitting at once, the coupling the course warns
# about; L2 keeps the two apart at the price of searching :math:`\lambda`.
#
# Dropout at test time
# --------------------
# Dropout is only active in training mode. Inverted dropout divides the kept units by
# ``keep_prob`` during training, so nothing needs rescaling at test time: evaluation mode is
# the identity.

drop = mg.layer("dropout", 0.6, rng=0)
activations = np.ones((1, 10))
print("training mode:", drop(activations).data.round(2))
print("eval mode:    ", drop.eval()(activations).data)
