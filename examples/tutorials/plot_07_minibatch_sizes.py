"""
Mini-batch size
===============

One epoch is one pass over the training set, cut into mini-batches of ``batch_size``
examples with one gradient step per mini-batch:

* ``batch_size = m``: **batch gradient descent**, one smooth but expensive step per epoch;
* ``batch_size = 1``: **stochastic gradient descent**, :math:`m` cheap, very noisy steps,
  and no benefit from vectorization;
* in between (the course suggests a power of two, 64 to 512): **mini-batch gradient
  descent**, many steps per epoch, each still vectorized.

The same network trained with the three on the same data, for the same number of epochs.
"""

import time

import matplotlib.pyplot as plt

import minigrad as mg

X, Y = mg.dataset("spirals", n=640, classes=3, noise=0.2, seed=0)
(X_train, Y_train), (X_dev, Y_dev), _ = mg.split(X, Y, ratios=(0.8, 0.2), seed=0, stratify=True)
m = len(X_train)
print(f"m = {m} training examples")


class BatchCosts:
    """Record the cost of every mini-batch (the course's noisy cost curve)."""

    def __init__(self):
        self.costs = []

    def on_batch_end(self, trainer, step, logs):
        self.costs.append(logs["cost"])


runs = {}
for name, batch_size, lr in [
    (f"batch (size {m})", m, 0.05),
    ("mini-batch (size 64)", 64, 0.05),
    ("stochastic (size 1)", 1, 0.005),
]:
    model = mg.Sequential(
        mg.layer("dense", 2, 32, rng=0), mg.layer("relu"), mg.layer("dense", 32, 32, rng=1), mg.layer("relu"),
        mg.layer("dense", 32, 3, rng=2),
    )  # fmt: skip
    costs = BatchCosts()
    start = time.perf_counter()
    history = mg.fit(
        model,
        (X_train, Y_train),
        dev=(X_dev, Y_dev),
        loss="softmax_cross_entropy",
        optimizer=mg.optimizer("adam", model.parameters(), lr=lr),
        epochs=8,
        batch_size=batch_size,
        callbacks=[costs],
        seed=0,
    )
    seconds = time.perf_counter() - start
    runs[name] = (history, costs.costs, seconds)
    print(
        f"{name:22s} {len(costs.costs):5d} steps, {seconds / 8 * 1000:7.1f} ms per epoch, "
        f"dev accuracy {history['dev_accuracy'][-1]:.1%}"
    )

# %%
# Cost per step
# -------------
# Each mini-batch is a different sample of the data, so its cost goes up and down around
# a falling trend; the smaller the batch, the noisier. Batch gradient descent's cost falls
# at every step, but it takes only 8 steps in 8 epochs. (Stochastic gradient descent needs
# a smaller learning rate to stay stable.)

fig, axes = plt.subplots(1, 3, figsize=(14, 4), layout="constrained", sharey=True)
for ax, (name, (_, costs, _)), beta in zip(axes, runs.items(), (None, 0.9, 0.99)):
    steps = range(1, len(costs) + 1)
    ax.plot(steps, costs, "o-" if len(costs) < 20 else "-", linewidth=0.6, markersize=3)
    if beta is not None:  # the trend: an exponentially weighted average of the costs
        ax.plot(steps, mg.ewma(costs, beta=beta), color="black", linewidth=1.2, label=f"EWMA, beta={beta}")
        ax.legend()
    ax.set_ylim(0, 2.5)
    ax.set_xlabel("step (mini-batch)")
    ax.set_title(name)
axes[0].set_ylabel("mini-batch cost")

# %%
# Progress per epoch and per second
# ---------------------------------
# Per epoch, mini-batches win by far: eight steps instead of one. Per second, the course's
# other point shows: size-1 batches lose the vectorization, so an epoch of SGD costs much
# more time than an epoch of either other method (your timings will differ; the ranking
# should not).

fig, axes = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
for name, (history, _, seconds) in runs.items():
    epochs = range(1, len(history) + 1)
    axes[0].plot(epochs, history["train_cost"], "o-", label=name)
    axes[1].plot([seconds * e / len(history) for e in epochs], history["train_cost"], "o-", label=name)
axes[0].set_xlabel("epoch")
axes[1].set_xlabel("seconds")
for ax in axes:
    ax.set_yscale("log")
    ax.set_ylabel("training cost")
    ax.legend()

# %%
# In practice: batch gradient descent for small training sets (the course says under
# about 2000 examples), mini-batches of 64 to 512 otherwise, a size that fits in memory.
# ``mg.fit(..., batch_size=...)`` and :func:`minigrad.minibatches` do the shuffling and the
# cutting; the last, smaller batch of an epoch is kept.
