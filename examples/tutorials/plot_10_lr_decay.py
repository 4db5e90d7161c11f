r"""
Learning-rate decay
===================

With mini-batches, gradient descent never quite settles: each step follows one batch's
gradient, so near the minimum the parameters keep wandering around it, by an amount
proportional to the learning rate. Decaying the learning rate over the epochs takes big
steps early and small ones at the end. The course's schedules:

.. math::

   \alpha = \frac{\alpha_0}{1 + \text{decay\_rate}\cdot\text{epoch}}, \qquad
   \alpha = 0.95^{\text{epoch}}\,\alpha_0, \qquad
   \alpha = \frac{k}{\sqrt{\text{epoch}}}\,\alpha_0,

a discrete "staircase", or a manual piecewise schedule. In minigrad each is a registered
schedule, a pure function of the epoch (counted from 0).
"""

import matplotlib.pyplot as plt

import minigrad as mg

# %%
# The schedules
# -------------
# :func:`minigrad.schedule` builds one by name; :func:`minigrad.plot_schedule` draws it.

schedules = {
    "constant": mg.schedule("constant", 0.3),
    "inverse_time, decay_rate 0.1": mg.schedule("inverse_time", 0.3, decay_rate=0.1),
    "exponential, base 0.93": mg.schedule("exponential", 0.3, base=0.93),
    "inverse_sqrt, k 1": mg.schedule("inverse_sqrt", 0.3, k=1.0),
    "staircase, halve every 10": mg.schedule("staircase", 0.3, factor=0.5, step_size=10),
    "piecewise": mg.schedule("piecewise", 0.3, boundaries=[20, 40], values=[0.1, 0.03]),
    "cosine_restarts, period 20": mg.schedule("cosine_restarts", 0.3, period=20),
}
fig, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
for name, schedule in schedules.items():
    mg.plot_schedule(schedule, 60, ax=ax)
    ax.get_lines()[-1].set_label(name)
ax.set_title("Learning rate by epoch, lr0 = 0.3")
ax.legend(fontsize=8)

for name, schedule in list(schedules.items())[:4]:
    print(f"{name:30s}", [round(schedule(epoch), 4) for epoch in (0, 1, 10, 50)])

# %%
# Training with and without decay
# -------------------------------
# Plain mini-batch gradient descent with small batches (16 examples) and a large initial
# learning rate, for 60 epochs.

X, Y = mg.dataset("spirals", n=450, classes=3, noise=0.2, seed=0)
(X_train, Y_train), (X_dev, Y_dev), _ = mg.split(X, Y, ratios=(0.7, 0.3), seed=0, stratify=True)

histories = {}
for name in (
    "constant",
    "inverse_time, decay_rate 0.1",
    "exponential, base 0.93",
    "staircase, halve every 10",
):
    model = mg.Sequential(
        mg.layer("dense", 2, 32, rng=0), mg.layer("relu"), mg.layer("dense", 32, 32, rng=1), mg.layer("relu"),
        mg.layer("dense", 32, 3, rng=2),
    )  # fmt: skip
    histories[name] = mg.fit(
        model,
        (X_train, Y_train),
        dev=(X_dev, Y_dev),
        loss="softmax_cross_entropy",
        optimizer=mg.optimizer("sgd", model.parameters(), lr=0.3),
        schedule=schedules[name],
        epochs=60,
        batch_size=16,
        seed=0,
        gradient_limits=None,
    )

fig, axes = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
for name, history in histories.items():
    axes[0].plot(history["train_cost"], label=name)
    axes[1].plot(history["lr"], label=name)
axes[0].set_yscale("log")
axes[0].set_ylabel("training cost (whole training set)")
axes[1].set_ylabel("learning rate (history['lr'])")
for ax in axes:
    ax.set_xlabel("epoch")
axes[0].legend(fontsize=8)

for name, history in histories.items():
    last = history["train_cost"][-10:]
    print(f"{name:30s} last 10 epochs: cost {last.mean():.3f} +- {last.std():.3f}")

# %%
# With a constant rate the cost keeps jumping from epoch to epoch: each epoch ends wherever
# the last few noisy steps took it. With any of the decays it settles. The course ranks
# learning-rate decay low among the hyperparameters to tune (after the learning rate itself,
# momentum, the mini-batch size and the network's size), but it is cheap to add:
# ``mg.fit(..., schedule=...)``, ``mg.optimizer(..., schedule=...)``, or ``[schedule]`` in a
# configuration file. ``history["lr"]`` records the rate each epoch used.
