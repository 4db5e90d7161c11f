r"""
Momentum, RMSprop and Adam
==========================

Gradient descent oscillates across a narrow valley and crawls along it. The course's
three remedies, all built on exponentially weighted averages of the gradient
:math:`g = \partial J/\partial W`:

* **momentum** steps along the average of recent gradients,
  :math:`v \leftarrow \beta v + (1-\beta) g,\; W \leftarrow W - \alpha v`: the
  oscillations cancel out, the steady direction adds up;
* **RMSprop** divides each coordinate by the root mean square of its recent gradients,
  :math:`s \leftarrow \beta_2 s + (1-\beta_2) g^2`,
  :math:`W \leftarrow W - \alpha g/(\sqrt s + \varepsilon)`: steep directions slow down,
  flat ones speed up;
* **Adam** combines the two, with bias correction.
"""

import matplotlib.pyplot as plt
import numpy as np

import minigrad as mg

# %%
# On a narrow valley
# ------------------
# :math:`J(w) = \tfrac12 (0.1\, w_1^2 + 4\, w_2^2)`: forty times steeper across than along.


def valley(w):
    return 0.5 * (w * w * mg.Tensor([0.1, 4.0])).sum()


def path(name, steps=60, **hyper):
    w = mg.Parameter(np.array([-9.0, 1.5]))
    optimizer = mg.optimizer(name, [w], **hyper)
    points = [w.data.copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        valley(w).backward()
        optimizer.step()
        points.append(w.data.copy())
    return np.array(points)


settings = {
    "gradient descent, lr 0.45": ("sgd", dict(lr=0.45)),
    "momentum, lr 0.45, beta 0.9": ("momentum", dict(lr=0.45, beta=0.9)),
    "RMSprop, lr 0.3, beta2 0.9": ("rmsprop", dict(lr=0.3, beta2=0.9)),
    "Adam, lr 0.5": ("adam", dict(lr=0.5)),
}
w1, w2 = np.meshgrid(np.linspace(-10, 2, 240), np.linspace(-2.2, 2.2, 120))
J = 0.5 * (0.1 * w1**2 + 4 * w2**2)

fig, axes = plt.subplots(2, 2, figsize=(12, 6), layout="constrained", sharex=True, sharey=True)
for ax, (title, (name, hyper)) in zip(axes.flat, settings.items()):
    points = path(name, **hyper)
    ax.contour(w1, w2, J, levels=np.geomspace(0.01, 20, 12), cmap="viridis", linewidths=0.8)
    ax.plot(points[:, 0], points[:, 1], "o-", color="tab:red", markersize=2.5, linewidth=1)
    final = 0.5 * (0.1 * points[-1, 0] ** 2 + 4 * points[-1, 1] ** 2)
    ax.set_title(f"{title}: J = {final:.1e} after 60 steps")
for ax in axes[1]:
    ax.set_xlabel("$w_1$")
for ax in axes[:, 0]:
    ax.set_ylabel("$w_2$")

# %%
# Gradient descent zig-zags across the valley: a larger learning rate would diverge
# across it, a smaller one would crawl along it. Momentum averages the zig-zag away into a
# slower swing and keeps its speed along the valley. RMSprop rescales each coordinate and
# heads straight along the valley (its steps stay close to ``lr`` in every direction, so it
# ends with a small oscillation across); Adam adds momentum to that.
#
# .. note::
#
#    minigrad's momentum is the course's, with the :math:`(1-\beta)` factor. PyTorch's
#    ``SGD(momentum=0.9)`` leaves it out, which makes its steps ten times larger: its
#    ``lr=0.045`` is our ``lr=0.45``.
#
# Training a network
# ------------------
# The course's exercise: the same 3-layer network on the two-moons data, trained with
# mini-batch gradient descent, momentum and Adam (and RMSprop here) for the same number of
# epochs, all with the same learning rate.

X, Y = mg.dataset("moons", n=300, noise=0.2, seed=3)
Y_column = Y[:, None].astype(float)


def network():
    return mg.Sequential(
        mg.layer("dense", 2, 5, rng=1), mg.layer("relu"),
        mg.layer("dense", 5, 2, rng=2), mg.layer("relu"),
        mg.layer("dense", 2, 1, rng=3),
    )  # fmt: skip


trained = {}
for title, name in {
    "mini-batch gradient descent": "sgd",
    "momentum": "momentum",
    "RMSprop": "rmsprop",
    "Adam": "adam",
}.items():
    model = network()
    history = mg.fit(
        model,
        (X, Y_column),
        loss="binary_cross_entropy",
        optimizer=mg.optimizer(name, model.parameters(), lr=0.003),
        epochs=200,
        batch_size=64,
        seed=0,
        gradient_limits=None,
    )
    trained[title] = (model, history)
    cost, accuracy = history["train_cost"][-1], history["train_accuracy"][-1]
    print(f"{title:28s} final cost {cost:.3f}, accuracy {accuracy:.1%}")

fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
for title, (_, history) in trained.items():
    ax.plot(history["train_cost"], label=title)
ax.set_xlabel("epoch")
ax.set_ylabel("training cost")
ax.set_title("Same network, same data, same mini-batches")
ax.legend()

# %%

fig, axes = plt.subplots(1, 4, figsize=(16, 4), layout="constrained")
for ax, (title, (model, history)) in zip(axes, trained.items()):
    mg.plot_decision_boundary(
        lambda P, model=model: mg.predict(model, P),
        X,
        Y,
        ax=ax,
        resolution=120,
        title=f"{title}\naccuracy {history['train_accuracy'][-1]:.1%}",
    )

# %%
# With one learning rate for all, the adaptive methods win clearly, as in the course. The
# course's momentum averages the gradients without enlarging them, so on this problem it
# follows plain gradient descent closely: it smooths the path, it does not lengthen the
# steps. RMSprop and Adam give every parameter its own step size, which here is much
# larger than the common one.
#
# Adam's defaults (:math:`\beta_1 = 0.9`, :math:`\beta_2 = 0.999`,
# :math:`\varepsilon = 10^{-8}`) rarely need changing; its learning rate does. See
# :doc:`/plugins/optimizers` for every rule's formula and options.
