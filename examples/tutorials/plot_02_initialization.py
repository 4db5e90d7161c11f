r"""
Initialization: zeros, large random weights, He
===============================================

The course's initialization exercise: the same three-layer ReLU network
(2 → 10 → 5 → 1) trained on the same data, starting from three different weights:

* **zeros**, which fails to break the symmetry between hidden units;
* **large random values** (:math:`\mathcal N(0, 1) \cdot 10`), which break it but start
  with a huge cost and learn slowly;
* **He initialization** (:math:`\mathcal N(0, 2/n_{in})`), the course's choice for ReLU
  layers and minigrad's default.
"""

import matplotlib.pyplot as plt
import numpy as np

import minigrad as mg

# %%
# The data: two circles, one inside the other, which no straight line separates.

X, Y = mg.dataset("circles", n=400, noise=0.08, factor=0.5, seed=1)
(X_train, Y_train), (X_test, Y_test), _ = mg.split(X, Y, ratios=(0.75, 0.25), seed=0)
Y_train_col, Y_test_col = Y_train[:, None].astype(float), Y_test[:, None].astype(float)

# %%
# One network, three initializers. ``init=`` takes a registered initializer's name or an
# initializer object, here ``random_normal`` with a scale of 10. Biases start at zero in
# every case, as in the course.

initializers = {
    "zeros": "zeros",
    "random (x 10)": mg.initializer("random_normal", scale=10.0),
    "he": "he",
}


def network(init):
    return mg.Sequential(
        mg.layer("dense", 2, 10, init=init, rng=1),
        mg.layer("relu"),
        mg.layer("dense", 10, 5, init=init, rng=2),
        mg.layer("relu"),
        mg.layer("dense", 5, 1, init=init, rng=3),  # one logit: binary classification
    )


models, histories = {}, {}
for name, init in initializers.items():
    model = network(init)
    optimizer = mg.optimizer("sgd", model.parameters(), lr=0.1)
    histories[name] = mg.fit(
        model,
        (X_train, Y_train_col),
        dev=(X_test, Y_test_col),
        loss="binary_cross_entropy",
        optimizer=optimizer,
        epochs=600,
        batch_size=len(X_train),  # batch gradient descent, as in the exercise
        gradient_limits=None,  # zeros would (rightly) warn about vanishing gradients
    )
    models[name] = model
    print(
        f"{name:14s} cost {histories[name]['train_cost'][0]:8.3f} -> {histories[name]['train_cost'][-1]:.3f}"
        f"   train accuracy {histories[name]['train_accuracy'][-1]:.0%}"
        f"   test accuracy {histories[name]['dev_accuracy'][-1]:.0%}"
    )

# %%
# Cost curves
# -----------
# Zeros never move: with every weight 0, the ReLU units output 0 and nothing flows back.
# Large weights start from an enormous cost (the sigmoid saturates, so confident wrong
# answers cost a lot) and need many epochs to recover. He starts near :math:`\log 2` and
# goes down at once.

fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
for name, history in histories.items():
    ax.plot(history["train_cost"], label=name)
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("training cost J")
ax.set_title("Same network, three initializations")
ax.legend()

# %%
# Decision boundaries
# -------------------

fig, axes = plt.subplots(1, 3, figsize=(13, 4), layout="constrained")
for ax, (name, model) in zip(axes, models.items()):
    accuracy = histories[name]["dev_accuracy"][-1]
    mg.plot_decision_boundary(
        lambda P, model=model: mg.predict(model, P),
        X_test,
        Y_test,
        ax=ax,
        resolution=150,
        title=f"{name}: test accuracy {accuracy:.0%}",
    )

# %%
# Symmetry
# --------
# Why zeros fail even without ReLU's dead zero: every hidden unit of a layer computes the
# same function of the inputs and so receives the same gradient; they stay identical
# however long you train. Here is a ``tanh`` network whose hidden weights all start
# equal (0.5) instead of 0, so that they do move:

same = mg.Sequential(
    mg.layer("dense", 2, 4, init=lambda shape, **kw: np.full(shape, 0.5), rng=0),
    mg.layer("tanh"),
    mg.layer("dense", 4, 1, init=lambda shape, **kw: np.full(shape, 0.5), rng=0),
)
mg.fit(
    same,
    (X_train, Y_train_col),
    loss="binary_cross_entropy",
    optimizer=mg.optimizer("sgd", same.parameters(), lr=0.5),
    epochs=100,
    batch_size=len(X_train),
    gradient_limits=None,
)
W1 = same[0].W.data
print("hidden weights after training (one column per unit):\n", W1.round(4))
print("all four units identical:", bool(np.allclose(W1, W1[:, :1])))

# %%
# Random initialization breaks the symmetry; the **scale** of the random weights is the
# subject of the next lesson, :doc:`plot_05_vanishing_gradients`: He's
# :math:`\operatorname{Var}(W) = 2/n_{in}` keeps the activations of ReLU layers at the
# same scale from layer to layer.
