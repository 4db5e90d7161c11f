r"""
Softmax regression: more than two classes
=========================================

Softmax regression generalizes logistic regression to :math:`C` classes. The last layer
has :math:`C` units; the softmax turns their scores :math:`z` into probabilities,

.. math::

   \hat y_j = \frac{e^{z_j}}{\sum_{k=1}^{C} e^{z_k}},

and the loss is the cross-entropy :math:`\mathcal L = -\sum_j y_j \log \hat y_j`, averaged
over the examples. Its gradient is the course's :math:`dZ = \hat Y - Y` (over :math:`m`).
"""

import matplotlib.pyplot as plt
import numpy as np

import minigrad as mg

# %%
# Softmax and hardmax
# -------------------
# Softmax is a "soft" version of the hardmax, which puts 1 on the largest score and 0
# elsewhere. The ``softmax`` layer subtracts the maximum before exponentiating, so huge
# scores do not overflow.

z = mg.Tensor([[5.0, 2.0, -1.0, 3.0]])
print("softmax:", mg.layer("softmax")(z).data.round(3))
print("hardmax:", (z.data == z.data.max(axis=1, keepdims=True)).astype(float))

# %%
# With :math:`C = 2`, softmax over :math:`(z, 0)` is the sigmoid of :math:`z`: logistic
# regression is the two-class case.

scores = np.array([[-2.0, 0.0], [0.5, 0.0], [3.0, 0.0]])
print(mg.layer("softmax")(scores).data[:, 0].round(4), mg.layer("sigmoid")(scores[:, 0]).data.round(4))

# %%
# Four spiral arms
# ----------------
# Labels are integers :math:`0 \dots C-1` (one-hot rows work too). In minigrad the network
# outputs the scores :math:`Z^{[L]}` and the ``softmax_cross_entropy`` loss applies the
# softmax itself, in one fused, stable step; there is no softmax layer in the model.

C = 4
X, Y = mg.dataset("spirals", n=800, classes=C, noise=0.15, seed=0)
(X_train, Y_train), (X_dev, Y_dev), _ = mg.split(X, Y, ratios=(0.75, 0.25), seed=0, stratify=True)


def train(model, epochs):
    return mg.fit(
        model,
        (X_train, Y_train),
        dev=(X_dev, Y_dev),
        loss="softmax_cross_entropy",
        optimizer=mg.optimizer("adam", model.parameters(), lr=0.01),
        epochs=epochs,
        batch_size=64,
        seed=0,
    )


linear = mg.Sequential(mg.layer("dense", 2, C, rng=0))  # softmax regression itself
deep = mg.Sequential(
    mg.layer("dense", 2, 64, rng=1), mg.layer("relu"),
    mg.layer("dense", 64, 64, rng=2), mg.layer("relu"),
    mg.layer("dense", 64, C, rng=3),
)  # fmt: skip
histories = {"softmax regression (no hidden layer)": train(linear, 60), "two hidden layers": train(deep, 120)}

fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
for ax, (name, model) in zip(axes, zip(histories, (linear, deep))):
    accuracy = histories[name]["dev_accuracy"][-1]
    mg.plot_decision_boundary(
        lambda P, model=model: mg.predict(model, P),
        X_dev,
        Y_dev,
        ax=ax,
        resolution=150,
        title=f"{name}\ndev accuracy {accuracy:.1%}",
    )

# %%
# Softmax regression alone draws :math:`C` linear regions (each boundary is where two
# scores are equal); hidden layers bend them.
#
# Probabilities and errors
# ------------------------
# :func:`minigrad.predict_proba` gives one probability per class (rows sum to 1) and
# :func:`minigrad.predict` the most probable class.

P = mg.predict_proba(deep, X_dev[:3])
print(P.round(3), P.sum(axis=1))

predicted = mg.predict(deep, X_dev)
confusion = np.zeros((C, C), dtype=int)
np.add.at(confusion, (Y_dev, predicted), 1)
fig, ax = plt.subplots(figsize=(4.5, 4), layout="constrained")
ax.imshow(confusion, cmap="Blues")
for i in range(C):
    for j in range(C):
        ax.text(j, i, confusion[i, j], ha="center", va="center")
ax.set_xticks(range(C))
ax.set_yticks(range(C))
ax.set_xlabel("predicted class")
ax.set_ylabel("true class")
ax.set_title("Dev set confusion matrix")

# %%
# The gradient, checked
# ---------------------
# The fused loss's backward is :math:`dZ = (\hat Y - Y)/m`; here it is against the
# formula, and against finite differences.

Z = mg.Tensor(np.random.default_rng(0).normal(size=(5, C)), requires_grad=True)
labels = np.array([0, 3, 1, 1, 2])
mg.loss("softmax_cross_entropy")(Z, labels).backward()
Y_hat = np.exp(Z.data) / np.exp(Z.data).sum(axis=1, keepdims=True)
print("dZ = (Y_hat - Y) / m:", np.allclose(Z.grad, (Y_hat - np.eye(C)[labels]) / 5))
print("gradcheck:", mg.gradcheck(lambda t: mg.loss("softmax_cross_entropy")(t, labels), [Z.data]).verdict)
