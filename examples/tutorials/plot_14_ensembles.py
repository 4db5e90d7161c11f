"""
Ensembles
=========

The course's ensemble: train several independent models, average their predictions at
test time. Each over-fitted network bends its decision boundary around a different set
of noisy points; the average keeps what they agree on, which lowers the variance. It
costs one training run per model, or a single run with a **snapshot ensemble**: a cyclic
learning rate, and one model saved at the end of each cycle.
"""

import matplotlib.pyplot as plt
import numpy as np

import minigrad as mg

# %%
# Seven networks, seven seeds
# ---------------------------
# Few, noisy training examples and a network large enough to overfit them.
# :func:`minigrad.fit_ensemble` calls ``build(seed)`` for each seed (a fresh model and its
# optimizer; the seed drives the initialization and, in ``fit``, the shuffling) and returns
# an :class:`minigrad.Ensemble`, which averages the members' probabilities.

X, Y = mg.dataset("moons", n=700, noise=0.35, seed=1)
(X_train, Y_train), (X_dev, Y_dev), _ = mg.split(X, Y, ratios=(2 / 7, 5 / 7), seed=0, stratify=True)


def build(seed):
    rng = np.random.default_rng(seed)
    model = mg.Sequential(
        mg.layer("dense", 2, 64, rng=rng), mg.layer("relu"),
        mg.layer("dense", 64, 64, rng=rng), mg.layer("relu"),
        mg.layer("dense", 64, 2, rng=rng),
    )  # fmt: skip
    return model, mg.optimizer("adam", model.parameters(), lr=0.01)


ensemble, histories = mg.fit_ensemble(
    build,
    (X_train, Y_train),
    seeds=range(7),
    loss="softmax_cross_entropy",
    epochs=150,
    batch_size=50,
    gradient_limits=None,
)


def dev_cross_entropy(probabilities):
    """The dev set's mean -log p(true class): how good the probabilities are."""
    return float(-np.mean(np.log(probabilities[np.arange(len(Y_dev)), Y_dev])))


for i, model in enumerate(ensemble.models):
    accuracy = float((mg.predict(model, X_dev) == Y_dev).mean())
    cross_entropy = dev_cross_entropy(mg.predict_proba(model, X_dev))
    print(f"model {i}: dev accuracy {accuracy:.1%}, dev cross-entropy {cross_entropy:.3f}")
print(
    f"ensemble: dev accuracy {ensemble.accuracy(X_dev, Y_dev):.1%}, "
    f"dev cross-entropy {dev_cross_entropy(ensemble.predict_proba(X_dev)):.3f}"
)

# %%
# The ensemble is more accurate than a typical member, and its probabilities are better
# than every member's (lower cross-entropy): averaging tempers each model's
# over-confident mistakes. The course's notes say an ensemble "can get you extra 2%
# performance", at the price of training and running several models.
#
# Seven boundaries and their average
# ----------------------------------

grid = np.meshgrid(np.linspace(-1.6, 2.6, 200), np.linspace(-1.3, 1.8, 200))
points = np.column_stack([g.ravel() for g in grid])
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained", sharey=True)
for model in ensemble.models:
    p = mg.predict_proba(model, points)[:, 1].reshape(grid[0].shape)
    axes[0].contour(*grid, p, levels=[0.5], colors="tab:grey", linewidths=0.8)
axes[0].set_title("the seven members' boundaries (p = 0.5)")
mg.plot_decision_boundary(
    ensemble.predict, X_train, Y_train, ax=axes[1], resolution=150, title="the ensemble's boundary"
)
axes[0].scatter(
    X_train[:, 0], X_train[:, 1], c=Y_train, cmap="coolwarm", s=10, edgecolors="k", linewidths=0.3
)
_ = axes[0].set_xlim(axes[1].get_xlim())

# %%
# Snapshot ensembles
# ------------------
# One run with the ``cosine_restarts`` schedule: the learning rate falls along a half
# cosine for ``period`` epochs, then jumps back. Each cycle ends in a minimum at a low
# learning rate, and the jump sends the next cycle elsewhere. ``fit(...,
# snapshot_every=period)`` keeps the weights at the end of every cycle (the ``snapshot``
# callback does the same), and :meth:`minigrad.Ensemble.from_snapshots` turns them into an
# ensemble: several models for the price of one training run.

model, optimizer = build(100)
history = mg.fit(
    model,
    (X_train, Y_train),
    dev=(X_dev, Y_dev),
    loss="softmax_cross_entropy",
    optimizer=optimizer,
    schedule=mg.schedule("cosine_restarts", 0.02, period=25),
    epochs=150,
    batch_size=50,
    snapshot_every=25,
    gradient_limits=None,
)
snapshots = mg.Ensemble.from_snapshots(model, history.snapshots)
accuracies = [float((mg.predict(member, X_dev) == Y_dev).mean()) for member in snapshots.models]
print("snapshot dev accuracies:", [f"{a:.1%}" for a in accuracies])
print(f"snapshot ensemble: {snapshots.accuracy(X_dev, Y_dev):.1%}")

fig, axes = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
epochs = np.arange(1, len(history) + 1)
axes[0].plot(epochs, history["lr"])
snapshot_epochs = np.arange(25, 151, 25)
axes[0].plot(snapshot_epochs, history["lr"][snapshot_epochs - 1], "o", color="tab:red", label="snapshots")
axes[0].set_xlabel("epoch")
axes[0].set_ylabel("learning rate")
axes[0].legend()
axes[1].plot(epochs, history["dev_accuracy"], label="dev accuracy of the run")
axes[1].plot(snapshot_epochs, accuracies, "o", color="tab:red", label="snapshots")
axes[1].axhline(snapshots.accuracy(X_dev, Y_dev), color="black", linestyle="--", label="snapshot ensemble")
axes[1].set_xlabel("epoch")
axes[1].legend()

# %%
# Members trained from different seeds disagree more than snapshots of one run, so
# independent ensembles usually gain more; snapshots are nearly free.
