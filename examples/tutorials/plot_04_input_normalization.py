r"""
Normalizing inputs
==================

When one input feature ranges over thousands and another over fractions, the cost
surface is a long, narrow valley: gradient descent must use a learning rate small
enough for the steep direction and then crawls along the flat one. Normalizing each
feature to mean 0 and variance 1 makes the valley round, so a large learning rate works.

:class:`minigrad.Normalizer` does it the course's way: the mean :math:`\mu` and variance
:math:`\sigma^2` of the **training set**, :math:`\hat x = (x - \mu)/\sqrt{\sigma^2 + \varepsilon}`,
and the same :math:`\mu, \sigma` for dev, test and every later prediction.
"""

import matplotlib.pyplot as plt
import numpy as np

import minigrad as mg

# %%
# The cost surface
# ----------------
# A linear model :math:`\hat y = w_1 x_1 + w_2 x_2` fitted by mean squared error to data
# whose second feature is ten times larger than the first. The cost is a quadratic in
# :math:`w` whose curvature along each axis is the feature's variance: 1 against 100.

rng = np.random.default_rng(0)
X = rng.normal(size=(200, 2)) * np.array([1.0, 10.0])
t = X @ np.array([1.0, 0.1]) + rng.normal(scale=0.1, size=200)
X_hat = mg.Normalizer().fit(X).transform(X)


def descend(X, lr, steps=40):
    """Batch gradient descent on J(w) = 1/m ||Xw - t||², from w = (-2, -2); the path."""
    w = mg.Parameter(np.array([-2.0, -2.0]))
    optimizer = mg.optimizer("sgd", [w], lr=lr)
    mse = mg.loss("mean_squared_error")
    path = [w.data.copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        mse((mg.Tensor(X) @ w).reshape(-1, 1), t[:, None]).backward()
        optimizer.step()
        path.append(w.data.copy())
    return np.array(path)


def cost_grid(X, w1, w2):
    W = np.stack([w1.ravel(), w2.ravel()])  # (2, k): one column per grid point
    return (((X @ W) - t[:, None]) ** 2).mean(axis=0).reshape(w1.shape)


w1, w2 = np.meshgrid(np.linspace(-2.5, 2.5, 200), np.linspace(-2.5, 2.5, 200))
fig, axes = plt.subplots(1, 2, figsize=(11, 5), layout="constrained")
for ax, (title, data, lr) in zip(
    axes,
    [("raw inputs, lr = 0.0095", X, 0.0095), ("normalized inputs, lr = 0.45", X_hat, 0.45)],
):
    ax.contour(w1, w2, cost_grid(data, w1, w2), levels=np.geomspace(0.05, 500, 14), cmap="viridis")
    path = descend(data, lr)
    ax.plot(path[:, 0], path[:, 1], "o-", color="tab:red", markersize=3, label="40 steps of gradient descent")
    ax.set_aspect("equal")
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title(title)
    ax.legend(loc="lower right")

# %%
# On the raw inputs any learning rate above :math:`2/100` makes :math:`w_2` diverge, and
# with one below it :math:`w_1` moves by only about 2% of its distance per step. After
# normalization both directions have curvature 1: the contours are circles and a learning
# rate fifty times larger goes straight to the minimum.
#
# Training a network
# ------------------
# The same effect on a classifier: two-moons data with the second feature scaled by 100
# and shifted by 300, as raw measurements often are.

X, Y = mg.dataset("moons", n=400, noise=0.2, seed=0)
X_raw = X * np.array([1.0, 100.0]) + np.array([0.0, 300.0])
(X_train, Y_train), (X_dev, Y_dev), _ = mg.split(X_raw, Y, seed=0)

normalizer = mg.Normalizer().fit(X_train)  # statistics of the training set only
print("mean", normalizer.mean.round(2), "std", np.sqrt(normalizer.variance).round(2))
X_train_hat, X_dev_hat = normalizer.transform(X_train), normalizer.transform(X_dev)
print(
    "normalized training set: mean",
    X_train_hat.mean(axis=0).round(6),
    "std",
    X_train_hat.std(axis=0).round(6),
)
print("normalized dev set:      mean", X_dev_hat.mean(axis=0).round(2), "std", X_dev_hat.std(axis=0).round(2))

# %%
# The dev set's statistics are close to, but not exactly, 0 and 1: it is transformed with
# the training set's :math:`\mu` and :math:`\sigma`, as every future input will be.


def train(X_tr, X_dv, lr):
    model = mg.Sequential(mg.layer("dense", 2, 16, rng=0), mg.layer("relu"), mg.layer("dense", 16, 2, rng=1))
    return mg.fit(
        model,
        (X_tr, Y_train),
        dev=(X_dv, Y_dev),
        loss="softmax_cross_entropy",
        optimizer=mg.optimizer("sgd", model.parameters(), lr=lr),
        epochs=100,
        batch_size=32,
        gradient_limits=None,
    )


runs = {
    "raw, lr = 1e-5": train(X_train, X_dev, 1e-5),
    "raw, lr = 1e-3": train(X_train, X_dev, 1e-3),
    "normalized, lr = 0.1": train(X_train_hat, X_dev_hat, 0.1),
}

fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
for name, history in runs.items():
    axes[0].plot(history["train_cost"], label=name)
    axes[1].plot(history["dev_accuracy"], label=name)
axes[0].set_yscale("log")
axes[0].set_ylabel("training cost")
axes[1].set_ylabel("dev accuracy")
for ax in axes:
    ax.set_xlabel("epoch")
    ax.legend()

for name, history in runs.items():
    print(f"{name:22s} dev accuracy after 100 epochs: {history['dev_accuracy'][-1]:.1%}")

# %%
# Save the normalizer with the model (``mg.save_checkpoint(path, model=..., normalizer=...)``,
# or ``data.normalize = true`` in a configuration file, the default): predictions need the
# very same transform.
